import { join } from 'node:path';
import {
  type BurnReason,
  CinderError,
  type Event,
  type MessageView,
  type SendResult,
} from '@cinder/protocol';
import {
  decideDelivered,
  decideExpiry,
  decideOpen,
  decideRead,
  decideRevoke,
  type Found,
} from '../../core/burn-rules.ts';
import { safeError } from '../../safe-error.ts';
import { TurnScheduler } from '../../turn.ts';
import {
  burnChange,
  contentOf,
  eventOf,
  foundOf,
  MESSAGE_META_COLUMNS,
  messageMeta,
  parseExt,
  receiptChange,
  refused,
  type EventRow as SharedEventRow,
  type MessageRow as SharedMessageRow,
  sendResultOf,
  type TombstoneRow,
  viewOf,
} from '../rows.ts';
import type {
  ActInput,
  ActOutcome,
  Changed,
  DeviceAuth,
  DeviceRecord,
  EventPage,
  InsertInput,
  InsertOutcome,
  LogBounds,
  LoggedEvent,
  OpenOutcome,
  Party,
  PruneOutcome,
  Storage,
  StorageLogger,
  UserRecord,
} from '../storage.ts';
import { openBetterSqlite3 } from './better-sqlite3.ts';
import { BurnContent } from './burn-content.ts';
import { makePrivate } from './private-files.ts';
import { SCHEMA } from './schema.ts';
import { type FoldStep, SendKeyStage, type SendKeyStatements, type StagedKey } from './send-keys.ts';
import type { SqliteDatabase, SqliteOpener, SqliteStatement } from './sqlite-database.ts';

/** Options of the embedded SQLite storage. */
export interface SqliteStorageOptions {
  /** Directory holding `cinder.db` and its WAL; created if missing. */
  dataDir: string;
  /** How to open the file. @default better-sqlite3 */
  open?: SqliteOpener;
  /**
   * Delay between a burn and the `wal_checkpoint(TRUNCATE)` that removes the burned bytes from
   * the WAL; burns in the meantime share one checkpoint. Well within the 5 s contract.
   * @default 1000
   */
  checkpointDelayMs?: number;
  /** Send keys staged in `send_log` before a fold into `sends` starts (see send-keys.ts). @default 4096 */
  sendKeyFoldAt?: number;
  logger?: StorageLogger;
  /**
   * The server's turn ends, announced after each commit (turn.ts); the hub and the connections
   * must share it. @default a private one (a storage used alone)
   */
  turn?: TurnScheduler;
}

/** File name of the database inside the data directory. */
export const DATABASE_FILE = 'cinder.db';

/** A message row as SQLite returns it, with the seqs of its two `message` events. */
interface MessageRow extends SharedMessageRow<number> {
  /** Selected only where a burn may follow; null once pruned. */
  to_seq?: number | null;
  from_seq?: number | null;
  /** The generation table holding a burn message's content (burn-content.ts). */
  content_gen?: number | null;
}

type EventRow = SharedEventRow<number>;

interface Statements {
  insertUser: SqliteStatement;
  userByName: SqliteStatement;
  insertDevice: SqliteStatement;
  deviceByToken: SqliteStatement;
  devicesOfUser: SqliteStatement;
  deleteDevice: SqliteStatement;
  touchDevice: SqliteStatement;
  setCursor: SqliteStatement;
  sendByKey: SqliteStatement;
  logSend: SqliteStatement;
  foldSend: SqliteStatement;
  clearSendLog: SqliteStatement;
  insertMessage: SqliteStatement;
  messageById: SqliteStatement;
  deleteMessage: SqliteStatement;
  deleteMessageEvents: SqliteStatement;
  deleteReceipts: SqliteStatement;
  insertTombstone: SqliteStatement;
  tombstoneById: SqliteStatement;
  insertEvent: SqliteStatement;
  insertReceipt: SqliteStatement;
  dueMessages: SqliteStatement;
  readEvents: SqliteStatement;
  floor: SqliteStatement;
  setFloor: SqliteStatement;
  liveMessages: SqliteStatement;
  firstEventFrom: SqliteStatement;
  lastEventBelow: SqliteStatement;
  pruneEvents: SqliteStatement;
  pruneTombstones: SqliteStatement;
  pruneSends: SqliteStatement;
}

/** A queued write and how to settle its promise. */
interface WriteOp {
  run: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
  ok: boolean;
  value: unknown;
  error: unknown;
  /** What the write did, applied to the in-memory state (tails, send keys) once it is committed. */
  effects: Effect[] | null;
}

/**
 * The recent part of one user's log, in memory: every retained event of the user with a seq
 * above `base`, in seq order, exactly as `readEvents` would read them from the database. Live
 * delivery reads here instead of querying the log for each woken device.
 */
interface UserTail {
  base: number;
  events: LoggedEvent[];
}

/** A change made by a write, mirrored into memory (tails, send keys) after its commit. */
type Effect =
  | { kind: 'append'; userId: string; logged: LoggedEvent }
  | { kind: 'unmessage'; userIds: readonly string[]; messageId: string }
  | { kind: 'clear' }
  | { kind: 'sendKey'; claim: StagedKey }
  | { kind: 'folded'; step: FoldStep };

/** How often acked cursors are written. */
const CURSOR_FLUSH_MS = 1000;
/**
 * Acked cursors written per turn. Thousands of busy devices ack every 200 ms; written in one
 * transaction, their updates (a random page each) held the loop for tens of ms once a second,
 * which is what the p99 of a run at a steady rate was made of.
 */
const CURSOR_CHUNK = 256;

/** Accounts kept in the username cache; the oldest is dropped beyond this. */
const CACHED_USERS = 100_000;

