import { type BurnReason, CinderError, type MessageView, type SendResult } from '@cinder/protocol';
import { type EventRow, eventOf, int, liveFacts, type MessageRow, parseExt, viewOf } from '../rows.ts';
import type {
  ActOutcome,
  Appended,
  DeviceAuth,
  DeviceRecord,
  EventPage,
  ExpireOutcome,
  InsertOutcome,
  LogBounds,
  LoggedEvent,
  MessageFacts,
  NewMessage,
  OpenOutcome,
  Party,
  PruneOutcome,
  Storage,
  StorageLogger,
  UserRecord,
} from '../storage.ts';
import { EVENT_COLUMNS, MESSAGE_COLUMNS } from './columns.ts';
import { type LogLockKeys, logLockKeys, userLockKeys } from './log-locks.ts';
import { openNodePostgresPool } from './node-postgres.ts';
import { NodeConflictError, NodeRegistry, type RegistryLogger } from './node-registry.ts';
import type { PostgresPool, PostgresPoolOpener, PostgresQueryable } from './postgres-pool.ts';
import { quoteIdent, schemaStatements } from './schema.ts';
import { Scrubber, type ScrubMode } from './scrubber.ts';

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
  /** What to do to the content table after burns (see `ScrubMode`). @default 'auto' */
  scrub?: ScrubMode;
  /** Delay between a burn and its scrub; burns in the meantime share one. @default 1000 */
  scrubDelayMs?: number;
  /** Largest content table that `auto` still rewrites (`VACUUM FULL`). @default 16 MiB */
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

/** A transaction in progress. */
interface Tx {
  q: PostgresQueryable['query'];
  /** Set when the transaction burned a message: its commit schedules a scrub. */
  burned: boolean;
}

/** One event to append. */
interface NewEvent {
  userId: string;
  kind: 'message' | 'receipt' | 'burned';
  messageId: string;
  conversation: string;
  originDevice: string | null;
  detail: string | null;
  byName: string | null;
  at: number;
}

