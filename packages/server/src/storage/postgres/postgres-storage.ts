// Longer than 400 lines on purpose: the message verbs, their effects (take, burn, receipts) and
// the log reads share one locked transaction and the row types, so they stay one class. What
// stands alone has its module: accounts, transaction (retries, log appends), log-locks, schema,
// scrubber, node-registry, columns.
import { type BurnReason, CinderError, type MessageView, type SendResult } from '@cinder/protocol';
import {
  decideDelivered,
  decideExpiry,
  decideOpen,
  decideRead,
  decideRevoke,
  type Found,
} from '../../core/burn-rules.ts';
import {
  burnChange,
  contentOf,
  type EventRow,
  eventOf,
  foundOf,
  int,
  MESSAGE_META_COLUMNS,
  type MessageRow,
  messageMeta,
  parseExt,
  refused,
  sendResultOf,
  type TombstoneRow,
  viewOf,
} from '../rows.ts';
import type {
  ActInput,
  ActOutcome,
  Changed,
  EventPage,
  InsertInput,
  InsertOutcome,
  LogBounds,
  LoggedEvent,
  OpenInput,
  OpenOutcome,
  Party,
  PruneOutcome,
  Storage,
  StorageLogger,
} from '../storage.ts';
import { PostgresAccounts } from './accounts.ts';
import { EVENT_COLUMNS, MESSAGE_COLUMNS } from './columns.ts';
import { type LogLockKeys, logLockKeys } from './log-locks.ts';
import { openNodePostgresPool } from './node-postgres.ts';
import { NodeConflictError, NodeRegistry, type RegistryLogger } from './node-registry.ts';
import type { PostgresPool, PostgresPoolOpener } from './postgres-pool.ts';
import { quoteIdent, schemaStatements } from './schema.ts';
import { Scrubber, type ScrubMode } from './scrubber.ts';
import { inTransaction, LogWriter, type Tx } from './transaction.ts';
import { PostgresUploads } from './uploads.ts';

/** What the `take` effect gives `openMessage`'s answer. */
type TakenContent = Omit<Extract<OpenOutcome, { kind: 'taken' }>, 'kind'>;

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
 */
