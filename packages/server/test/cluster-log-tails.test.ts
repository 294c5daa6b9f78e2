import pg from 'pg';
import pino from 'pino';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { waitFor } from '../../../test/kit/index.ts';
import { MemoryBus } from '../src/bus/memory-bus.ts';
import { Hub } from '../src/core/hub.ts';
import { hash32 } from '../src/storage/postgres/log-locks.ts';
import { postgresQueriesTotal } from '../src/storage/postgres/node-postgres.ts';
import { PostgresStorage } from '../src/storage/postgres/postgres-storage.ts';
import type { LoggedEvent, NewMessage } from '../src/storage/storage.ts';
import { hubMember } from './hub-member.ts';
import { describeWithServices, dropSchema, TEST_DATABASE_URL, uniqueSchema } from './services.ts';
import { addDevices, addUsers, alice, bob, hourBurn, newMessage } from './storage-fixtures.ts';

// The nodes of a cluster keep log tails too: each node's hub carries what its commits appended,
// with each user's head, on the wake-up, and the other nodes chain it into their tails. Two
// nodes here are two storages on one schema, each with its hub on one bus; what node A serves
// from memory must be what the database holds.

interface Node {
  storage: PostgresStorage;
  hub: Hub;
}

function messageIds(events: readonly LoggedEvent[]): string[] {
  return events.flatMap((l) => (l.event.kind === 'message' ? [l.event.message.id] : []));
}

