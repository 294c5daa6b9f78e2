// Longer than 400 lines on purpose: the message verbs, their effects (take, burn, receipts) and
// the log reads share one locked transaction and the row types, so they stay one class. What
// stands alone has its module: accounts, transaction (retries, log appends), batcher (group
// commit), log-locks, schema, scrubber, node-registry, columns.
import { type BurnReason, CinderError, type MessageView, type SendResult } from '@cinder/protocol';
import {
  decideAccountDeletion,
  decideDelivered,
  decideExpiry,
  decideOpen,
  decideRead,
  decideRecall,
  decideRevoke,
  type Found,
  type OpenDecision,
} from '../../core/burn-rules.ts';
import {
  burnChange,
  compareText,
  contentOf,
  type EventRow,
  eventOf,
  foundOf,
  int,
  MESSAGE_META_COLUMNS,
  type MessageRow,
  messageMeta,
  newMessageView,
  parseExt,
  recallChange,
  refused,
  sendResultOf,
  type TombstoneRow,
  viewOf,
} from '../rows.ts';
import type {
  AccountDeletion,
  ActInput,
  ActOutcome,
  BurnedRecord,
  Changed,
  EventPage,
  InsertInput,
  InsertOutcome,
  LogBounds,
  LogFeed,
  LoggedEvent,
  OpenInput,
  OpenOutcome,
  Party,
  PruneOutcome,
  ReadInput,
  RecallInput,
  Storage,
  StorageLogger,
} from '../storage.ts';
import { PostgresAccounts, usersWithoutReceipts } from './accounts.ts';
import { Batcher } from './batcher.ts';
import { EVENT_COLUMNS, MESSAGE_COLUMNS } from './columns.ts';
import { type LogLockKeys, logLockKeys } from './log-locks.ts';
import { LogMirror } from './log-mirror.ts';
import { openNodePostgresPool } from './node-postgres.ts';
import { NodeConflictError, NodeRegistry, type RegistryLogger } from './node-registry.ts';
import type { PostgresPool, PostgresPoolOpener } from './postgres-pool.ts';
import { PostgresPush } from './push.ts';
import { quoteIdent, schemaStatements } from './schema.ts';
import { Scrubber, type ScrubMode } from './scrubber.ts';
import { inTransaction, LogWriter, type NewEvent, type Tx } from './transaction.ts';
import { chunkDeletion, PostgresUploads } from './uploads.ts';

/** A burn message to burn, and why. `opened` takes its content (the `take` effect). */
interface Burn {
  row: MessageRow;
  reason: BurnReason;
  at: number;
}

/** A burn message's content as `burn_contents` holds it (`ext` as JSON). */
interface StoredContent {
  text: string;
  ext: string | null;
}

/** A receipt to add, who it is from, and when. */
interface Receipt {
  row: MessageRow;
  by: string;
  at: number;
}

/** One read of a user's log. */
interface EventRead {
  userId: string;
  after: number;
  limit: number;
}

/**
 * Batches of one kind running at once on a node. Calls that arrive while they run wait and form
 * the next batch (group commit): under load a batch grows, and the transactions per verb fall.
 */
const BATCHES = 3;
/** Most calls in one batch (bounds a statement's arrays and a transaction's locks). */
const MAX_BATCH = 256;

/** Options of the PostgreSQL storage. */
export interface PostgresStorageOptions {
  /** Connection URL, `postgres://user:password@host:5432/database`. Never logged. */
  url: string;
  /**
   * Schema holding Cinder's tables, created if missing. Nodes of one cluster share it; tests
   * isolate themselves in a fresh one each. Letters, digits and `_`.
   * @default 'public'
   */
  schema?: string;
  /** Most connections this node opens. @default 10 */
  poolSize?: number;
  /** How to open the pool. @default node-postgres (`pg`) */
  open?: PostgresPoolOpener;
  /**
   * What to do to the tables burned bytes were deleted from (`burn_contents`, `upload_chunks`)
   * after burns and after deletes of uploads (see `ScrubMode`). @default 'auto'
   */
  scrub?: ScrubMode;
  /** Delay between a burn and its scrub; burns in the meantime share one. @default 1000 */
  scrubDelayMs?: number;
  /** Largest table that `auto` still rewrites (`VACUUM FULL`), per table. @default 16 MiB */
  rewriteMaxBytes?: number;
  /** How often a node looks for scrubs other nodes left pending (see `Scrubber`). @default 2000 */
  scrubCheckMs?: number;
  /**
   * Register as a server node in the schema's `nodes` table (see `NodeRegistry`) with this bus:
   * `memory` refuses to start beside any other live node, `redis:<prefix>` beside a node with
   * another bus. Servers set it; a storage opened by a tool or a test does not register.
   * @default undefined (not registered)
   */
  node?: { bus: string; heartbeatMs?: number; ttlMs?: number };
  /**
   * Serve live events from log tails in memory (log-mirror.ts). Only for a node that is the only
   * writer of its schema, or one whose hub feeds the tails other nodes' appends (`logFeed`).
   * @default true for a node registered with the `memory` bus (which the registry lets run alone)
   */
  tails?: boolean;
  logger?: PostgresLogger;
}

