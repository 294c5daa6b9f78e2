import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/kit/index.ts';
import { openBetterSqlite3 } from '../src/storage/sqlite/better-sqlite3.ts';
import type { SqliteDatabase } from '../src/storage/sqlite/sqlite-database.ts';
import { SqliteStorage } from '../src/storage/sqlite/sqlite-storage.ts';
import { addUsers, hourBurn, newMessage } from './storage-fixtures.ts';

// A burn is a promise about the disk: once `burned` is answered, no restart (a power cut
// included) may bring the message back, and once a send is acknowledged it must not vanish. That
// needs each commit flushed before its verb answers: WAL with `synchronous = FULL`. A power cut
// cannot be staged here, so this holds the storage's one connection to those settings, read back
// from SQLite itself after the storage has served a send.

describe('sqlite durability', () => {
  const dir = tempDir('cinder-durability-');
  afterEach(() => dir.remove());

  it('writes through a WAL connection that flushes every commit, with secure delete', async () => {
    const opened: SqliteDatabase[] = [];
    const storage = new SqliteStorage({
      dataDir: dir.path,
      open: (file) => {
        const db = openBetterSqlite3(file);
        opened.push(db);
        return db;
      },
    });
    await storage.init();
    try {
      await addUsers(storage);
      await storage.insertMessage({
        deviceId: 'd1',
        key: 'k1',
        message: newMessage({ burn: hourBurn }),
        at: 1_000,
      });
      const db = opened[0] as SqliteDatabase;
      expect(opened).toHaveLength(1);
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      // 2 is FULL (0 OFF, 1 NORMAL, 3 EXTRA).
      expect(db.pragma('synchronous', { simple: true })).toBe(2);
      expect(db.pragma('secure_delete', { simple: true })).toBe(1);
    } finally {
      await storage.close();
    }
  });
});