await describeWithServices('postgres cluster: log tails fed through the bus', ['postgres'], () => {
  let schema: string;
  let bus: MemoryBus;
  let a: Node;
  let b: Node;
  let database: PostgresStorage;

  async function node(registered = false): Promise<Node> {
    const storage = new PostgresStorage({
      url: TEST_DATABASE_URL,
      schema,
      scrub: 'off',
      tails: true,
      ...(registered ? { node: { bus: 'redis:tails', heartbeatMs: 50 } } : {}),
    });
    await storage.init();
    return { storage, hub: new Hub(bus, pino({ level: 'silent' }), undefined, storage.logFeed ?? null) };
  }

  beforeEach(async () => {
    schema = uniqueSchema();
    bus = new MemoryBus();
    a = await node();
    b = await node();
    await addUsers(a.storage);
    await addDevices(a.storage, alice.id, ['d_a']);
    await addDevices(a.storage, bob.id, ['d_bob']);
    database = new PostgresStorage({ url: TEST_DATABASE_URL, schema, scrub: 'off', tails: false });
    await database.init();
  });

  afterEach(async () => {
    for (const n of [a, b]) {
      await n.hub.close();
      await n.storage.close();
    }
    await database.close();
    await dropSchema(schema);
  });

  /** Alice's send through node B (its wake-ups published as the burn engine does). */
  async function sendOnB(m: NewMessage): Promise<void> {
    const outcome = await b.storage.insertMessage({
      deviceId: 'd_a',
      key: `k-${m.id}`,
      message: m,
      at: 2_000,
    });
    b.hub.notify(outcome.wake);
  }

  /** Bob's device on node A, its tail started by a read to the end of his log. */
  async function bobOnA(): Promise<{ seen: { wakes: number }; after: number }> {
    const bobPhone = hubMember(bob.id, 'd_bob');
    await a.hub.join(bobPhone.m);
    const page = await a.storage.readEvents(bob.id, 0, 1_000);
    expect(page.more).toBe(false);
    return { seen: bobPhone.seen, after: page.last };
  }

  /** Node A's read of Bob's log after `after`, the statements it cost, and the database's. */
  async function readOnA(after: number) {
    const before = postgresQueriesTotal();
    const page = await a.storage.readEvents(bob.id, after, 100);
    const statements = postgresQueriesTotal() - before;
    return { page, statements, database: await database.readEvents(bob.id, after, 100) };
  }

  it("serves another node's appends from memory: sends, the burn that takes one, receipts", async () => {
    const { seen, after } = await bobOnA();
    const kept = newMessage({ burn: hourBurn });
    const opened = newMessage({ burn: hourBurn });
    await sendOnB(kept);
    await sendOnB(opened);
    const taken = await b.storage.openMessage({
      id: opened.id,
      userId: bob.id,
      deviceId: 'd_bob',
      at: 3_000,
    });
    b.hub.notify(taken.wake);
    await waitFor(() => seen.wakes >= 3, { what: "Bob's device on A woken by B's three commits" });
    const read = await readOnA(after);
    expect(read.statements).toBe(0);
    expect(read.page).toEqual(read.database);
    expect(messageIds(read.page.events)).toEqual([kept.id]);
    expect(read.page.events.filter((l) => l.event.kind === 'burned')).toHaveLength(1);
  });

  it('a normal message goes bare (its content never rides the bus): the tail goes, the log is read', async () => {
    const { seen, after } = await bobOnA();
    const normal = newMessage({ text: 'carried by no bus' });
    await sendOnB(normal);
    await waitFor(() => seen.wakes >= 1, { what: "Bob's device on A woken" });
    const read = await readOnA(after);
    expect(read.statements).toBeGreaterThan(0);
    expect(read.page).toEqual(read.database);
    expect(messageIds(read.page.events)).toEqual([normal.id]);
  });

  it('an append whose wake-up was never heard breaks the chain: the next one drops the tail', async () => {
    const { seen, after } = await bobOnA();
    // Stored by a writer that publishes nothing: as if its wake-up was lost.
    const unheard = newMessage({ burn: hourBurn });
    await database.insertMessage({ deviceId: 'd_a', key: 'k-unheard', message: unheard, at: 2_000 });
    const next = newMessage({ burn: hourBurn });
    await sendOnB(next);
    await waitFor(() => seen.wakes >= 1, { what: "Bob's device on A woken" });
    const read = await readOnA(after);
    expect(read.page).toEqual(read.database);
    expect(messageIds(read.page.events)).toEqual([unheard.id, next.id]);
  });

  it('a user no longer heard (his last device left) loses his tail: a return reads the log', async () => {
    const bobPhone = hubMember(bob.id, 'd_bob');
    await a.hub.join(bobPhone.m);
    const after = (await a.storage.readEvents(bob.id, 0, 1_000)).last;
    a.hub.leave(bobPhone.m);
    const whileAway = newMessage({ burn: hourBurn });
    await sendOnB(whileAway);
    await a.hub.join(bobPhone.m);
    const read = await readOnA(after);
    expect(read.page).toEqual(read.database);
    expect(messageIds(read.page.events)).toEqual([whileAway.id]);
  });

  it('carries nothing while a node of an earlier version (which ignores carried wake-ups) is live', async () => {
    // Registered nodes this time: B sees the others in the schema's `nodes` table.
    await b.hub.close();
    await b.storage.close();
    // An earlier node registers as those did: its lock, and a row without `carries`.
    const earlier = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await earlier.connect();
    let earlierLive = true;
    try {
      const key = 4242;
      await earlier.query('SELECT pg_advisory_lock($1, $2)', [hash32(`cinder-node:${schema}`), key]);
      await earlier.query(
        `INSERT INTO "${schema}".nodes (id, lock_key, bus, host, pid) VALUES ('earlier', $1, 'redis:tails', 'h', 1)`,
        [key],
      );
      b = await node(true);
      const { seen, after } = await bobOnA();
      const m = newMessage({ burn: hourBurn });
      await sendOnB(m);
      await waitFor(() => seen.wakes >= 1, { what: "Bob's device on A woken" });
      const read = await readOnA(after);
      // A bare wake-up: A dropped the tail and read the log.
      expect(read.statements).toBeGreaterThan(0);
      expect(read.page).toEqual(read.database);
      expect(messageIds(read.page.events)).toEqual([m.id]);
      await earlier.end();
      earlierLive = false;
      // Once B's heartbeat finds the earlier node gone, B's wake-ups carry again.
      let cursor = read.page.last;
      await waitFor(
        async () => {
          const wakes = seen.wakes;
          await sendOnB(newMessage({ burn: hourBurn }));
          await waitFor(() => seen.wakes > wakes, { what: "Bob's device on A woken" });
          const next = await readOnA(cursor);
          expect(next.page).toEqual(next.database);
          cursor = next.page.last;
          return next.statements === 0;
        },
        { timeout: 10_000, interval: 50, what: "B's wake-ups carrying events again" },
      );
    } finally {
      if (earlierLive) await earlier.end();
    }
  });
});
