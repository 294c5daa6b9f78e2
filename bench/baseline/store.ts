import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { conversationId, type MessageView } from '@cinder/protocol';
import Database from 'better-sqlite3';

/** A stored event as the baseline sends it: JSON without `seq`, which is added on the way out. */
export interface StoredEvent {
  seq: number;
  user: string;
  body: string;
}

/** Outcome of the baseline's atomic take. */
export type TakeResult =
  | { ok: true; text: string; ext: string; events: StoredEvent[] }
  | { ok: false; code: 'BURNED' | 'FORBIDDEN' };

/**
 * The bare baseline's storage: one SQLite file, WAL, `synchronous = FULL` (what Cinder uses), a
 * message table and a per-user event log (so offline devices can catch up, as any chat backend
 * must). The verbs do not open transactions themselves: the server decides how many requests share
 * one (`inTransaction`).
 */
export class BaselineStore {
  private readonly db: Database.Database;
  private readonly insertMessage: Database.Statement;
  private readonly insertEvent: Database.Statement;
  private readonly selectMessage: Database.Statement;
  private readonly deleteMessage: Database.Statement;
  private readonly deleteMessageEvents: Database.Statement;
  private readonly selectEvents: Database.Statement;
  private readonly selectLive: Database.Statement;
  private readonly selectHead: Database.Statement;
  private readonly runInTransaction: (fn: () => unknown) => unknown;

  constructor(dataDir: string) {
    mkdirSync(dataDir, { recursive: true });
    this.db = new Database(join(dataDir, 'baseline.db'));
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS messages (
        id INTEGER PRIMARY KEY AUTOINCREMENT, sender TEXT NOT NULL, recipient TEXT NOT NULL,
        text TEXT NOT NULL, ext TEXT NOT NULL, sent_at INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, user TEXT NOT NULL, message_id INTEGER NOT NULL,
        kind TEXT NOT NULL, body TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS events_user ON events (user, seq);
      CREATE INDEX IF NOT EXISTS events_message ON events (message_id);`);
    this.insertMessage = this.db.prepare(
      'INSERT INTO messages (sender, recipient, text, ext, sent_at) VALUES (?, ?, ?, ?, ?)',
    );
    this.insertEvent = this.db.prepare(
      'INSERT INTO events (user, message_id, kind, body) VALUES (?, ?, ?, ?)',
    );
    this.selectMessage = this.db.prepare('SELECT sender, recipient, text, ext FROM messages WHERE id = ?');
    this.deleteMessage = this.db.prepare('DELETE FROM messages WHERE id = ?');
    this.deleteMessageEvents = this.db.prepare(
      "DELETE FROM events WHERE message_id = ? AND kind = 'message'",
    );
    this.selectEvents = this.db.prepare(
      'SELECT seq, user, body FROM events WHERE user = ? AND seq > ? ORDER BY seq',
    );
    this.selectLive = this.db.prepare(
      'SELECT id, sender, recipient, sent_at, length(text) AS size FROM messages WHERE sender = ? OR recipient = ?',
    );
    this.selectHead = this.db.prepare('SELECT coalesce(max(seq), 0) AS seq FROM events');
    this.runInTransaction = this.db.transaction((fn: () => unknown) => fn());
  }

  /** Run `fn` in one transaction (nested calls become savepoints). */
  inTransaction<T>(fn: () => T): T {
    return this.runInTransaction(fn) as T;
  }

  /** Store a message and its two `message` events (recipient's and sender's log). */
  send(from: string, to: string, text: string, ext: string): SendOutcome {
    const sentAt = Date.now();
    const id = Number(this.insertMessage.run(from, to, text, ext, sentAt).lastInsertRowid);
    const view: MessageView = {
      id: String(id),
      conversation: conversationId(from, to),
      from,
      to,
      sentAt,
      burn: { ttlSeconds: 3600, viewSeconds: 0, expiresAt: sentAt + 3_600_000 },
      size: Buffer.byteLength(text),
    };
    const body = JSON.stringify({ kind: 'message', message: view });
    const events = [to, from].map((user) => ({
      seq: Number(this.insertEvent.run(user, id, 'message', body).lastInsertRowid),
      user,
      body,
    }));
    return { view, events };
  }

  /** The atomic take: read the content, delete it and its events, append two `burned` events. */
  take(user: string, id: number): TakeResult {
    const row = this.selectMessage.get(id) as
      | { sender: string; recipient: string; text: string; ext: string }
      | undefined;
    if (row === undefined) return { ok: false, code: 'BURNED' };
    if (row.recipient !== user) return { ok: false, code: 'FORBIDDEN' };
    this.deleteMessage.run(id);
    this.deleteMessageEvents.run(id);
    const body = JSON.stringify({
      kind: 'burned',
      messageId: String(id),
      conversation: conversationId(row.sender, row.recipient),
      reason: 'opened',
      at: Date.now(),
    });
    const events = [row.sender, row.recipient].map((who) => ({
      seq: Number(this.insertEvent.run(who, id, 'burned', body).lastInsertRowid),
      user: who,
      body,
    }));
    return { ok: true, text: row.text, ext: row.ext, events };
  }

  /** A user's events after `cursor`, oldest first. */
  eventsAfter(user: string, cursor: number): StoredEvent[] {
    return this.selectEvents.all(user, cursor) as StoredEvent[];
  }

  /** Sealed views of every live message of a user, for a full resync. */
  live(user: string): MessageView[] {
    const rows = this.selectLive.all(user, user) as Array<{
      id: number;
      sender: string;
      recipient: string;
      sent_at: number;
      size: number;
    }>;
    return rows.map((r) => ({
      id: String(r.id),
      conversation: conversationId(r.sender, r.recipient),
      from: r.sender,
      to: r.recipient,
      sentAt: r.sent_at,
      burn: { ttlSeconds: 3600, viewSeconds: 0, expiresAt: r.sent_at + 3_600_000 },
      size: r.size,
    }));
  }

  /** The newest seq of the whole log. */
  head(): number {
    return (this.selectHead.get() as { seq: number }).seq;
  }

  close(): void {
    this.db.close();
  }
}

/** What `send` stored: the sealed view and the two events. */
export interface SendOutcome {
  view: MessageView;
  events: StoredEvent[];
}

/** An event's wire JSON: the stored body with its seq spliced in, without a parse round trip. */
export function eventJson(event: StoredEvent): string {
  return `{"seq":${event.seq},${event.body.slice(1)}`;
}
