/**
 * Version of the schema `schemaStatements` creates, kept in `meta`. A database of an earlier
 * version is brought to it by the statements' own steps (see `schemaStatements`).
 */
export const SCHEMA_VERSION = 10;

/** A double-quoted SQL identifier. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * The PostgreSQL schema, every name qualified by `s` (a quoted schema name). As in SQLite, a
 * message's metadata, events, tombstones and receipts never hold content. Unlike SQLite, a burn
 * message's content lives in its own table, `burn_contents`: PostgreSQL has no secure delete, so
 * the server rewrites or vacuums that table after burns (see `Scrubber`), which stays cheap
 * because it only ever holds unopened burn messages. Normal messages keep their text inline.
 *
 * A database of an earlier version gets what that version lacked from a step gated on `meta`'s
 * `version`, so a current database runs no `ALTER TABLE` (which locks the table) at every start;
 * the step's statements are idempotent all the same. Version 2 added the devices' public keys
 * (`public_key`) and the devices a sealed burn message was sealed for (`sealed_for`, ids joined
 * by a space; its envelope is stored in `burn_contents` like any burn content). Version 3 added
 * uploads (`uploads`, and their bytes in `upload_chunks`, one row per append). Version 4 added
 * attachments; version 5 the nodes' `carries` (whether their wake-ups carry events, hub.ts);
 * version 6 Web Push (docs/push.md): the devices' subscriptions (`push_subscriptions`) and the
 * cluster's one VAPID key pair (`push_vapid`, a single row that the first node to start inserts
 * and every node reads, so all of them sign with the same key); version 7 blocks (`blocks`,
 * docs/accounts.md); version 8 the users' read receipts setting (`read_receipts`); version 9
 * their display names (`display_name`); version 10 which tables a pending scrub is for
 * (`scrub_queue.contents`, `scrub_queue.chunks`; a row of an earlier node, without them, is for
 * both).
 *
 * `lock_logs` takes, in this order, the shared log barrier and each user's log lock (keys sorted
 * by the caller): PL/pgSQL so the order is explicit, in one round trip. `append_log` takes them
 * and then appends a transaction's events, in one statement, returning their seqs and, for the
 * users asked, the seq of each one's last event before them (what the node's log tails chain on,
 * log-mirror.ts). See `log-locks.ts`. (`append_events`, its predecessor without the seqs, is left
 * in databases that have it, for nodes of the version before during an upgrade.)
 */
