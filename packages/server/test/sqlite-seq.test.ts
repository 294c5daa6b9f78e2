import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/kit/index.ts';
import { SqliteStorage } from '../src/storage/sqlite/sqlite-storage.ts';
import { addUsers, bob, countRows, hourBurn, newMessage } from './storage-fixtures.ts';

// Event seqs come from a counter in the storage, not AUTOINCREMENT. A seq must never be handed
// out twice, across restarts too, even when the events holding the highest seqs are gone: a
// device's cursor would otherwise skip the new events that reused its old seqs.

const burnMessage = () => newMessage({ burn: hourBurn });

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
    await addUsers(s);
    const m = burnMessage();
    await s.insertMessage({ deviceId: 'd1', key: 'k1', message: m, at: 1_000 });
    await s.openMessage({ id: m.id, userId: bob.id, deviceId: 'd_bob', at: 2_000 });
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
    await addUsers(s);
    for (let i = 0; i < 3; i++) {
      const m = burnMessage();
      await s.insertMessage({ deviceId: 'd1', key: `k${i}`, message: m, at: 1_000 });
      await s.openMessage({ id: m.id, userId: bob.id, deviceId: 'd_bob', at: 2_000 });
    }
    const before = await s.logBounds();
    expect(before.head).toBe(12);
    await s.prune(Date.now() + 60_000);
    expect(await s.logBounds()).toEqual({ head: 12, floor: 12 });
    s = await reopen();
    expect(countRows(dir.path, 'events')).toBe(0);
    expect(await s.logBounds()).toEqual({ head: 12, floor: 12 });
    await s.insertMessage({ deviceId: 'd1', key: 'k9', message: burnMessage(), at: 3_000 });
    const page = await s.readEvents(bob.id, 12, 10);
    expect(page.events.map((e) => e.event.seq)).toEqual([13]);
  });
});
