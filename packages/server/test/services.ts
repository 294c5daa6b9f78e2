import { createConnection } from 'node:net';
import pg from 'pg';
import { describe, it } from 'vitest';

/** PostgreSQL of the tests (trust auth). `CINDER_TEST_DATABASE_URL` points elsewhere. */
export const TEST_DATABASE_URL =
  process.env.CINDER_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
/** Redis of the tests. `CINDER_TEST_REDIS_URL` points elsewhere. */
export const TEST_REDIS_URL = process.env.CINDER_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

type Service = 'postgres' | 'redis';

async function probePostgres(): Promise<string | null> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return null;
  } catch (error) {
    return `PostgreSQL at ${TEST_DATABASE_URL} cannot be reached (${(error as Error).message})`;
  } finally {
    await client.end().catch(() => {});
  }
}

/** A PING over a raw socket: no client library, so no reconnect loop to stop. */
function probeRedis(): Promise<string | null> {
  const url = new URL(TEST_REDIS_URL);
  return new Promise((resolve) => {
    const socket = createConnection({ host: url.hostname, port: Number(url.port || 6379) });
    const done = (why: string | null) => {
      socket.destroy();
      resolve(why ? `Redis at ${TEST_REDIS_URL} cannot be reached (${why})` : null);
    };
    socket.setTimeout(3000, () => done('timeout'));
    socket.once('error', (error) => done(error.message));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(String(data).startsWith('+PONG') ? null : String(data).trim()));
  });
}

const probes = new Map<Service, Promise<string | null>>();

function probe(service: Service): Promise<string | null> {
  let found = probes.get(service);
  if (!found) {
    found = service === 'postgres' ? probePostgres() : probeRedis();
    probes.set(service, found);
  }
  return found;
}

/**
 * `describe` for a suite that needs PostgreSQL and/or Redis. When one cannot be reached, the suite
 * is skipped with a loud warning naming it; with `CINDER_REQUIRE_SERVICES=1` (CI) it fails
 * instead: a suite that nobody runs must not pass silently. Use with top-level await.
 */
export async function describeWithServices(
  suite: string,
  needs: readonly Service[],
  body: () => void,
): Promise<void> {
  const missing = (await Promise.all(needs.map(probe))).filter((why): why is string => why !== null);
  if (missing.length === 0) {
    describe(suite, body);
    return;
  }
  const why = missing.join('; ');
  if (process.env.CINDER_REQUIRE_SERVICES === '1') {
    describe(suite, () => {
      it(`needs ${needs.join(' and ')}`, () => {
        throw new Error(`${suite}: ${why}, and CINDER_REQUIRE_SERVICES=1 requires it`);
      });
    });
    return;
  }
  console.warn(
    `\n${'!'.repeat(78)}\n!! SKIPPED suite "${suite}": ${why}.\n!! Set CINDER_REQUIRE_SERVICES=1 to make this a failure.\n${'!'.repeat(78)}\n`,
  );
  describe.skip(suite, body);
}

let schemaCounter = 0;

/** A schema name no other test (or test process) uses. */
export function uniqueSchema(prefix = 'cinder_test'): string {
  schemaCounter += 1;
  return `${prefix}_${process.pid}_${schemaCounter}_${Math.random().toString(36).slice(2, 8)}`;
}

/** Drop a test schema and everything in it. */
export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

/** A Redis channel prefix no other test uses. */
export function uniquePrefix(): string {
  schemaCounter += 1;
  return `cinder-test:${process.pid}:${schemaCounter}:${Math.random().toString(36).slice(2, 8)}:`;
}
