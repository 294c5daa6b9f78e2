import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/kit/index.ts';
import { SCHEMA_VERSION } from '../src/storage/sqlite/migrations.ts';
import { DATABASE_FILE, SqliteStorage } from '../src/storage/sqlite/sqlite-storage.ts';
import {
  addUsers,
  alice,
  bob,
  expectMigratedStorageWorks,
  hourBurn,
  newMessage,
  readDatabase,
} from './storage-fixtures.ts';

const dirs: { remove(): void }[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) dir.remove();
});

/**
 * The columns of each table, in order: what a migrated file must share with a new one. Burn
 * content generations (burn-content.ts) are numbered by how many were rotated, so they are left out.
 */
function columnsOf(dataDir: string): Record<string, string[]> {
  return readDatabase(dataDir, (db) => {
    const tables = db
      .prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'burn_content_%' ORDER BY name",
      )
      .all() as { name: string }[];
    return Object.fromEntries(
      tables.map(({ name }) => [
        name,
        (db.prepare(`PRAGMA table_info(${name})`).all() as { name: string }[]).map((c) => c.name),
      ]),
    );
  });
}

function indexesOf(dataDir: string): string[] {
  return readDatabase(dataDir, (db) =>
    (
      db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events'").all() as {
        name: string;
      }[]
    ).map((r) => r.name),
  );
}

