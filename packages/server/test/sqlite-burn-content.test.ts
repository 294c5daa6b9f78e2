import { randomBytes } from 'node:crypto';
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { filesUnder, tempDir } from '../../../test/kit/index.ts';
import { GENERATION_ROWS } from '../src/storage/sqlite/burn-content.ts';
import { DATABASE_FILE, SqliteStorage } from '../src/storage/sqlite/sqlite-storage.ts';
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

/** Every marker (see `marker`) found whole in any file of the data dir. */
function markersIn(dir: string): Set<string> {
  const found = new Set<string>();
  for (const path of filesUnder(dir)) {
    for (const m of readFileSync(path)
      .toString('latin1')
      .matchAll(/mk[0-9a-f]{16}/g))
      found.add(m[0]);
  }
  return found;
}

const marker = () => `mk${randomBytes(8).toString('hex')}`;

describe('burn message content in SQLite', () => {
  it('rewrites what burns touched before a start after a crash serves anything', async () => {
    const dir = dataDir();
    const storage = new SqliteStorage({ dataDir: dir, checkpointDelayMs: 3_600_000 });
    await storage.init();
    await addUsers(storage);
    const burned: string[] = [];
    const live: string[] = [];
    // Several generations' worth, burned in an order that makes SQLite move cells between leaves.
    const sent: { id: string; marker: string }[] = [];
    for (let round = 0; round < 6; round++) {
      const batch = Array.from({ length: 500 }, () => {
        const m = marker();
        const text = `${m} ${'z'.repeat(Math.floor(Math.random() * 200))}`;
        const message = newMessage({ text, size: text.length, burn: hourBurn });
        sent.push({ id: message.id, marker: m });
        return storage.insertMessage({ deviceId: 'd1', key: `k-${message.id}`, message, at: 1 });
      });
      await Promise.all(batch);
      const opens = sent.splice(0, sent.length - 100).map((s, i) => {
        if (i % 5 === 0) {
          live.push(s.marker);
          return null;
        }
        burned.push(s.marker);
        return storage.openMessage({ id: s.id, userId: bob.id, deviceId: 'd_bob', at: 2 });
      });
      await Promise.all(opens);
    }
    live.push(...sent.map((s) => s.marker));
    // The crash: the files as they are now, copied while nothing runs (a write is synchronous).
    const crashed = dataDir();
    cpSync(dir, crashed, { recursive: true });
    const found = (d: string, markers: string[]) => {
      const inFiles = markersIn(d);
      return markers.filter((m) => inFiles.has(m)).length;
    };
    expect(found(crashed, burned)).toBeGreaterThan(0);

    const restarted = new SqliteStorage({ dataDir: crashed });
    await restarted.init();
    try {
      expect(found(crashed, burned)).toBe(0);
      expect(found(crashed, live)).toBe(live.length);
    } finally {
      await restarted.close();
      await storage.close();
    }
  });

  it('gathers rows that wait long for their burn into a few tables, and drops emptied ones', async () => {
    const dir = dataDir();
    const storage = new SqliteStorage({ dataDir: dir });
    await storage.init();
    await addUsers(storage);
    const stragglers: { id: string; text: string }[] = [];
    const burned: string[] = [];
    // Five generations' worth; one message of each 1,000 waits, the others burn.
    for (let round = 0; round < 5; round++) {
      const sent = await Promise.all(
        Array.from({ length: GENERATION_ROWS }, async () => {
          const text = `${marker()} waits or burns`;
          const message = newMessage({ text, size: text.length, burn: hourBurn });
          await storage.insertMessage({ deviceId: 'd1', key: `k-${message.id}`, message, at: 1 });
          return { id: message.id, text };
        }),
      );
      const [first, ...rest] = sent;
      if (first) stragglers.push(first);
      burned.push(...rest.map((m) => m.text.slice(0, 18)));
      await Promise.all(
        rest.map((m) => storage.openMessage({ id: m.id, userId: bob.id, deviceId: 'd_bob', at: 2 })),
      );
    }
    await storage.close();
    const tables = readDatabase(dir, (db) =>
      db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name GLOB 'burn_content_*'").get(),
    ) as { n: number };
    expect(tables.n).toBeLessThanOrEqual(2);
    const onDisk = markersIn(dir);
    expect(burned.filter((m) => onDisk.has(m))).toEqual([]);
    expect(stragglers.filter((m) => !onDisk.has(m.text.slice(0, 18)))).toEqual([]);

    const reopened = new SqliteStorage({ dataDir: dir });
    await reopened.init();
    try {
      for (const m of stragglers)
        expect(
          await reopened.openMessage({ id: m.id, userId: bob.id, deviceId: 'd_bob', at: 3 }),
        ).toMatchObject({
          text: m.text,
        });
    } finally {
      await reopened.close();
    }
  });

  it('moves the content of an older data dir into a generation and scrubs what earlier burns left', async () => {
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
    db.pragma('user_version = 0');
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    expect(pagesHolding(dir, old)).toEqual(['messages leaf']);
    expect(pagesHolding(dir, live)).toEqual(['messages leaf']);
    const generation = /^burn_content_\d+ leaf$/;

    const storage = new SqliteStorage({ dataDir: dir });
    await storage.init();
    try {
      expect(pagesHolding(dir, old)).toEqual([]);
      expect(pagesHolding(dir, live)).toEqual([expect.stringMatching(generation)]);
      const opened = await storage.openMessage({ id: message.id, userId: bob.id, deviceId: 'd_bob', at: 2 });
      expect(opened).toMatchObject({ kind: 'taken', text: `${live} unopened` });
    } finally {
      await storage.close();
    }
    expect(pagesHolding(dir, live)).toEqual([]);
  });
});
