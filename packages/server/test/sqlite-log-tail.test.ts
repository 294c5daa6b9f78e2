import type { Event } from '@cinder/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir, waitFor } from '../../../test/kit/index.ts';
import { SqliteStorage } from '../src/storage/sqlite/sqlite-storage.ts';
import type { LoggedEvent, NewMessage } from '../src/storage/storage.ts';
import {
  addDevices,
  addUsers,
  alice,
  bob,
  countRows,
  newMessage,
  readDatabase,
  readLog,
} from './storage-fixtures.ts';

let counter = 0;
/** A message whose ext differs from every other's, so the tail and the database can be compared. */
function message(overrides: Partial<NewMessage> = {}): NewMessage {
  counter += 1;
  return newMessage({ ext: { fire: true, nested: { n: counter } }, ...overrides });
}

const burn = { ttlSeconds: 60, viewSeconds: 5, expiresAt: 61_000 };

// Live delivery reads a user's recent log from memory; these tests hold it to what a second
// connection reads from the database file after the same writes.
describe('sqlite storage: in-memory log tails', () => {
  let dir: ReturnType<typeof tempDir>;
  let live: SqliteStorage;

  beforeEach(async () => {
    dir = tempDir('cinder-tail-');
    live = new SqliteStorage({ dataDir: dir.path });
    await live.init();
    await addUsers(live);
  });

  afterEach(async () => {
    await live.close();
    dir.remove();
  });

  async function fromDisk(userId: string, after: number): Promise<LoggedEvent[]> {
    const other = new SqliteStorage({ dataDir: dir.path });
    await other.init();
    try {
      return await readLog(other, userId, after);
    } finally {
      await other.close();
    }
  }

  it('serves the same events as the database after every kind of write', async () => {
    // Some history before the tails start, so the tails begin part-way into the log.
    const early = message({ burn });
    await live.insertMessage({ deviceId: 'd_a', key: 'k-early', message: early, at: 1_000 });
    const cursors = {
      alice: (await live.readEvents(alice.id, 0, 100)).last,
      bob: (await live.readEvents(bob.id, 0, 100)).last,
    };
    expect(cursors.bob).toBeGreaterThan(0);

    const normal = message();
    const opened = message({ burn });
    const revoked = message({ burn });
    const kept = message({ burn, ext: null });
    const sameTurn = message({ burn });
    const writes: Promise<unknown>[] = [];
    for (const [i, m] of [normal, opened, revoked, kept].entries()) {
      writes.push(live.insertMessage({ deviceId: 'd_a', key: `k-${i}`, message: m, at: 2_000 }));
    }
    await Promise.all(writes);
    // A message sent and opened in the same batch: its message event never shows.
    await Promise.all([
      live.insertMessage({ deviceId: 'd_a', key: 'k-same', message: sameTurn, at: 2_500 }),
      live.openMessage({ id: sameTurn.id, userId: bob.id, deviceId: 'd_bob', at: 2_500 }),
    ]);
    await live.openMessage({ id: opened.id, userId: bob.id, deviceId: 'd_bob', at: 3_000 });
    await live.revokeMessage({ id: revoked.id, userId: alice.id, at: 3_000 });
    await live.markDelivered({ ids: [normal.id, kept.id], recipient: bob, at: 3_100 });
    await live.readMessage({ id: normal.id, reader: bob, at: 3_200 });
    // A failing write in the batch rolls back alone; its events must not appear.
    const [conflict, take] = await Promise.allSettled([
      live.accounts.createUser({ id: 'u_dup', username: 'alice', passwordHash: 'x', createdAt: 2 }),
      live.openMessage({ id: early.id, userId: bob.id, deviceId: 'd_bob', at: 3_300 }),
    ]);
    expect(conflict.status === 'rejected' && (conflict.reason as { code?: unknown }).code).toBe('CONFLICT');
    expect(take.status === 'fulfilled' && take.value.kind).toBe('taken');
    await live.expireDue(70_000, 100);

    for (const [user, after] of [
      [alice, cursors.alice],
      [bob, cursors.bob],
    ] as const) {
      const memory = await readLog(live, user.id, after);
      expect(memory).toEqual(await fromDisk(user.id, after));
      const kinds = memory.map((l) => l.event.kind);
      expect(kinds).toContain('burned');
      const messageIds = memory.flatMap((l) => (l.event.kind === 'message' ? [l.event.message.id] : []));
      expect(messageIds).toEqual([normal.id]);
    }
    const aliceEvents = (await readLog(live, alice.id, cursors.alice)).map((l) => l.event);
    expect(aliceEvents.filter((e): e is Extract<Event, { kind: 'receipt' }> => e.kind === 'receipt')).toEqual(
      [
        expect.objectContaining({ messageId: normal.id, type: 'delivered', by: 'bob' }),
        expect.objectContaining({ messageId: kept.id, type: 'delivered', by: 'bob' }),
        expect.objectContaining({ messageId: normal.id, type: 'read', by: 'bob' }),
      ],
    );
  });

  it('pages a long tail and falls back to the database for cursors before it', async () => {
    const start = (await live.readEvents(bob.id, 0, 100)).last;
    for (let i = 0; i < 300; i++) {
      await live.insertMessage({
        deviceId: 'd_a',
        key: `k-long-${i}`,
        message: message({ burn }),
        at: 2_000,
      });
    }
    const all = await readLog(live, bob.id, start);
    expect(all).toHaveLength(300);
    expect(all).toEqual(await fromDisk(bob.id, start));
    const middle = all[150]?.event.seq ?? 0;
    expect(await readLog(live, bob.id, middle)).toEqual(all.slice(151));
    const seqs = all.map((l) => l.event.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
  });
});

describe('sqlite storage: acked cursors', () => {
  it('keeps the highest ack of each device and writes it by close', async () => {
    const dir = tempDir('cinder-cursor-');
    try {
      const storage = new SqliteStorage({ dataDir: dir.path });
      await storage.init();
      await addUsers(storage, [alice]);
      await addDevices(storage, alice.id, ['d1', 'd2']);
      await storage.accounts.setDeviceCursor('d1', 5);
      await storage.accounts.setDeviceCursor('d1', 9);
      await storage.accounts.setDeviceCursor('d1', 7);
      await storage.accounts.setDeviceCursor('d2', 3);
      await storage.close();
      expect(
        readDatabase(dir.path, (db) => db.prepare('SELECT id, cursor FROM devices ORDER BY id').all()),
      ).toEqual([
        { id: 'd1', cursor: 9 },
        { id: 'd2', cursor: 3 },
      ]);
    } finally {
      dir.remove();
    }
  });

  it('writes the acks of many devices a chunk per turn, all of them, and the rest at close', async () => {
    const dir = tempDir('cinder-cursors-');
    const storage = new SqliteStorage({ dataDir: dir.path });
    try {
      await storage.init();
      await addUsers(storage, [alice]);
      const ids = Array.from({ length: 700 }, (_, i) => `dev${String(i).padStart(3, '0')}`);
      await addDevices(storage, alice.id, ids);
      const stored = () => countRows(dir.path, 'devices WHERE cursor = 11');
      for (const id of ids) await storage.accounts.setDeviceCursor(id, 11);
      // Written about a second later, in chunks over a few turns, every one of them.
      await waitFor(() => stored() === ids.length, {
        timeout: 5_000,
        interval: 50,
        what: 'the 700 cursors written',
      });
      expect(stored()).toBe(ids.length);
      // Acked again and closed before the timer: close writes them all at once.
      for (const id of ids) await storage.accounts.setDeviceCursor(id, 12);
      await storage.close();
      expect(countRows(dir.path, 'devices WHERE cursor = 12')).toBe(700);
    } finally {
      await storage.close();
      dir.remove();
    }
  });
});
