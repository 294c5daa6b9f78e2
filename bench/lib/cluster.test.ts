import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { expect, it } from 'vitest';
import { describeWithServices } from '../../packages/server/test/services.ts';
import { runCluster } from './cluster.ts';
import { BENCH_DATABASE_URL } from './postgres-bench.ts';
import { clusterProblems } from './report-cluster.ts';

/** Schemas and databases of the bench left in PostgreSQL. */
async function leftInPostgres(run: string): Promise<{ databases: number; schemas: number }> {
  const client = new pg.Client({ connectionString: BENCH_DATABASE_URL });
  await client.connect();
  try {
    const databases = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [
      `cinder_bench_${process.pid}`,
    ]);
    const schemas = await client.query('SELECT 1 FROM pg_namespace WHERE nspname LIKE $1', [
      `cinder_${run}_%`,
    ]);
    return { databases: databases.rowCount ?? 0, schemas: schemas.rowCount ?? 0 };
  } finally {
    await client.end();
  }
}

await describeWithServices('bench cluster targets', ['postgres', 'redis'], () => {
  it('start one and two PostgreSQL nodes, complete cycles across them, and leave nothing behind', async () => {
    const root = await mkdtemp(join(tmpdir(), 'cinder-bench-cluster-'));
    const run = randomBytes(3).toString('hex');
    const marker = `burnmark${randomBytes(6).toString('hex')}`;
    const lines: string[] = [];
    try {
      const results = await runCluster(
        {
          pairs: 2,
          window: 1,
          warmupMs: 200,
          durationMs: 800,
          openRate: 20,
          presealRate: 100,
          validateEvery: 1,
          ackEveryMs: 200,
          targets: ['cinder-pg', 'cinder-pg2-redis', 'cinder-pg2-notify'],
        },
        root,
        run,
        marker,
        (line) => lines.push(line),
      );
      expect(results.skipped).toEqual([]);
      expect(results.targets.map((t) => t.id)).toEqual([
        'cinder-pg',
        'cinder-pg2-redis',
        'cinder-pg2-notify',
      ]);
      for (const t of results.targets) {
        expect(t.saturation.correctness.completed, t.id).toBeGreaterThan(0);
        expect(t.saturation.cyclesInWindow, t.id).toBeGreaterThan(0);
        // Every cycle reaches PostgreSQL: statements, transactions and backend CPU are counted.
        expect(t.queries?.count, t.id).toBeGreaterThan(t.saturation.correctness.completed);
        expect(t.transactions?.count, t.id).toBeGreaterThan(0);
        expect(t.saturation.postgresCpuMs, t.id).toBeGreaterThan(0);
        expect(t.idle?.seconds, t.id).toBeGreaterThan(0);
      }
      expect(results.targets[0]?.openLoop?.correctness.completed).toBeGreaterThan(0);
      expect(clusterProblems(results)).toEqual([]);
      expect(await leftInPostgres(run)).toEqual({ databases: 0, schemas: 0 });
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${lines.join('\n')}`, { cause: error });
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  }, 240_000);
});