/** What the PostgreSQL storage logs with (pino's Logger is one). Never content. */
export interface PostgresLogger extends StorageLogger, RegistryLogger {}

const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
/** How long the startup scrub waits for its table lock (other nodes may be busy with it). */
const STARTUP_LOCK_TIMEOUT_MS = 10_000;

/**
 * Storage on PostgreSQL, for several server nodes sharing one database. Every verb that burns is
 * one transaction (lock the message row, take the content, delete every copy, tombstone, events),
 * so racing opens from any nodes leave exactly one winner: the others wait on the row lock and
 * then find it gone. The sweeper takes due messages with `FOR UPDATE SKIP LOCKED`, so sweepers on
 * several nodes never burn one message twice. Log order under concurrency: see `log-locks.ts`.
 *
 * Group commit (`Batcher`): the sends of one event-loop turn, and those that arrive while earlier
 * batches run, are one transaction of two statements (claim the keys and insert the messages;
 * append the events and commit); opens likewise (lock the rows, in id order; burn them, append,
 * commit), each open decided by burn-rules.ts on the rows as locked. Two calls on one send key or
 * one message never share a batch. A batch that fails runs again one call at a time, so only the
 * call that failed it fails. Log reads of one turn are one statement.
 */
export class PostgresStorage implements Storage {
  readonly #options: PostgresStorageOptions;
  readonly #schema: string;
  readonly accounts: PostgresAccounts;
  readonly uploads: PostgresUploads;
  readonly push: PostgresPush;
  readonly #log: LogWriter;
  readonly #locks: LogLockKeys;
  readonly #mirror: LogMirror | null;
  /** The tails, for the hub to feed with other nodes' appends (present when they are kept). */
  readonly logFeed?: LogFeed;
  readonly #sends: Batcher<InsertInput, InsertOutcome>;
  readonly #opens: Batcher<OpenInput, OpenOutcome>;
  readonly #reads: Batcher<EventRead, EventPage>;
  #pool: PostgresPool | null = null;
  #scrubber: Scrubber | null = null;
  #registry: NodeRegistry | null = null;

