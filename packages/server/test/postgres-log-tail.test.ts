import type { Event } from '@cinder/protocol';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { openNodePostgresPool, postgresQueriesTotal } from '../src/storage/postgres/node-postgres.ts';
import type { PostgresPool } from '../src/storage/postgres/postgres-pool.ts';
import { PostgresStorage } from '../src/storage/postgres/postgres-storage.ts';
import type { LoggedEvent, NewMessage } from '../src/storage/storage.ts';
import { describeWithServices, dropSchema, TEST_DATABASE_URL, uniqueSchema } from './services.ts';
import { addDevices, addUsers, alice, bob, hourBurn, newMessage, readLog } from './storage-fixtures.ts';

// A node alone on its schema serves live events from log tails in memory (log-mirror.ts). These
// tests hold what it serves to what a storage without tails reads from the database after the
// same writes, including when the node sees commits in another order than PostgreSQL made them.

/** The seq of a user's last event, read to the end (which starts the user's tail on a node with tails). */
async function end(storage: PostgresStorage, userId: string): Promise<number> {
  let cursor = 0;
  for (;;) {
    const page = await storage.readEvents(userId, cursor, 100);
    cursor = page.last;
    if (!page.more) return cursor;
  }
}

function messageIds(events: readonly LoggedEvent[]): string[] {
  return events.flatMap((l) => (l.event.kind === 'message' ? [l.event.message.id] : []));
}

/**
 * A pool whose answers to chosen statements can be held back after PostgreSQL ran them: as if
 * the node read that connection's socket late.
 */
interface HeldPool {
  open: (url: string) => PostgresPool;
  /** Hold the answer to the next statement `matches` picks; resolves once one was held. */
  holdNext(matches: (text: string) => boolean): { held: Promise<void>; release: () => void };
}

function heldPool(): HeldPool {
  let hold: { matches: (text: string) => boolean; gate: Promise<void>; caught: () => void } | null = null;
  const delayed = async <R>(text: string, run: () => Promise<R>): Promise<R> => {
    const mine = hold?.matches(text) ? hold : null;
    if (mine) hold = null;
    const result = await run();
    if (mine) {
      mine.caught();
      await mine.gate;
    }
    return result;
  };
  return {
    open: (url) => {
      const pool = openNodePostgresPool(url);
      return {
        query: (text, values) => delayed(text, () => pool.query(text, values)),
        connect: async () => {
          const client = await pool.connect();
          return {
            query: (text, values) => delayed(text, () => client.query(text, values)),
            release: (destroy) => client.release(destroy),
          };
        },
        end: () => pool.end(),
      };
    },
    holdNext(matches) {
      let caught = () => {};
      let release = () => {};
      const held = new Promise<void>((resolve) => {
        caught = resolve;
      });
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      hold = { matches, gate, caught };
      return { held, release };
    },
  };
}