/** Send keys folded into `sends` per write turn while a fold runs. */
const FOLD_CHUNK = 256;
/** A quiet server folds what is staged after this long, so the memory holds nothing for long. */
const FOLD_IDLE_MS = 10_000;

/** Thrown inside a batch to roll it back and rerun it with a savepoint per write. */
class BatchRetry extends Error {}

/** Events kept per user tail; older ones are read from the database (a device far behind). */
const TAIL_EVENTS = 128;
/** Users whose tails are kept; the oldest tail is dropped beyond this. */
const TAIL_USERS = 50_000;

// Columns of a message that are safe to show anyone in the conversation: the content only for
// normal messages. Sealing happens in SQL so a burn message's content is never even read.
const SEALED_COLUMNS = `m.n, m.id, m.conversation, m.sender, m.recipient, m.sent_at, m.ttl_seconds,
  m.view_seconds, m.expires_at, m.size,
  CASE WHEN m.expires_at IS NULL THEN m.text END AS text,
  CASE WHEN m.expires_at IS NULL THEN m.ext END AS ext`;

/**
 * Storage on embedded SQLite (better-sqlite3): WAL, `secure_delete`, prepared statements. Each
 * write verb is atomic (a savepoint); the writes of one event-loop turn share one transaction
 * (group commit), which is what makes thousands of burns a second cheap. A burn message's content
 * lies only in overflow pages of `burn_content` (burn-content.ts), which SQLite never copies and
 * `secure_delete` zeroes when the burn deletes the row; after every burn a debounced
 * `wal_checkpoint(TRUNCATE)` moves the zeroed pages into the database file and empties the WAL,
 * so burned bytes leave every file.
 */
export class SqliteStorage implements Storage {
  readonly #options: SqliteStorageOptions;
  #db: SqliteDatabase | null = null;
  #s: Statements | null = null;
  #checkpointTimer: NodeJS.Timeout | null = null;
  /** Runs every queued write of one event-loop turn in one transaction. */
  #batch!: (ops: WriteOp[]) => void;
  #queue: WriteOp[] = [];
  #flushScheduled = false;
  readonly #tails = new Map<string, UserTail>();
  /** Acked cursors not written yet, by device. */
  readonly #cursors = new Map<string, number>();
  #cursorTimer: NodeJS.Timeout | null = null;
  /** Cursors taken from `#cursors` for writing, a chunk per turn. */
  #cursorBacklog: Array<[string, number]> = [];
  /** Accounts found by username (never negative answers: the name may be registered later). */
  readonly #users = new Map<string, UserRecord>();
  /** Effects of the write running now (inside the batch), or null outside one. */
  #effects: Effect[] | null = null;
  /** The seq the next event gets (see #appendEvent). */
  #nextSeq = 1;
  /** Send keys claimed since the last fold (send-keys.ts). */
  #sendKeys!: SendKeyStage;
  #sendKeyStatements!: SendKeyStatements;
  #foldQueued = false;
  #foldTimer: NodeJS.Timeout | null = null;
  /** Where burn messages' content lives, and its scrub (burn-content.ts). */
  #content: BurnContent | null = null;

  readonly #turn: TurnScheduler;

  constructor(options: SqliteStorageOptions) {
    this.#options = options;
    this.#turn = options.turn ?? new TurnScheduler();
  }

  async init(): Promise<void> {
    makePrivate(this.#options.dataDir, DATABASE_FILE);
    const db = (this.#options.open ?? openBetterSqlite3)(join(this.#options.dataDir, DATABASE_FILE));
    this.#db = db;
    db.pragma('journal_mode = WAL');
    // A crash may have left burned bytes in the WAL (committed burns not yet checkpointed):
    // fold the zeroed pages into the file and empty the WAL before anything is served.
    this.#checkpointNow();
    db.pragma('secure_delete = ON');
    // NORMAL in WAL mode: a crash loses nothing, a power cut may lose the last commits.
    db.pragma('synchronous = NORMAL');
    // Sorts and temp tables stay in memory so content never lands in a temp file.
    db.pragma('temp_store = MEMORY');
    db.pragma('foreign_keys = OFF');
    db.exec(SCHEMA);
    // Data dirs from before pruning by seq still have the index on event time.
    db.exec('DROP INDEX IF EXISTS events_at');
    this.#migrateEventSeqs(db);
    this.#content = this.#openBurnContent(db);
    db.prepare("INSERT OR IGNORE INTO meta (key, value) VALUES ('floor', 0)").run();
    // Send keys a crash left in the staging log join the keyed table before anything is served.
    this.#foldSendLog(db);
    this.#nextSeq = this.#highestSeq(db) + 1;
    const s = this.#prepare(db);
    this.#s = s;
    this.#sendKeys = new SendKeyStage({ foldAt: this.#options.sendKeyFoldAt ?? 4096, chunk: FOLD_CHUNK });
    this.#sendKeyStatements = {
      log: (deviceId, key, result, at) => this.#rowidOf(s.logSend.run(deviceId, key, result, at)),
      find: (deviceId, key) => (s.sendByKey.get(deviceId, key) as { result: string } | undefined)?.result,
      fold: (c) => s.foldSend.run(c.deviceId, c.key, c.result, c.at),
      clearLog: (upTo) => s.clearSendLog.run(upTo),
    };
    // In a transaction already, a wrapped function runs in a savepoint.
    const atomic = db.transaction((fn: () => unknown) => fn());
    const run = (ops: WriteOp[], isolate: boolean): void => {
      for (const op of ops) {
        const effects: Effect[] = [];
        this.#effects = effects;
        try {
          op.value = isolate ? atomic(op.run) : op.run();
          op.ok = true;
          op.effects = effects;
        } catch (error) {
          // Without savepoints a failed write may have left half its work: undo the batch.
          if (!isolate) throw new BatchRetry();
          op.ok = false;
          op.error = error;
          for (const e of effects) if (e.kind === 'sendKey') this.#sendKeys.dropped(e.claim);
        } finally {
          this.#effects = null;
        }
      }
    };
    // Writes almost never fail, so a batch first runs without a savepoint per write (they cost
    // more than the writes); if one fails, the whole transaction rolls back and the batch runs
    // again with a savepoint each, so that one failing write (a taken username) fails alone.
    const fast = db.transaction((ops: WriteOp[]) => run(ops, false));
    const isolated = db.transaction((ops: WriteOp[]) => run(ops, true));
    this.#batch = (ops) => {
      try {
        fast(ops);
      } catch (error) {
        if (!(error instanceof BatchRetry)) throw error;
        for (const op of ops) op.ok = false;
        this.#sendKeys.endTransaction();
        isolated(ops);
      }
    };
  }

