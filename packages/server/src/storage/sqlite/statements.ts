import {
  MESSAGE_META_COLUMNS,
  type EventRow as SharedEventRow,
  type MessageRow as SharedMessageRow,
  type TombstoneRow,
} from '../rows.ts';
import type { SqliteDatabase } from './sqlite-database.ts';

/** A message row as SQLite returns it, with the seqs of its two `message` events. */
export interface MessageRow extends SharedMessageRow<number> {
  /** Selected only where a burn may follow; null once pruned. */
  to_seq?: number | null;
  from_seq?: number | null;
  /** The generation table holding a burn message's content (burn-content.ts). */
  content_gen?: number | null;
}

export type EventRow = SharedEventRow<number>;

export interface UserRow {
  id: string;
  username: string;
  password_hash: string;
  created_at: number;
  display_name: string | null;
}

export interface DeviceRow {
  id: string;
  user_id: string;
  name: string;
  created_at: number;
  last_seen_at: number | null;
  public_key: string | null;
}

// Columns of a message that are safe to show anyone in the conversation: the content only for
// normal messages. Sealing happens in SQL so a burn message's content is never even read.
const SEALED_COLUMNS = `m.n, m.id, m.conversation, m.sender, m.recipient, m.sent_at, m.ttl_seconds,
  m.view_seconds, m.expires_at, m.size,
  CASE WHEN m.expires_at IS NULL THEN m.text END AS text,
  CASE WHEN m.expires_at IS NULL THEN m.ext END AS ext, m.attachment`;

/** Every statement of the SQLite storage, prepared once; each names the shape of its rows. */
export type Statements = ReturnType<typeof prepareStatements>;

