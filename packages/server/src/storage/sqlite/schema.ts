/**
 * Uploads (docs/media.md): a row per upload; its bytes are a file `blobs/<id>` in the data
 * directory (uploads.ts). Created by `SCHEMA` and by the migration step to version 3;
 * `message_id` (version 4) names the message an upload is attached to, which it is the blob of.
 */
export const UPLOADS_SCHEMA = `
CREATE TABLE IF NOT EXISTS uploads (
  id TEXT PRIMARY KEY,
  device_id TEXT NOT NULL,
  size INTEGER NOT NULL,
  received INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  message_id TEXT
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS uploads_expiry ON uploads (expires_at);
CREATE INDEX IF NOT EXISTS uploads_message ON uploads (message_id) WHERE message_id IS NOT NULL;
`;

/**
 * Web Push subscriptions (docs/push.md), one per device: removed with the device (accounts.ts),
 * and when a push service says the endpoint is gone. Created by `SCHEMA` and by the migration
 * step to version 5. The VAPID keys live in a file of their own (`vapid.json`, push.ts).
 */
export const PUSH_SCHEMA = `
CREATE TABLE IF NOT EXISTS push_subscriptions (
  device_id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL,
  endpoint TEXT NOT NULL,
  p256dh TEXT NOT NULL,
  auth TEXT NOT NULL,
  previews INTEGER NOT NULL,
  created_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS push_subscriptions_user ON push_subscriptions (user_id);
`;

/**
 * Blocks (docs/accounts.md): `user_id` blocked `blocked_id`. Created by `SCHEMA` and by the
 * migration step to version 6.
 */
export const BLOCKS_SCHEMA = `
CREATE TABLE IF NOT EXISTS blocks (
  user_id TEXT NOT NULL,
  blocked_id TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (user_id, blocked_id)
) WITHOUT ROWID;
`;

/**
 * The SQLite schema. A burn message's content lives only in its row of a `burn_content_<g>`
 * generation table (burn-content.ts creates them; `content_gen` names it), and its `messages` row
 * holds an empty text, so a burn deletes that row and the generation is rewritten soon after.
 * Tombstones and events never hold content, and message events point at their message instead of
 * copying it, so a burned message cannot be replayed.
 * A message row keeps the seqs of its two `message` events (`to_seq`, `from_seq`), so a burn
 * deletes them by seq and the log needs no index by message id.
 * A device keeps its public key (`public_key`, null for a device without one); a sealed burn
 * message's row keeps the devices it was sealed for (`sealed_for`, ids joined by a space), and its
 * content, the envelope, lives in a generation table like any burn content.
 * A message with an attachment keeps its view (`attachment`, JSON: kind, size, and for a normal
 * message name and type); its blob is the upload whose `message_id` names it.
 * Columns added by a migration step come last, here as in a migrated file, so both have one shape.
 */
export const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (
  key TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS users (
  id TEXT PRIMARY KEY,
  username TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  read_receipts INTEGER NOT NULL DEFAULT 1,
  display_name TEXT
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS devices (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL,
  name TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  last_seen_at INTEGER,
  cursor INTEGER,
  public_key TEXT
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS devices_user ON devices (user_id);

CREATE TABLE IF NOT EXISTS messages (
  n INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  conversation TEXT NOT NULL,
  sender_id TEXT NOT NULL,
  sender TEXT NOT NULL,
  recipient_id TEXT NOT NULL,
  recipient TEXT NOT NULL,
  sent_at INTEGER NOT NULL,
  ttl_seconds INTEGER,
  view_seconds INTEGER,
  expires_at INTEGER,
  size INTEGER NOT NULL,
  text TEXT NOT NULL,
  ext TEXT,
  to_seq INTEGER,
  from_seq INTEGER,
  content_gen INTEGER,
  sealed_for TEXT,
  attachment TEXT
);
CREATE INDEX IF NOT EXISTS messages_sender ON messages (sender_id, n);
CREATE INDEX IF NOT EXISTS messages_recipient ON messages (recipient_id, n);
CREATE INDEX IF NOT EXISTS messages_expiry ON messages (expires_at) WHERE expires_at IS NOT NULL;

CREATE TABLE IF NOT EXISTS tombstones (
  message_id TEXT PRIMARY KEY,
  conversation TEXT NOT NULL,
  sender_id TEXT NOT NULL,
  recipient_id TEXT NOT NULL,
  reason TEXT NOT NULL,
  burned_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS tombstones_burned_at ON tombstones (burned_at);

-- seq comes from the storage's counter (data dirs from before it keep AUTOINCREMENT, harmlessly).
CREATE TABLE IF NOT EXISTS events (
  seq INTEGER PRIMARY KEY,
  user_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  message_id TEXT NOT NULL,
  conversation TEXT NOT NULL,
  origin_device TEXT,
  detail TEXT,
  by_name TEXT,
  at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS events_user ON events (user_id, seq);

CREATE TABLE IF NOT EXISTS receipts (
  message_id TEXT NOT NULL,
  type TEXT NOT NULL,
  PRIMARY KEY (message_id, type)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS sends (
  device_id TEXT NOT NULL,
  key TEXT NOT NULL,
  result TEXT NOT NULL,
  at INTEGER NOT NULL,
  PRIMARY KEY (device_id, key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS sends_at ON sends (at);

-- Send keys claimed since the last fold into \`sends\` (send-keys.ts): appended in rowid order.
CREATE TABLE IF NOT EXISTS send_log (
  n INTEGER PRIMARY KEY,
  device_id TEXT NOT NULL,
  key TEXT NOT NULL,
  result TEXT NOT NULL,
  at INTEGER NOT NULL
);
${UPLOADS_SCHEMA}${PUSH_SCHEMA}${BLOCKS_SCHEMA}`;