  constructor(options: PostgresStorageOptions) {
    const schema = options.schema ?? 'public';
    if (!SCHEMA_NAME.test(schema)) {
      throw new Error(`Not a schema name: "${schema}" (use letters, digits and _)`);
    }
    this.#options = options;
    this.#schema = quoteIdent(schema);
    this.accounts = new PostgresAccounts(() => this.#db(), this.#schema, options.logger);
    this.push = new PostgresPush(() => this.#db(), this.#schema);
    this.uploads = new PostgresUploads(() => this.#db(), this.#schema, {
      queue: options.scrub !== 'off',
      schedule: () => this.#scrubber?.schedule(),
    });
    this.#locks = logLockKeys(schema);
    this.#mirror = (options.tails ?? options.node?.bus === 'memory') ? new LogMirror() : null;
    if (this.#mirror) this.logFeed = this.#mirror;
    this.#log = new LogWriter(this.#schema, this.#locks, this.#mirror);
    // Verbs that arrive together share a transaction and multi-row statements. Two calls on one
    // send key or one message never share a batch: each is decided after the one before it.
    this.#sends = new Batcher<InsertInput, InsertOutcome>({
      run: (inputs) => this.#tx((tx) => this.#insertAll(tx, inputs)),
      concurrency: BATCHES,
      maxItems: MAX_BATCH,
      keyOf: sendKeyOf,
    });
    this.#opens = new Batcher({
      run: (inputs) => this.#tx((tx) => this.#openAll(tx, inputs)),
      concurrency: BATCHES,
      maxItems: MAX_BATCH,
      keyOf: (input) => input.id,
    });
    this.#reads = new Batcher({
      run: (reads) => this.#readAll(reads),
      concurrency: BATCHES,
      maxItems: MAX_BATCH,
    });
  }

  async init(): Promise<void> {
    const open =
      this.#options.open ??
      ((url: string) =>
        openNodePostgresPool(url, {
          max: this.#options.poolSize ?? 10,
          ...(this.#options.logger ? { logger: this.#options.logger } : {}),
        }));
    const pool = open(this.#options.url);
    this.#pool = pool;
    try {
      await this.#tx(async (tx) => {
        // Nodes starting together migrate one at a time (CREATE ... IF NOT EXISTS can race).
        await tx.q('SELECT pg_advisory_xact_lock($1)', [this.#locks.migrate]);
        for (const statement of schemaStatements(this.#schema)) await tx.q(statement);
      });
      const node = this.#options.node;
      if (node) {
        this.#registry = new NodeRegistry({
          pool,
          schema: this.#options.schema ?? 'public',
          table: `${this.#schema}.nodes`,
          migrateLock: this.#locks.migrate,
          bus: node.bus,
          carries: this.#mirror !== null,
          ...(node.heartbeatMs !== undefined ? { heartbeatMs: node.heartbeatMs } : {}),
          ...(node.ttlMs !== undefined ? { ttlMs: node.ttlMs } : {}),
          ...(this.#options.logger ? { logger: this.#options.logger } : {}),
        });
        await this.#registry.register();
        const registry = this.#registry;
        this.#mirror?.carryWhile(() => registry.carrying());
      }
      this.#scrubber = new Scrubber({
        pool,
        tables: [
          { name: `${this.#schema}.burn_contents`, flag: 'contents' },
          { name: `${this.#schema}.upload_chunks`, flag: 'chunks' },
        ],
        queue: `${this.#schema}.scrub_queue`,
        ...(this.#options.scrub ? { mode: this.#options.scrub } : {}),
        ...(this.#options.scrubDelayMs !== undefined ? { delayMs: this.#options.scrubDelayMs } : {}),
        ...(this.#options.rewriteMaxBytes !== undefined
          ? { rewriteMaxBytes: this.#options.rewriteMaxBytes }
          : {}),
        ...(this.#options.scrubCheckMs !== undefined ? { checkEveryMs: this.#options.scrubCheckMs } : {}),
        ...(this.#options.logger ? { logger: this.#options.logger } : {}),
      });
      // A crash may have left burns unscrubbed: scrub before anything is served.
      await this.#scrubber.run(STARTUP_LOCK_TIMEOUT_MS);
      this.#scrubber.start();
    } catch (error) {
      this.#pool = null;
      await this.#registry?.close().catch(() => {});
      this.#registry = null;
      await pool.end().catch(() => {});
      // Its message is already the whole explanation.
      if (error instanceof NodeConflictError) throw error;
      const why = error instanceof Error ? error.message : String(error);
      throw new Error(`Cannot open PostgreSQL at ${where(this.#options.url)}: ${why}`, { cause: error });
    }
  }

  async close(): Promise<void> {
    const pool = this.#pool;
    if (!pool) return;
    await this.#registry?.close();
    this.#registry = null;
    await this.#scrubber?.close();
    await this.accounts.flush();
    this.#scrubber = null;
    this.#pool = null;
    await pool.end();
  }

  async ping(): Promise<void> {
    await this.#db().query('SELECT 1');
  }

  /** True while another live node shares the schema without a bus in common (see `NodeRegistry`). */
  clusterConflict(): boolean {
    return this.#registry?.conflict() ?? false;
  }

  /**
   * Scrub `burn_contents` and `upload_chunks` now (what the server does 1 s after burns). For
   * tests and operators; resolves when done.
   */
  async scrub(): Promise<void> {
    await this.#scrubber?.run();
  }

  #db(): PostgresPool {
    if (!this.#pool) throw new CinderError('UNAVAILABLE', 'Storage is closed');
    return this.#pool;
  }

  /** Run `fn` in one transaction (transaction.ts); a commit that burned schedules a scrub. */
  async #tx<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    const { value, burned } = await inTransaction(this.#db(), fn, this.#log);
    if (burned) this.#scrubber?.schedule();
    return value;
  }

  // -------------------------------------------------------------------------
  // Messages and the burn verbs
  // -------------------------------------------------------------------------

  insertMessage(input: InsertInput): Promise<InsertOutcome> {
    return this.#sends.submit(input);
  }

  /** Store the messages of one batch, in order, in the caller's transaction. */
  async #insertAll(tx: Tx, inputs: readonly InsertInput[]): Promise<InsertOutcome[]> {
    const s = this.#schema;
    const results = inputs.map((input) => sendResultOf(input.message));
    const mine = await this.#claimAndInsert(tx, inputs, results);
    const repeats = inputs.filter((input) => !mine.has(sendKeyOf(input)));
    const prior = new Map<string, SendResult>();
    if (repeats.length > 0) {
      const { rows } = await tx.q<{ device_id: string; key: string; result: string }>(
        `SELECT s.device_id, s.key, s.result FROM ${s}.sends s
         JOIN unnest($1::text[], $2::text[]) AS k(device_id, key) USING (device_id, key)`,
        [repeats.map((input) => input.deviceId), repeats.map((input) => input.key)],
      );
      for (const row of rows)
        prior.set(sendKeyOf({ deviceId: row.device_id, key: row.key }), JSON.parse(row.result) as SendResult);
    }
    // The upload becomes the message's blob here, or the transaction (the key's claim too) fails.
    for (const { message: m, deviceId } of inputs.filter((input) => mine.has(sendKeyOf(input)))) {
      if (!m.attachment) continue;
      const attached = await tx.q(
        `UPDATE ${s}.uploads SET message_id = $1
         WHERE id = $2 AND device_id = $3 AND size = $4 AND received = size AND message_id IS NULL`,
        [m.id, m.attachment.upload, deviceId, m.attachment.view.size],
      );
      if ((attached.rowCount ?? 0) === 0)
        throw new CinderError('BAD_REQUEST', 'The upload cannot be attached');
    }
    return inputs.map((input, i): InsertOutcome => {
      if (!mine.has(sendKeyOf(input))) {
        const first = prior.get(sendKeyOf(input));
        // Pruned between the two statements (a key older than the retention): the client retries.
        if (!first) throw new CinderError('UNAVAILABLE', 'Could not store the message');
        return { result: first, created: false, wake: [], pushable: false };
      }
      const m = input.message;
      const event = {
        kind: 'message' as const,
        messageId: m.id,
        conversation: m.conversation,
        detail: null,
        ...(this.#mirror ? { message: newMessageView(m) } : {}),
      };
      tx.events.push(
        { ...event, userId: m.to.id, originDevice: null, byName: null, at: m.sentAt },
        { ...event, userId: m.from.id, originDevice: input.deviceId, byName: null, at: m.sentAt },
      );
      return {
        result: results[i] as SendResult,
        created: true,
        wake: [m.to.id, m.from.id],
        pushable: mine.get(sendKeyOf(input)) === true,
      };
    });
  }

  /**
   * Claim the send keys and insert the messages whose key this claimed, in one statement; returns
   * the claimed keys (`device key`), each with whether its recipient has a push subscription. Keys are claimed in key order, so batches claiming one key
   * wait in one order; a concurrent retry with one of them waits for our commit, then finds our
   * result. Messages go in in the inputs' order. Burn content goes to its own table, never to
   * `messages`.
   */
  async #claimAndInsert(
    tx: Tx,
    inputs: readonly InsertInput[],
    results: readonly SendResult[],
  ): Promise<Map<string, boolean>> {
    const s = this.#schema;
    const claims = inputs
      .map((input, i) => ({ input, result: results[i] }))
      .sort((a, b) => compareText(sendKeyOf(a.input), sendKeyOf(b.input)));
    const metas = inputs.map((input) => messageMeta(input.message));
    const column = (i: number) => metas.map((meta) => meta[i]);
    const extOf = (m: InsertInput['message']) => (m.ext === null ? null : JSON.stringify(m.ext));
    const { rows } = await tx.q<{ device_id: string; key: string; pushable: boolean }>(
      `WITH claimed AS (
         INSERT INTO ${s}.sends (device_id, key, result, at)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[])
         ON CONFLICT (device_id, key) DO NOTHING RETURNING device_id, key),
       t AS (
         SELECT * FROM unnest($5::text[], $6::text[], $7::boolean[], $8::text[], $9::text[], $10::text[],
           $11::text[], $12::text[], $13::text[], $14::bigint[], $15::integer[], $16::integer[], $17::bigint[],
           $18::integer[], $19::text[], $20::text[], $21::text[], $22::text[])
           WITH ORDINALITY AS t(device_id, key, burn, id, conversation, sender_id, sender, recipient_id,
             recipient, sent_at, ttl_seconds, view_seconds, expires_at, size, sealed_for, attachment, text, ext, i)
         JOIN claimed USING (device_id, key)),
       m AS (
         INSERT INTO ${s}.messages (${MESSAGE_META_COLUMNS}, text, ext)
         SELECT ${MESSAGE_META_COLUMNS}, CASE WHEN burn THEN NULL ELSE text END, CASE WHEN burn THEN NULL ELSE ext END
         FROM t ORDER BY i),
       b AS (
         INSERT INTO ${s}.burn_contents (message_id, text, ext) SELECT id, text, ext FROM t WHERE burn)
       SELECT device_id, key,
         EXISTS (SELECT 1 FROM ${s}.push_subscriptions p WHERE p.user_id = t.recipient_id) AS pushable
       FROM t`,
      [
        claims.map((c) => c.input.deviceId),
        claims.map((c) => c.input.key),
        claims.map((c) => JSON.stringify(c.result)),
        claims.map((c) => c.input.at),
        inputs.map((input) => input.deviceId),
        inputs.map((input) => input.key),
        inputs.map((input) => input.message.burn !== undefined),
        ...Array.from({ length: 13 }, (_, i) => column(i)),
        inputs.map((input) => input.message.text),
        inputs.map((input) => extOf(input.message)),
      ],
    );
    return new Map(rows.map((row) => [sendKeyOf({ deviceId: row.device_id, key: row.key }), row.pushable]));
  }

  openMessage(input: OpenInput): Promise<OpenOutcome> {
    return this.#opens.submit(input);
  }

  /** Open the messages of one batch (distinct ids) in the caller's transaction. */
  async #openAll(tx: Tx, inputs: readonly OpenInput[]): Promise<OpenOutcome[]> {
    // The rows and the readers' settings in one round trip (pipelined in the transaction).
    const [found, silent] = await Promise.all([
      this.#findAll(
        tx,
        inputs.map((input) => input.id),
        'UPDATE',
      ),
      usersWithoutReceipts(
        { query: tx.q },
        this.#schema,
        inputs.filter((input) => input.readReceipts === undefined).map((input) => input.userId),
      ),
    ]);
    const decisions = inputs.map((input) =>
      decideOpen(
        found(input.id),
        input.userId,
        input.at,
        input.deviceId,
        input.readReceipts ?? !silent.has(input.userId),
      ),
    );
    const burns: Burn[] = [];
    const receipts: Receipt[] = [];
    decisions.forEach((decision, i) => {
      const at = (inputs[i] as OpenInput).at;
      if (decision.effect === 'take') burns.push({ row: decision.message, reason: 'opened', at });
      if (decision.effect === 'expire') burns.push({ row: decision.message, reason: 'expired', at });
      if (decision.effect === 'receipt')
        receipts.push({ row: decision.message, by: decision.message.recipient, at });
    });
    // Without receipts, nothing of the commit waits for an answer: the burn, the append and the
    // COMMIT go out together.
    const [taken, added] = await Promise.all([
      this.#burn(tx, burns),
      receipts.length > 0 ? this.#receipts(tx, receipts, 'read') : Promise.resolve(new Set<string>()),
      receipts.length > 0 ? undefined : tx.commit(),
    ]);
    return decisions.map((decision) => openOutcome(decision, taken, added));
  }

  async revokeMessage(input: ActInput): Promise<ActOutcome> {
    return this.#tx(async (tx): Promise<ActOutcome> => {
      const found = await this.#findAll(tx, [input.id], 'UPDATE');
      const decision = decideRevoke(found(input.id), input.userId, input.at);
      if (decision.effect === 'refuse') return refused(decision.refusal);
      const reason = decision.effect === 'burn' ? decision.reason : 'expired';
      await this.#burn(tx, [{ row: decision.message, reason, at: input.at }]);
      const change = burnChange([decision.message], reason);
      return decision.effect === 'burn' ? { kind: 'done', ...change } : refused(decision.refusal, change);
    });
  }

  async readMessage(input: ReadInput): Promise<ActOutcome> {
    return this.#tx(async (tx): Promise<ActOutcome> => {
      const [found, silent] = await Promise.all([
        this.#findAll(tx, [input.id], 'SHARE'),
        usersWithoutReceipts(
          { query: tx.q },
          this.#schema,
          input.readReceipts === undefined ? [input.reader.id] : [],
        ),
      ]);
      const decision = decideRead(
        found(input.id),
        input.reader.id,
        input.readReceipts ?? !silent.has(input.reader.id),
      );
      if (decision.effect === 'refuse') return refused(decision.refusal);
      if (decision.effect === 'ignore') return { kind: 'done', wake: [], burned: [] };
      const receipt = { row: decision.message, by: input.reader.username, at: input.at };
      const added = await this.#receipts(tx, [receipt], 'read');
      return { kind: 'done', wake: added.size > 0 ? [decision.message.sender_id] : [], burned: [] };
    });
  }

  async deleteAccount(userId: string, at: number): Promise<AccountDeletion> {
    const s = this.#schema;
    const deletion = await this.#tx(async (tx): Promise<AccountDeletion> => {
      // The user's row first, locked: a send to it that raced ahead commits before this reads.
      await tx.q(`SELECT id FROM ${s}.users WHERE id = $1 FOR UPDATE`, [userId]);
      const { rows } = await tx.q<MessageRow>(
        `SELECT ${MESSAGE_COLUMNS} FROM ${s}.messages m WHERE m.sender_id = $1 OR m.recipient_id = $1
         ORDER BY m.id FOR UPDATE`,
        [userId],
      );
      const burns: Burn[] = [];
      const forgotten: MessageRow[] = [];
      const wake = new Set<string>();
      for (const row of rows) {
        const decision = decideAccountDeletion(foundOf(row), userId);
        if (!decision) continue;
        if (decision.effect === 'burn') burns.push({ row: decision.message, reason: decision.reason, at });
        else forgotten.push(decision.message);
        wake.add(row.sender_id === userId ? row.recipient_id : row.sender_id);
      }
      await this.#burn(tx, burns);
      // The deleted user's own log is deleted below: its half of the burns is not appended.
      for (let i = tx.events.length - 1; i >= 0; i--) {
        if (tx.events[i]?.userId === userId) tx.events.splice(i, 1);
      }
      const ids = forgotten.map((row) => row.id);
      const { rows: devices } = await tx.q<{ id: string }>(
        `WITH normal AS (DELETE FROM ${s}.messages WHERE id = ANY($2::text[])),
              queued AS (DELETE FROM ${s}.events WHERE kind = 'message' AND message_id = ANY($2::text[])),
              receipts AS (DELETE FROM ${s}.receipts WHERE message_id = ANY($2::text[])),
              devices AS (DELETE FROM ${s}.devices WHERE user_id = $1 RETURNING id),
              uploads AS (DELETE FROM ${s}.uploads
                WHERE message_id = ANY($2::text[]) OR device_id IN (SELECT id FROM devices) RETURNING id),
              ${this.#deleteChunks(tx, 'SELECT id FROM uploads')},
              sends AS (DELETE FROM ${s}.sends WHERE device_id IN (SELECT id FROM devices)),
              push AS (DELETE FROM ${s}.push_subscriptions WHERE user_id = $1),
              log AS (DELETE FROM ${s}.events WHERE user_id = $1),
              stones AS (DELETE FROM ${s}.tombstones WHERE sender_id = $1 OR recipient_id = $1),
              blocks AS (DELETE FROM ${s}.blocks WHERE user_id = $1 OR blocked_id = $1),
              gone AS (DELETE FROM ${s}.users WHERE id = $1)
         SELECT id FROM devices ORDER BY id`,
        [userId, ids],
      );
      wake.delete(userId);
      return {
        wake: [...wake],
        burned: burnsOf(burns),
        devices: devices.map((d) => d.id),
      };
    });
    // The log tails may hold the user's events and the deleted messages' views: start again.
    this.#mirror?.reset();
    return deletion;
  }

  async recallMessage(input: RecallInput): Promise<ActOutcome> {
    return this.#tx(async (tx): Promise<ActOutcome> => {
      const found = (await this.#findAll(tx, [input.id], 'UPDATE'))(input.id);
      const sentAt = found.state === 'live' ? int(found.message.sent_at) : null;
      const decision = decideRecall(found, input.userId, input.at, sentAt, input.windowMs);
      if (decision.effect === 'refuse') return refused(decision.refusal);
      await this.#recall(tx, decision.message, input.at);
      return { kind: 'done', ...recallChange(decision.message) };
    });
  }

  async markDelivered(input: { ids: readonly string[]; recipient: Party; at: number }): Promise<Changed> {
    if (input.ids.length === 0) return { wake: [], burned: [] };
    const ids = [...new Set(input.ids)];
    return this.#tx(async (tx) => {
      // FOR SHARE: a burn cannot delete them under us.
      const found = await this.#findAll(tx, ids, 'SHARE');
      // Receipts in the order the ids were given.
      const eligible: Receipt[] = [];
      for (const id of ids) {
        const decision = decideDelivered(found(id), input.recipient.id, input.at);
        if (decision.effect === 'receipt') {
          eligible.push({ row: decision.message, by: input.recipient.username, at: input.at });
        }
      }
      const added = await this.#receipts(tx, eligible, 'delivered');
      const wake = new Set(eligible.filter((r) => added.has(r.row.id)).map((r) => r.row.sender_id));
      return { wake: [...wake], burned: [] };
    });
  }

  async expireDue(now: number, limit: number): Promise<Changed> {
    return this.#tx(async (tx) => {
      // SKIP LOCKED: a message another node's sweeper (or an open) holds is theirs to burn.
      const { rows } = await tx.q<MessageRow>(
        `SELECT ${MESSAGE_COLUMNS} FROM ${this.#schema}.messages m
         WHERE m.expires_at IS NOT NULL AND m.expires_at <= $1
         ORDER BY m.expires_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [now, limit],
      );
      const due: MessageRow[] = [];
      for (const row of rows) {
        const decision = decideExpiry(foundOf(row), now);
        if (decision.effect === 'burn') due.push(decision.message);
      }
      await this.#burn(
        tx,
        due.map((row) => ({ row, reason: 'expired' as const, at: now })),
      );
      return burnChange(due, 'expired');
    });
  }

  /**
   * The messages under `ids` for the burn rules, locked in id order (so two transactions that
   * overlap never wait on each other in a cycle; `FOR UPDATE` where a burn may follow), and the
   * tombstones of those that are gone. Returns a lookup by id.
   */
  async #findAll(
    tx: Tx,
    ids: readonly string[],
    lock: 'UPDATE' | 'SHARE',
  ): Promise<(id: string) => Found<MessageRow>> {
    const s = this.#schema;
    const { rows } = await tx.q<MessageRow>(
      `SELECT ${MESSAGE_COLUMNS} FROM ${s}.messages m WHERE m.id = ANY($1::text[]) ORDER BY m.id FOR ${lock}`,
      [ids],
    );
    const live = new Map(rows.map((row) => [row.id, row]));
    const gone = ids.filter((id) => !live.has(id));
    const tombstones = new Map<string, TombstoneRow>();
    if (gone.length > 0) {
      const stones = await tx.q<TombstoneRow & { message_id: string }>(
        `SELECT message_id, sender_id, recipient_id, reason FROM ${s}.tombstones WHERE message_id = ANY($1::text[])`,
        [gone],
      );
      for (const row of stones.rows) tombstones.set(row.message_id, row);
    }
    return (id) => foundOf(live.get(id), tombstones.get(id));
  }

  /**
   * Burn locked burn messages: delete the content, the blob and every queued copy, keep
   * tombstones, and queue `burned` for both users' logs. Resolves to the content of those
   * `opened` (the `take` effect). Inside the caller's transaction; its one statement is sent
   * before this returns, so the caller may send `tx.commit()` right behind it.
   */
  #burn(tx: Tx, burns: readonly Burn[]): Promise<Map<string, StoredContent>> {
    const taken = new Map<string, StoredContent>();
    if (burns.length === 0) return Promise.resolve(taken);
    const s = this.#schema;
    const ids = burns.map((b) => b.row.id);
    // The scrub this burn needs, recorded with it: should this node die before its scrub, the
    // row tells every other node (and this one restarted) to finish it. One per transaction.
    const pending =
      !tx.contentsQueued && this.#options.scrub !== 'off'
        ? `pending AS (INSERT INTO ${s}.scrub_queue (contents, chunks) VALUES (true, false)),`
        : '';
    tx.contentsQueued = true;
    // Their blobs go too: the upload rows and every chunk of their bytes (the scrub removes the
    // chunks' dead rows from `upload_chunks`' files).
    const withBlob = burns.filter((b) => b.row.attachment !== null).map((b) => b.row.id);
    const blobs =
      withBlob.length > 0
        ? `blobs AS (DELETE FROM ${s}.uploads WHERE message_id = ANY($8::text[]) RETURNING id),
           ${this.#deleteChunks(tx, 'SELECT id FROM blobs')},`
        : '';
    const deleted = tx.q<{ message_id: string; text: string; ext: string | null }>(
      `WITH ${pending} ${blobs}
            content AS (DELETE FROM ${s}.burn_contents WHERE message_id = ANY($1::text[])
              RETURNING message_id, text, ext),
            gone AS (DELETE FROM ${s}.messages WHERE id = ANY($1::text[])),
            queued AS (DELETE FROM ${s}.events WHERE kind = 'message' AND message_id = ANY($1::text[])),
            receipts AS (DELETE FROM ${s}.receipts WHERE message_id = ANY($1::text[])),
            stones AS (INSERT INTO ${s}.tombstones (message_id, conversation, sender_id, recipient_id, reason, burned_at)
              SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[])
              ON CONFLICT (message_id) DO NOTHING)
       SELECT message_id, text, ext FROM content WHERE message_id = ANY($7::text[])`,
      [
        ids,
        burns.map((b) => b.row.conversation),
        burns.map((b) => b.row.sender_id),
        burns.map((b) => b.row.recipient_id),
        burns.map((b) => b.reason),
        burns.map((b) => b.at),
        burns.filter((b) => b.reason === 'opened').map((b) => b.row.id),
        ...(withBlob.length > 0 ? [withBlob] : []),
      ],
    );
    for (const { row, reason, at } of burns) {
      const event = { kind: 'burned' as const, originDevice: null, detail: reason, byName: null, at };
      const where = { messageId: row.id, conversation: row.conversation };
      tx.events.push(
        { ...event, ...where, userId: row.sender_id },
        { ...event, ...where, userId: row.recipient_id },
      );
    }
    tx.burned = true;
    return deleted.then(({ rows }) => {
      for (const row of rows) taken.set(row.message_id, { text: row.text, ext: row.ext });
      return taken;
    });
  }

  /** `chunkDeletion` in the caller's transaction, whose commit then schedules the scrub it queued. */
  #deleteChunks(tx: Tx, uploadIds: string): string {
    tx.burned = true;
    return chunkDeletion(this.#schema, uploadIds, this.#options.scrub !== 'off');
  }

  /**
   * Delete a locked recalled normal message (its text and ext live in its row), its blob, its
   * queued copies and receipts, and queue `recalled` for both users' logs. Inside the caller's
   * transaction.
   */
  async #recall(tx: Tx, row: MessageRow, at: number): Promise<void> {
    const s = this.#schema;
    const blobs =
      row.attachment !== null
        ? `blobs AS (DELETE FROM ${s}.uploads WHERE message_id = $1 RETURNING id),
           ${this.#deleteChunks(tx, 'SELECT id FROM blobs')},`
        : '';
    await tx.q(
      `WITH ${blobs}
            gone AS (DELETE FROM ${s}.messages WHERE id = $1),
            queued AS (DELETE FROM ${s}.events WHERE kind = 'message' AND message_id = $1)
       DELETE FROM ${s}.receipts WHERE message_id = $1`,
      [row.id],
    );
    const event = { kind: 'recalled' as const, originDevice: null, detail: null, byName: row.sender, at };
    const where = { messageId: row.id, conversation: row.conversation };
    tx.events.push(
      { ...event, ...where, userId: row.sender_id },
      { ...event, ...where, userId: row.recipient_id },
    );
  }

  /**
   * Add these receipts once per message and type, queueing a `receipt` event for each sender;
   * a repeat adds nothing. Returns the ids of the messages that got one.
   */
  async #receipts(tx: Tx, receipts: readonly Receipt[], type: 'delivered' | 'read'): Promise<Set<string>> {
    if (receipts.length === 0) return new Set();
    const inserted = await tx.q<{ message_id: string }>(
      `INSERT INTO ${this.#schema}.receipts (message_id, type) SELECT id, $2::text FROM unnest($1::text[]) AS id
       ON CONFLICT DO NOTHING RETURNING message_id`,
      [receipts.map((r) => r.row.id), type],
    );
    const added = new Set(inserted.rows.map((r) => r.message_id));
    for (const { row, by, at } of receipts) {
      if (!added.has(row.id)) continue;
      tx.events.push({
        kind: 'receipt',
        originDevice: null,
        detail: type,
        byName: by,
        at,
        userId: row.sender_id,
        messageId: row.id,
        conversation: row.conversation,
      } satisfies NewEvent);
    }
    return added;
  }

  // -------------------------------------------------------------------------
  // The event log
  // -------------------------------------------------------------------------

  readEvents(userId: string, after: number, limit: number): Promise<EventPage> {
    const read = () => this.#reads.submit({ userId, after, limit });
    return this.#mirror ? this.#mirror.read(userId, after, limit, read) : read();
  }

  /** Several reads of the log in one statement; one page per read, in order. */
  async #readAll(reads: readonly EventRead[]): Promise<EventPage[]> {
    const s = this.#schema;
    const { rows } = await this.#db().query<EventRow & { i: string }>(
      `SELECT r.i, x.* FROM unnest($1::text[], $2::bigint[], $3::integer[]) WITH ORDINALITY AS r(user_id, after, lim, i)
       CROSS JOIN LATERAL (
         SELECT ${EVENT_COLUMNS} FROM ${s}.events e
         LEFT JOIN ${s}.messages m ON e.kind = 'message' AND m.id = e.message_id
         WHERE e.user_id = r.user_id AND e.seq > r.after ORDER BY e.seq LIMIT r.lim) x
       ORDER BY r.i, x.seq`,
      [reads.map((r) => r.userId), reads.map((r) => r.after), reads.map((r) => r.limit)],
    );
    const pages = reads.map((read) => ({ read, rows: [] as EventRow[] }));
    for (const row of rows) pages[int(row.i) - 1]?.rows.push(row);
    return pages.map(({ read, rows: mine }) => {
      const events: LoggedEvent[] = [];
      for (const row of mine) {
        const event = eventOf(row);
        if (event) events.push({ event, originDevice: row.origin_device });
      }
      const last = mine.at(-1);
      return { events, last: last ? int(last.seq) : read.after, more: mine.length === read.limit };
    });
  }

  async logBounds(): Promise<LogBounds> {
    const s = this.#schema;
    const db = this.#db();
    const { rows } = await db.query<{ last_value: string; is_called: boolean; floor: string }>(
      `SELECT q.last_value, q.is_called, f.value AS floor FROM ${s}.event_seq q, ${s}.meta f WHERE f.key = 'floor'`,
    );
    // The barrier (see log-locks.ts): once granted, every seq up to the value read is settled.
    // Its own statement, so the lock is released as soon as it is granted.
    await db.query('SELECT pg_advisory_xact_lock($1)', [this.#locks.barrier]);
    const row = rows[0];
    return { head: row?.is_called ? int(row.last_value) : 0, floor: row ? int(row.floor) : 0 };
  }

  async listLiveMessages(
    userId: string,
    after: number | null,
    limit: number,
  ): Promise<{ messages: MessageView[]; next: number | null }> {
    const { rows } = await this.#db().query<MessageRow>(
      `SELECT ${MESSAGE_COLUMNS} FROM ${this.#schema}.messages m
       WHERE m.n > $1 AND (m.sender_id = $2 OR m.recipient_id = $2) ORDER BY m.n LIMIT $3`,
      [after ?? 0, userId, limit],
    );
    const last = rows.at(-1);
    return { messages: rows.map(viewOf), next: rows.length === limit && last ? int(last.n) : null };
  }

  async prune(before: number): Promise<PruneOutcome> {
    const s = this.#schema;
    return this.#tx(async (tx) => {
      // Delete a prefix of the log (everything up to the last old event) so the floor is exact.
      const { rows } = await tx.q<{ seq: string | null }>(
        `SELECT max(seq) AS seq FROM ${s}.events WHERE at < $1`,
        [before],
      );
      const last = rows[0]?.seq ?? null;
      let events = 0;
      if (last !== null) {
        tx.pruned = true;
        events = (await tx.q(`DELETE FROM ${s}.events WHERE seq <= $1`, [last])).rowCount ?? 0;
        await tx.q(`UPDATE ${s}.meta SET value = greatest(value, $1) WHERE key = 'floor'`, [last]);
      }
      const tombstones =
        (await tx.q(`DELETE FROM ${s}.tombstones WHERE burned_at < $1`, [before])).rowCount ?? 0;
      const sendKeys = (await tx.q(`DELETE FROM ${s}.sends WHERE at < $1`, [before])).rowCount ?? 0;
      return { events, tombstones, sendKeys };
    });
  }
}