/** Statements that read rows say their shape; a write's `Row` is `never`, so nothing reads one. */
export function prepareStatements(db: SqliteDatabase) {
  const p = <Row = never>(sql: string) => db.prepare<Row>(sql);
  return {
    insertUser: p('INSERT INTO users (id, username, password_hash, created_at) VALUES (?, ?, ?, ?)'),
    userByName: p<UserRow>(
      'SELECT id, username, password_hash, created_at, display_name FROM users WHERE username = ?',
    ),
    setDisplayName: p('UPDATE users SET display_name = ? WHERE id = ?'),
    insertDevice: p(`INSERT INTO devices (id, user_id, name, token_hash, created_at, last_seen_at, public_key)
      VALUES (?, ?, ?, ?, ?, NULL, ?)`),
    deviceByToken: p<
      DeviceRow & { username: string }
    >(`SELECT d.id, d.user_id, d.name, d.created_at, d.last_seen_at, d.public_key, u.username
      FROM devices d JOIN users u ON u.id = d.user_id WHERE d.token_hash = ?`),
    devicesOfUser: p<DeviceRow>(`SELECT id, user_id, name, created_at, last_seen_at, public_key FROM devices
      WHERE user_id = ? ORDER BY created_at, id`),
    deviceKeysOfUser: p<{ id: string; public_key: string; created_at: number }>(
      `SELECT id, public_key, created_at FROM devices
      WHERE user_id = ? AND public_key IS NOT NULL ORDER BY created_at, id`,
    ),
    deleteDevice: p('DELETE FROM devices WHERE id = ? AND user_id = ?'),
    deletePushOfDevice: p('DELETE FROM push_subscriptions WHERE device_id = ?'),
    hasPush: p<{ one: number }>('SELECT 1 AS one FROM push_subscriptions WHERE user_id = ? LIMIT 1'),
    insertBlock: p('INSERT OR IGNORE INTO blocks (user_id, blocked_id, created_at) VALUES (?, ?, ?)'),
    deleteBlock: p('DELETE FROM blocks WHERE user_id = ? AND blocked_id = ?'),
    blockedBy: p<{ username: string; created_at: number }>(
      `SELECT u.username, b.created_at FROM blocks b JOIN users u ON u.id = b.blocked_id
       WHERE b.user_id = ? ORDER BY b.created_at, u.username`,
    ),
    isBlocked: p<{ one: number }>('SELECT 1 AS one FROM blocks WHERE user_id = ? AND blocked_id = ?'),
    readReceiptsOf: p<{ read_receipts: number }>('SELECT read_receipts FROM users WHERE id = ?'),
    setReadReceipts: p('UPDATE users SET read_receipts = ? WHERE id = ?'),
    setPasswordHash: p('UPDATE users SET password_hash = ? WHERE id = ?'),
    otherDevicesOfUser: p<{ id: string }>('SELECT id FROM devices WHERE user_id = ? AND id <> ? ORDER BY id'),
    touchDevice: p('UPDATE devices SET last_seen_at = ? WHERE id = ?'),
    setCursor: p('UPDATE devices SET cursor = max(coalesce(cursor, 0), ?) WHERE id = ?'),
    sendByKey: p<{ result: string }>('SELECT result FROM sends WHERE device_id = ? AND key = ?'),
    logSend: p('INSERT INTO send_log (device_id, key, result, at) VALUES (?, ?, ?, ?)'),
    foldSend: p('INSERT OR IGNORE INTO sends (device_id, key, result, at) VALUES (?, ?, ?, ?)'),
    clearSendLog: p('DELETE FROM send_log WHERE n <= ?'),
    insertMessage: p(`INSERT INTO messages (${MESSAGE_META_COLUMNS}, text, ext, to_seq, from_seq, content_gen)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    deleteBlobOf: p<{ id: string }>('DELETE FROM uploads WHERE message_id = ? RETURNING id'),
    attachUpload: p(`UPDATE uploads SET message_id = ?
      WHERE id = ? AND device_id = ? AND size = ? AND received = size AND message_id IS NULL`),
    messageById:
      p<MessageRow>(`SELECT n, id, conversation, sender_id, sender, recipient_id, recipient, sent_at,
      ttl_seconds, view_seconds, expires_at, size, text, ext, sealed_for, attachment, to_seq, from_seq, content_gen
      FROM messages WHERE id = ?`),
    messagesOfUser: p<MessageRow>(`SELECT n, id, conversation, sender_id, sender, recipient_id, recipient,
      sent_at, ttl_seconds, view_seconds, expires_at, size, text, ext, sealed_for, attachment, to_seq, from_seq,
      content_gen FROM messages WHERE sender_id = ? UNION
      SELECT n, id, conversation, sender_id, sender, recipient_id, recipient,
      sent_at, ttl_seconds, view_seconds, expires_at, size, text, ext, sealed_for, attachment, to_seq, from_seq,
      content_gen FROM messages WHERE recipient_id = ?`),
    uploadsOfUser: p<{ id: string }>(
      'SELECT id FROM uploads WHERE device_id IN (SELECT id FROM devices WHERE user_id = ?)',
    ),
    deleteUploadsOfUser: p(
      'DELETE FROM uploads WHERE device_id IN (SELECT id FROM devices WHERE user_id = ?)',
    ),
    deleteSendsOfUser: p('DELETE FROM sends WHERE device_id IN (SELECT id FROM devices WHERE user_id = ?)'),
    deleteSendLogOfUser: p(
      'DELETE FROM send_log WHERE device_id IN (SELECT id FROM devices WHERE user_id = ?)',
    ),
    deletePushOfUser: p('DELETE FROM push_subscriptions WHERE user_id = ?'),
    deleteEventsOfUser: p('DELETE FROM events WHERE user_id = ?'),
    deleteTombstonesOfUser: p('DELETE FROM tombstones WHERE sender_id = ? OR recipient_id = ?'),
    deleteBlocksOfUser: p('DELETE FROM blocks WHERE user_id = ? OR blocked_id = ?'),
    deviceIdsOfUser: p<{ id: string }>('SELECT id FROM devices WHERE user_id = ? ORDER BY id'),
    deleteDevicesOfUser: p('DELETE FROM devices WHERE user_id = ?'),
    deleteUser: p('DELETE FROM users WHERE id = ?'),
    deleteMessage: p('DELETE FROM messages WHERE n = ?'),
    deleteMessageEvents: p('DELETE FROM events WHERE seq IN (?, ?)'),
    deleteReceipts: p('DELETE FROM receipts WHERE message_id = ?'),
    insertTombstone: p(`INSERT OR IGNORE INTO tombstones
      (message_id, conversation, sender_id, recipient_id, reason, burned_at) VALUES (?, ?, ?, ?, ?, ?)`),
    tombstoneById: p<TombstoneRow>(
      'SELECT sender_id, recipient_id, reason FROM tombstones WHERE message_id = ?',
    ),
    insertEvent:
      p(`INSERT INTO events (seq, user_id, kind, message_id, conversation, origin_device, detail, by_name, at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    insertReceipt: p('INSERT OR IGNORE INTO receipts (message_id, type) VALUES (?, ?)'),
    dueMessages:
      p<MessageRow>(`SELECT n, id, conversation, sender_id, sender, recipient_id, recipient, sent_at,
      ttl_seconds, view_seconds, expires_at, size, NULL AS text, NULL AS ext, sealed_for, attachment, to_seq, from_seq,
      content_gen FROM messages WHERE expires_at IS NOT NULL AND expires_at <= ? ORDER BY expires_at LIMIT ?`),
    readEvents:
      p<EventRow>(`SELECT e.seq, e.kind, e.message_id, e.conversation, e.origin_device, e.detail, e.by_name, e.at,
      m.id AS m_id, m.sender, m.recipient, m.sent_at, m.ttl_seconds, m.view_seconds, m.expires_at, m.size,
      CASE WHEN m.expires_at IS NULL THEN m.text END AS text,
      CASE WHEN m.expires_at IS NULL THEN m.ext END AS ext, m.attachment
      FROM events e LEFT JOIN messages m ON e.kind = 'message' AND m.id = e.message_id
      WHERE e.user_id = ? AND e.seq > ? ORDER BY e.seq LIMIT ?`),
    floor: p<{ value: number }>("SELECT value FROM meta WHERE key = 'floor'"),
    setFloor: p("UPDATE meta SET value = max(value, ?) WHERE key = 'floor'"),
    liveMessages: p<MessageRow>(`SELECT ${SEALED_COLUMNS} FROM messages m
      WHERE m.n > ? AND (m.sender_id = ? OR m.recipient_id = ?) ORDER BY m.n LIMIT ?`),
    // No index on `at` (one fewer entry written per event): the log is in time order, so the
    // first event at or past the cutoff is found by walking from the oldest, which stops at once
    // past the events this prune deletes anyway.
    firstEventFrom: p<{ seq: number }>('SELECT seq FROM events WHERE at >= ? ORDER BY seq LIMIT 1'),
    lastEventBelow: p<{ seq: number | null }>('SELECT max(seq) AS seq FROM events WHERE seq < ?'),
    pruneEvents: p('DELETE FROM events WHERE seq <= ?'),
    pruneTombstones: p('DELETE FROM tombstones WHERE burned_at < ?'),
    pruneSends: p('DELETE FROM sends WHERE at < ?'),
  };
}
