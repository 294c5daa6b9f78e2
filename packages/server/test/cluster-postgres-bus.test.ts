import { randomBytes } from 'node:crypto';
import type { OpenResult, SessionResponse } from '@cinder/protocol';
import { afterEach, expect, it } from 'vitest';
import {
  health,
  metrics,
  openedContent,
  RawClient,
  ready,
  register,
  sealedSendFrame,
  sendFrame,
  testServer,
  waitFor,
} from '../../../test/kit/index.ts';
import { notifyChannel } from '../src/bus/postgres-bus.ts';
import { sql } from './postgres-files.ts';
import { describeWithServices, dropSchema, TEST_DATABASE_URL, uniqueSchema } from './services.ts';

type Node = Awaited<ReturnType<typeof testServer>>;

await describeWithServices(
  'cluster: two nodes on PostgreSQL alone (LISTEN/NOTIFY bus, no Redis)',
  ['postgres'],
  () => {
    const release: Array<() => unknown> = [];
    afterEach(async () => {
      for (const step of release.splice(0).reverse()) await step();
    });

    async function connect(node: Node, session: SessionResponse): Promise<RawClient> {
      const client = await RawClient.connect(node.url, session.token);
      release.push(() => client.close());
      return client;
    }

    it('delivers a message sent on node A live to node B, and a burn on B reaches the sender on A', async () => {
      const schema = uniqueSchema();
      release.push(() => dropSchema(schema));
      // No bus named and no Redis: the database URL implies the PostgreSQL bus.
      const shared = { databaseUrl: TEST_DATABASE_URL, databaseSchema: schema };
      const a = await testServer(shared);
      release.push(() => a[Symbol.asyncDispose]());
      const b = await testServer(shared);
      release.push(() => b[Symbol.asyncDispose]());
      const { rows } = await sql(`SELECT bus FROM "${schema}".nodes`);
      expect(rows).toEqual([{ bus: 'postgres' }, { bus: 'postgres' }]);
      for (const node of [a, b]) {
        expect(await health(node.url)).toMatchObject({
          status: 200,
          body: { ok: true, status: 'ok', bus: 'ok', cluster: 'ok' },
        });
        const scrape = await metrics(node);
        expect(scrape.value('cinder_bus_connected')).toBe(1);
        expect(scrape.value('cinder_bus_reconnects_total')).toBe(0);
      }

      const alice = await register(a);
      const bob = await register(b);
      const aliceA = await connect(a, alice);
      const bobB = await connect(b, bob);
      // Both devices were welcomed before the send: only a wake-up over the bus brings it to B.
      await Promise.all([aliceA.settle(), bobB.settle()]);

      const marker = randomBytes(12).toString('hex');
      const frame = await sealedSendFrame(aliceA, alice.user.username, bob.user.username, marker, {
        burn: { ttlSeconds: 600 },
      });
      const sent = await aliceA.ok<{ id: string }>(frame);
      const arrived = await bobB.waitForEvent((e) => e.kind === 'message' && e.message.id === sent.id);
      expect(arrived).toMatchObject({ message: { from: alice.user.username, to: bob.user.username } });

      const opened = await bobB.request({ type: 'open', id: sent.id });
      expect(opened).toMatchObject({ type: 'reply', result: { id: sent.id, burned: true } });
      expect((await openedContent((opened as { result: OpenResult }).result, bob)).text).toBe(marker);
      await aliceA.waitForEvent(
        (e) => e.kind === 'burned' && e.messageId === sent.id && e.reason === 'opened',
      );
      for (const node of [a, b])
        expect((await metrics(node)).value('cinder_bus_publish_failures_total')).toBe(0);
    });

    it('a node whose LISTEN connection is ended reconnects by itself and hears the other node again', async () => {
      const schema = uniqueSchema();
      release.push(() => dropSchema(schema));
      const shared = { databaseUrl: TEST_DATABASE_URL, databaseSchema: schema };
      const a = await testServer(shared);
      release.push(() => a[Symbol.asyncDispose]());
      const b = await testServer(shared);
      release.push(() => b[Symbol.asyncDispose]());
      const alice = await register(a);
      const bob = await register(b);
      const aliceA = await connect(a, alice);
      const bobB = await connect(b, bob);

      // Node B's listener: of the two sessions whose last statement LISTENed on this cluster's
      // channel (no health probe ran yet, which would have sent a SELECT 1), the younger one.
      const { rows } = await sql(
        `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity
       WHERE application_name = 'cinder-bus-listener' AND query = $1
       ORDER BY backend_start DESC LIMIT 1`,
        TEST_DATABASE_URL,
        [`LISTEN "${notifyChannel(schema)}"`],
      );
      expect(rows).toEqual([{ ok: true }]);
      await waitFor(async () => (await metrics(b)).value('cinder_bus_reconnects_total') === 1, {
        what: "node B's bus to reconnect",
      });
      await waitFor(async () => (await ready(b.url)).status === 200, { what: 'node B to be ready again' });
      expect((await metrics(a)).value('cinder_bus_reconnects_total')).toBe(0);

      const sent = await aliceA.ok<{ id: string }>(sendFrame(bob.user.username, 'after the cut'));
      await bobB.waitForEvent((e) => e.kind === 'message' && e.message.id === sent.id);
    });
  },
);