export function schemaStatements(s: string): string[] {
  return [
    `CREATE SCHEMA IF NOT EXISTS ${s}`,
    `CREATE TABLE IF NOT EXISTS ${s}.meta (
      key text PRIMARY KEY,
      value bigint NOT NULL
    )`,
    `INSERT INTO ${s}.meta (key, value) VALUES ('floor', 0), ('version', ${SCHEMA_VERSION})
      ON CONFLICT (key) DO NOTHING`,
    // A database a newer Cinder wrote is refused, not changed: this one does not know its shape.
    `DO $$ BEGIN
      IF (SELECT value FROM ${s}.meta WHERE key = 'version') > ${SCHEMA_VERSION} THEN
        RAISE EXCEPTION 'This database was written by a newer Cinder (schema %; this one knows ${SCHEMA_VERSION})',
          (SELECT value FROM ${s}.meta WHERE key = 'version');
      END IF;
    END $$`,
    `CREATE TABLE IF NOT EXISTS ${s}.users (
      id text PRIMARY KEY,
      username text NOT NULL UNIQUE,
      password_hash text NOT NULL,
      created_at bigint NOT NULL,
      read_receipts boolean NOT NULL DEFAULT true,
      display_name text
    )`,
    `CREATE TABLE IF NOT EXISTS ${s}.devices (
      id text PRIMARY KEY,
      user_id text NOT NULL,
      name text NOT NULL,
      token_hash text NOT NULL UNIQUE,
      created_at bigint NOT NULL,
      last_seen_at bigint,
      cursor bigint,
      public_key text
    )`,
    `CREATE INDEX IF NOT EXISTS devices_user ON ${s}.devices (user_id)`,
    `CREATE TABLE IF NOT EXISTS ${s}.messages (
      n bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      id text NOT NULL UNIQUE,
      conversation text NOT NULL,
      sender_id text NOT NULL,
      sender text NOT NULL,
      recipient_id text NOT NULL,
      recipient text NOT NULL,
      sent_at bigint NOT NULL,
      ttl_seconds integer,
      view_seconds integer,
      expires_at bigint,
      size integer NOT NULL,
      text text,
      ext text,
      sealed_for text,
      attachment text
    )`,
    `CREATE INDEX IF NOT EXISTS messages_sender ON ${s}.messages (sender_id, n)`,
    `CREATE INDEX IF NOT EXISTS messages_recipient ON ${s}.messages (recipient_id, n)`,
    `CREATE INDEX IF NOT EXISTS messages_expiry ON ${s}.messages (expires_at) WHERE expires_at IS NOT NULL`,
    // No constraint that a row could violate beyond its key: PostgreSQL's own log quotes a
    // failing row ("Failing row contains ..."), and here that row would be content.
    `CREATE TABLE IF NOT EXISTS ${s}.burn_contents (
      message_id text PRIMARY KEY,
      text text NOT NULL,
      ext text
    )`,
    // A row per transaction that burned content, and per statement that deleted upload chunks,
    // written in that transaction and deleted by the scrub that follows it: a delete whose node
    // died before scrubbing stays visible here, and any node (or the restarted one) finishes it.
    // `contents` and `chunks` say which table it left dead rows in. Holds no content.
    `CREATE TABLE IF NOT EXISTS ${s}.scrub_queue (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      at timestamptz NOT NULL DEFAULT now(),
      contents boolean NOT NULL DEFAULT true,
      chunks boolean NOT NULL DEFAULT true
    )`,
    // The server nodes using this schema (see `NodeRegistry`): a node is live while it holds its
    // advisory lock (`lock_key`) and has been seen within the registry's time to live.
    `CREATE TABLE IF NOT EXISTS ${s}.nodes (
      id text PRIMARY KEY,
      lock_key integer NOT NULL,
      bus text NOT NULL,
      host text NOT NULL,
      pid integer NOT NULL,
      started_at timestamptz NOT NULL DEFAULT now(),
      seen_at timestamptz NOT NULL DEFAULT now(),
      carries boolean NOT NULL DEFAULT false
    )`,
    `CREATE TABLE IF NOT EXISTS ${s}.tombstones (
      message_id text PRIMARY KEY,
      conversation text NOT NULL,
      sender_id text NOT NULL,
      recipient_id text NOT NULL,
      reason text NOT NULL,
      burned_at bigint NOT NULL
    )`,
    `CREATE INDEX IF NOT EXISTS tombstones_burned_at ON ${s}.tombstones (burned_at)`,
    // CACHE 1 (the default), so nextval is monotonic across connections: the log relies on it.
    `CREATE SEQUENCE IF NOT EXISTS ${s}.event_seq AS bigint CACHE 1`,
    `CREATE TABLE IF NOT EXISTS ${s}.events (
      seq bigint PRIMARY KEY,
      user_id text NOT NULL,
      kind text NOT NULL,
      message_id text NOT NULL,
      conversation text NOT NULL,
      origin_device text,
      detail text,
      by_name text,
      at bigint NOT NULL
    )`,
    `CREATE INDEX IF NOT EXISTS events_user ON ${s}.events (user_id, seq)`,
    `CREATE INDEX IF NOT EXISTS events_message ON ${s}.events (message_id) WHERE kind = 'message'`,
    `CREATE INDEX IF NOT EXISTS events_at ON ${s}.events (at)`,
    `CREATE TABLE IF NOT EXISTS ${s}.receipts (
      message_id text NOT NULL,
      type text NOT NULL,
      PRIMARY KEY (message_id, type)
    )`,
    `CREATE TABLE IF NOT EXISTS ${s}.sends (
      device_id text NOT NULL,
      key text NOT NULL,
      result text NOT NULL,
      at bigint NOT NULL,
      PRIMARY KEY (device_id, key)
    )`,
    `CREATE INDEX IF NOT EXISTS sends_at ON ${s}.sends (at)`,
    // Version 1 → 2 (a new database is created at SCHEMA_VERSION and skips it).
    `DO $$ BEGIN
      IF (SELECT value FROM ${s}.meta WHERE key = 'version') < 2 THEN
        ALTER TABLE ${s}.devices ADD COLUMN IF NOT EXISTS public_key text;
        ALTER TABLE ${s}.messages ADD COLUMN IF NOT EXISTS sealed_for text;
        UPDATE ${s}.meta SET value = 2 WHERE key = 'version';
      END IF;
    END $$`,
    // Uploads (docs/media.md), created by a new database and by the step to version 3 alike.
    `CREATE TABLE IF NOT EXISTS ${s}.uploads (
      id text PRIMARY KEY,
      device_id text NOT NULL,
      size bigint NOT NULL,
      received bigint NOT NULL,
      created_at bigint NOT NULL,
      expires_at bigint NOT NULL,
      message_id text
    )`,
    `CREATE INDEX IF NOT EXISTS uploads_expiry ON ${s}.uploads (expires_at)`,
    `CREATE TABLE IF NOT EXISTS ${s}.upload_chunks (
      upload_id text NOT NULL,
      "offset" bigint NOT NULL,
      bytes bytea NOT NULL,
      PRIMARY KEY (upload_id, "offset")
    )`,
    // Version 2 → 3: the tables above are all it adds.
    `UPDATE ${s}.meta SET value = 3 WHERE key = 'version' AND value < 3`,
    // Version 3 → 4: attachments (a message's attachment view, and the message an upload is the
    // blob of).
    `DO $$ BEGIN
      IF (SELECT value FROM ${s}.meta WHERE key = 'version') < 4 THEN
        ALTER TABLE ${s}.messages ADD COLUMN IF NOT EXISTS attachment text;
        ALTER TABLE ${s}.uploads ADD COLUMN IF NOT EXISTS message_id text;
        UPDATE ${s}.meta SET value = 4 WHERE key = 'version';
      END IF;
    END $$`,
    // Version 4 → 5: whether a node's wake-ups carry the appended events (hub.ts); a node of an
    // earlier version ignores such wake-ups, so nodes carry them only while every node does.
    `DO $$ BEGIN
      IF (SELECT value FROM ${s}.meta WHERE key = 'version') < 5 THEN
        ALTER TABLE ${s}.nodes ADD COLUMN IF NOT EXISTS carries boolean NOT NULL DEFAULT false;
        UPDATE ${s}.meta SET value = 5 WHERE key = 'version';
      END IF;
    END $$`,
    `CREATE INDEX IF NOT EXISTS uploads_message ON ${s}.uploads (message_id) WHERE message_id IS NOT NULL`,
    // Web Push, created by a new database and by the step to version 6 alike.
    `CREATE TABLE IF NOT EXISTS ${s}.push_subscriptions (
      device_id text PRIMARY KEY,
      user_id text NOT NULL,
      endpoint text NOT NULL,
      p256dh text NOT NULL,
      auth text NOT NULL,
      previews boolean NOT NULL,
      created_at bigint NOT NULL
    )`,
    `CREATE INDEX IF NOT EXISTS push_subscriptions_user ON ${s}.push_subscriptions (user_id)`,
    `CREATE TABLE IF NOT EXISTS ${s}.push_vapid (
      id smallint PRIMARY KEY CHECK (id = 1),
      public_key text NOT NULL,
      private_key text NOT NULL
    )`,
    // Version 5 → 6: the tables above are all it adds.
    `UPDATE ${s}.meta SET value = 6 WHERE key = 'version' AND value < 6`,
    // Blocks (docs/accounts.md), created by a new database and by the step to version 7 alike.
    `CREATE TABLE IF NOT EXISTS ${s}.blocks (
      user_id text NOT NULL,
      blocked_id text NOT NULL,
      created_at bigint NOT NULL,
      PRIMARY KEY (user_id, blocked_id)
    )`,
    // Version 6 → 7: the table above is all it adds.
    `UPDATE ${s}.meta SET value = 7 WHERE key = 'version' AND value < 7`,
    // Version 7 → 8: the read receipts setting (docs/accounts.md).
    `DO $$ BEGIN
      IF (SELECT value FROM ${s}.meta WHERE key = 'version') < 8 THEN
        ALTER TABLE ${s}.users ADD COLUMN IF NOT EXISTS read_receipts boolean NOT NULL DEFAULT true;
        UPDATE ${s}.meta SET value = 8 WHERE key = 'version';
      END IF;
    END $$`,
    // Version 8 → 9: display names (docs/accounts.md).
    `DO $$ BEGIN
      IF (SELECT value FROM ${s}.meta WHERE key = 'version') < 9 THEN
        ALTER TABLE ${s}.users ADD COLUMN IF NOT EXISTS display_name text;
        UPDATE ${s}.meta SET value = 9 WHERE key = 'version';
      END IF;
    END $$`,
    // Version 9 → 10: which tables a pending scrub is for. Nodes of version 9 insert rows without
    // them during an upgrade: the defaults make those rows scrub both tables, as those nodes do.
    `DO $$ BEGIN
      IF (SELECT value FROM ${s}.meta WHERE key = 'version') < 10 THEN
        ALTER TABLE ${s}.scrub_queue ADD COLUMN IF NOT EXISTS contents boolean NOT NULL DEFAULT true;
        ALTER TABLE ${s}.scrub_queue ADD COLUMN IF NOT EXISTS chunks boolean NOT NULL DEFAULT true;
        UPDATE ${s}.meta SET value = 10 WHERE key = 'version';
      END IF;
    END $$`,
    `CREATE OR REPLACE FUNCTION ${s}.lock_logs(barrier bigint, ns integer, keys integer[])
      RETURNS void LANGUAGE plpgsql AS $$
      DECLARE k integer;
      BEGIN
        PERFORM pg_advisory_xact_lock_shared(barrier);
        FOREACH k IN ARRAY keys LOOP
          PERFORM pg_advisory_xact_lock(ns, k);
        END LOOP;
      END $$`,
    // The log locks, the heads asked for (read under the locks, so no other append of those
    // users is in between), then the events in the arrays' order, each with the next seq.
    `CREATE OR REPLACE FUNCTION ${s}.append_log(barrier bigint, ns integer, keys integer[],
        users text[], kinds text[], message_ids text[], conversations text[], origins text[],
        details text[], by_names text[], ats bigint[], head_users text[],
        OUT seqs bigint[], OUT heads bigint[])
      LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM ${s}.lock_logs(barrier, ns, keys);
        SELECT array_agg((SELECT max(e.seq) FROM ${s}.events e WHERE e.user_id = h.u) ORDER BY h.i)
          INTO heads FROM unnest(head_users) WITH ORDINALITY AS h(u, i);
        WITH added AS (
          INSERT INTO ${s}.events (seq, user_id, kind, message_id, conversation, origin_device, detail, by_name, at)
            SELECT nextval('${s}.event_seq'), t.*
            FROM unnest(users, kinds, message_ids, conversations, origins, details, by_names, ats) AS t
            RETURNING seq)
        SELECT array_agg(seq ORDER BY seq) INTO seqs FROM added;
      END $$`,
  ];
}
