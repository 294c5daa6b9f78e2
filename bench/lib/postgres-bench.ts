import pg from 'pg';

/** PostgreSQL the cluster scenario uses (trust auth). `CINDER_BENCH_DATABASE_URL` points elsewhere. */
export const BENCH_DATABASE_URL =
  process.env.CINDER_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
/** Redis of the two-node Redis target. `CINDER_BENCH_REDIS_URL` points elsewhere. */
export const BENCH_REDIS_URL = process.env.CINDER_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** `url` with its database replaced by `database`. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** Double-quote an identifier made by the bench (letters, digits, underscores only). */
function ident(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a bench identifier: ${name}`);
  return `"${name}"`;
}

/**
 * A database of the bench's own (`cinder_bench_<pid>`), made for the run and dropped after it:
 * its `pg_stat_database` row counts the transactions of the nodes under test and nobody else's,
 * and its backends are the nodes' connections. The admin connection stays on the database of
 * `BENCH_DATABASE_URL`, so its own statements never count.
 */
export class BenchDatabase {
  private constructor(
    private readonly admin: pg.Client,
    readonly name: string,
    /** The connection URL of the bench database. */
    readonly url: string,
  ) {}

  static async create(baseUrl = BENCH_DATABASE_URL): Promise<BenchDatabase> {
    const admin = new pg.Client({ connectionString: baseUrl, connectionTimeoutMillis: 3_000 });
    await admin.connect();
    const name = `cinder_bench_${process.pid}`;
    try {
      await admin.query(`DROP DATABASE IF EXISTS ${ident(name)} WITH (FORCE)`);
      await admin.query(`CREATE DATABASE ${ident(name)}`);
    } catch (error) {
      await admin.end();
      throw error;
    }
    return new BenchDatabase(admin, name, withDatabase(baseUrl, name));
  }

  /** Committed plus rolled-back transactions of the bench database so far (as flushed by its backends). */
  async transactions(): Promise<number> {
    const { rows } = await this.admin.query<{ n: string }>(
      'SELECT xact_commit + xact_rollback AS n FROM pg_stat_database WHERE datname = $1',
      [this.name],
    );
    return Number(rows[0]?.n ?? Number.NaN);
  }

  /**
   * Wait until no backend serves the bench database (the nodes stopped and their connections
   * ended): a backend flushes its statistics when it exits, so `transactions()` is then complete.
   */
  async waitIdle(timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { rows } = await this.admin.query<{ n: string }>(
        'SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1',
        [this.name],
      );
      if (Number(rows[0]?.n) === 0) return;
      if (Date.now() > deadline) throw new Error(`backends of ${this.name} still open after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Every `table.column` of `schema` whose text or bytes contain `marker`. */
  async findMarker(schema: string, marker: string): Promise<string[]> {
    const client = new pg.Client({ connectionString: this.url });
    await client.connect();
    try {
      const { rows: columns } = await client.query<{
        table_name: string;
        column_name: string;
        data_type: string;
      }>(
        `SELECT table_name, column_name, data_type FROM information_schema.columns
         WHERE table_schema = $1 AND data_type IN ('text', 'character varying', 'bytea', 'json', 'jsonb')`,
        [schema],
      );
      const found: string[] = [];
      for (const c of columns) {
        const column = `"${c.column_name.replaceAll('"', '""')}"`;
        const table = `${ident(schema)}."${c.table_name.replaceAll('"', '""')}"`;
        const test =
          c.data_type === 'bytea'
            ? `position(convert_to($1, 'UTF8') in ${column}) > 0`
            : `strpos(${column}::text, $1) > 0`;
        const { rows } = await client.query<{ n: string }>(
          `SELECT count(*) AS n FROM ${table} WHERE ${test}`,
          [marker],
        );
        if (Number(rows[0]?.n) > 0) found.push(`${c.table_name}.${c.column_name} (${rows[0]?.n} rows)`);
      }
      return found;
    } finally {
      await client.end();
    }
  }

  /** Drop a schema of the bench database and everything in it. */
  async dropSchema(schema: string): Promise<void> {
    const client = new pg.Client({ connectionString: this.url });
    await client.connect();
    try {
      await client.query(`DROP SCHEMA IF EXISTS ${ident(schema)} CASCADE`);
    } finally {
      await client.end();
    }
  }

  /** Drop the bench database (closing any connection left to it) and the admin connection. */
  async drop(): Promise<void> {
    try {
      await this.admin.query(`DROP DATABASE IF EXISTS ${ident(this.name)} WITH (FORCE)`);
    } finally {
      await this.admin.end();
    }
  }
}
