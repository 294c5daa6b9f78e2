import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { DATABASE_FILE, SqliteStorage } from '../src/storage/sqlite/sqlite-storage.ts';
import { tempDir } from './helpers.ts';
import { addUsers, bob, hourBurn, newMessage, readDatabase } from './storage-fixtures.ts';

const dirs: { remove(): void }[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) dir.remove();
});

function dataDir(): string {
  const dir = tempDir('cinder-burn-content-');
  dirs.push(dir);
  return dir.path;
}

/** The table and page type (dbstat) of the page holding each occurrence of `marker` in the file. */
function pagesHolding(dir: string, marker: string): string[] {
  const file = readFileSync(join(dir, DATABASE_FILE));
  const needle = Buffer.from(marker, 'utf8');
  return readDatabase(dir, (db) => {
    const pageSize = Number(db.pragma('page_size', { simple: true }));
    const kind = db.prepare('SELECT name, pagetype FROM dbstat WHERE pageno = ?');
    const found: string[] = [];
    for (let at = file.indexOf(needle); at >= 0; at = file.indexOf(needle, at + 1)) {
      const page = kind.get(Math.floor(at / pageSize) + 1) as { name: string; pagetype: string } | undefined;
      found.push(page ? `${page.name} ${page.pagetype}` : 'free');
    }
    return found;
  });
}

const marker = () => `mk${randomBytes(8).toString('hex')}`;

describe('burn message content in SQLite', () => {
  it('lies only in overflow pages of burn_content, for every size a message can have', async () => {
    const dir = dataDir();
    const storage = new SqliteStorage({ dataDir: dir });
    await storage.init();
    await addUsers(storage);
    // Around the local/overflow edges of a 4 KiB page, several overflow pages, multi-byte text, ext.
    const fillers = [0, 1, 40, 300, 440, 470, 489, 3600, 4040, 4060, 4100, 8150, 8200, 12_300, 16_000];
    const markers: string[] = [];
    for (const fill of fillers) {
      for (const unit of ['x', 'é', '€']) {
        const head = marker();
        const tail = marker();
        const ext = fill % 2 === 0 ? null : { note: marker() };
        const text = `${head}${unit.repeat(fill)}${tail}`;
        markers.push(head, tail, ...(ext ? [ext.note] : []));
        await storage.insertMessage({
          deviceId: 'd1',
          key: `k-${markers.length}`,
          message: newMessage({ text, ext, size: text.length, burn: hourBurn }),
          at: 1,
        });
      }
    }
    await storage.close();
    // A marker may straddle two overflow pages (each starts with the next one's number) and then
    // not be found whole; every one found must be in an overflow page of burn_content.
    const places = markers.map((m) => pagesHolding(dir, m));
    expect(new Set(places.flat())).toEqual(new Set(['burn_content overflow']));
    expect(places.filter((p) => p.length > 0).length).toBeGreaterThan(markers.length * 0.8);
  });

  it('moves the content of an older data dir into burn_content and scrubs what earlier burns left', async () => {
    const dir = dataDir();
    const first = new SqliteStorage({ dataDir: dir });
    await first.init();
    await addUsers(first);
    await first.close();
    // What an older version left: a burn message's content in its messages row, and the bytes of
    // a deleted row in a live page (written without secure_delete here, as balance copies are).
    const live = marker();
    const old = marker();
    const message = newMessage({ text: `${live} unopened`, size: 20, burn: hourBurn });
    const db = new Database(join(dir, DATABASE_FILE));
    db.pragma('secure_delete = OFF');
    db.prepare(`INSERT INTO messages (id, conversation, sender_id, sender, recipient_id, recipient,
      sent_at, ttl_seconds, view_seconds, expires_at, size, text, ext) VALUES (?, 'dm:alice:bob',
      'u_alice', 'alice', 'u_bob', 'bob', 1, 3600, 0, ?, 20, ?, NULL)`).run(
      message.id,
      hourBurn.expiresAt,
      message.text,
    );
    db.prepare(`INSERT INTO messages (id, conversation, sender_id, sender, recipient_id, recipient,
      sent_at, size, text) VALUES ('m_old', 'dm:alice:bob', 'u_alice', 'alice', 'u_bob', 'bob', 1, 20, ?)`).run(
      `${old} burned long ago`,
    );
    db.prepare("DELETE FROM messages WHERE id = 'm_old'").run();
    db.prepare("DELETE FROM meta WHERE key = 'burn_content'").run();
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    expect(pagesHolding(dir, old)).toEqual(['messages leaf']);
    expect(pagesHolding(dir, live)).toEqual(['messages leaf']);

    const storage = new SqliteStorage({ dataDir: dir });
    await storage.init();
    try {
      expect(pagesHolding(dir, old)).toEqual([]);
      expect(pagesHolding(dir, live)).toEqual(['burn_content overflow']);
      const opened = await storage.openMessage({ id: message.id, userId: bob.id, at: 2 });
      expect(opened).toMatchObject({ outcome: 'taken', text: `${live} unopened` });
    } finally {
      await storage.close();
    }
    expect(pagesHolding(dir, live)).toEqual([]);
  });
});