export class PostgresStorage implements Storage {
  readonly #options: PostgresStorageOptions;
  readonly #schema: string;
  readonly accounts: PostgresAccounts;
  readonly uploads: PostgresUploads;
  readonly #log: LogWriter;
  readonly #locks: LogLockKeys;
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
    this.accounts = new PostgresAccounts(() => this.#db(), this.#schema);
    this.uploads = new PostgresUploads(() => this.#db(), this.#schema, {
      queue: options.scrub !== 'off',
      schedule: () => this.#scrubber?.schedule(),
    });
    this.#locks = logLockKeys(schema);
    this.#log = new LogWriter(this.#schema, this.#locks);
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
          ...(node.heartbeatMs !== undefined ? { heartbeatMs: node.heartbeatMs } : {}),
          ...(node.ttlMs !== undefined ? { ttlMs: node.ttlMs } : {}),
          ...(this.#options.logger ? { logger: this.#options.logger } : {}),
        });
        await this.#registry.register();
      }
      this.#scrubber = new Scrubber({
        pool,
        tables: [`${this.#schema}.burn_contents`, `${this.#schema}.upload_chunks`],
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
    const { value, burned } = await inTransaction(this.#db(), fn);
    if (burned) this.#scrubber?.schedule();
    return value;
  }

  // -------------------------------------------------------------------------
  // Messages and the burn verbs
  // -------------------------------------------------------------------------

  async insertMessage(input: InsertInput): Promise<InsertOutcome> {
    const s = this.#schema;
    const m = input.message;
    const result = sendResultOf(m);
    return this.#tx(async (tx) => {
      // Claim the key first: a concurrent retry with the same key waits here for our commit,
      // then finds our result.
      for (let tries = 0; ; tries++) {
        const claimed = await tx.q(
          `INSERT INTO ${s}.sends (device_id, key, result, at) VALUES ($1, $2, $3, $4)
           ON CONFLICT (device_id, key) DO NOTHING RETURNING 1`,
          [input.deviceId, input.key, JSON.stringify(result), input.at],
        );
        if ((claimed.rowCount ?? 0) > 0) break;
        const prior = await tx.q<{ result: string }>(
          `SELECT result FROM ${s}.sends WHERE device_id = $1 AND key = $2`,
          [input.deviceId, input.key],
        );
        const first = prior.rows[0];
        if (first) return { result: JSON.parse(first.result) as SendResult, created: false, wake: [] };
        // Pruned between the two statements: claim it again.
        if (tries > 2) throw new CinderError('UNAVAILABLE', 'Could not store the message');
      }
      // The upload becomes the message's blob here, or the transaction (the key's claim too) fails.
      if (m.attachment) {
        const attached = await tx.q(
          `UPDATE ${s}.uploads SET message_id = $1
           WHERE id = $2 AND device_id = $3 AND size = $4 AND received = size AND message_id IS NULL`,
          [m.id, m.attachment.upload, input.deviceId, m.attachment.view.size],
        );
        if ((attached.rowCount ?? 0) === 0)
          throw new CinderError('BAD_REQUEST', 'The upload cannot be attached');
      }
      const ext = m.ext === null ? null : JSON.stringify(m.ext);
      const columns = `INSERT INTO ${s}.messages (${MESSAGE_META_COLUMNS}, text, ext)`;
      const meta = messageMeta(m);
      if (m.burn) {
        // The content goes to its own table, never to `messages`.
        await tx.q(
          `WITH m AS (${columns} VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, NULL, NULL))
           INSERT INTO ${s}.burn_contents (message_id, text, ext) VALUES ($1, $14, $15)`,
          [...meta, m.text, ext],
        );
      } else {
        await tx.q(`${columns} VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`, [
          ...meta,
          m.text,
          ext,
        ]);
      }
      await this.#log.lock(tx, [m.to.id, m.from.id]);
      const event = { kind: 'message' as const, messageId: m.id, conversation: m.conversation, detail: null };
      await this.#log.append(tx, [
        { ...event, userId: m.to.id, originDevice: null, byName: null, at: m.sentAt },
        { ...event, userId: m.from.id, originDevice: input.deviceId, byName: null, at: m.sentAt },
      ]);
      return { result, created: true, wake: [m.to.id, m.from.id] };
    });
  }

  async openMessage(input: OpenInput): Promise<OpenOutcome> {
    return this.#tx(async (tx): Promise<OpenOutcome> => {
      const found = await this.#find(tx, input.id, 'UPDATE');
      const decision = decideOpen(found, input.userId, input.at, input.deviceId);
      switch (decision.effect) {
        case 'take':
          return { kind: 'taken', ...(await this.#take(tx, decision.message, input.at)) };
        case 'receipt': {
          const row = decision.message;
          const change = await this.#receipts(tx, [row], 'read', row.recipient, input.at);
          return { kind: 'read', ...contentOf(row), ...change };
        }
        case 'expire':
          return refused(decision.refusal, await this.#burn(tx, [decision.message], 'expired', input.at));
        case 'refuse':
          return refused(decision.refusal);
      }
    });
  }

  async revokeMessage(input: ActInput): Promise<ActOutcome> {
    return this.#tx(async (tx): Promise<ActOutcome> => {
      const decision = decideRevoke(await this.#find(tx, input.id, 'UPDATE'), input.userId, input.at);
      if (decision.effect === 'refuse') return refused(decision.refusal);
      const reason = decision.effect === 'burn' ? decision.reason : 'expired';
      const change = await this.#burn(tx, [decision.message], reason, input.at);
      return decision.effect === 'burn' ? { kind: 'done', ...change } : refused(decision.refusal, change);
    });
  }

  async readMessage(input: { id: string; reader: Party; at: number }): Promise<ActOutcome> {
    return this.#tx(async (tx): Promise<ActOutcome> => {
      const decision = decideRead(await this.#find(tx, input.id, 'SHARE'), input.reader.id);
      if (decision.effect === 'refuse') return refused(decision.refusal);
      const change = await this.#receipts(tx, [decision.message], 'read', input.reader.username, input.at);
      return { kind: 'done', ...change };
    });
  }

  async markDelivered(input: { ids: readonly string[]; recipient: Party; at: number }): Promise<Changed> {
    if (input.ids.length === 0) return { wake: [], burned: [] };
    const ids = [...new Set(input.ids)];
    return this.#tx(async (tx) => {
      // Locked in id order (FOR SHARE: a burn cannot delete them under us), so two batches that
      // overlap never wait on each other in a cycle.
      const { rows } = await tx.q<MessageRow>(
        `SELECT ${MESSAGE_COLUMNS} FROM ${this.#schema}.messages m WHERE m.id = ANY($1::text[]) ORDER BY m.id FOR SHARE`,
        [ids],
      );
      const byId = new Map(rows.map((row) => [row.id, row]));
      // Receipts in the order the ids were given.
      const eligible: MessageRow[] = [];
      for (const id of ids) {
        const decision = decideDelivered(foundOf(byId.get(id)), input.recipient.id, input.at);
        if (decision.effect === 'receipt') eligible.push(decision.message);
      }
      return this.#receipts(tx, eligible, 'delivered', input.recipient.username, input.at);
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
      return this.#burn(tx, due, 'expired', now);
    });
  }

  /** The message under `id` for the burn rules, locked (`FOR UPDATE` where a burn may follow); else its tombstone. */
  async #find(tx: Tx, id: string, lock: 'UPDATE' | 'SHARE'): Promise<Found<MessageRow>> {
    const s = this.#schema;
    const { rows } = await tx.q<MessageRow>(
      `SELECT ${MESSAGE_COLUMNS} FROM ${s}.messages m WHERE m.id = $1 FOR ${lock}`,
      [id],
    );
    if (rows[0]) return foundOf(rows[0]);
    const tombstones = await tx.q<TombstoneRow>(
      `SELECT sender_id, recipient_id, reason FROM ${s}.tombstones WHERE message_id = $1`,
      [id],
    );
    return foundOf<MessageRow>(undefined, tombstones.rows[0]);
  }

  /** The `take` effect: delete a burn message's content (a sealed one's envelope), returning it, and burn it (`opened`). */
  async #take(tx: Tx, row: MessageRow, at: number): Promise<TakenContent> {
    const { rows } = await tx.q<{ text: string; ext: string | null }>(
      `DELETE FROM ${this.#schema}.burn_contents WHERE message_id = $1 RETURNING text, ext`,
      [row.id],
    );
    const content = rows[0];
    const change = await this.#burn(tx, [row], 'opened', at, { contentDeleted: true });
    return {
      text: content?.text ?? '',
      ext: parseExt(content?.ext ?? null),
      viewSeconds: row.view_seconds ?? 0,
      sealed: row.sealed_for !== null,
      from: row.sender,
      ...change,
    };
  }

  /**
   * Burn locked burn messages: delete the content and every queued copy, keep tombstones,
   * append `burned` to both users' logs. Inside the caller's transaction.
   */
  async #burn(
    tx: Tx,
    rows: readonly MessageRow[],
    reason: BurnReason,
    at: number,
    options: { contentDeleted?: boolean } = {},
  ): Promise<Changed> {
    if (rows.length === 0) return { wake: [], burned: [] };
    const s = this.#schema;
    const ids = rows.map((row) => row.id);
    if (!options.contentDeleted) {
      await tx.q(`DELETE FROM ${s}.burn_contents WHERE message_id = ANY($1::text[])`, [ids]);
    }
    // Their blobs go in the same transaction: the upload rows and every chunk of their bytes. The
    // scrub queued below removes the chunks' dead rows from `upload_chunks`' files too.
    const withBlob = rows.filter((row) => row.attachment !== null).map((row) => row.id);
    if (withBlob.length > 0) {
      await tx.q(
        `WITH gone AS (DELETE FROM ${s}.uploads WHERE message_id = ANY($1::text[]) RETURNING id)
         DELETE FROM ${s}.upload_chunks WHERE upload_id IN (SELECT id FROM gone)`,
        [withBlob],
      );
    }
    // The scrub this burn needs, recorded with it (in the same statement: no extra round trip):
    // should this node die before its scrub, the row tells every other node (and this one
    // restarted) to finish it. One per transaction.
    const pending =
      !tx.burned && this.#options.scrub !== 'off'
        ? `pending AS (INSERT INTO ${s}.scrub_queue DEFAULT VALUES),`
        : '';
    await tx.q(
      `WITH ${pending} gone AS (DELETE FROM ${s}.messages WHERE id = ANY($1::text[])),
            queued AS (DELETE FROM ${s}.events WHERE kind = 'message' AND message_id = ANY($1::text[])),
            receipts AS (DELETE FROM ${s}.receipts WHERE message_id = ANY($1::text[]))
       INSERT INTO ${s}.tombstones (message_id, conversation, sender_id, recipient_id, reason, burned_at)
       SELECT t.*, $5::text, $6::bigint FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS t
       ON CONFLICT (message_id) DO NOTHING`,
      [
        ids,
        rows.map((row) => row.conversation),
        rows.map((row) => row.sender_id),
        rows.map((row) => row.recipient_id),
        reason,
        at,
      ],
    );
    await this.#log.lock(
      tx,
      rows.flatMap((row) => [row.sender_id, row.recipient_id]),
    );
    const event = { kind: 'burned' as const, originDevice: null, detail: reason, byName: null, at };
    await this.#log.append(
      tx,
      rows.flatMap((row) => [
        { ...event, userId: row.sender_id, messageId: row.id, conversation: row.conversation },
        { ...event, userId: row.recipient_id, messageId: row.id, conversation: row.conversation },
      ]),
    );
    tx.burned = true;
    return burnChange(rows, reason);
  }

  /** Add these receipts once per message and type; a repeat appends no event. */
  async #receipts(
    tx: Tx,
    rows: readonly MessageRow[],
    type: 'delivered' | 'read',
    by: string,
    at: number,
  ): Promise<Changed> {
    if (rows.length === 0) return { wake: [], burned: [] };
    const inserted = await tx.q<{ message_id: string }>(
      `INSERT INTO ${this.#schema}.receipts (message_id, type) SELECT id, $2::text FROM unnest($1::text[]) AS id
       ON CONFLICT DO NOTHING RETURNING message_id`,
      [rows.map((row) => row.id), type],
    );
    const added = new Set(inserted.rows.map((r) => r.message_id));
    const appended = rows.filter((row) => added.has(row.id));
    if (appended.length === 0) return { wake: [], burned: [] };
    const senders = [...new Set(appended.map((row) => row.sender_id))];
    await this.#log.lock(tx, senders);
    const event = { kind: 'receipt' as const, originDevice: null, detail: type, byName: by, at };
    await this.#log.append(
      tx,
      appended.map((row) => ({
        ...event,
        userId: row.sender_id,
        messageId: row.id,
        conversation: row.conversation,
      })),
    );
    return { wake: senders, burned: [] };
  }

  // -------------------------------------------------------------------------
  // The event log
  // -------------------------------------------------------------------------

  async readEvents(userId: string, after: number, limit: number): Promise<EventPage> {
    const s = this.#schema;
    const { rows } = await this.#db().query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM ${s}.events e
       LEFT JOIN ${s}.messages m ON e.kind = 'message' AND m.id = e.message_id
       WHERE e.user_id = $1 AND e.seq > $2 ORDER BY e.seq LIMIT $3`,
      [userId, after, limit],
    );
    const events: LoggedEvent[] = [];
    for (const row of rows) {
      const event = eventOf(row);
      if (event) events.push({ event, originDevice: row.origin_device });
    }
    const last = rows.at(-1);
    return { events, last: last ? int(last.seq) : after, more: rows.length === limit };
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

/** Host, port and database of a URL, for messages: never its password. */
function where(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return '(unparsable URL)';
  }
}
