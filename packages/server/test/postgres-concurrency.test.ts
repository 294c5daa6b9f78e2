import { afterEach, beforeEach, expect, it } from 'vitest';
import { PostgresStorage } from '../src/storage/postgres/postgres-storage.ts';
import type { NewMessage, Party } from '../src/storage/storage.ts';
import { describeWithServices, dropSchema, TEST_DATABASE_URL, uniqueSchema } from './services.ts';

const bob: Party = { id: 'u_bob', username: 'bob' };
const senders: Party[] = Array.from({ length: 8 }, (_, i) => ({ id: `u_s${i}`, username: `s${i}` }));

let counter = 0;
function message(from: Party, to: Party, burn: NewMessage['burn'] | undefined, sentAt = 1_000): NewMessage {
  counter += 1;
  const m: NewMessage = {
    id: `m_${counter}_${Math.random().toString(36).slice(2)}`,
    conversation: `dm:${[from.username, to.username].sort().join(':')}`,
    from,
    to,
    sentAt,
    size: 1,
    text: 'x',
    ext: null,
  };
  if (burn) m.burn = burn;
  return m;
}

/** Every seq of a user's log, read to the end. */
async function allSeqs(storage: PostgresStorage, userId: string): Promise<number[]> {
  const seqs: number[] = [];
  let after = 0;
  for (;;) {
    const page = await storage.readEvents(userId, after, 500);
    seqs.push(...page.events.map((e) => e.event.seq));
    after = page.last;
    if (!page.more) return seqs;
  }
}

await describeWithServices('postgres storage under concurrency (two nodes, one schema)', ['postgres'], () => {
  let schema: string;
  let nodeA: PostgresStorage;
  let nodeB: PostgresStorage;

  beforeEach(async () => {
    schema = uniqueSchema();
    nodeA = new PostgresStorage({ url: TEST_DATABASE_URL, schema, scrub: 'off' });
    nodeB = new PostgresStorage({ url: TEST_DATABASE_URL, schema, scrub: 'off' });
    await nodeA.init();
    await nodeB.init();
  });

  afterEach(async () => {
    await nodeA.close();
    await nodeB.close();
    await dropSchema(schema);
  });

  /** Many senders on both nodes append to Bob's log (and their own) at once. */
  async function writeConcurrently(rounds: number): Promise<void> {
    await Promise.all(
      senders.map(async (sender, i) => {
        const node = i % 2 === 0 ? nodeA : nodeB;
        for (let r = 0; r < rounds; r++) {
          // Alternate directions so transactions lock {bob, sender} from both ends.
          const m = r % 2 === 0 ? message(sender, bob, undefined) : message(bob, sender, undefined);
          await node.insertMessage({ deviceId: `d_${sender.id}`, key: `k-${m.id}`, message: m, at: 1_000 });
        }
      }),
    );
  }

  it('never lets a reader pass a seq of its user that is not yet visible', async () => {
    let writing = true;
    const seen: number[] = [];
    const reader = (async () => {
      // A device pulling Bob's log as fast as it can, always after the last seq it scanned.
      let after = 0;
      while (writing) {
        const page = await nodeB.readEvents(bob.id, after, 1000);
        seen.push(...page.events.map((e) => e.event.seq));
        after = page.last;
      }
      for (;;) {
        const page = await nodeB.readEvents(bob.id, after, 1000);
        seen.push(...page.events.map((e) => e.event.seq));
        after = page.last;
        if (!page.more) return;
      }
    })();
    await writeConcurrently(40);
    writing = false;
    await reader;
    const all = await allSeqs(nodeA, bob.id);
    expect(all).toHaveLength(senders.length * 40);
    // What the device saw is the whole log, in order: nothing committed behind its cursor.
    expect(seen).toEqual(all);
  });

  it('gives a head below which every seq is settled (a resync starting there skips nothing)', async () => {
    let writing = true;
    const samples: Array<{ head: number; visible: number[] }> = [];
    const sampler = (async () => {
      while (writing) {
        const { head } = await nodeB.logBounds();
        const visible = (await allSeqs(nodeB, bob.id)).filter((seq) => seq <= head);
        samples.push({ head, visible });
      }
    })();
    await writeConcurrently(30);
    writing = false;
    await sampler;
    const all = await allSeqs(nodeA, bob.id);
    expect(samples.length).toBeGreaterThan(3);
    for (const { head, visible } of samples) {
      // Nothing at or below a head turned up after that head was handed out.
      expect(all.filter((seq) => seq <= head)).toEqual(visible);
    }
  });

  it('lets exactly one open win when both nodes race for each message', async () => {
    const messages = Array.from({ length: 30 }, () =>
      message(senders[0] as Party, bob, { ttlSeconds: 60, viewSeconds: 0, expiresAt: 61_000 }),
    );
    for (const m of messages) {
      await nodeA.insertMessage({ deviceId: 'd1', key: `k-${m.id}`, message: m, at: 1_000 });
    }
    const results = await Promise.all(
      messages.flatMap((m) =>
        [nodeA, nodeB, nodeA, nodeB].map((node) =>
          node.openMessage({ id: m.id, userId: bob.id, deviceId: 'd_bob', at: 2_000 }),
        ),
      ),
    );
    expect(results.filter((r) => r.kind === 'taken')).toHaveLength(messages.length);
    expect(results.filter((r) => r.kind === 'refused')).toHaveLength(messages.length * 3);
    for (const r of results) {
      if (r.kind === 'refused') expect(r.refusal).toEqual({ code: 'BURNED' });
    }
    const burned = (await nodeA.readEvents(bob.id, 0, 1000)).events.filter((e) => e.event.kind === 'burned');
    expect(burned).toHaveLength(messages.length);
  });

  it('burns each due message once with sweepers on both nodes', async () => {
    const messages = Array.from({ length: 60 }, (_, i) =>
      message(senders[i % senders.length] as Party, bob, { ttlSeconds: 1, viewSeconds: 0, expiresAt: 2_000 }),
    );
    for (const m of messages) {
      await nodeA.insertMessage({ deviceId: 'd1', key: `k-${m.id}`, message: m, at: 1_000 });
    }
    const sweep = async (node: PostgresStorage) => {
      const ids: string[] = [];
      for (;;) {
        const { burned } = await node.expireDue(3_000, 7);
        ids.push(...burned.map((b) => b.messageId));
        if (burned.length === 0) return ids;
      }
    };
    const [byA, byB] = await Promise.all([sweep(nodeA), sweep(nodeB)]);
    const all = [...(byA ?? []), ...(byB ?? [])];
    expect(new Set(all).size).toBe(all.length);
    expect(all.sort()).toEqual(messages.map((m) => m.id).sort());
    const burned = (await nodeB.readEvents(bob.id, 0, 1000)).events.filter((e) => e.event.kind === 'burned');
    expect(burned).toHaveLength(messages.length);
  });
});