  /**
   * Data dirs from before `messages.to_seq`/`from_seq`: add the columns, fill them from the log
   * (through the old index by message id, still there), then drop that index.
   */
  #migrateEventSeqs(db: SqliteDatabase): void {
    const columns = db.prepare('PRAGMA table_info(messages)').all() as { name: string }[];
    if (columns.some((c) => c.name === 'to_seq')) return;
    db.exec(`BEGIN;
      ALTER TABLE messages ADD COLUMN to_seq INTEGER;
      ALTER TABLE messages ADD COLUMN from_seq INTEGER;
      UPDATE messages SET
        to_seq = (SELECT min(seq) FROM events e WHERE e.message_id = messages.id AND e.kind = 'message'),
        from_seq = (SELECT max(seq) FROM events e WHERE e.message_id = messages.id AND e.kind = 'message');
      DROP INDEX IF EXISTS events_message;
      COMMIT;`);
  }

  /**
   * Open the burn content generations (burn-content.ts). A data dir from before them keeps the
   * content of unburned burn messages in their `messages` rows and leftovers of earlier burns in
   * the free space of live pages: its content moves to a generation, then the whole file is
   * rewritten once with VACUUM (in memory: temp_store) and checkpointed. After a crash the dirty
   * generations are unknown, so all of them are rewritten before anything is served.
   */
  #openBurnContent(db: SqliteDatabase): BurnContent {
    const columns = db.prepare('PRAGMA table_info(messages)').all() as { name: string }[];
    if (!columns.some((c) => c.name === 'content_gen'))
      db.exec('ALTER TABLE messages ADD COLUMN content_gen INTEGER');
    const flag = (key: string) =>
      (db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: number } | undefined)?.value;
    const setFlag = db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)');
    if (flag('burn_content') !== 1) {
      const content = new BurnContent(db, false);
      const rows = db
        .prepare('SELECT n, text, ext FROM messages WHERE expires_at IS NOT NULL AND content_gen IS NULL')
        .all() as Array<{ n: number; text: string; ext: string | null }>;
      const move = db.prepare("UPDATE messages SET text = '', ext = NULL, content_gen = ? WHERE n = ?");
      db.transaction(() => {
        for (const row of rows) {
          content.insert(row.n, row.text, row.ext);
          move.run(content.generation, row.n);
        }
      })();
      db.exec('VACUUM');
      this.#checkpointNow();
      setFlag.run('burn_content', 1);
      setFlag.run('content_clean', 1);
    }
    // Set by a close that scrubbed; cleared while the storage runs.
    const content = new BurnContent(db, flag('content_clean') !== 1);
    this.#checkpointNow();
    setFlag.run('content_clean', 0);
    return content;
  }

  /** The highest seq ever handed out: in the log, below the pruned floor, or (older data dirs) AUTOINCREMENT's. */
  #highestSeq(db: SqliteDatabase): number {
    const one = (sql: string) =>
      Number((db.prepare(sql).get() as { seq: number | null } | undefined)?.seq ?? 0);
    const autoincrement = (
      db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'sqlite_sequence'").get() as {
        n: number;
      }
    ).n
      ? one("SELECT seq FROM sqlite_sequence WHERE name = 'events'")
      : 0;
    return Math.max(
      one('SELECT max(seq) AS seq FROM events'),
      one("SELECT value AS seq FROM meta WHERE key = 'floor'"),
      autoincrement,
    );
  }

  /** Fold every staged send key into `sends` at once (start-up and close; nothing else runs). */
  #foldSendLog(db: SqliteDatabase): void {
    db.exec(`BEGIN;
      INSERT OR IGNORE INTO sends (device_id, key, result, at)
        SELECT device_id, key, result, at FROM send_log ORDER BY device_id, key;
      DELETE FROM send_log;
      COMMIT;`);
  }

  async close(): Promise<void> {
    const db = this.#db;
    if (!db) return;
    if (this.#cursorTimer) clearTimeout(this.#cursorTimer);
    if (this.#foldTimer) clearTimeout(this.#foldTimer);
    this.#foldTimer = null;
    this.#writeCursors(true);
    this.#flush();
    this.#foldSendLog(db);
    if (this.#checkpointTimer) clearTimeout(this.#checkpointTimer);
    this.#checkpointTimer = null;
    this.#content?.scrub();
    db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('content_clean', 1)").run();
    this.#checkpointNow();
    this.#content = null;
    db.close();
    this.#db = null;
    this.#s = null;
  }

  async ping(): Promise<void> {
    this.#stmts();
  }

  #stmts(): Statements {
    if (!this.#s) throw new CinderError('UNAVAILABLE', 'Storage is closed');
    return this.#s;
  }

  #prepare(db: SqliteDatabase): Statements {
    const p = (sql: string) => db.prepare(sql);
    return {
      insertUser: p('INSERT INTO users (id, username, password_hash, created_at) VALUES (?, ?, ?, ?)'),
      userByName: p('SELECT id, username, password_hash, created_at FROM users WHERE username = ?'),
      insertDevice: p(
        'INSERT INTO devices (id, user_id, name, token_hash, created_at, last_seen_at) VALUES (?, ?, ?, ?, ?, NULL)',
      ),
      deviceByToken: p(`SELECT d.id, d.user_id, d.name, d.created_at, d.last_seen_at, u.username
        FROM devices d JOIN users u ON u.id = d.user_id WHERE d.token_hash = ?`),
      devicesOfUser: p(
        'SELECT id, user_id, name, created_at, last_seen_at FROM devices WHERE user_id = ? ORDER BY created_at, id',
      ),
      deleteDevice: p('DELETE FROM devices WHERE id = ? AND user_id = ?'),
      touchDevice: p('UPDATE devices SET last_seen_at = ? WHERE id = ?'),
      setCursor: p('UPDATE devices SET cursor = max(coalesce(cursor, 0), ?) WHERE id = ?'),
      sendByKey: p('SELECT result FROM sends WHERE device_id = ? AND key = ?'),
      logSend: p('INSERT INTO send_log (device_id, key, result, at) VALUES (?, ?, ?, ?)'),
      foldSend: p('INSERT OR IGNORE INTO sends (device_id, key, result, at) VALUES (?, ?, ?, ?)'),
      clearSendLog: p('DELETE FROM send_log WHERE n <= ?'),
      insertMessage:
        p(`INSERT INTO messages (${MESSAGE_META_COLUMNS}, text, ext, to_seq, from_seq, content_gen)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      messageById: p(`SELECT n, id, conversation, sender_id, sender, recipient_id, recipient, sent_at,
        ttl_seconds, view_seconds, expires_at, size, text, ext, to_seq, from_seq, content_gen
        FROM messages WHERE id = ?`),
      deleteMessage: p('DELETE FROM messages WHERE n = ?'),
      deleteMessageEvents: p('DELETE FROM events WHERE seq IN (?, ?)'),
      deleteReceipts: p('DELETE FROM receipts WHERE message_id = ?'),
      insertTombstone: p(`INSERT OR IGNORE INTO tombstones
        (message_id, conversation, sender_id, recipient_id, reason, burned_at) VALUES (?, ?, ?, ?, ?, ?)`),
      tombstoneById: p('SELECT sender_id, recipient_id, reason FROM tombstones WHERE message_id = ?'),
      insertEvent:
        p(`INSERT INTO events (seq, user_id, kind, message_id, conversation, origin_device, detail, by_name, at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      insertReceipt: p('INSERT OR IGNORE INTO receipts (message_id, type) VALUES (?, ?)'),
      dueMessages: p(`SELECT n, id, conversation, sender_id, sender, recipient_id, recipient, sent_at,
        ttl_seconds, view_seconds, expires_at, size, NULL AS text, NULL AS ext, to_seq, from_seq, content_gen
        FROM messages WHERE expires_at IS NOT NULL AND expires_at <= ? ORDER BY expires_at LIMIT ?`),
      readEvents:
        p(`SELECT e.seq, e.kind, e.message_id, e.conversation, e.origin_device, e.detail, e.by_name, e.at,
        m.id AS m_id, m.sender, m.recipient, m.sent_at, m.ttl_seconds, m.view_seconds, m.expires_at, m.size,
        CASE WHEN m.expires_at IS NULL THEN m.text END AS text,
        CASE WHEN m.expires_at IS NULL THEN m.ext END AS ext
        FROM events e LEFT JOIN messages m ON e.kind = 'message' AND m.id = e.message_id
        WHERE e.user_id = ? AND e.seq > ? ORDER BY e.seq LIMIT ?`),
      floor: p("SELECT value FROM meta WHERE key = 'floor'"),
      setFloor: p("UPDATE meta SET value = max(value, ?) WHERE key = 'floor'"),
      liveMessages: p(`SELECT ${SEALED_COLUMNS} FROM messages m
        WHERE m.n > ? AND (m.sender_id = ? OR m.recipient_id = ?) ORDER BY m.n LIMIT ?`),
      // No index on `at` (one fewer entry written per event): the log is in time order, so the
      // first event at or past the cutoff is found by walking from the oldest, which stops at once
      // past the events this prune deletes anyway.
      firstEventFrom: p('SELECT seq FROM events WHERE at >= ? ORDER BY seq LIMIT 1'),
      lastEventBelow: p('SELECT max(seq) AS seq FROM events WHERE seq < ?'),
      pruneEvents: p('DELETE FROM events WHERE seq <= ?'),
      pruneTombstones: p('DELETE FROM tombstones WHERE burned_at < ?'),
      pruneSends: p('DELETE FROM sends WHERE at < ?'),
    };
  }

  // -------------------------------------------------------------------------
  // Group commit: the writes of one event-loop turn share one transaction
  // -------------------------------------------------------------------------

  /**
   * Queue a write; it runs with the others queued in this turn, in one transaction, each in its
   * own savepoint. The promise settles after the commit, so nothing (a burned message's content
   * included) leaves before it is durable.
   */
  #write<T>(run: () => T): Promise<T> {
    this.#stmts();
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({
        run,
        resolve: resolve as (value: unknown) => void,
        reject,
        ok: false,
        value: undefined,
        error: undefined,
        effects: null,
      });
      if (!this.#flushScheduled) {
        this.#flushScheduled = true;
        setImmediate(() => this.#flush());
        // Wake-ups and socket writes this commit causes go out in the same check phase.
        this.#turn.scheduleTurnEnd();
      }
    });
  }

  #flush(): void {
    this.#flushScheduled = false;
    const ops = this.#queue;
    if (ops.length === 0) return;
    this.#queue = [];
    try {
      if (!this.#db) throw new CinderError('UNAVAILABLE', 'Storage is closed');
      // A full generation is followed by a new table, outside the batch's transaction.
      this.#content?.rotate();
      this.#batch(ops);
    } catch (error) {
      // The commit itself failed: nothing of this batch happened.
      for (const op of ops) op.reject(error);
      return;
    } finally {
      this.#sendKeys.endTransaction();
    }
    // Committed: the tails follow the log before anyone can be woken to read it.
    for (const op of ops) if (op.ok && op.effects) for (const e of op.effects) this.#applyEffect(e);
    for (const op of ops) {
      if (op.ok) op.resolve(op.value);
      else op.reject(op.error);
    }
    this.#foldSendKeys(false);
  }

  /**
   * Keep the send-key fold going: start one when enough keys are staged (or, with `force`, any),
   * and queue its next chunk as a write of the next turn. A quiet server folds after a while.
   */
  #foldSendKeys(force: boolean): void {
    if (!this.#db) return;
    const keys = this.#sendKeys;
    if (keys.shouldFold(force)) keys.startFold();
    if (keys.folding && !this.#foldQueued) {
      this.#foldQueued = true;
      this.#write(() => {
        const step = keys.foldStep(this.#sendKeyStatements);
        this.#effects?.push({ kind: 'folded', step });
      }).then(
        () => {
          this.#foldQueued = false;
          this.#foldSendKeys(false);
        },
        (error: unknown) => {
          // Tried again after the next write; the staged keys stay in memory and in send_log.
          this.#foldQueued = false;
          this.#options.logger?.warn({ err: safeError(error) }, 'send key fold failed');
        },
      );
    }
    if (keys.size > 0 && !keys.folding && !this.#foldTimer) {
      this.#foldTimer = setTimeout(() => {
        this.#foldTimer = null;
        this.#foldSendKeys(true);
      }, FOLD_IDLE_MS);
      this.#foldTimer.unref();
    }
  }

  // -------------------------------------------------------------------------
  // Accounts and devices
  // -------------------------------------------------------------------------

  async createUser(user: UserRecord): Promise<void> {
    return this.#write(() => {
      try {
        this.#stmts().insertUser.run(user.id, user.username, user.passwordHash, user.createdAt);
      } catch (error) {
        if ((error as { code?: unknown }).code === 'SQLITE_CONSTRAINT_UNIQUE') {
          throw new CinderError('CONFLICT', 'This username is taken');
        }
        throw error;
      }
    });
  }

  async findUserByUsername(username: string): Promise<UserRecord | null> {
    const cached = this.#users.get(username);
    if (cached) return { ...cached };
    const row = this.#stmts().userByName.get(username) as
      | { id: string; username: string; password_hash: string; created_at: number }
      | undefined;
    if (!row) return null;
    const user = {
      id: row.id,
      username: row.username,
      passwordHash: row.password_hash,
      createdAt: row.created_at,
    };
    // Accounts are never renamed, re-keyed or deleted, so a found one stays true: every send
    // looks its recipient up by name, and this keeps that off the database.
    if (this.#users.size >= CACHED_USERS) {
      const oldest = this.#users.keys().next();
      if (!oldest.done) this.#users.delete(oldest.value);
    }
    this.#users.set(username, user);
    return { ...user };
  }

  async createDevice(device: DeviceRecord & { tokenHash: string }): Promise<void> {
    await this.#write(() =>
      this.#stmts().insertDevice.run(
        device.id,
        device.userId,
        device.name,
        device.tokenHash,
        device.createdAt,
      ),
    );
  }

  async findDeviceByTokenHash(tokenHash: string): Promise<DeviceAuth | null> {
    const row = this.#stmts().deviceByToken.get(tokenHash) as
      | {
          id: string;
          user_id: string;
          name: string;
          created_at: number;
          last_seen_at: number | null;
          username: string;
        }
      | undefined;
    if (!row) return null;
    return {
      device: {
        id: row.id,
        userId: row.user_id,
        name: row.name,
        createdAt: row.created_at,
        lastSeenAt: row.last_seen_at,
      },
      user: { id: row.user_id, username: row.username },
    };
  }

  async listDevices(userId: string): Promise<DeviceRecord[]> {
    const rows = this.#stmts().devicesOfUser.all(userId) as Array<{
      id: string;
      user_id: string;
      name: string;
      created_at: number;
      last_seen_at: number | null;
    }>;
    return rows.map((row) => ({
      id: row.id,
      userId: row.user_id,
      name: row.name,
      createdAt: row.created_at,
      lastSeenAt: row.last_seen_at,
    }));
  }

  async deleteDevice(userId: string, deviceId: string): Promise<boolean> {
    return this.#write(() => this.#deleteDeviceTx(userId, deviceId));
  }

  #deleteDeviceTx(userId: string, deviceId: string): boolean {
    return this.#stmts().deleteDevice.run(deviceId, userId).changes > 0;
  }

  async touchDevice(deviceId: string, at: number): Promise<void> {
    await this.#write(() => this.#stmts().touchDevice.run(at, deviceId));
  }

  /**
   * Acks arrive several times a second per busy device and nothing reads the stored cursor on
   * the hot path, so they gather in memory and are written together once per `CURSOR_FLUSH_MS`
   * (and at close). Losing the last second of acks in a crash only means resending a few events,
   * which clients drop by seq.
   */
  async setDeviceCursor(deviceId: string, cursor: number): Promise<void> {
    this.#stmts();
    const prior = this.#cursors.get(deviceId);
    if (prior === undefined || cursor > prior) this.#cursors.set(deviceId, cursor);
    if (!this.#cursorTimer) {
      this.#cursorTimer = setTimeout(() => this.#writeCursors(), CURSOR_FLUSH_MS);
      this.#cursorTimer.unref();
    }
  }

  /** Write the gathered cursors, `CURSOR_CHUNK` per turn (`all`: at once, when closing). */
  #writeCursors(all = false): void {
    this.#cursorTimer = null;
    if (!this.#s) return;
    for (const entry of this.#cursors) this.#cursorBacklog.push(entry);
    this.#cursors.clear();
    this.#writeCursorChunk(all);
  }

  #writeCursorChunk(all: boolean): void {
    if (this.#cursorBacklog.length === 0 || !this.#s) return;
    const chunk = this.#cursorBacklog.splice(0, all ? this.#cursorBacklog.length : CURSOR_CHUNK);
    this.#write(() => {
      const s = this.#stmts();
      for (const [deviceId, cursor] of chunk) s.setCursor.run(cursor, deviceId);
    }).catch((error: unknown) =>
      this.#options.logger?.warn({ err: safeError(error) }, 'cursor write failed'),
    );
    // The rest follows a turn later; a close writes whatever is left at once.
    if (this.#cursorBacklog.length > 0) setImmediate(() => this.#writeCursorChunk(false));
  }

  // -------------------------------------------------------------------------
  // Messages and the burn verbs
  // -------------------------------------------------------------------------

  async insertMessage(input: InsertInput): Promise<InsertOutcome> {
    return this.#write(() => this.#insertTx(input));
  }

  #insertTx(input: InsertInput): InsertOutcome {
    const s = this.#stmts();
    const m = input.message;
    const result = sendResultOf(m);
    // Claim the key first: a retried key finds it taken, writes nothing and gets the first result.
    const claim = this.#sendKeys.claim(
      this.#sendKeyStatements,
      input.deviceId,
      input.key,
      JSON.stringify(result),
      input.at,
    );
    if ('prior' in claim) return { result: JSON.parse(claim.prior) as SendResult, created: false, wake: [] };
    this.#effects?.push({ kind: 'sendKey', claim: claim.claimed });
    const extJson = m.ext === null ? null : JSON.stringify(m.ext);
    // Events first: the message row keeps their seqs, so a burn deletes them by seq.
    const toSeq = this.#appendEvent(s, m.to.id, 'message', m.id, m.conversation, null, null, null, m.sentAt);
    const fromSeq = this.#appendEvent(
      s,
      m.from.id,
      'message',
      m.id,
      m.conversation,
      input.deviceId,
      null,
      null,
      m.sentAt,
    );
    // A burn message's content goes to a generation table alone (burn-content.ts); its row holds ''.
    const content = m.burn ? this.#burnContent() : null;
    const inserted = s.insertMessage.run(
      ...messageMeta(m),
      m.burn ? '' : m.text,
      m.burn ? null : extJson,
      toSeq,
      fromSeq,
      content?.generation ?? null,
    );
    content?.insert(this.#rowidOf(inserted), m.text, extJson);
    if (this.#tails.has(m.to.id) || this.#tails.has(m.from.id)) {
      // The same sealed view the log query builds (content only for a normal message).
      const message = viewOf({
        id: m.id,
        conversation: m.conversation,
        sender: m.from.username,
        recipient: m.to.username,
        sent_at: m.sentAt,
        ttl_seconds: m.burn?.ttlSeconds ?? null,
        view_seconds: m.burn?.viewSeconds ?? null,
        expires_at: m.burn?.expiresAt ?? null,
        size: m.size,
        text: m.burn ? null : m.text,
        ext: m.burn ? null : extJson,
      });
      this.#tailAppend(m.to.id, { kind: 'message', seq: toSeq, message }, null);
      this.#tailAppend(m.from.id, { kind: 'message', seq: fromSeq, message }, input.deviceId);
    }
    return { result, created: true, wake: [m.to.id, m.from.id] };
  }

  async openMessage(input: ActInput): Promise<OpenOutcome> {
    return this.#write(() => this.#openTx(input));
  }

  #openTx(input: ActInput): OpenOutcome {
    const decision = decideOpen(this.#find(input.id), input.userId, input.at);
    switch (decision.effect) {
      case 'take':
        return { kind: 'taken', ...this.#take(decision.message, input.at) };
      case 'receipt': {
        const row = decision.message;
        return { kind: 'read', ...contentOf(row), ...this.#receipt(row, 'read', row.recipient, input.at) };
      }
      case 'expire':
        return refused(decision.refusal, this.#burn(decision.message, 'expired', input.at));
      case 'refuse':
        return refused(decision.refusal);
    }
  }

  async revokeMessage(input: ActInput): Promise<ActOutcome> {
    return this.#write((): ActOutcome => {
      const decision = decideRevoke(this.#find(input.id), input.userId, input.at);
      switch (decision.effect) {
        case 'burn':
          return { kind: 'done', ...this.#burn(decision.message, decision.reason, input.at) };
        case 'expire':
          return refused(decision.refusal, this.#burn(decision.message, 'expired', input.at));
        case 'refuse':
          return refused(decision.refusal);
      }
    });
  }

  async readMessage(input: { id: string; reader: Party; at: number }): Promise<ActOutcome> {
    return this.#write((): ActOutcome => {
      const decision = decideRead(this.#find(input.id), input.reader.id);
      if (decision.effect === 'refuse') return refused(decision.refusal);
      return { kind: 'done', ...this.#receipt(decision.message, 'read', input.reader.username, input.at) };
    });
  }

  async markDelivered(input: { ids: readonly string[]; recipient: Party; at: number }): Promise<Changed> {
    return this.#write(() => {
      const wake = new Set<string>();
      for (const id of input.ids) {
        const decision = decideDelivered(this.#find(id, false), input.recipient.id, input.at);
        if (decision.effect === 'ignore') continue;
        const change = this.#receipt(decision.message, 'delivered', input.recipient.username, input.at);
        for (const userId of change.wake) wake.add(userId);
      }
      return { wake: [...wake], burned: [] };
    });
  }

  async expireDue(now: number, limit: number): Promise<Changed> {
    return this.#write(() => {
      const due: MessageRow[] = [];
      for (const row of this.#stmts().dueMessages.all(now, limit) as MessageRow[]) {
        const decision = decideExpiry(foundOf(row), now);
        if (decision.effect === 'burn') {
          this.#burn(decision.message, decision.reason, now);
          due.push(row);
        }
      }
      return burnChange(due, 'expired');
    });
  }

  /**
   * The message under `id` for the burn rules: its row, else (`tombstones`) its tombstone. Inside
   * the write queue's transaction nothing else runs, so no lock is needed.
   */
  #find(id: string, tombstones = true): Found<MessageRow> {
    const s = this.#stmts();
    const row = s.messageById.get(id) as MessageRow | undefined;
    const tombstone = row || !tombstones ? undefined : (s.tombstoneById.get(id) as TombstoneRow | undefined);
    return foundOf(row, tombstone);
  }

  /** The `take` effect: read a burn message's content, then burn it (`opened`). */
  #take(
    row: MessageRow,
    at: number,
  ): Changed & { text: string; ext: Record<string, unknown>; viewSeconds: number } {
    const content = row.content_gen == null ? undefined : this.#burnContent().read(row.content_gen, row.n);
    return {
      text: content?.text ?? '',
      ext: parseExt(content?.ext ?? null),
      viewSeconds: row.view_seconds ?? 0,
      ...this.#burn(row, 'opened', at),
    };
  }

  /** Delete the content and every queued copy, keep a tombstone, tell both users. Inside a transaction. */
  #burn(row: MessageRow, reason: BurnReason, at: number): Changed {
    const s = this.#stmts();
    s.deleteMessage.run(row.n);
    if (row.content_gen != null) this.#burnContent().remove(row.content_gen, row.n);
    s.deleteMessageEvents.run(row.to_seq ?? null, row.from_seq ?? null);
    s.deleteReceipts.run(row.id);
    s.insertTombstone.run(row.id, row.conversation, row.sender_id, row.recipient_id, reason, at);
    if (this.#tails.has(row.sender_id) || this.#tails.has(row.recipient_id)) {
      this.#effects?.push({
        kind: 'unmessage',
        userIds: [row.sender_id, row.recipient_id],
        messageId: row.id,
      });
    }
    for (const userId of [row.sender_id, row.recipient_id]) {
      const seq = this.#appendEvent(s, userId, 'burned', row.id, row.conversation, null, reason, null, at);
      this.#tailAppend(
        userId,
        { kind: 'burned', seq, messageId: row.id, conversation: row.conversation, reason, at },
        null,
      );
    }
    this.#scheduleCheckpoint();
    return burnChange([row], reason);
  }

  /** Add a receipt once per message and type (a repeat appends no event). */
  #receipt(row: MessageRow, type: 'delivered' | 'read', by: string, at: number): Changed {
    const s = this.#stmts();
    if (s.insertReceipt.run(row.id, type).changes === 0) return receiptChange(row, false);
    const seq = this.#appendEvent(s, row.sender_id, 'receipt', row.id, row.conversation, null, type, by, at);
    this.#tailAppend(
      row.sender_id,
      { kind: 'receipt', seq, messageId: row.id, conversation: row.conversation, type, by, at },
      null,
    );
    return receiptChange(row, true);
  }

  #burnContent(): BurnContent {
    if (!this.#content) throw new CinderError('UNAVAILABLE', 'Storage is closed');
    return this.#content;
  }

  // -------------------------------------------------------------------------
  // The event log
  // -------------------------------------------------------------------------

  async readEvents(userId: string, after: number, limit: number): Promise<EventPage> {
    const tail = this.#tails.get(userId);
    if (tail && after >= tail.base) return pageOfTail(tail, after, limit);
    const rows = this.#stmts().readEvents.all(userId, after, limit) as EventRow[];
    const events: LoggedEvent[] = [];
    for (const row of rows) {
      const event = eventOf(row);
      if (event) events.push({ event, originDevice: row.origin_device });
    }
    const last = rows.at(-1)?.seq ?? after;
    const more = rows.length === limit;
    // The read reached the end of this user's log: later appends are mirrored from here on.
    if (!more && !tail) this.#startTail(userId, last);
    return { events, last, more };
  }

  /**
   * Append an event with the next seq. Seqs come from a counter rather than AUTOINCREMENT (whose
   * `sqlite_sequence` row is read and rewritten on every insert); a rolled-back batch leaves a
   * gap, which cursors do not mind. At start the counter continues past every seq ever handed
   * out: the highest in the log, the pruned floor, and `sqlite_sequence` of older data dirs.
   */
  #appendEvent(
    s: Statements,
    userId: string,
    kind: 'message' | 'burned' | 'receipt',
    messageId: string,
    conversation: string,
    originDevice: string | null,
    detail: string | null,
    byName: string | null,
    at: number,
  ): number {
    const seq = this.#nextSeq++;
    s.insertEvent.run(seq, userId, kind, messageId, conversation, originDevice, detail, byName, at);
    return seq;
  }

  #rowidOf(result: { lastInsertRowid: number | bigint }): number {
    return Number(result.lastInsertRowid);
  }

  /** Record an appended event for the user's tail (if it has one) once the write commits. */
  #tailAppend(userId: string, event: Event, originDevice: string | null): void {
    if (this.#effects && this.#tails.has(userId)) {
      this.#effects.push({ kind: 'append', userId, logged: { event, originDevice } });
    }
  }

  #startTail(userId: string, base: number): void {
    if (this.#tails.size >= TAIL_USERS) {
      const oldest = this.#tails.keys().next();
      if (!oldest.done) this.#tails.delete(oldest.value);
    }
    this.#tails.set(userId, { base, events: [] });
  }

  #applyEffect(effect: Effect): void {
    switch (effect.kind) {
      case 'append': {
        const tail = this.#tails.get(effect.userId);
        if (!tail) return;
        tail.events.push(effect.logged);
        if (tail.events.length > TAIL_EVENTS) {
          // Forget the older half: reads after it go to the database.
          const dropped = tail.events.splice(0, TAIL_EVENTS / 2);
          tail.base = dropped.at(-1)?.event.seq ?? tail.base;
        }
        return;
      }
      case 'unmessage':
        // A burned message's events leave the log with it, and so the tails.
        for (const userId of effect.userIds) {
          const tail = this.#tails.get(userId);
          if (!tail) continue;
          const i = tail.events.findIndex(
            (l) => l.event.kind === 'message' && l.event.message.id === effect.messageId,
          );
          if (i >= 0) tail.events.splice(i, 1);
        }
        return;
      case 'clear':
        this.#tails.clear();
        return;
      case 'sendKey':
        this.#sendKeys.committed(effect.claim);
        return;
      case 'folded':
        this.#sendKeys.folded(effect.step);
        return;
    }
  }

  async logBounds(): Promise<LogBounds> {
    const s = this.#stmts();
    const head = this.#nextSeq - 1;
    const floor = (s.floor.get() as { value: number } | undefined)?.value ?? 0;
    return { head, floor };
  }

  async listLiveMessages(
    userId: string,
    after: number | null,
    limit: number,
  ): Promise<{ messages: MessageView[]; next: number | null }> {
    const rows = this.#stmts().liveMessages.all(after ?? 0, userId, userId, limit) as MessageRow[];
    const last = rows.at(-1);
    return { messages: rows.map(viewOf), next: rows.length === limit && last ? last.n : null };
  }

  async prune(before: number): Promise<PruneOutcome> {
    return this.#write(() => this.#pruneTx(before));
  }

  #pruneTx(before: number): PruneOutcome {
    const s = this.#stmts();
    // Delete a prefix of the log (everything up to the last old event) so the floor is exact.
    const first = (s.firstEventFrom.get(before) as { seq: number } | undefined)?.seq;
    const below = first ?? Number.MAX_SAFE_INTEGER;
    const last = (s.lastEventBelow.get(below) as { seq: number | null } | undefined)?.seq ?? null;
    let events = 0;
    if (last !== null) {
      events = s.pruneEvents.run(last).changes;
      s.setFloor.run(last);
      if (events > 0) this.#effects?.push({ kind: 'clear' });
    }
    const tombstones = s.pruneTombstones.run(before).changes;
    const step = this.#sendKeys.foldAll(this.#sendKeyStatements);
    if (step) this.#effects?.push({ kind: 'folded', step });
    const sendKeys = s.pruneSends.run(before).changes;
    return { events, tombstones, sendKeys };
  }

  // -------------------------------------------------------------------------
  // Checkpoints: how burned bytes leave the WAL
  // -------------------------------------------------------------------------

  #scheduleCheckpoint(): void {
    // Not a sliding debounce: under a steady stream of burns one still runs every delay.
    if (this.#checkpointTimer) return;
    this.#checkpointTimer = setTimeout(() => {
      this.#checkpointTimer = null;
      this.#scrubThenCheckpoint(this.#content?.dirtyGenerations() ?? []);
    }, this.#options.checkpointDelayMs ?? 1000);
    this.#checkpointTimer.unref();
  }

  /**
   * Scrub the burn content generations burns touched (burn-content.ts), one per turn (a rewrite
   * holds the loop for its size), then checkpoint. Burns meanwhile wait for the next round; a
   * close in the middle scrubs what is left itself.
   */
  #scrubThenCheckpoint(pending: number[]): void {
    const content = this.#content;
    if (!this.#db || !content) return;
    const next = pending.shift();
    if (next === undefined) {
      if (!this.#checkpointNow()) this.#scheduleCheckpoint();
      return;
    }
    try {
      content.scrubGeneration(next);
    } catch (error) {
      this.#options.logger?.warn({ err: safeError(error) }, 'burn content scrub failed');
      this.#scheduleCheckpoint();
      return;
    }
    setImmediate(() => this.#scrubThenCheckpoint(pending));
  }

  /** Run `wal_checkpoint(TRUNCATE)`; false when a reader blocked it (retry later). */
  #checkpointNow(): boolean {
    const db = this.#db;
    if (!db) return true;
    try {
      const rows = db.pragma('wal_checkpoint(TRUNCATE)') as Array<{
        busy: number;
        log: number;
        checkpointed: number;
      }>;
      const busy = rows[0]?.busy ?? 0;
      this.#options.logger?.debug({ busy }, 'wal checkpoint');
      return busy === 0;
    } catch (error) {
      this.#options.logger?.warn({ err: safeError(error) }, 'wal checkpoint failed');
      return false;
    }
  }
}

/** A page of a tail, like the log query's: up to `limit` events after `after`. */
function pageOfTail(tail: UserTail, after: number, limit: number): EventPage {
  const list = tail.events;
  let start = list.length;
  while (start > 0 && (list[start - 1]?.event.seq ?? 0) > after) start--;
  const available = list.length - start;
  const events = available === 0 ? [] : list.slice(start, start + limit);
  return { events, last: events.at(-1)?.event.seq ?? after, more: available > limit };
}
