// Two clusters of the deployment guide (production and staging, say) on one PostgreSQL database
// and one Redis, told apart only by --database-schema and --redis-prefix: each two nodes behind
// its own nginx running docs/deploy/nginx.conf.
import type { OpenResult, SessionResponse } from '@cinder/protocol';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterEach, expect, it } from 'vitest';
import {
  deployToolsPresent,
  type KeyedSession,
  marker,
  openedContent,
  RawClient,
  register,
  sealedSendFrame,
  username,
} from '../../../test/kit/index.ts';
import { type GuideCluster, guideCluster } from './deploy-cluster.ts';
import { describeWithServices, TEST_DATABASE_URL, TEST_REDIS_URL } from './services.ts';

const SUITE = 'deployment: two clusters sharing one PostgreSQL and one Redis';

if (await deployToolsPresent(SUITE, ['nginx', 'openssl'])) {
  await describeWithServices(SUITE, ['postgres', 'redis'], () => {
    const release: Array<() => unknown> = [];
    afterEach(async () => {
      for (const step of release.splice(0).reverse()) await step();
    });

    it('keeps each cluster’s accounts, messages and wake-ups to itself', async () => {
      const [x, y] = await Promise.all([guideCluster(), guideCluster()]);
      release.push(() => x[Symbol.asyncDispose]());
      release.push(() => y[Symbol.asyncDispose]());
      expect(x.schema).not.toBe(y.schema);
      expect(x.prefix).not.toBe(y.prefix);

      // The same two names sign up in both: two accounts each, one per cluster.
      const names = { alice: username(), bob: username() };
      const accounts = async (cluster: GuideCluster) => ({
        alice: await register(cluster, names.alice),
        bob: await register(cluster, names.bob),
      });
      const inX = await accounts(x);
      const inY = await accounts(y);
      expect(inX.bob.user.id).not.toBe(inY.bob.user.id);

      // Every wake-up published for these users, on whatever channel: a node that dropped its
      // prefix would publish on the bare `cinder:user:<id>`.
      const observer = new Redis(TEST_REDIS_URL);
      release.push(() => observer.disconnect());
      const published: Array<{ channel: string; user: string }> = [];
      const users = [inX.alice, inX.bob, inY.alice, inY.bob].map((s) => s.user.id);
      observer.on('pmessage', (_pattern: string, channel: string) => {
        const user = users.find((id) => channel.endsWith(`cinder:user:${id}`));
        if (user) published.push({ channel, user });
      });
      await observer.psubscribe(...users.map((id) => `*cinder:user:${id}`));

      const connect = async (cluster: GuideCluster, session: SessionResponse) => {
        const client = await RawClient.connect(cluster.url, session.token);
        release.push(() => client.close());
        return client;
      };
      const x1 = { alice: await connect(x, inX.alice), bob: await connect(x, inX.bob) };
      const y1 = { alice: await connect(y, inY.alice), bob: await connect(y, inY.bob) };

      /**
       * Alice sends Bob a burn message in `from`, sealed to his keys there, and Bob opens it; the
       * other cluster hears nothing.
       */
      async function roundTrip(
        from: typeof x1,
        bob: KeyedSession,
        other: typeof y1,
        fromCluster: GuideCluster,
      ) {
        const before = published.length;
        const heard = [other.alice.events().length, other.bob.events().length];
        const text = marker();
        const sent = await from.alice.ok<{ id: string }>(
          await sealedSendFrame(from.alice, names.alice, names.bob, text, { burn: { ttlSeconds: 600 } }),
        );
        await from.bob.waitForEvent((e) => e.kind === 'message' && e.message.id === sent.id);
        const opened = await from.bob.ok<OpenResult>({ type: 'open', id: sent.id });
        expect((await openedContent(opened, bob)).text).toBe(text);
        await from.alice.waitForEvent((e) => e.kind === 'burned' && e.messageId === sent.id);
        for (const [i, client] of [other.alice, other.bob].entries()) {
          await client.settle();
          expect(client.events().slice(heard[i])).toEqual([]);
          expect(client.raw.join('')).not.toContain(text);
        }
        // The wake-ups went out, all of them under this cluster's prefix.
        const now = published.slice(before);
        expect(now.length).toBeGreaterThan(0);
        for (const { channel } of now) expect(channel.startsWith(fromCluster.prefix)).toBe(true);
      }
      await roundTrip(x1, inX.bob, y1, x);
      await roundTrip(y1, inY.bob, x1, y);

      // Each cluster's nodes listen only under its prefix.
      const admin = new Redis(TEST_REDIS_URL);
      release.push(() => admin.disconnect());
      for (const [cluster, sessions] of [
        [x, inX],
        [y, inY],
      ] as const) {
        for (const session of [sessions.alice, sessions.bob]) {
          const channels = (await admin.pubsub('CHANNELS', `*cinder:user:${session.user.id}`)) as string[];
          expect(channels).toEqual([`${cluster.prefix}cinder:user:${session.user.id}`]);
        }
      }

      // And each keeps its rows in its own schema: one burn each, under the same user names.
      const db = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await db.connect();
      release.push(() => db.end());
      for (const [cluster, sessions] of [
        [x, inX],
        [y, inY],
      ] as const) {
        const { rows } = await db.query<{ users: string[]; burns: number }>(
          `SELECT (SELECT array_agg(id) FROM "${cluster.schema}".users) AS users,
                  (SELECT count(*)::int FROM "${cluster.schema}".tombstones) AS burns`,
        );
        expect(rows[0]?.users.sort()).toEqual([sessions.alice.user.id, sessions.bob.user.id].sort());
        expect(rows[0]?.burns).toBe(1);
      }
    });
  });
}
