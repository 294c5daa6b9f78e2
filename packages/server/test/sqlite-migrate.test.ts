import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { DATABASE_FILE, SqliteStorage } from '../src/storage/sqlite/sqlite-storage.ts';
import { tempDir } from './helpers.ts';

const dirs: { remove(): void }[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) dir.remove();
});

function indexesOf(path: string): string[] {
  const db = new Database(path, { readonly: true });
  try {
    const rows = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events'")
      .all();
    return (rows as { name: string }[]).map((r) => r.name);
  } finally {
    db.close();
  }
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
    old.close();
    expect(indexesOf(path)).toContain('events_at');

    const storage = new SqliteStorage({ dataDir: dir.path });
    await storage.init();
    try {
      expect(indexesOf(path)).not.toContain('events_at');
      expect(await storage.prune(Date.now())).toEqual({ events: 0, tombstones: 0, sendKeys: 0 });
      expect((await storage.logBounds()).floor).toBe(0);
    } finally {
      await storage.close();
    }
  });
});
