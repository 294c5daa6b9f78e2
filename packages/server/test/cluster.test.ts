import { randomBytes } from 'node:crypto';
import type { Envelope, OpenResult, SessionResponse } from '@cinder/protocol';
import { afterEach, expect, it } from 'vitest';
import {
  login,
  metrics,
  openedContent,
  RawClient,
  register,
  sealedSendFrame,
  sweptAfter,
  testServer,
} from '../../../test/kit/index.ts';
import {
  describeWithServices,
  dropSchema,
  TEST_DATABASE_URL,
  TEST_REDIS_URL,
  uniquePrefix,
  uniqueSchema,
} from './services.ts';

type Node = Awaited<ReturnType<typeof testServer>>;

await describeWithServices(
  'cluster: two nodes on one PostgreSQL schema and one Redis prefix',
  ['postgres', 'redis'],
  () => {
    const release: Array<() => unknown> = [];

    afterEach(async () => {
      for (const step of release.splice(0).reverse()) await step();
    });

    async function cluster(): Promise<{ a: Node; b: Node }> {
      const schema = uniqueSchema();
      const shared = {
        databaseUrl: TEST_DATABASE_URL,
        databaseSchema: schema,
        redisUrl: TEST_REDIS_URL,
        redisPrefix: uniquePrefix(),
      };
      release.push(() => dropSchema(schema));
      const a = await testServer(shared);
      release.push(() => a[Symbol.asyncDispose]());
      const b = await testServer(shared);
      release.push(() => b[Symbol.asyncDispose]());
      return { a, b };
    }

    async function connect(node: Node, session: SessionResponse): Promise<RawClient> {
      const client = await RawClient.connect(node.url, session.token);
      release.push(() => client.close());
      return client;
    }

    /** Alice on node A (and a second device on B); Bob on A and on B. */
    async function people() {
      const { a, b } = await cluster();
      const alice = await register(a);
      const alice2 = await login(b, alice.user.username);
      const bob = await register(b);
      const bob2 = await login(a, bob.user.username);
      return {
        a,
        b,
        alice,
        bob,
        bob2,
        aliceA: await connect(a, alice),
        aliceB: await connect(b, alice2),
        bobA: await connect(a, bob2),
        bobB: await connect(b, bob),
      };
    }

    it('delivers a burn message sealed across nodes, and an open on node B burns it on every device', async () => {
      const { alice, bob, aliceA, aliceB, bobA, bobB } = await people();
      const marker = randomBytes(12).toString('hex');
      const frame = await sealedSendFrame(aliceA, alice.user.username, bob.user.username, marker, {
        burn: { ttlSeconds: 600 },
      });
      const { ct, k2 } = frame.sealed as Envelope;
      const sent = await aliceA.ok<{ id: string }>(frame);
      for (const device of [aliceB, bobA, bobB]) {
        const event = await device.waitForEvent((e) => e.kind === 'message' && e.message.id === sent.id);
        expect(event).toMatchObject({ message: { from: alice.user.username, to: bob.user.username } });
        expect(event.kind === 'message' && 'text' in event.message).toBe(false);
      }
      for (const device of [aliceA, aliceB, bobA, bobB]) {
        for (const piece of [marker, ct, k2]) expect(device.raw.join('')).not.toContain(piece);
      }

      const opened = await bobB.request({ type: 'open', id: sent.id });
      expect(opened).toMatchObject({
        type: 'reply',
        result: { id: sent.id, sealed: { ct, k2 }, burned: true },
      });
      expect((await openedContent((opened as { result: OpenResult }).result, bob)).text).toBe(marker);
      for (const device of [aliceA, aliceB, bobA, bobB]) {
        await device.waitForEvent(
          (e) => e.kind === 'burned' && e.messageId === sent.id && e.reason === 'opened',
        );
      }
      // Only the one reply ever carried the envelope, and nothing ever carried the text.
      for (const device of [aliceA, aliceB, bobA]) {
        for (const piece of [marker, ct, k2]) expect(device.raw.join('')).not.toContain(piece);
      }
      expect(bobB.raw.join('')).not.toContain(marker);
      expect(await bobA.request({ type: 'open', id: sent.id })).toMatchObject({
        type: 'error',
        code: 'BURNED',
      });
    });

    it('lets exactly one of two opens racing from both nodes win', async () => {
      const { alice, bob, bob2, aliceA, bobA, bobB } = await people();
      for (let i = 0; i < 5; i++) {
        const sent = await aliceA.ok<{ id: string }>(
          await sealedSendFrame(aliceA, alice.user.username, bob.user.username, `race ${i}`, {
            burn: { ttlSeconds: 600 },
          }),
        );
        await bobA.waitForEvent((e) => e.kind === 'message' && e.message.id === sent.id);
        await bobB.waitForEvent((e) => e.kind === 'message' && e.message.id === sent.id);
        const answers = await Promise.all([
          bobA.request({ type: 'open', id: sent.id }),
          bobB.request({ type: 'open', id: sent.id }),
        ]);
        expect(answers.filter((x) => x.type === 'reply')).toHaveLength(1);
        expect(answers.filter((x) => x.type === 'error' && x.code === 'BURNED')).toHaveLength(1);
        // The winner, on either node, decrypts it with its own device's keys.
        const won = answers.findIndex((x) => x.type === 'reply');
        const result = (answers[won] as { result: OpenResult }).result;
        expect((await openedContent(result, won === 0 ? bob2 : bob)).text).toBe(`race ${i}`);
        await aliceA.waitForEvent((e) => e.kind === 'burned' && e.messageId === sent.id);
      }
      await aliceA.settle();
      expect(aliceA.events().filter((e) => e.kind === 'burned')).toHaveLength(5);
    });

    it('closes a device revoked through node A on node B with 4001', async () => {
      const { a, bob, bob2, bobA, bobB } = await people();
      const res = await fetch(`${a.url}/v1/devices/${bob.device.id}`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${bob2.token}` },
      });
      expect(res.status).toBe(204);
      expect((await bobB.closed).code).toBe(4001);
      // The other device stays connected.
      await bobA.settle();
    });

    it('burns an expired message once, with both nodes sweeping', async () => {
      const { a, b, alice, bob, aliceA, aliceB, bobA, bobB } = await people();
      const sent = await aliceA.ok<{ id: string }>(
        await sealedSendFrame(aliceA, alice.user.username, bob.user.username, 'short-lived', {
          burn: { ttlSeconds: 1 },
        }),
      );
      for (const device of [aliceA, aliceB, bobA, bobB]) {
        await device.waitForEvent(
          (e) => e.kind === 'burned' && e.messageId === sent.id && e.reason === 'expired',
          5000,
        );
      }
      // Both sweepers ran whole passes after the burn, so a second burn would have happened; its
      // event would then be on every device by the ping's reply.
      await Promise.all([a, b].map((node) => sweptAfter(node)));
      for (const device of [aliceA, aliceB, bobA, bobB]) {
        await device.settle();
        expect(device.events().filter((e) => e.kind === 'burned' && e.messageId === sent.id)).toHaveLength(1);
      }
      const swept = await Promise.all(
        [a, b].map(async (node) => (await metrics(node)).value('cinder_sweeper_burned_total')),
      );
      expect((swept[0] ?? 0) + (swept[1] ?? 0)).toBe(1);
    });

    it('answers /healthz and /readyz from the database and the bus', async () => {
      const { a, b } = await cluster();
      for (const node of [a, b]) {
        for (const path of ['/healthz', '/readyz']) {
          const res = await fetch(`${node.url}${path}`);
          expect(res.status, path).toBe(200);
          expect(await res.json(), path).toMatchObject({ storage: 'ok', bus: 'ok', cluster: 'ok' });
        }
      }
    });
  },
);
