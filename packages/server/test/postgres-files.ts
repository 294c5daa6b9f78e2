import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
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
      const bytes = readIfThere(path);
      return bytes !== null && needles.some((n) => bytes.includes(n));
    })
    .map((path) => relative(root, path));
}

/** Which of the markers any of these files holds, in the order given. */
export function markersIn(files: readonly string[], markers: readonly string[]): string[] {
  const contents = files.map(readIfThere);
  return markers.filter((m) => contents.some((bytes) => bytes?.includes(Buffer.from(m, 'utf8'))));
}

function readIfThere(path: string): Buffer | null {
  try {
    return readFileSync(path);
  } catch {
    return null; // unlinked between the walk and the read: not a place the bytes remain
  }
}

/**
 * The files of a table's heap and of its TOAST table (every segment of their main forks: where
 * rows are), absolute, under the cluster's `dataDir`. `VACUUM FULL` gives a table new files, so
 * the answer holds until the next one.
 */
export async function tableFiles(dataDir: string, table: string, url = TEST_DATABASE_URL): Promise<string[]> {
  const { rows } = await sql(
    `SELECT pg_relation_filepath(c.oid) AS heap, pg_relation_filepath(NULLIF(c.reltoastrelid, 0)) AS toast
     FROM pg_class c WHERE c.oid = $1::regclass`,
    url,
    [table],
  );
  const row = rows[0] as { heap: string | null; toast: string | null } | undefined;
  if (!row?.heap || !row.toast) throw new Error(`no heap and TOAST files for ${table}`);
  return [row.heap, row.toast].flatMap((path) => {
    const dir = join(dataDir, dirname(path));
    const main = basename(path);
    return readdirSync(dir)
      .filter((name) => name === main || new RegExp(`^${main}\\.\\d+$`).test(name))
      .map((name) => join(dir, name));
  });
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
