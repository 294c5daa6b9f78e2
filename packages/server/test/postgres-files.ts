import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import pg from 'pg';
import { filesUnder } from '../../../test/kit/index.ts';
import { TEST_DATABASE_URL } from './services.ts';

/**
 * Looking at a PostgreSQL cluster from the outside, for the tests of what stays on disk: SQL as
 * the superuser of the test cluster, where its files are, and which of them hold some bytes.
 */

/** A connected client (the caller ends it). */
export async function admin(url = TEST_DATABASE_URL): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return client;
}

/** Run one statement on a connection of its own. */
export async function sql(
  text: string,
  url = TEST_DATABASE_URL,
  values?: unknown[],
): Promise<pg.QueryResult> {
  const client = await admin(url);
  try {
    return await client.query(text, values);
  } finally {
    await client.end();
  }
}

/**
 * The data directory and this database's folder in it, why they cannot be searched, or null when
 * PostgreSQL cannot be reached at all (`describeWithServices` reports that).
 */
export async function locate(
  url = TEST_DATABASE_URL,
): Promise<{ dataDir: string; dbDir: string } | string | null> {
  try {
    await sql('SELECT 1', url);
  } catch {
    return null;
  }
  try {
    const dataDir = String((await sql('SHOW data_directory', url)).rows[0]?.data_directory);
    const oid = String(
      (await sql('SELECT oid FROM pg_database WHERE datname = current_database()', url)).rows[0]?.oid,
    );
    const dbDir = join(dataDir, 'base', oid);
    readdirSync(dbDir);
    readdirSync(join(dataDir, 'pg_wal'));
    return { dataDir, dbDir };
  } catch (error) {
    return `the PostgreSQL data directory cannot be read here (${(error as Error).message})`;
  }
}

/** Files under `dir` (relative to `root`) holding any of the markers. */
export function filesContaining(dir: string, markers: readonly string[], root = dir): string[] {
  const needles = markers.map((m) => Buffer.from(m, 'utf8'));
  return filesUnder(dir)
    .filter((path) => {
      try {
        const bytes = readFileSync(path);
        return needles.some((n) => bytes.includes(n));
      } catch {
        return false; // unlinked between the walk and the read: not a place the bytes remain
      }
    })
    .map((path) => relative(root, path));
}

/**
 * A fresh database for server processes (the server has no schema flag), dropped by `drop`.
 * Its URL is the test URL with another database name.
 */
export async function freshDatabase(prefix = 'cinder_t'): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
  await sql(`CREATE DATABASE ${name}`);
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  return {
    url: url.href,
    drop: async () => void (await sql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)),
  };
}
