import pg from 'pg';
import { safeError } from '../../safe-error.ts';
import type { StorageLogger } from '../storage.ts';
import type { PostgresPool } from './postgres-pool.ts';

/** Options of `openNodePostgresPool`. */
export interface NodePostgresOptions {
  /** Most connections this node opens. @default 10 */
  max?: number;
  logger?: StorageLogger;
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
  });
  pool.on('error', (error: Error & { code?: string }) => {
    // Type and code only: a driver message may quote a statement's parameters.
    options.logger?.warn({ err: safeError(error) }, 'idle postgres connection failed');
  });
  return pool;
}
