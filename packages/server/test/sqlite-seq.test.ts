import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DATABASE_FILE, SqliteStorage } from '../src/storage/sqlite/sqlite-storage.ts';
import type { NewMessage, Party } from '../src/storage/storage.ts';
import { tempDir } from './helpers.ts';

// Event seqs come from a counter in the storage, not AUTOINCREMENT. A seq must never be handed
// out twice, across restarts too, even when the events holding the highest seqs are gone: a
// device's cursor would otherwise skip the new events that reused its old seqs.

const alice: Party = { id: 'u_alice', username: 'alice' };
const bob: Party = { id: 'u_bob', username: 'bob' };
let counter = 0;

function burnMessage(): NewMessage {
  counter += 1;
  return {
    id: `m_${counter}_${Math.random().toString(36).slice(2)}`,
    conversation: 'dm:alice:bob',
    from: alice,
    to: bob,
    sentAt: 1_000,
    size: 6,
    text: 'secret',
    ext: null,
    burn: { ttlSeconds: 3600, viewSeconds: 0, expiresAt: 3_601_000 },
  };
}

describe('sqlite event seqs', () => {
  let dir: ReturnType<typeof tempDir>;
  let storage: SqliteStorage | null = null;

  async function open(): Promise<SqliteStorage> {
    storage = new SqliteStorage({ dataDir: dir.path });
    await storage.init();
    return storage;
  }

  async function reopen(): Promise<SqliteStorage> {
    await storage?.close();
    return open();
  }

  beforeEach(() => {
    dir = tempDir('cinder-seq-');
  });

  afterEach(async () => {
    await storage?.close();
    storage = null;
    dir.remove();
  });

  it('continues after the highest seq handed out, across a restart', async () => {
    let s = await open();
    for (const p of [alice, bob]) await s.createUser({ ...p, passwordHash: 'x', createdAt: 1 });
    const m = burnMessage();
    await s.insertMessage({ deviceId: 'd1', key: 'k1', message: m, at: 1_000 });
    await s.openMessage({ id: m.id, userId: bob.id, at: 2_000 });
    // send: one message event per user (seqs 1, 2); open: deletes both, appends two burned (3, 4).
    expect(await s.logBounds()).toEqual({ head: 4, floor: 0 });
    s = await reopen();
    expect((await s.logBounds()).head).toBe(4);
    const next = burnMessage();
    await s.insertMessage({ deviceId: 'd1', key: 'k2', message: next, at: 3_000 });
    const page = await s.readEvents(bob.id, 4, 10);
    expect(page.events.map((e) => e.event.seq)).toEqual([5]);
  });

  it('never reuses the seqs of pruned events, even when the whole log was pruned', async () => {
    let s = await open();
    for (const p of [alice, bob]) await s.createUser({ ...p, passwordHash: 'x', createdAt: 1 });
    for (let i = 0; i < 3; i++) {
      const m = burnMessage();
      await s.insertMessage({ deviceId: 'd1', key: `k${i}`, message: m, at: 1_000 });
      await s.openMessage({ id: m.id, userId: bob.id, at: 2_000 });
    }
    const before = await s.logBounds();
    expect(before.head).toBe(12);
    await s.prune(Date.now() + 60_000);
    expect(await s.logBounds()).toEqual({ head: 12, floor: 12 });
    s = await reopen();
    const db = new Database(join(dir.path, DATABASE_FILE), { readonly: true });
    try {
      expect(db.prepare('SELECT count(*) AS n FROM events').get()).toEqual({ n: 0 });
    } finally {
      db.close();
    }
    expect(await s.logBounds()).toEqual({ head: 12, floor: 12 });
    await s.insertMessage({ deviceId: 'd1', key: 'k9', message: burnMessage(), at: 3_000 });
    const page = await s.readEvents(bob.id, 12, 10);
    expect(page.events.map((e) => e.event.seq)).toEqual([13]);
  });
});
