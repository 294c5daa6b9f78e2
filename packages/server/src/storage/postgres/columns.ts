// Column lists of PostgreSQL's queries; the row shapes and their mapping to protocol values are
// shared with SQLite in `../rows.ts`.

/** Columns of `MessageRow`, for `SELECT`s from `messages` aliased `m`. */
export const MESSAGE_COLUMNS = `m.n, m.id, m.conversation, m.sender_id, m.sender, m.recipient_id, m.recipient,
  m.sent_at, m.ttl_seconds, m.view_seconds, m.expires_at, m.size, m.text, m.ext, m.sealed_for, m.attachment`;

/** Columns of `EventRow`, for `events e LEFT JOIN messages m`. */
export const EVENT_COLUMNS = `e.seq, e.kind, e.message_id, e.conversation, e.origin_device, e.detail, e.by_name, e.at,
  m.id AS m_id, m.sender, m.recipient, m.sent_at, m.ttl_seconds, m.view_seconds, m.expires_at, m.size, m.text, m.ext,
  m.attachment`;