const EMPTY: string[] = [];
const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
/** SQLSTATEs after which the whole transaction can simply run again. */
const RETRYABLE = new Set(['40001', '40P01']);
const ATTEMPTS = 3;
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
  readonly #s: string;
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
    this.#s = quoteIdent(schema);
    this.#locks = logLockKeys(schema);
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
        for (const statement of schemaStatements(this.#s)) await tx.q(statement);
      });
      const node = this.#options.node;
      if (node) {
        this.#registry = new NodeRegistry({
          pool,
          schema: this.#options.schema ?? 'public',
          table: `${this.#s}.nodes`,
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
        table: `${this.#s}.burn_contents`,
        queue: `${this.#s}.scrub_queue`,
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
   * Scrub the content table now (what the server does 1 s after burns). For tests and
   * operators; resolves when done.
   */
  async scrub(): Promise<void> {
    await this.#scrubber?.run();
  }

  #db(): PostgresPool {
    if (!this.#pool) throw new CinderError('UNAVAILABLE', 'Storage is closed');
    return this.#pool;
  }

  /**
   * Run `fn` in one transaction (READ COMMITTED; the row and advisory locks give the guarantees)
   * on one connection. A deadlock or serialization failure rolls back and runs it again: the
   * lock order makes them impossible by design, so this is a net, not a mechanism.
   */
  async #tx<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.#db().connect();
      let broken: Error | undefined;
      const tx: Tx = { q: (text, values) => client.query(text, values), burned: false };
      try {
        await client.query('BEGIN');
        const result = await fn(tx);
        await client.query('COMMIT');
        if (tx.burned) this.#scrubber?.schedule();
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch((e: unknown) => {
          broken = e instanceof Error ? e : new Error('rollback failed');
        });
        const code = (error as { code?: unknown }).code;
        if (attempt < ATTEMPTS && typeof code === 'string' && RETRYABLE.has(code)) continue;
        throw error;
      } finally {
        client.release(broken ?? false);
      }
    }
  }

  /** Take the barrier and the log locks of these users (see `log-locks.ts`). Before any seq. */
  async #lockLogs(tx: Tx, userIds: Iterable<string>): Promise<void> {
    await tx.q(`SELECT ${this.#s}.lock_logs($1, $2, $3)`, [
      this.#locks.barrier,
      this.#locks.namespace,
      userLockKeys(userIds),
    ]);
  }

  /** Append events in this order. The caller holds the log locks of their users. */
  async #append(tx: Tx, events: readonly NewEvent[]): Promise<void> {
    if (events.length === 0) return;
    const s = this.#s;
    await tx.q(
      `INSERT INTO ${s}.events (seq, user_id, kind, message_id, conversation, origin_device, detail, by_name, at)
       SELECT nextval('${s}.event_seq'), t.* FROM unnest($1::text[], $2::text[], $3::text[], $4::text[],
         $5::text[], $6::text[], $7::text[], $8::bigint[]) AS t`,
      [
        events.map((e) => e.userId),
        events.map((e) => e.kind),
        events.map((e) => e.messageId),
        events.map((e) => e.conversation),
        events.map((e) => e.originDevice),
        events.map((e) => e.detail),
        events.map((e) => e.byName),
        events.map((e) => e.at),
      ],
    );
  }

  // -------------------------------------------------------------------------
  // Accounts and devices
  // -------------------------------------------------------------------------

  async createUser(user: UserRecord): Promise<void> {
    try {
      await this.#db().query(
        `INSERT INTO ${this.#s}.users (id, username, password_hash, created_at) VALUES ($1, $2, $3, $4)`,
        [user.id, user.username, user.passwordHash, user.createdAt],
      );
    } catch (error) {
      if ((error as { code?: unknown }).code === '23505') {
        throw new CinderError('CONFLICT', 'This username is taken');
      }
      throw error;
    }
  }

  async findUserByUsername(username: string): Promise<UserRecord | null> {
    const { rows } = await this.#db().query<{
      id: string;
      username: string;
      password_hash: string;
      created_at: string;
    }>(`SELECT id, username, password_hash, created_at FROM ${this.#s}.users WHERE username = $1`, [
      username,
    ]);
    const row = rows[0];
    return row
      ? {
          id: row.id,
          username: row.username,
          passwordHash: row.password_hash,
          createdAt: int(row.created_at),
        }
      : null;
  }

  async createDevice(device: DeviceRecord & { tokenHash: string }): Promise<void> {
    await this.#db().query(
      `INSERT INTO ${this.#s}.devices (id, user_id, name, token_hash, created_at, last_seen_at)
       VALUES ($1, $2, $3, $4, $5, NULL)`,
      [device.id, device.userId, device.name, device.tokenHash, device.createdAt],
    );
  }

  async findDeviceByTokenHash(tokenHash: string): Promise<DeviceAuth | null> {
    const { rows } = await this.#db().query<DeviceRow & { username: string }>(
      `SELECT d.id, d.user_id, d.name, d.created_at, d.last_seen_at, u.username
       FROM ${this.#s}.devices d JOIN ${this.#s}.users u ON u.id = d.user_id WHERE d.token_hash = $1`,
      [tokenHash],
    );
    const row = rows[0];
    return row ? { device: deviceOf(row), user: { id: row.user_id, username: row.username } } : null;
  }

  async listDevices(userId: string): Promise<DeviceRecord[]> {
    const { rows } = await this.#db().query<DeviceRow>(
      `SELECT id, user_id, name, created_at, last_seen_at FROM ${this.#s}.devices
       WHERE user_id = $1 ORDER BY created_at, id`,
      [userId],
    );
    return rows.map(deviceOf);
  }

  async deleteDevice(userId: string, deviceId: string): Promise<boolean> {
    const { rowCount } = await this.#db().query(
      `DELETE FROM ${this.#s}.devices WHERE id = $1 AND user_id = $2`,
      [deviceId, userId],
    );
    return (rowCount ?? 0) > 0;
  }

  async touchDevice(deviceId: string, at: number): Promise<void> {
    await this.#db().query(`UPDATE ${this.#s}.devices SET last_seen_at = $1 WHERE id = $2`, [at, deviceId]);
  }

  async setDeviceCursor(deviceId: string, cursor: number): Promise<void> {
    await this.#db().query(
      `UPDATE ${this.#s}.devices SET cursor = greatest(coalesce(cursor, 0), $1) WHERE id = $2`,
      [cursor, deviceId],
    );
  }

  // -------------------------------------------------------------------------
  // Messages and the burn verbs
  // -------------------------------------------------------------------------

  async insertMessage(input: {
    deviceId: string;
    key: string;
    message: NewMessage;
    at: number;
  }): Promise<InsertOutcome> {
    const s = this.#s;
    const m = input.message;
    const result: SendResult = { id: m.id, conversation: m.conversation, sentAt: m.sentAt, size: m.size };
    if (m.burn) result.burn = m.burn;
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
        if (first) return { result: JSON.parse(first.result) as SendResult, created: false, notify: EMPTY };
        // Pruned between the two statements: claim it again.
        if (tries > 2) throw new CinderError('UNAVAILABLE', 'Could not store the message');
      }
      const ext = m.ext === null ? null : JSON.stringify(m.ext);
      const columns = `INSERT INTO ${s}.messages (id, conversation, sender_id, sender, recipient_id, recipient,
        sent_at, ttl_seconds, view_seconds, expires_at, size, text, ext)`;
      const meta = [
        m.id,
        m.conversation,
        m.from.id,
        m.from.username,
        m.to.id,
        m.to.username,
        m.sentAt,
        m.burn?.ttlSeconds ?? null,
        m.burn?.viewSeconds ?? null,
        m.burn?.expiresAt ?? null,
        m.size,
      ];
      if (m.burn) {
        // The content goes to its own table, never to `messages`.
        await tx.q(
          `WITH m AS (${columns} VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, NULL, NULL))
           INSERT INTO ${s}.burn_contents (message_id, text, ext) VALUES ($1, $12, $13)`,
          [...meta, m.text, ext],
        );
      } else {
        await tx.q(`${columns} VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`, [
          ...meta,
          m.text,
          ext,
        ]);
      }
      await this.#lockLogs(tx, [m.to.id, m.from.id]);
      const event = { kind: 'message' as const, messageId: m.id, conversation: m.conversation, detail: null };
      await this.#append(tx, [
        { ...event, userId: m.to.id, originDevice: null, byName: null, at: m.sentAt },
        { ...event, userId: m.from.id, originDevice: input.deviceId, byName: null, at: m.sentAt },
      ]);
      return { result, created: true, notify: [m.to.id, m.from.id] };
    });
  }

  async openMessage(input: { id: string; userId: string; at: number }): Promise<OpenOutcome> {
    return this.#tx(async (tx): Promise<OpenOutcome> => {
      const row = await this.#lockMessage(tx, input.id, 'UPDATE');
      if (!row) return { outcome: 'refused', facts: await this.#tombstoneFacts(tx, input.id), notify: EMPTY };
      if (row.expires_at !== null) {
        if (int(row.expires_at) <= input.at) return this.#expireRefusal(tx, row, input.at);
        if (row.recipient_id !== input.userId)
          return { outcome: 'refused', facts: liveFacts(row), notify: EMPTY };
        const { rows } = await tx.q<{ text: string; ext: string | null }>(
          `DELETE FROM ${this.#s}.burn_contents WHERE message_id = $1 RETURNING text, ext`,
          [row.id],
        );
        const content = rows[0];
        await this.#burn(tx, [row], 'opened', input.at, { contentDeleted: true });
        return {
          outcome: 'taken',
          text: content?.text ?? '',
          ext: parseExt(content?.ext ?? null),
          viewSeconds: row.view_seconds ?? 0,
          notify: [row.sender_id, row.recipient_id],
        };
      }
      if (row.recipient_id !== input.userId)
        return { outcome: 'refused', facts: liveFacts(row), notify: EMPTY };
      const added = await this.#addReceipt(tx, row, 'read', row.recipient, input.at);
      return {
        outcome: 'read',
        text: row.text ?? '',
        ext: parseExt(row.ext),
        notify: added ? [row.sender_id] : EMPTY,
      };
    });
  }

  async revokeMessage(input: { id: string; userId: string; at: number }): Promise<ActOutcome> {
    return this.#tx(async (tx): Promise<ActOutcome> => {
      const row = await this.#lockMessage(tx, input.id, 'UPDATE');
      if (!row) return { outcome: 'refused', facts: await this.#tombstoneFacts(tx, input.id), notify: EMPTY };
      if (row.expires_at !== null && int(row.expires_at) <= input.at) {
        return this.#expireRefusal(tx, row, input.at);
      }
      if (row.expires_at === null || row.sender_id !== input.userId) {
        return { outcome: 'refused', facts: liveFacts(row), notify: EMPTY };
      }
      await this.#burn(tx, [row], 'revoked', input.at);
      return { outcome: 'done', notify: [row.sender_id, row.recipient_id] };
    });
  }

  async readMessage(input: { id: string; reader: Party; at: number }): Promise<ActOutcome> {
    return this.#tx(async (tx): Promise<ActOutcome> => {
      const row = await this.#lockMessage(tx, input.id, 'SHARE');
      if (!row) return { outcome: 'refused', facts: await this.#tombstoneFacts(tx, input.id), notify: EMPTY };
      if (row.expires_at !== null || row.recipient_id !== input.reader.id) {
        return { outcome: 'refused', facts: liveFacts(row), notify: EMPTY };
      }
      const added = await this.#addReceipt(tx, row, 'read', input.reader.username, input.at);
      return { outcome: 'done', notify: added ? [row.sender_id] : EMPTY };
    });
  }

  async markDelivered(input: { ids: readonly string[]; recipient: Party; at: number }): Promise<Appended> {
    if (input.ids.length === 0) return { notify: [] };
    const s = this.#s;
    return this.#tx(async (tx) => {
      // Locked in id order (FOR SHARE: a burn cannot delete them under us), receipts inserted
      // in id order: two batches that overlap never wait on each other in a cycle.
      const { rows } = await tx.q<MessageRow>(
        `SELECT ${MESSAGE_COLUMNS} FROM ${s}.messages m WHERE m.id = ANY($1::text[]) ORDER BY m.id FOR SHARE`,
        [[...new Set(input.ids)]],
      );
      const eligible = rows.filter(
        (row) =>
          row.recipient_id === input.recipient.id &&
          (row.expires_at === null || int(row.expires_at) > input.at),
      );
      if (eligible.length === 0) return { notify: [] };
      const inserted = await tx.q<{ message_id: string }>(
        `INSERT INTO ${s}.receipts (message_id, type) SELECT id, 'delivered' FROM unnest($1::text[]) AS id
         ON CONFLICT DO NOTHING RETURNING message_id`,
        [eligible.map((row) => row.id)],
      );
      const added = new Set(inserted.rows.map((r) => r.message_id));
      const byId = new Map(eligible.map((row) => [row.id, row]));
      // Events in the order the ids were given, as the reference implementation appends them.
      const appended: MessageRow[] = [];
      for (const id of new Set(input.ids)) {
        const row = byId.get(id);
        if (row && added.has(id)) appended.push(row);
      }
      if (appended.length === 0) return { notify: [] };
      const senders = [...new Set(appended.map((row) => row.sender_id))];
      await this.#lockLogs(tx, senders);
      await this.#append(
        tx,
        appended.map((row) => ({
          userId: row.sender_id,
          kind: 'receipt' as const,
          messageId: row.id,
          conversation: row.conversation,
          originDevice: null,
          detail: 'delivered',
          byName: input.recipient.username,
          at: input.at,
        })),
      );
      return { notify: senders };
    });
  }

  async expireDue(now: number, limit: number): Promise<ExpireOutcome> {
    return this.#tx(async (tx) => {
      // SKIP LOCKED: a message another node's sweeper (or an open) holds is theirs to burn.
      const { rows } = await tx.q<MessageRow>(
        `SELECT ${MESSAGE_COLUMNS} FROM ${this.#s}.messages m
         WHERE m.expires_at IS NOT NULL AND m.expires_at <= $1
         ORDER BY m.expires_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [now, limit],
      );
      if (rows.length === 0) return { burned: [], notify: [] };
      await this.#burn(tx, rows, 'expired', now);
      const notify = new Set<string>();
      for (const row of rows) {
        notify.add(row.sender_id);
        notify.add(row.recipient_id);
      }
      return {
        burned: rows.map((row) => ({ messageId: row.id, conversation: row.conversation, reason: 'expired' })),
        notify: [...notify],
      };
    });
  }

  async #lockMessage(tx: Tx, id: string, mode: 'UPDATE' | 'SHARE'): Promise<MessageRow | undefined> {
    const { rows } = await tx.q<MessageRow>(
      `SELECT ${MESSAGE_COLUMNS} FROM ${this.#s}.messages m WHERE m.id = $1 FOR ${mode}`,
      [id],
    );
    return rows[0];
  }

  /** A burn message found past its deadline burns now, and the request is refused as burned. */
  async #expireRefusal(
    tx: Tx,
    row: MessageRow,
    at: number,
  ): Promise<{ outcome: 'refused'; facts: MessageFacts; notify: string[] }> {
    await this.#burn(tx, [row], 'expired', at);
    return {
      outcome: 'refused',
      facts: { state: 'burned', senderId: row.sender_id, recipientId: row.recipient_id, reason: 'expired' },
      notify: [row.sender_id, row.recipient_id],
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
  ): Promise<void> {
    const s = this.#s;
    const ids = rows.map((row) => row.id);
    if (!options.contentDeleted) {
      await tx.q(`DELETE FROM ${s}.burn_contents WHERE message_id = ANY($1::text[])`, [ids]);
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
    await this.#lockLogs(
      tx,
      rows.flatMap((row) => [row.sender_id, row.recipient_id]),
    );
    const event = { kind: 'burned' as const, originDevice: null, detail: reason, byName: null, at };
    await this.#append(
      tx,
      rows.flatMap((row) => [
        { ...event, userId: row.sender_id, messageId: row.id, conversation: row.conversation },
        { ...event, userId: row.recipient_id, messageId: row.id, conversation: row.conversation },
      ]),
    );
    tx.burned = true;
  }

  /** Add a receipt once per message and type; true when it was new (an event was appended). */
  async #addReceipt(
    tx: Tx,
    row: MessageRow,
    type: 'delivered' | 'read',
    by: string,
    at: number,
  ): Promise<boolean> {
    const inserted = await tx.q(
      `INSERT INTO ${this.#s}.receipts (message_id, type) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING 1`,
      [row.id, type],
    );
    if ((inserted.rowCount ?? 0) === 0) return false;
    await this.#lockLogs(tx, [row.sender_id]);
    await this.#append(tx, [
      {
        userId: row.sender_id,
        kind: 'receipt',
        messageId: row.id,
        conversation: row.conversation,
        originDevice: null,
        detail: type,
        byName: by,
        at,
      },
    ]);
    return true;
  }

  async #tombstoneFacts(tx: Tx, id: string): Promise<MessageFacts | null> {
    const { rows } = await tx.q<{ sender_id: string; recipient_id: string; reason: BurnReason }>(
      `SELECT sender_id, recipient_id, reason FROM ${this.#s}.tombstones WHERE message_id = $1`,
      [id],
    );
    const t = rows[0];
    return t
      ? { state: 'burned', senderId: t.sender_id, recipientId: t.recipient_id, reason: t.reason }
      : null;
  }

  // -------------------------------------------------------------------------
  // The event log
  // -------------------------------------------------------------------------

  async readEvents(userId: string, after: number, limit: number): Promise<EventPage> {
    const s = this.#s;
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
    const s = this.#s;
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
      `SELECT ${MESSAGE_COLUMNS} FROM ${this.#s}.messages m
       WHERE m.n > $1 AND (m.sender_id = $2 OR m.recipient_id = $2) ORDER BY m.n LIMIT $3`,
      [after ?? 0, userId, limit],
    );
    const last = rows.at(-1);
    return { messages: rows.map(viewOf), next: rows.length === limit && last ? int(last.n) : null };
  }

  async prune(before: number): Promise<PruneOutcome> {
    const s = this.#s;
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

interface DeviceRow {
  id: string;
  user_id: string;
  name: string;
  created_at: string;
  last_seen_at: string | null;
}

function deviceOf(row: DeviceRow): DeviceRecord {
  return {
    id: row.id,
    userId: row.user_id,
    name: row.name,
    createdAt: int(row.created_at),
    lastSeenAt: row.last_seen_at === null ? null : int(row.last_seen_at),
  };
}
