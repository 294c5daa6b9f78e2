import { BurnContent } from './burn-content.ts';
import { BLOCKS_SCHEMA, PUSH_SCHEMA, SCHEMA, UPLOADS_SCHEMA } from './schema.ts';
import type { SqliteDatabase } from './sqlite-database.ts';

/**
 * The schema version `SCHEMA` creates, kept in SQLite's `user_version`. A later change of the
 * schema raises it and adds a step to `STEPS`; a data dir written by a newer Cinder is refused.
 */
export const SCHEMA_VERSION = 8;

/**
 * Steps from version n to n + 1, in order (`STEPS[n - 1]`). Each runs in one transaction, and
 * adds only what is missing: a table `SCHEMA` created while bringing an unversioned file to
 * version 1 has the latest columns already.
 */
const STEPS: ReadonlyArray<(db: SqliteDatabase) => void> = [
  // 1 → 2: device public keys, and the devices a sealed burn message was sealed for.
  (db) => {
    addColumn(db, 'devices', 'public_key', 'TEXT');
    addColumn(db, 'messages', 'sealed_for', 'TEXT');
  },
  // 2 → 3: uploads (their bytes are files under blobs/).
  (db) => {
    db.exec(UPLOADS_SCHEMA);
  },
  // 3 → 4: attachments (a message's attachment view, and the message an upload is the blob of).
  (db) => {
    addColumn(db, 'messages', 'attachment', 'TEXT');
    addColumn(db, 'uploads', 'message_id', 'TEXT');
    db.exec(
      'CREATE INDEX IF NOT EXISTS uploads_message ON uploads (message_id) WHERE message_id IS NOT NULL',
    );
  },
  // 4 → 5: Web Push subscriptions.
  (db) => {
    db.exec(PUSH_SCHEMA);
  },
  // 5 → 6: blocks.
  (db) => {
    db.exec(BLOCKS_SCHEMA);
  },
  // 6 → 7: the read receipts setting (docs/accounts.md).
  (db) => {
    addColumn(db, 'users', 'read_receipts', 'INTEGER NOT NULL DEFAULT 1');
  },
  // 7 → 8: display names (docs/accounts.md).
  (db) => {
    addColumn(db, 'users', 'display_name', 'TEXT');
  },
];

/** Add a column at the end of a table, unless the table has it. */
function addColumn(db: SqliteDatabase, table: string, column: string, type: string): void {
  const columns = db.prepare<{ name: string }>(`PRAGMA table_info(${table})`).all();
  if (!columns.some((c) => c.name === column)) db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${type}`);
}

/**
 * Bring the database to `SCHEMA_VERSION`. A new file gets `SCHEMA`, which is the latest version.
 * A file from before the version was kept (`user_version` 0 with tables) is brought to version 1
 * by one step that looks at its shape, which differed between releases; from there, the numbered
 * steps. `checkpoint` empties the WAL after a step that rewrote content.
 */
export function migrate(db: SqliteDatabase, checkpoint: () => void): void {
  const version = Number(db.pragma('user_version', { simple: true }));
  if (version > SCHEMA_VERSION) {
    throw new Error(
      `This data directory was written by a newer Cinder (schema ${version}; this one knows ${SCHEMA_VERSION})`,
    );
  }
  if (version === 0) {
    const existing = Boolean(db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'messages'").get());
    db.exec(SCHEMA);
    if (existing) {
      fromUnversioned(db, checkpoint);
      db.pragma('user_version = 1');
    } else {
      db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('content_clean', 1)").run();
      db.pragma(`user_version = ${SCHEMA_VERSION}`);
    }
  }
  const from = Number(db.pragma('user_version', { simple: true }));
  for (let v = from; v < SCHEMA_VERSION; v++) {
    const step = STEPS[v - 1];
    if (!step) throw new Error(`No SQLite migration from schema ${v}`);
    db.transaction(() => {
      step(db);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}

/** The shapes data dirs had before the version was kept, each brought to version 1. */
function fromUnversioned(db: SqliteDatabase, checkpoint: () => void): void {
  // Pruning by seq replaced the index on event time.
  db.exec('DROP INDEX IF EXISTS events_at');
  const columns = () =>
    db
      .prepare<{ name: string }>('PRAGMA table_info(messages)')
      .all()
      .map((c) => c.name);
  // A message row keeps the seqs of its two events: filled from the log (through the old index by
  // message id, still there), which then goes.
  if (!columns().includes('to_seq')) {
    db.exec(`BEGIN;
      ALTER TABLE messages ADD COLUMN to_seq INTEGER;
      ALTER TABLE messages ADD COLUMN from_seq INTEGER;
      UPDATE messages SET
        to_seq = (SELECT min(seq) FROM events e WHERE e.message_id = messages.id AND e.kind = 'message'),
        from_seq = (SELECT max(seq) FROM events e WHERE e.message_id = messages.id AND e.kind = 'message');
      DROP INDEX IF EXISTS events_message;
      COMMIT;`);
  }
  if (!columns().includes('content_gen')) db.exec('ALTER TABLE messages ADD COLUMN content_gen INTEGER');
  const moved = db.prepare<{ value: number }>("SELECT value FROM meta WHERE key = 'burn_content'").get();
  if (moved?.value !== 1) {
    // Burn content lived in the `messages` rows, and leftovers of earlier burns in the free space
    // of live pages: the content moves to a generation (burn-content.ts), then the whole file is
    // rewritten once with VACUUM (in memory: temp_store) and checkpointed.
    const content = new BurnContent(db, false);
    const rows = db
      .prepare<{ n: number; text: string; ext: string | null }>(
        'SELECT n, text, ext FROM messages WHERE expires_at IS NOT NULL AND content_gen IS NULL',
      )
      .all();
    const move = db.prepare("UPDATE messages SET text = '', ext = NULL, content_gen = ? WHERE n = ?");
    db.transaction(() => {
      for (const row of rows) {
        content.insert(row.n, row.text, row.ext);
        move.run(content.generation, row.n);
      }
    })();
    db.exec('VACUUM');
    checkpoint();
    db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('content_clean', 1)").run();
  }
  db.prepare("DELETE FROM meta WHERE key = 'burn_content'").run();
}