await describeWithServices('postgres storage: log tails of a node alone on its schema', ['postgres'], () => {
  let schema: string;
  let pool: HeldPool;
  let live: PostgresStorage;
  let database: PostgresStorage;

  beforeEach(async () => {
    schema = uniqueSchema();
    pool = heldPool();
    live = new PostgresStorage({
      url: TEST_DATABASE_URL,
      schema,
      scrub: 'off',
      tails: true,
      open: pool.open,
    });
    await live.init();
    await addUsers(live);
    await addDevices(live, alice.id, ['d_a']);
    await addDevices(live, bob.id, ['d_bob']);
    database = new PostgresStorage({ url: TEST_DATABASE_URL, schema, scrub: 'off', tails: false });
    await database.init();
  });

  afterEach(async () => {
    await live.close();
    await database.close();
    await dropSchema(schema);
  });

  function send(m: NewMessage, at = 2_000) {
    return live.insertMessage({ deviceId: 'd_a', key: `k-${m.id}`, message: m, at });
  }

  it('serves the same events as the database after every kind of write, many at once', async () => {
    const early = newMessage({ burn: hourBurn });
    await send(early, 1_000);
    const cursors = { alice: await end(live, alice.id), bob: await end(live, bob.id) };
    expect(cursors.bob).toBeGreaterThan(0);

    const normal = newMessage({ ext: { n: 1 } });
    const opened = newMessage({ burn: hourBurn, ext: { n: 2 } });
    const revoked = newMessage({ burn: hourBurn });
    const kept = newMessage({ burn: hourBurn });
    const soon = newMessage({ burn: { ttlSeconds: 10, viewSeconds: 0, expiresAt: 11_000 } });
    await Promise.all([normal, opened, revoked, kept, soon].map((m) => send(m)));
    // Each kind of write at once: several transactions in flight, their commits seen in any order.
    const [take] = await Promise.all([
      live.openMessage({ id: opened.id, userId: bob.id, deviceId: 'd_bob', at: 3_000 }),
      live.openMessage({ id: early.id, userId: bob.id, deviceId: 'd_bob', at: 3_000 }),
      live.revokeMessage({ id: revoked.id, userId: alice.id, at: 3_000 }),
      live.markDelivered({ ids: [normal.id, kept.id], recipient: bob, at: 3_100 }),
      live.readMessage({ id: normal.id, reader: bob, at: 3_200 }),
      live.expireDue(20_000, 100),
      ...Array.from({ length: 20 }, () => send(newMessage({ burn: hourBurn }), 3_300)),
    ]);
    expect(take.kind).toBe('taken');

    for (const [user, after] of [
      [alice, cursors.alice],
      [bob, cursors.bob],
    ] as const) {
      const memory = await readLog(live, user.id, after);
      expect(memory).toEqual(await readLog(database, user.id, after));
      expect(memory.filter((l) => l.event.kind === 'burned')).toHaveLength(4);
      expect(messageIds(memory)).toContain(normal.id);
      expect(messageIds(memory)).not.toContain(opened.id);
    }
    // Whatever the mix did to the tails (a commit seen out of order drops one), a read to the end
    // started them again: the next send is served from memory.
    const ends = { alice: await end(live, alice.id), bob: await end(live, bob.id) };
    const last = newMessage();
    await send(last, 4_000);
    for (const [user, after] of [
      [alice, ends.alice],
      [bob, ends.bob],
    ] as const) {
      const before = postgresQueriesTotal();
      const page = await live.readEvents(user.id, after, 100);
      expect(postgresQueriesTotal() - before).toBe(0);
      expect(messageIds(page.events)).toEqual([last.id]);
      expect(page).toEqual(await database.readEvents(user.id, after, 100));
    }
    const receipts = (await readLog(live, alice.id, cursors.alice))
      .map((l) => l.event)
      .filter((e): e is Extract<Event, { kind: 'receipt' }> => e.kind === 'receipt');
    expect(receipts.map((e) => [e.messageId, e.type])).toEqual(
      expect.arrayContaining([
        [normal.id, 'delivered'],
        [kept.id, 'delivered'],
        [normal.id, 'read'],
      ]),
    );
  });

  it('serves a woken device from memory: no statement for the read after a send', async () => {
    const after = await end(live, bob.id);
    const m = newMessage({ burn: hourBurn });
    await send(m);
    const before = postgresQueriesTotal();
    const page = await live.readEvents(bob.id, after, 100);
    expect(postgresQueriesTotal() - before).toBe(0);
    expect(messageIds(page.events)).toEqual([m.id]);
    expect(page).toEqual(await database.readEvents(bob.id, after, 100));
  });

  it('starts a tail from a long page with its newest events: a cursor before them reads the database', async () => {
    const after = await end(database, bob.id);
    const sent = Array.from({ length: 150 }, () => newMessage({ burn: hourBurn }));
    await Promise.all(sent.map((m) => send(m)));
    // One page reaches the end of the log: the tail keeps the newest 128 of its 150 events.
    const page = await live.readEvents(bob.id, after, 256);
    expect(page.more).toBe(false);
    expect(messageIds(page.events)).toEqual(sent.map((m) => m.id));
    expect(await live.readEvents(bob.id, after, 256)).toEqual(page);
    const last = newMessage({ burn: hourBurn });
    await send(last);
    const before = postgresQueriesTotal();
    const next = await live.readEvents(bob.id, page.last, 100);
    expect(postgresQueriesTotal() - before).toBe(0);
    expect(messageIds(next.events)).toEqual([last.id]);
  });

  it('a commit seen after a later one drops the tail, and no event is skipped or served twice', async () => {
    const after = await end(live, bob.id);
    const first = newMessage({ burn: hourBurn });
    const second = newMessage({ burn: hourBurn });
    // PostgreSQL commits `first`; the node sees that only after `second` committed and was seen.
    const { held, release } = pool.holdNext((text) => text === 'COMMIT');
    const firstSent = send(first);
    try {
      await held;
      await send(second);
      // Seen alone, `second` would look like the next event after the tail's end: it is not.
      expect(messageIds(await readLog(live, bob.id, after))).toEqual([first.id, second.id]);
    } finally {
      release();
    }
    await firstSent;
    const events = await readLog(live, bob.id, after);
    expect(messageIds(events)).toEqual([first.id, second.id]);
    expect(events).toEqual(await readLog(database, bob.id, after));
  });

  it('a read that ran while a commit of that log was seen does not start a tail without it', async () => {
    const after = await end(database, bob.id);
    const m = newMessage({ burn: hourBurn });
    // The read runs in PostgreSQL before the send commits; the node sees its answer after.
    const { held, release } = pool.holdNext((text) => text.includes('CROSS JOIN LATERAL'));
    const reading = live.readEvents(bob.id, after, 100);
    try {
      await held;
      await send(m);
    } finally {
      release();
    }
    expect((await reading).events).toEqual([]);
    const next = await live.readEvents(bob.id, after, 100);
    expect(messageIds(next.events)).toEqual([m.id]);
  });

  it('a tail that missed an append of another writer is dropped at the next append', async () => {
    const after = await end(live, bob.id);
    // Not a setup a node allows (the memory bus runs alone), but the chain must still hold.
    const foreign = newMessage({ burn: hourBurn });
    await database.insertMessage({ deviceId: 'd_a', key: 'k-foreign', message: foreign, at: 2_000 });
    const local = newMessage({ burn: hourBurn });
    await send(local);
    expect(messageIds(await readLog(live, bob.id, after))).toEqual([foreign.id, local.id]);
  });
});
