import { createConnection } from 'node:net';
import pg from 'pg';
import { describe, it } from 'vitest';
import { type TempDir, tempDir } from '../../../test/kit/index.ts';
import type { ServerOptions } from '../src/config.ts';

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

/**
 * One storage a server suite runs on. Every `options()` or `flags()` call makes a storage of its
 * own; `cleanup()` removes all of them (run it after the servers on them are closed).
 */
export interface StorageBackend {
  readonly name: 'sqlite' | 'postgres';
  /** What `describeWithServices` must reach for this storage. */
  readonly needs: readonly Service[];
  /** Options of a test server: SQLite in the temp data dir the server makes, PostgreSQL in a fresh schema. */
  options(): ServerOptions;
  /** Flags of a spawned server: SQLite in a fresh temp data dir, PostgreSQL in a fresh schema. */
  flags(): string[];
  /** PostgreSQL: the schema made last, the one a test's server uses ('' on SQLite). */
  readonly schema: string;
  /** SQLite: the data dir `flags()` made last ('' on PostgreSQL and before `flags()`). */
  readonly dataDir: string;
  cleanup(): Promise<void>;
}

function sqliteBackend(): StorageBackend {
  const dirs: TempDir[] = [];
  return {
    name: 'sqlite',
    needs: [],
    options: () => ({}),
    flags: () => {
      dirs.push(tempDir('cinder-storage-'));
      return ['--data-dir', dirs.at(-1)?.path as string];
    },
    schema: '',
    get dataDir() {
      return dirs.at(-1)?.path ?? '';
    },
    cleanup: async () => {
      for (const dir of dirs.splice(0)) dir.remove();
    },
  };
}

function postgresBackend(schemaPrefix: string): StorageBackend {
  const schemas: string[] = [];
  const fresh = (): string => {
    schemas.push(uniqueSchema(schemaPrefix));
    return schemas.at(-1) as string;
  };
  return {
    name: 'postgres',
    needs: ['postgres'],
    options: () => ({ databaseUrl: TEST_DATABASE_URL, databaseSchema: fresh() }),
    flags: () => ['--database-url', TEST_DATABASE_URL, '--database-schema', fresh()],
    get schema() {
      return schemas.at(-1) ?? '';
    },
    dataDir: '',
    cleanup: async () => {
      for (const schema of schemas.splice(0)) await dropSchema(schema);
    },
  };
}

/**
 * SQLite and PostgreSQL (schemas named `<schemaPrefix>_…`), each with what `readers` adds to it:
 * the suite's own look at the rows that storage holds.
 */
export function storageBackends<Readers extends object = object>(
  schemaPrefix: string,
  readers?: {
    sqlite(backend: StorageBackend): Readers;
    postgres(backend: StorageBackend): Readers;
  },
): (StorageBackend & Readers)[] {
  // Object.assign, not a spread: a spread would read the `schema` and `dataDir` getters once.
  const sqlite = sqliteBackend();
  const postgres = postgresBackend(schemaPrefix);
  return [
    Object.assign(sqlite, readers?.sqlite(sqlite) as Readers),
    Object.assign(postgres, readers?.postgres(postgres) as Readers),
  ];
}

/** `describeWithServices` once a storage: "<suite> on sqlite", "<suite> on postgres". */
export async function describeOnStorages<Backend extends StorageBackend>(
  suite: string,
  backends: readonly Backend[],
  body: (backend: Backend) => void,
): Promise<void> {
  for (const backend of backends) {
    await describeWithServices(`${suite} on ${backend.name}`, backend.needs, () => body(backend));
  }
}
