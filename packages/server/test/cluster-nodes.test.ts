import { afterEach, expect, it } from 'vitest';
import {
  type ChildServer,
  health,
  live,
  ready,
  spawnServer,
  tempDir,
  testServer,
  waitFor,
} from '../../../test/kit/index.ts';
import { freshDatabase, sql } from './postgres-files.ts';
import {
  describeWithServices,
  dropSchema,
  TEST_DATABASE_URL,
  TEST_REDIS_URL,
  uniquePrefix,
  uniqueSchema,
} from './services.ts';

await describeWithServices(
  'cluster: nodes sharing a database need a shared bus',
  ['postgres', 'redis'],
  () => {
    const release: Array<() => unknown> = [];
    afterEach(async () => {
      for (const step of release.splice(0).reverse()) await step();
    });

    it('refuses to start a node beside a live node it cannot reach, and says why', async () => {
      const schema = uniqueSchema();
      release.push(() => dropSchema(schema));
      const db = { databaseUrl: TEST_DATABASE_URL, databaseSchema: schema, bus: 'memory' as const };
      const solo = await testServer(db);
      release.push(() => solo[Symbol.asyncDispose]());
      // Neither a second in-process node, nor a Redis or a PostgreSQL-bus node may join an in-process one.
      await expect(testServer(db)).rejects.toThrow(
        /Another Cinder node uses this PostgreSQL database.*must share a bus: all --bus postgres/,
      );
      await expect(
        testServer({ ...db, bus: 'redis', redisUrl: TEST_REDIS_URL, redisPrefix: uniquePrefix() }),
      ).rejects.toThrow(/with the in-process bus \(--bus memory\).*this node runs --bus redis/);
      await expect(testServer({ ...db, bus: 'postgres' })).rejects.toThrow(
        /with the in-process bus \(--bus memory\).*this node runs --bus postgres/,
      );
      expect((await ready(solo.url)).status).toBe(200);
      // Once it stopped, its row and lock are gone: a node starts at once.
      await solo.close();
      const next = await testServer(db);
      release.push(() => next[Symbol.asyncDispose]());
      expect((await ready(next.url)).status).toBe(200);
    });

    it('refuses Redis nodes with different prefixes, and lets nodes of one cluster start', async () => {
      const schema = uniqueSchema();
      release.push(() => dropSchema(schema));
      const cluster = {
        databaseUrl: TEST_DATABASE_URL,
        databaseSchema: schema,
        redisUrl: TEST_REDIS_URL,
        redisPrefix: uniquePrefix(),
      };
      const a = await testServer(cluster);
      release.push(() => a[Symbol.asyncDispose]());
      const b = await testServer(cluster);
      release.push(() => b[Symbol.asyncDispose]());
      await expect(testServer({ ...cluster, redisPrefix: uniquePrefix() })).rejects.toThrow(
        /--bus redis with another Redis prefix/,
      );
      // A node on the PostgreSQL bus does not hear Redis either.
      await expect(testServer({ ...cluster, bus: 'postgres' })).rejects.toThrow(
        /with --bus redis.*this node runs --bus postgres/,
      );
      for (const node of [a, b]) expect(await ready(node.url)).toMatchObject({ status: 200 });
    });

    it('lets nodes on the PostgreSQL bus (implied without Redis) share a database, and refuses other buses beside them', async () => {
      const schema = uniqueSchema();
      release.push(() => dropSchema(schema));
      const db = { databaseUrl: TEST_DATABASE_URL, databaseSchema: schema };
      const a = await testServer(db);
      release.push(() => a[Symbol.asyncDispose]());
      const b = await testServer({ ...db, bus: 'postgres' });
      release.push(() => b[Symbol.asyncDispose]());
      const { rows } = await sql(`SELECT bus FROM "${schema}".nodes`, TEST_DATABASE_URL);
      expect(rows).toEqual([{ bus: 'postgres' }, { bus: 'postgres' }]);
      await expect(testServer({ ...db, bus: 'memory' })).rejects.toThrow(
        /with --bus postgres.*this node runs the in-process bus/,
      );
      await expect(
        testServer({ ...db, redisUrl: TEST_REDIS_URL, redisPrefix: uniquePrefix() }),
      ).rejects.toThrow(/with --bus postgres.*this node runs --bus redis/);
      for (const node of [a, b]) expect(await ready(node.url)).toMatchObject({ status: 200 });
    });

    it('exits 1 with the explanation when started as a process beside a running node', async () => {
      const database = await freshDatabase('cinder_nodes');
      release.push(() => database.drop());
      const solo = await testServer({ databaseUrl: database.url, bus: 'memory' });
      release.push(() => solo[Symbol.asyncDispose]());
      const dir = tempDir();
      release.push(() => dir.remove());
      // A node that starts anyway (the defect) is killed at once rather than left running.
      const refused = await spawnServer([
        '--port',
        '0',
        '--data-dir',
        dir.path,
        '--database-url',
        database.url,
        '--bus',
        'memory',
      ]).then(
        (child) => {
          child.child.kill('SIGKILL');
          return null;
        },
        (error: Error) => error,
      );
      expect(refused?.message).toMatch(
        /^server exited with 1: cinder: Another Cinder node uses this PostgreSQL database .*start every node with the same bus\.\n?$/,
      );
    });

    it('reports 503 on both nodes when one started while the other was frozen, until one is gone', async () => {
      const database = await freshDatabase('cinder_frozen');
      release.push(() => database.drop());
      const dir = tempDir();
      release.push(() => dir.remove());
      const frozen: ChildServer = await spawnServer([
        '--port',
        '0',
        '--data-dir',
        dir.path,
        '--database-url',
        database.url,
        '--bus',
        'memory',
        '--log-level',
        'info',
      ]);
      release.push(async () => {
        if (frozen.child.exitCode === null && frozen.child.signalCode === null) {
          frozen.child.kill('SIGKILL');
          await frozen.exited;
        }
      });
      expect((await ready(frozen.url)).status).toBe(200);
      // A stopped process keeps its database session (and lock) but stops renewing its row: once
      // the row is older than the registry's time to live, a new node may start.
      frozen.child.kill('SIGSTOP');
      release.push(() => frozen.child.kill('SIGCONT'));
      await waitFor(
        async () => {
          const { rows } = await sql(
            "SELECT count(*)::int AS n FROM nodes WHERE seen_at < now() - interval '11 seconds'",
            database.url,
          );
          return rows[0]?.n === 1;
        },
        { timeout: 60_000, interval: 250, what: "the frozen node's row to go stale" },
      );
      const other = await testServer({ databaseUrl: database.url, bus: 'memory' });
      release.push(() => other[Symbol.asyncDispose]());
      expect((await ready(other.url)).status).toBe(200);

      frozen.child.kill('SIGCONT');
      const conflicted = async (url: string) => {
        const { status, body } = await ready(url);
        return status === 503 && body.status === 'degraded' && body.cluster === 'conflict';
      };
      await waitFor(async () => (await conflicted(frozen.url)) && (await conflicted(other.url)), {
        timeout: 60_000,
        interval: 250,
        what: 'both nodes to report the conflict',
      });
      // Not serving as a cluster node should (/healthz says so too), but live: the conflict is in
      // the cluster, not in the process.
      expect(await health(other.url)).toMatchObject({ status: 503, body: { cluster: 'conflict' } });
      expect(await live(other.url)).toMatchObject({ status: 200, body: { cluster: 'conflict' } });

      // One of them goes: the other is healthy again.
      frozen.child.kill('SIGKILL');
      await frozen.exited;
      await waitFor(async () => (await ready(other.url)).status === 200, {
        timeout: 60_000,
        interval: 250,
        what: 'the other node to be ready again',
      });
    });
  },
);