/** The burns of an account deletion, as `Changed.burned` lists them. */
function burnsOf(burns: readonly Burn[]): BurnedRecord[] {
  return burns.map(({ row, reason }) => ({
    messageId: row.id,
    conversation: row.conversation,
    reason,
    expiresAt: row.expires_at === null ? null : int(row.expires_at),
  }));
}

/** A send's idempotency key as one string: its device, a space, its key (device ids hold no space). */
function sendKeyOf(send: { deviceId: string; key: string }): string {
  return `${send.deviceId} ${send.key}`;
}

/** What an open decided in a batch answers, given what the batch's burn took and which receipts it added. */
function openOutcome(
  decision: OpenDecision<MessageRow>,
  taken: ReadonlyMap<string, StoredContent>,
  added: ReadonlySet<string>,
): OpenOutcome {
  switch (decision.effect) {
    case 'take': {
      const row = decision.message;
      const content = taken.get(row.id);
      return {
        kind: 'taken',
        text: content?.text ?? '',
        ext: parseExt(content?.ext ?? null),
        viewSeconds: row.view_seconds ?? 0,
        sealed: row.sealed_for !== null,
        from: row.sender,
        ...burnChange([row], 'opened'),
      };
    }
    case 'receipt': {
      const row = decision.message;
      return {
        kind: 'read',
        ...contentOf(row),
        wake: added.has(row.id) ? [row.sender_id] : [],
        burned: [],
      };
    }
    case 'read':
      return { kind: 'read', ...contentOf(decision.message), wake: [], burned: [] };
    case 'expire':
      return refused(decision.refusal, burnChange([decision.message], 'expired'));
    case 'refuse':
      return refused(decision.refusal);
  }
}

/** Host, port and database of a URL, for messages: never its password. */
function where(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return '(unparsable URL)';
  }
}
