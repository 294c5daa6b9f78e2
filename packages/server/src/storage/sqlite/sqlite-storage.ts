// Longer than 400 lines on purpose: the message verbs, their effects (take, burn, receipt) and
// the log they append to share one write of the group commit and the in-memory tails, so they
// stay one class. What stands alone has its module: accounts, statements, migrations,
// write-queue, checkpoints, burn-content, send-keys; ../cursor-writer, ../log-tails (shared).
import { join } from 'node:path';
import {
  type BurnReason,
  CinderError,
  type Event,
  type MessageView,
  type SendResult,
} from '@cinder/protocol';
import {
  decideAccountDeletion,
  decideDelivered,
  decideExpiry,
  decideOpen,
  decideRead,
  decideRecall,
  decideRevoke,
  type Found,
} from '../../core/burn-rules.ts';
import { safeError } from '../../safe-error.ts';
import { TurnScheduler } from '../../turn.ts';
import { CursorWriter } from '../cursor-writer.ts';
import { LogTails } from '../log-tails.ts';
import {
  burnChange,
  contentOf,
  eventOf,
  foundOf,
  messageMeta,
  newMessageView,
  parseExt,
  recallChange,
  receiptChange,
  refused,
  sendResultOf,
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
import { SqliteAccounts } from './accounts.ts';
import { openBetterSqlite3 } from './better-sqlite3.ts';
import { BurnContent } from './burn-content.ts';
import { Checkpointer, checkpoint } from './checkpoints.ts';
import { migrate } from './migrations.ts';
import { makePrivate } from './private-files.ts';
import { SqlitePush } from './push.ts';
import { type FoldStep, SendKeyStage, type SendKeyStatements, type StagedKey } from './send-keys.ts';
import type { SqliteDatabase, SqliteOpener } from './sqlite-database.ts';
import { type MessageRow, prepareStatements, type Statements } from './statements.ts';
import { SqliteUploads } from './uploads.ts';
import { WriteQueue } from './write-queue.ts';

/** What the `take` effect gives `openMessage`'s answer. */
type TakenContent = Omit<Extract<OpenOutcome, { kind: 'taken' }>, 'kind'>;

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

/** A change made by a write, mirrored into memory (tails, send keys) after its commit. */
type Effect =
  | { kind: 'append'; userId: string; logged: LoggedEvent }
  | { kind: 'unmessage'; userIds: readonly string[]; messageId: string }
  | { kind: 'clear' }
  | { kind: 'sendKey'; claim: StagedKey }
  | { kind: 'folded'; step: FoldStep }
  /** A burned message's blob: its row is gone with the burn, its file goes once that commits. */
  | { kind: 'unlinkBlob'; id: string };

/** What an open storage holds; gone after `close`. */
interface Open {
  db: SqliteDatabase;
  statements: Statements;
  queue: WriteQueue<Effect>;
  /** Where burn messages' content lives, and its scrub (burn-content.ts). */
  content: BurnContent;
  checkpoints: Checkpointer;
  cursors: CursorWriter;
  /** Send keys claimed since the last fold (send-keys.ts). */
  sendKeys: SendKeyStage;
  sendKeyStatements: SendKeyStatements;
}

/** Send keys folded into `sends` per write turn while a fold runs. */
const FOLD_CHUNK = 256;
/** A quiet server folds what is staged after this long, so the memory holds nothing for long. */
const FOLD_IDLE_MS = 10_000;

/**
 * Storage on embedded SQLite (better-sqlite3): WAL, `secure_delete`, prepared statements. Each
 * write verb is atomic; the writes of one event-loop turn share one transaction (write-queue.ts,
 * group commit), which is what makes thousands of burns a second cheap. A burn message's content
 * lives apart, in generation tables that are rewritten after burns (burn-content.ts), and a
 * checkpoint soon after every burn empties the WAL (checkpoints.ts), so burned bytes leave every
 * file. The verbs decide nothing themselves: they find, ask burn-rules.ts, and perform.
 */
export class SqliteStorage implements Storage {
  readonly #options: SqliteStorageOptions;
  readonly #turn: TurnScheduler;
  #open: Open | null = null;
  readonly #tails = new LogTails();
  readonly accounts = new SqliteAccounts({
    statements: () => this.#stmts(),
    write: (run) => this.#write(run),
    cursors: () => this.#live().cursors,
  });
  readonly uploads = new SqliteUploads({
    db: () => this.#live().db,
    write: (run) => this.#write(run),
  });
  readonly push = new SqlitePush({
    db: () => this.#live().db,
    write: (run) => this.#write(run),
    dataDir: () => this.#options.dataDir,
  });
  /** The seq the next event gets (see #appendEvent). */
  #nextSeq = 1;
  #foldQueued = false;
  #foldTimer: NodeJS.Timeout | null = null;

  constructor(options: SqliteStorageOptions) {
    this.#options = options;
    this.#turn = options.turn ?? new TurnScheduler();
  }

  async init(): Promise<void> {
    const { dataDir, logger } = this.#options;
    makePrivate(dataDir, DATABASE_FILE);
    const db = (this.#options.open ?? openBetterSqlite3)(join(dataDir, DATABASE_FILE));
    db.pragma('journal_mode = WAL');
    // A crash may have left burned bytes in the WAL (committed burns not yet checkpointed):
    // fold the zeroed pages into the file and empty the WAL before anything is served.
    checkpoint(db, logger);
    db.pragma('secure_delete = ON');
    // FULL: every commit is flushed to the disk before its verb answers, so that a power cut
    // neither loses an acknowledged send nor brings a burned message back (NORMAL would survive
    // a crash of the process only). PostgreSQL's commits are flushed as well.
    db.pragma('synchronous = FULL');
    // Sorts and temp tables stay in memory so content never lands in a temp file.
    db.pragma('temp_store = MEMORY');
    db.pragma('foreign_keys = OFF');
    migrate(db, () => checkpoint(db, logger));
    // Set by a close that scrubbed; cleared while the storage runs. After a crash the dirty
    // generations are unknown, so all of them are rewritten before anything is served.
    const clean = db.prepare<{ value: number }>("SELECT value FROM meta WHERE key = 'content_clean'").get();
    const content = new BurnContent(db, clean?.value !== 1);
    checkpoint(db, logger);
    db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('content_clean', 0)").run();
    db.prepare("INSERT OR IGNORE INTO meta (key, value) VALUES ('floor', 0)").run();
    // Send keys a crash left in the staging log join the keyed table before anything is served.
    foldSendLog(db);
    this.#nextSeq = highestSeq(db) + 1;
    const s = prepareStatements(db);
    const sendKeys = new SendKeyStage({ foldAt: this.#options.sendKeyFoldAt ?? 4096, chunk: FOLD_CHUNK });
    this.#open = {
      db,
      statements: s,
      content,
      sendKeys,
      sendKeyStatements: {
        log: (deviceId, key, result, at) => Number(s.logSend.run(deviceId, key, result, at).lastInsertRowid),
        find: (deviceId, key) => s.sendByKey.get(deviceId, key)?.result,
        fold: (c) => s.foldSend.run(c.deviceId, c.key, c.result, c.at),
        clearLog: (upTo) => s.clearSendLog.run(upTo),
      },
      queue: new WriteQueue<Effect>(db, this.#turn, {
        // A full generation is followed by a new table, outside the batch's transaction.
        beforeBatch: () => this.#live().content.rotate(),
        discard: (effects) => {
          for (const e of effects) if (e.kind === 'sendKey') sendKeys.dropped(e.claim);
        },
        endTransaction: () => sendKeys.endTransaction(),
        apply: (effect) => this.#apply(effect),
        afterCommit: () => this.#foldSendKeys(false),
      }),
      checkpoints: new Checkpointer({
        db,
        content,
        delayMs: this.#options.checkpointDelayMs ?? 1000,
        ...(logger ? { logger } : {}),
      }),
      cursors: new CursorWriter((chunk) => {
        this.#write(() => {
          for (const [deviceId, cursor] of chunk) s.setCursor.run(cursor, deviceId);
        }).catch((error: unknown) => logger?.warn({ err: safeError(error) }, 'cursor write failed'));
      }),
    };
    // Upload files whose row is gone (a crash between the two) are removed before anything is served.
    this.uploads.open(dataDir);
  }

  async close(): Promise<void> {
    const open = this.#open;
    if (!open) return;
    const { db } = open;
    if (this.#foldTimer) clearTimeout(this.#foldTimer);
    this.#foldTimer = null;
    open.cursors.close();
    open.queue.flush();
    foldSendLog(db);
    open.checkpoints.stop();
    open.content.scrub();
    db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('content_clean', 1)").run();
    checkpoint(db, this.#options.logger);
    this.#open = null;
    db.close();
  }

  async ping(): Promise<void> {
    this.#live();
  }

  #live(): Open {
    if (!this.#open) throw new CinderError('UNAVAILABLE', 'Storage is closed');
    return this.#open;
  }

  #stmts(): Statements {
    return this.#live().statements;
  }

  /** Queue a write (write-queue.ts); its promise settles after the commit. */
  #write<T>(run: () => T): Promise<T> {
    return this.#live().queue.write(run);
  }

  #record(effect: Effect): void {
    this.#open?.queue.record(effect);
  }

  /** A committed write's effect, mirrored into memory. */
  #apply(effect: Effect): void {
    switch (effect.kind) {
      case 'append':
        this.#tails.append(effect.userId, effect.logged);
        break;
      case 'unmessage':
        this.#tails.unmessage(effect.userIds, effect.messageId);
        break;
      case 'clear':
        this.#tails.clear();
        break;
      case 'sendKey':
        this.#live().sendKeys.committed(effect.claim);
        break;
      case 'folded':
        this.#live().sendKeys.folded(effect.step);
        break;
      case 'unlinkBlob':
        this.uploads.unlinkBlob(effect.id);
        break;
    }
  }

  /**
   * Keep the send-key fold going: start one when enough keys are staged (or, with `force`, any),
   * and queue its next chunk as a write of the next turn. A quiet server folds after a while.
   */
  #foldSendKeys(force: boolean): void {
    const open = this.#open;
    if (!open) return;
    const keys = open.sendKeys;
    if (keys.shouldFold(force)) keys.startFold();
    if (keys.folding && !this.#foldQueued) {
      this.#foldQueued = true;
      this.#write(() => this.#record({ kind: 'folded', step: keys.foldStep(open.sendKeyStatements) })).then(
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
  // Messages and the burn verbs
  // -------------------------------------------------------------------------

  async insertMessage(input: InsertInput): Promise<InsertOutcome> {
    return this.#write(() => this.#insertTx(input));
  }

  #insertTx(input: InsertInput): InsertOutcome {
    const open = this.#live();
    const s = open.statements;
    const m = input.message;
    const result = sendResultOf(m);
    // Claim the key first: a retried key finds it taken, writes nothing and gets the first result.
    const claim = open.sendKeys.claim(
      open.sendKeyStatements,
      input.deviceId,
      input.key,
      JSON.stringify(result),
      input.at,
    );
    if ('prior' in claim) {
      return { result: JSON.parse(claim.prior) as SendResult, created: false, wake: [], pushable: false };
    }
    this.#record({ kind: 'sendKey', claim: claim.claimed });
    // The upload becomes the message's blob here, or the whole write (the key's claim too) fails.
    const attachment = m.attachment;
    if (attachment) {
      const attached = s.attachUpload.run(m.id, attachment.upload, input.deviceId, attachment.view.size);
      if (attached.changes === 0) throw new CinderError('BAD_REQUEST', 'The upload cannot be attached');
    }
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
    const content = m.burn ? open.content : null;
    const inserted = s.insertMessage.run(
      ...messageMeta(m),
      m.burn ? '' : m.text,
      m.burn ? null : extJson,
      toSeq,
      fromSeq,
      content?.generation ?? null,
    );
    content?.insert(Number(inserted.lastInsertRowid), m.text, extJson);
    if (this.#tails.has(m.to.id) || this.#tails.has(m.from.id)) {
      const message = newMessageView(m);
      this.#tailAppend(m.to.id, { kind: 'message', seq: toSeq, message }, null);
      this.#tailAppend(m.from.id, { kind: 'message', seq: fromSeq, message }, input.deviceId);
    }
    const pushable = s.hasPush.get(m.to.id) !== undefined;
    return { result, created: true, wake: [m.to.id, m.from.id], pushable };
  }

  async openMessage(input: OpenInput): Promise<OpenOutcome> {
    return this.#write((): OpenOutcome => {
      const decision = decideOpen(
        this.#find(input.id),
        input.userId,
        input.at,
        input.deviceId,
        input.readReceipts ?? this.accounts.sendsReadReceipts(input.userId),
      );
      switch (decision.effect) {
        case 'take':
          return { kind: 'taken', ...this.#take(decision.message, input.at) };
        case 'read':
          return { kind: 'read', ...contentOf(decision.message), wake: [], burned: [] };
        case 'receipt': {
          const row = decision.message;
          return { kind: 'read', ...contentOf(row), ...this.#receipt(row, 'read', row.recipient, input.at) };
        }
        case 'expire':
          return refused(decision.refusal, this.#burn(decision.message, 'expired', input.at));
        case 'refuse':
          return refused(decision.refusal);
      }
    });
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

  async readMessage(input: ReadInput): Promise<ActOutcome> {
    return this.#write((): ActOutcome => {
      const decision = decideRead(
        this.#find(input.id),
        input.reader.id,
        input.readReceipts ?? this.accounts.sendsReadReceipts(input.reader.id),
      );
      if (decision.effect === 'refuse') return refused(decision.refusal);
      if (decision.effect === 'ignore') return { kind: 'done', wake: [], burned: [] };
      return { kind: 'done', ...this.#receipt(decision.message, 'read', input.reader.username, input.at) };
    });
  }

  async recallMessage(input: RecallInput): Promise<ActOutcome> {
    return this.#write((): ActOutcome => {
      const found = this.#find(input.id);
      const sentAt = found.state === 'live' ? found.message.sent_at : null;
      const decision = decideRecall(found, input.userId, input.at, sentAt, input.windowMs);
      if (decision.effect === 'refuse') return refused(decision.refusal);
      return { kind: 'done', ...this.#recall(decision.message, input.at) };
    });
  }

  async deleteAccount(userId: string, at: number): Promise<AccountDeletion> {
    return this.#write((): AccountDeletion => {
      const open = this.#live();
      const s = open.statements;
      const wake = new Set<string>();
      const burned: BurnedRecord[] = [];
      for (const row of s.messagesOfUser.all(userId, userId)) {
        const decision = decideAccountDeletion(foundOf(row), userId);
        if (!decision) continue;
        if (decision.effect === 'burn') {
          const change = this.#burn(decision.message, decision.reason, at);
          burned.push(...change.burned);
        } else {
          this.#forget(decision.message);
        }
        wake.add(row.sender_id === userId ? row.recipient_id : row.sender_id);
      }
      // Uploads of its devices that are not a message's blob (those went with their messages).
      for (const upload of s.uploadsOfUser.all(userId)) this.#record({ kind: 'unlinkBlob', id: upload.id });
      s.deleteUploadsOfUser.run(userId);
      s.deleteSendsOfUser.run(userId);
      s.deleteSendLogOfUser.run(userId);
      s.deletePushOfUser.run(userId);
      s.deleteEventsOfUser.run(userId);
      s.deleteTombstonesOfUser.run(userId, userId);
      s.deleteBlocksOfUser.run(userId, userId);
      const devices = s.deviceIdsOfUser.all(userId).map((row) => row.id);
      s.deleteDevicesOfUser.run(userId);
      s.deleteUser.run(userId);
      // In the transaction: no read of the caches can slip between the delete and the drop.
      this.accounts.forget(userId);
      // The log tails may hold this user's events and the deleted messages' views: start again.
      this.#record({ kind: 'clear' });
      open.checkpoints.schedule();
      wake.delete(userId);
      return { wake: [...wake], burned, devices };
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
      for (const row of this.#stmts().dueMessages.all(now, limit)) {
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
    const row = s.messageById.get(id);
    return foundOf(row, row || !tombstones ? undefined : s.tombstoneById.get(id));
  }

  /** The `take` effect: read a burn message's content (a sealed one's envelope), then burn it (`opened`). */
  #take(row: MessageRow, at: number): TakenContent {
    const content = row.content_gen == null ? undefined : this.#live().content.read(row.content_gen, row.n);
    return {
      text: content?.text ?? '',
      ext: parseExt(content?.ext ?? null),
      viewSeconds: row.view_seconds ?? 0,
      sealed: row.sealed_for !== null,
      from: row.sender,
      ...this.#burn(row, 'opened', at),
    };
  }

  /** Delete the content and every queued copy, keep a tombstone, tell both users. Inside a transaction. */
  #burn(row: MessageRow, reason: BurnReason, at: number): Changed {
    const open = this.#live();
    const s = open.statements;
    s.deleteMessage.run(row.n);
    if (row.content_gen != null) open.content.remove(row.content_gen, row.n);
    if (row.attachment != null) {
      for (const blob of s.deleteBlobOf.all(row.id)) this.#record({ kind: 'unlinkBlob', id: blob.id });
    }
    s.deleteMessageEvents.run(row.to_seq ?? null, row.from_seq ?? null);
    s.deleteReceipts.run(row.id);
    s.insertTombstone.run(row.id, row.conversation, row.sender_id, row.recipient_id, reason, at);
    if (this.#tails.has(row.sender_id) || this.#tails.has(row.recipient_id)) {
      this.#record({ kind: 'unmessage', userIds: [row.sender_id, row.recipient_id], messageId: row.id });
    }
    for (const userId of [row.sender_id, row.recipient_id]) {
      const seq = this.#appendEvent(s, userId, 'burned', row.id, row.conversation, null, reason, null, at);
      // Built in eventOf's key order: tails hold events of both origins, and the lookups over
      // them stay fast only while each kind of event has one shape.
      this.#tailAppend(
        userId,
        { kind: 'burned', seq, messageId: row.id, conversation: row.conversation, reason, at },
        null,
      );
    }
    open.checkpoints.schedule();
    return burnChange([row], reason);
  }

  /**
   * Delete a recalled normal message (its text and ext live in its row), its blob, its queued
   * copies and receipts, and tell both users. Inside a transaction.
   */
  #recall(row: MessageRow, at: number): Changed {
    const open = this.#live();
    const s = open.statements;
    s.deleteMessage.run(row.n);
    if (row.attachment != null) {
      for (const blob of s.deleteBlobOf.all(row.id)) this.#record({ kind: 'unlinkBlob', id: blob.id });
    }
    s.deleteMessageEvents.run(row.to_seq ?? null, row.from_seq ?? null);
    s.deleteReceipts.run(row.id);
    if (this.#tails.has(row.sender_id) || this.#tails.has(row.recipient_id)) {
      this.#record({ kind: 'unmessage', userIds: [row.sender_id, row.recipient_id], messageId: row.id });
    }
    for (const userId of [row.sender_id, row.recipient_id]) {
      const seq = this.#appendEvent(
        s,
        userId,
        'recalled',
        row.id,
        row.conversation,
        null,
        null,
        row.sender,
        at,
      );
      this.#tailAppend(
        userId,
        { kind: 'recalled', seq, messageId: row.id, conversation: row.conversation, by: row.sender, at },
        null,
      );
    }
    open.checkpoints.schedule();
    return recallChange(row);
  }

  /** Delete a normal message of a deleted account, its blob, queued copies and receipts, without an event. */
  #forget(row: MessageRow): void {
    const s = this.#live().statements;
    s.deleteMessage.run(row.n);
    if (row.attachment != null) {
      for (const blob of s.deleteBlobOf.all(row.id)) this.#record({ kind: 'unlinkBlob', id: blob.id });
    }
    s.deleteMessageEvents.run(row.to_seq ?? null, row.from_seq ?? null);
    s.deleteReceipts.run(row.id);
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

  // -------------------------------------------------------------------------
  // The event log
  // -------------------------------------------------------------------------

  async readEvents(userId: string, after: number, limit: number): Promise<EventPage> {
    const fromTail = this.#tails.page(userId, after, limit);
    if (fromTail) return fromTail;
    const rows = this.#stmts().readEvents.all(userId, after, limit);
    const events: LoggedEvent[] = [];
    for (const row of rows) {
      const event = eventOf(row);
      if (event) events.push({ event, originDevice: row.origin_device });
    }
    const last = rows.at(-1)?.seq ?? after;
    const more = rows.length === limit;
    // The read reached the end of this user's log: later appends are mirrored from here on.
    if (!more) this.#tails.start(userId, last);
    return { events, last, more };
  }

  /**
   * Append an event with the next seq. Seqs come from a counter rather than AUTOINCREMENT (whose
   * `sqlite_sequence` row is read and rewritten on every insert); a rolled-back batch leaves a
   * gap, which cursors do not mind. At start the counter continues past every seq ever handed
   * out (`highestSeq`).
   */
  #appendEvent(
    s: Statements,
    userId: string,
    kind: 'message' | 'burned' | 'receipt' | 'recalled',
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

  /** Record an appended event for the user's tail (if it has one) once the write commits. */
  #tailAppend(userId: string, event: Event, originDevice: string | null): void {
    if (this.#open?.queue.inWrite && this.#tails.has(userId)) {
      this.#record({ kind: 'append', userId, logged: { event, originDevice } });
    }
  }

  async logBounds(): Promise<LogBounds> {
    const floor = this.#stmts().floor.get()?.value ?? 0;
    return { head: this.#nextSeq - 1, floor };
  }

  async listLiveMessages(
    userId: string,
    after: number | null,
    limit: number,
  ): Promise<{ messages: MessageView[]; next: number | null }> {
    const rows = this.#stmts().liveMessages.all(after ?? 0, userId, userId, limit);
    const last = rows.at(-1);
    return { messages: rows.map(viewOf), next: rows.length === limit && last ? last.n : null };
  }

  async prune(before: number): Promise<PruneOutcome> {
    return this.#write(() => {
      const open = this.#live();
      const s = open.statements;
      // Delete a prefix of the log (everything up to the last old event) so the floor is exact.
      const first = s.firstEventFrom.get(before)?.seq;
      const last = s.lastEventBelow.get(first ?? Number.MAX_SAFE_INTEGER)?.seq ?? null;
      let events = 0;
      if (last !== null) {
        events = s.pruneEvents.run(last).changes;
        s.setFloor.run(last);
        if (events > 0) this.#record({ kind: 'clear' });
      }
      const tombstones = s.pruneTombstones.run(before).changes;
      const step = open.sendKeys.foldAll(open.sendKeyStatements);
      if (step) this.#record({ kind: 'folded', step });
      const sendKeys = s.pruneSends.run(before).changes;
      return { events, tombstones, sendKeys };
    });
  }
}

/** Fold every staged send key into `sends` at once (start-up and close; nothing else runs). */
function foldSendLog(db: SqliteDatabase): void {
  db.exec(`BEGIN;
    INSERT OR IGNORE INTO sends (device_id, key, result, at)
      SELECT device_id, key, result, at FROM send_log ORDER BY device_id, key;
    DELETE FROM send_log;
    COMMIT;`);
}

/**
 * The highest seq ever handed out: in the log, below the pruned floor, or (data dirs from before
 * the counter) AUTOINCREMENT's.
 */
function highestSeq(db: SqliteDatabase): number {
  const one = (sql: string) => Number(db.prepare<{ seq: number | null }>(sql).get()?.seq ?? 0);
  const autoincrement = db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'").get()
    ? one("SELECT seq FROM sqlite_sequence WHERE name = 'events'")
    : 0;
  return Math.max(
    one('SELECT max(seq) AS seq FROM events'),
    one("SELECT value AS seq FROM meta WHERE key = 'floor'"),
    autoincrement,
  );
}