describe('sqlite schema migration', () => {
  it('drops the old index on event time from an existing data dir, and prunes by seq', async () => {
    const dir = tempDir('cinder-migrate-');
    dirs.push(dir);
    const path = `${dir.path}/${DATABASE_FILE}`;
    const first = new SqliteStorage({ dataDir: dir.path });
    await first.init();
    await first.close();
    // A data dir written before pruning by seq carries the index.
    const old = new Database(path);
    old.exec('CREATE INDEX events_at ON events (at)');
    // Data dirs from before the schema version have none.
    old.pragma('user_version = 0');
    old.close();
    expect(indexesOf(dir.path)).toContain('events_at');

    const storage = new SqliteStorage({ dataDir: dir.path });
    await storage.init();
    try {
      expect(indexesOf(dir.path)).not.toContain('events_at');
      expect(await storage.prune(Date.now())).toEqual({ events: 0, tombstones: 0, sendKeys: 0 });
      expect((await storage.logBounds()).floor).toBe(0);
    } finally {
      await storage.close();
    }
  });

  it('gives messages of an old data dir the seqs of their events, so a burn still deletes them', async () => {
    const dir = tempDir('cinder-migrate-');
    dirs.push(dir);
    const path = `${dir.path}/${DATABASE_FILE}`;
    const burn = { ttlSeconds: 600, viewSeconds: 0, expiresAt: Date.now() + 600_000 };
    const first = new SqliteStorage({ dataDir: dir.path });
    await first.init();
    await addUsers(first);
    const at = Date.now();
    for (const id of ['m_one', 'm_two']) {
      await first.insertMessage({
        deviceId: 'd1',
        key: `k-${id}`,
        message: newMessage({ id, sentAt: at, size: 1, text: 'x', burn }),
        at,
      });
    }
    await first.close();
    // The shape before: no seq columns, an index on events by message id.
    const old = new Database(path);
    old.exec(`ALTER TABLE messages DROP COLUMN to_seq; ALTER TABLE messages DROP COLUMN from_seq;
      CREATE INDEX events_message ON events (message_id) WHERE kind = 'message';`);
    old.pragma('user_version = 0');
    old.close();

    const storage = new SqliteStorage({ dataDir: dir.path });
    await storage.init();
    try {
      expect(indexesOf(dir.path)).not.toContain('events_message');
      expect(
        await storage.openMessage({ id: 'm_one', userId: bob.id, deviceId: 'd_bob', at: Date.now() }),
      ).toMatchObject({
        kind: 'taken',
      });
    } finally {
      await storage.close();
    }
    const left = readDatabase(dir.path, (db) =>
      db.prepare("SELECT message_id AS id FROM events WHERE kind = 'message' ORDER BY seq").all(),
    );
    expect(left).toEqual([{ id: 'm_two' }, { id: 'm_two' }]);
    const seqs = readDatabase(
      dir.path,
      (db) =>
        db.prepare("SELECT to_seq, from_seq FROM messages WHERE id = 'm_two'").get() as {
          to_seq: number | null;
          from_seq: number | null;
        },
    );
    expect(seqs.to_seq).not.toBeNull();
    expect(seqs.from_seq).toBeGreaterThan(seqs.to_seq ?? 0);
  });

  it('keeps the schema version in user_version, and refuses a data dir from a newer Cinder', async () => {
    const dir = tempDir('cinder-migrate-');
    dirs.push(dir);
    const path = `${dir.path}/${DATABASE_FILE}`;
    const first = new SqliteStorage({ dataDir: dir.path });
    await first.init();
    await addUsers(first);
    await first.close();
    expect(readDatabase(dir.path, (db) => db.pragma('user_version', { simple: true }))).toBe(SCHEMA_VERSION);

    const newer = new Database(path);
    newer.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    newer.close();
    const storage = new SqliteStorage({ dataDir: dir.path });
    await expect(storage.init()).rejects.toThrow(
      `written by a newer Cinder (schema ${SCHEMA_VERSION + 1}; this one knows ${SCHEMA_VERSION})`,
    );
    // Nothing was changed: the version and the accounts are as they were.
    expect(readDatabase(dir.path, (db) => db.pragma('user_version', { simple: true }))).toBe(
      SCHEMA_VERSION + 1,
    );
    expect(readDatabase(dir.path, (db) => db.prepare('SELECT count(*) AS n FROM users').get())).toEqual({
      n: 2,
    });
  });

  it('brings a version 1 file to the latest (2: device keys, sealed messages; 3: uploads; 4: attachments; 5: push subscriptions; 6: blocks; 7: read receipts setting; 8: display names), the shape of a new file', async () => {
    const fresh = tempDir('cinder-migrate-');
    const dir = tempDir('cinder-migrate-');
    dirs.push(fresh, dir);
    const created = new SqliteStorage({ dataDir: fresh.path });
    await created.init();
    await created.close();

    // A version 1 file with a device and an unopened burn message: the columns version 2 added
    // are not there yet.
    const first = new SqliteStorage({ dataDir: dir.path });
    await first.init();
    await addUsers(first);
    await first.accounts.createDevice({
      id: 'd_old',
      userId: bob.id,
      name: 'old',
      createdAt: 5,
      lastSeenAt: null,
      publicKey: null,
      tokenHash: 'h_old',
    });
    const old = newMessage({ text: 'from version 1', burn: hourBurn });
    await first.insertMessage({ deviceId: 'd_a', key: 'k-old', message: old, at: 1_000 });
    await first.close();
    const v1 = new Database(`${dir.path}/${DATABASE_FILE}`);
    v1.exec(
      'ALTER TABLE devices DROP COLUMN public_key; ALTER TABLE messages DROP COLUMN sealed_for; ALTER TABLE messages DROP COLUMN attachment; DROP TABLE uploads; DROP TABLE push_subscriptions; DROP TABLE blocks; ALTER TABLE users DROP COLUMN read_receipts; ALTER TABLE users DROP COLUMN display_name;',
    );
    v1.pragma('user_version = 1');
    v1.close();
    expect(columnsOf(dir.path).devices).not.toContain('public_key');
    expect(columnsOf(dir.path)).not.toEqual(columnsOf(fresh.path));

    const storage = new SqliteStorage({ dataDir: dir.path });
    await storage.init();
    try {
      expect(readDatabase(dir.path, (db) => db.pragma('user_version', { simple: true }))).toBe(8);
      expect(SCHEMA_VERSION).toBe(8);
      expect(columnsOf(dir.path)).toEqual(columnsOf(fresh.path));
      await expectMigratedStorageWorks(storage, old);
    } finally {
      await storage.close();
    }
  });
  it('brings a version 3 file to 4 (attachments), 5 (push subscriptions), 6 (blocks), 7 (read receipts setting) and 8 (display names), keeping its uploads unattached', async () => {
    const fresh = tempDir('cinder-migrate-');
    const dir = tempDir('cinder-migrate-');
    dirs.push(fresh, dir);
    const created = new SqliteStorage({ dataDir: fresh.path });
    await created.init();
    await created.close();
    const first = new SqliteStorage({ dataDir: dir.path });
    await first.init();
    await addUsers(first);
    await first.uploads.create({ id: 'f_3', deviceId: 'd_a', size: 2, createdAt: 1, expiresAt: 9 });
    await first.uploads.append('f_3', 0, new Uint8Array([7, 8]));
    await first.close();
    const v3 = new Database(`${dir.path}/${DATABASE_FILE}`);
    v3.exec(
      'DROP INDEX uploads_message; ALTER TABLE messages DROP COLUMN attachment; ALTER TABLE uploads DROP COLUMN message_id; DROP TABLE push_subscriptions; DROP TABLE blocks; ALTER TABLE users DROP COLUMN read_receipts; ALTER TABLE users DROP COLUMN display_name;',
    );
    v3.pragma('user_version = 3');
    v3.close();
    expect(columnsOf(dir.path).uploads).not.toContain('message_id');

    const storage = new SqliteStorage({ dataDir: dir.path });
    await storage.init();
    try {
      expect(readDatabase(dir.path, (db) => db.pragma('user_version', { simple: true }))).toBe(8);
      expect(columnsOf(dir.path)).toEqual(columnsOf(fresh.path));
      expect(await storage.uploads.get('f_3')).toMatchObject({ received: 2, messageId: null });
      const view = { kind: 'image' as const, size: 2 };
      const withFile = newMessage({ from: alice, text: '', attachment: { upload: 'f_3', view } });
      await storage.insertMessage({ deviceId: 'd_a', key: 'k-file', message: withFile, at: 1_000 });
      expect((await storage.uploads.get('f_3'))?.messageId).toBe(withFile.id);
    } finally {
      await storage.close();
    }
  });
});
