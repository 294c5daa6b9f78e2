import { randomBytes } from 'node:crypto';
import type { SessionResponse } from '@cinder/protocol';
import { afterEach, expect, it } from 'vitest';
import {
  health,
  live,
  metrics,
  RawClient,
  ready,
  register,
  type Scraped,
  sendFrame,
  testServer,
  waitFor,
} from '../../../test/kit/index.ts';
import { RedisServer } from './redis-server.ts';
import { describeWithServices, dropSchema, TEST_DATABASE_URL, uniqueSchema } from './services.ts';

/** The bus families of a node's scrape. */
async function busMetrics(node: Scraped): Promise<{ connected: number; reconnects: number }> {
  const scrape = await metrics(node);
  return {
    connected: scrape.value('cinder_bus_connected'),
    reconnects: scrape.value('cinder_bus_reconnects_total'),
  };
}

// Needs `redis-server` on the PATH (it runs one of its own to stop and start) and PostgreSQL.
await describeWithServices('cluster: Redis goes away and comes back', ['postgres', 'redis'], () => {
  const release: Array<() => unknown> = [];
  afterEach(async () => {
    for (const step of release.splice(0).reverse()) await step();
  });

  it('is live but not ready (503 degraded) while the bus is down, counts it, and delivers once Redis is back', async () => {
    const redis = await RedisServer.start();
    release.push(() => redis.kill());
    const schema = uniqueSchema();
    release.push(() => dropSchema(schema));
    const shared = { databaseUrl: TEST_DATABASE_URL, databaseSchema: schema, redisUrl: redis.url };
    const a = await testServer(shared);
    release.push(() => a[Symbol.asyncDispose]());
    const b = await testServer(shared);
    release.push(() => b[Symbol.asyncDispose]());
    const connect = async (url: string, session: SessionResponse) => {
      const client = await RawClient.connect(url, session.token);
      release.push(() => client.close());
      return client;
    };
    const alice = await register(a);
    const bob = await register(b);
    const aliceA = await connect(a.url, alice);
    const bobB = await connect(b.url, bob);
    for (const node of [a, b]) {
      const up = { status: 'ok', storage: 'ok', bus: 'ok', cluster: 'ok' };
      expect(await health(node.url)).toMatchObject({ status: 200, body: { ok: true, ...up } });
      expect(await ready(node.url)).toMatchObject({ status: 200, body: { ok: true, ...up } });
      expect(await live(node.url)).toMatchObject({ status: 200, body: { ok: true, ...up } });
      expect(await busMetrics(node)).toEqual({ connected: 1, reconnects: 0 });
    }
    const before = await aliceA.ok<{ id: string }>(sendFrame(bob.user.username, 'before'));
    await bobB.waitForEvent((e) => e.kind === 'message' && e.message.id === before.id, 30_000);

    await redis.kill();
    const degraded = { status: 'degraded', bus: 'down', storage: 'ok', cluster: 'ok' };
    for (const node of [a, b]) {
      await waitFor(
        async () => {
          const { status, body } = await ready(node.url);
          return status === 503 && body.ok === false && body.status === 'degraded' && body.bus === 'down';
        },
        { timeout: 60_000, interval: 100, what: `${node.url}/readyz to report the bus down` },
      );
      expect(await ready(node.url)).toMatchObject({ status: 503, body: { ok: false, ...degraded } });
      // It cannot deliver across nodes: /healthz says so too (SPEC: 200 only when it can serve).
      expect(await health(node.url)).toMatchObject({ status: 503, body: { ok: false, ...degraded } });
      // Live all the same: restarting the node would not bring Redis back.
      expect(await live(node.url)).toMatchObject({ status: 200, body: { ok: true, ...degraded } });
      expect((await busMetrics(node)).connected).toBe(0);
    }
    // Stored while the nodes cannot wake each other.
    const marker = randomBytes(8).toString('hex');
    const during = await aliceA.ok<{ id: string }>(sendFrame(bob.user.username, marker));

    await redis.restart();
    for (const node of [a, b]) {
      await waitFor(async () => (await ready(node.url)).status === 200, {
        timeout: 60_000,
        interval: 100,
        what: `${node.url}/readyz to recover`,
      });
      expect(await health(node.url)).toMatchObject({ status: 200, body: { status: 'ok', bus: 'ok' } });
      const bus = await busMetrics(node);
      expect(bus.connected).toBe(1);
      // Publisher and subscriber each came back.
      expect(bus.reconnects).toBeGreaterThanOrEqual(2);
    }
    // Bob's device on node B is woken after the outage and pulls what it missed.
    await bobB.waitForEvent((e) => e.kind === 'message' && e.message.id === during.id, 30_000);
    // And the bus carries new wake-ups again.
    const after = await aliceA.ok<{ id: string }>(sendFrame(bob.user.username, 'after'));
    await bobB.waitForEvent((e) => e.kind === 'message' && e.message.id === after.id, 30_000);
  });
});
