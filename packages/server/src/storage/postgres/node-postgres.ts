import { createHash } from 'node:crypto';
import pg from 'pg';
import { safeError } from '../../safe-error.ts';
import type { StorageLogger } from '../storage.ts';
import type { PostgresPool, PostgresPoolClient, PostgresQueryable, PostgresResult } from './postgres-pool.ts';

/** Options of `openNodePostgresPool`. */
export interface NodePostgresOptions {
  /** Most connections this node opens. @default 10 */
  max?: number;
  logger?: StorageLogger;
}

/** Statements sent through every pool this module opened in the process. */
let queries = 0;
/**
 * Statements sent to PostgreSQL so far through the pools of `openNodePostgresPool` in this
 * process, on the pool and on checked-out connections alike (a pipelined statement counts as one
 * too). Process-wide, like the `process_*` metrics: the pool is opened by the storage, which does
 * not see the server's metrics.
 */
export function postgresQueriesTotal(): number {
  return queries;
}

/** Names of the prepared statements, by text. */
const names = new Map<string, string>();

/**
 * The name a statement with parameters is prepared under on each connection: the same text gets
 * the same name, so PostgreSQL parses and plans it once per connection, not at every call.
 * Statement texts are fixed (values travel as parameters, lists as arrays), so there are few.
 */
function statementName(text: string): string {
  let name = names.get(text);
  if (!name) {
    name = `cinder_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
    names.set(text, name);
  }
  return name;
}

/**
 * `client`'s `query`, counted; a statement with parameters is prepared. node-postgres writes each
 * protocol message of a statement (parse, bind, describe, execute, sync) to the socket on its own;
 * corked until the next tick, every statement sent in this tick leaves in one write.
 */
function counted(client: pg.PoolClient): PostgresQueryable['query'] {
  return <R = Record<string, unknown>>(text: string, values?: unknown[]) => {
    queries++;
    const socket = client.connection.stream;
    socket.cork();
    process.nextTick(() => socket.uncork());
    const result =
      values === undefined ? client.query(text) : client.query({ name: statementName(text), text, values });
    return result as unknown as Promise<PostgresResult<R>>;
  };
}

/**
 * A node-postgres pool: the only file that imports `pg`. An idle connection that breaks (the
 * database restarted) emits `error` on the pool; without a listener that would kill the process,
 * so it is logged and the pool replaces the connection on the next checkout.
 */
export function openNodePostgresPool(url: string, options: NodePostgresOptions = {}): PostgresPool {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    application_name: 'cinder',
    // Statements sent without waiting for the one before (a transaction's BEGIN, its append and
    // COMMIT) go out together; each keeps its own result and error.
    pipeline: true,
  });
  pool.on('error', (error: Error & { code?: string }) => {
    // Type and code only: a driver message may quote a statement's parameters.
    options.logger?.warn({ err: safeError(error) }, 'idle postgres connection failed');
  });
  return {
    // As pg's own `pool.query`: a connection for one statement, destroyed if the statement failed.
    async query<R>(text: string, values?: unknown[]): Promise<PostgresResult<R>> {
      const client = await pool.connect();
      try {
        const result = await counted(client)<R>(text, values);
        client.release();
        return result;
      } catch (error) {
        client.release(error instanceof Error ? error : true);
        throw error;
      }
    },
    async connect(): Promise<PostgresPoolClient> {
      const client = await pool.connect();
      return { query: counted(client), release: (destroy) => client.release(destroy) };
    },
    end: () => pool.end(),
  };
}
