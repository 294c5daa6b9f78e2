import type { TurnScheduler } from '../turn.ts';
import { type PostgresLogger, PostgresStorage } from './postgres/postgres-storage.ts';
import { SqliteStorage } from './sqlite/sqlite-storage.ts';
import type { Storage, StorageLogger } from './storage.ts';

/** The part of the server's configuration that picks the storage and the bus. */
export interface BackendConfig {
  /** SQLite's directory, used when `databaseUrl` is null. */
  dataDir: string;
  /** PostgreSQL URL, or null for SQLite. */
  databaseUrl: string | null;
  /** PostgreSQL schema. */
  databaseSchema: string;
  /** Redis URL, or null for the in-process bus. */
  redisUrl: string | null;
  /** Prefix of the Redis channels of this cluster. */
  redisPrefix: string;
  /** Most PostgreSQL connections of this node. */
  databasePoolSize: number;
}

/** Which backends a configuration picks, for logs (never the URLs: they may hold passwords). */
export function describeBackends(config: BackendConfig): {
  storage: 'sqlite' | 'postgres';
  bus: 'memory' | 'redis';
} {
  return {
    storage: config.databaseUrl ? 'postgres' : 'sqlite',
    bus: config.redisUrl ? 'redis' : 'memory',
  };
}

/**
 * PostgreSQL when a database URL is set, else SQLite under `dataDir`. Not yet initialised. A
 * PostgreSQL node registers with its bus, so `init` refuses to start beside a node it cannot
 * reach (see `NodeRegistry`).
 */
export function createStorage(
  config: BackendConfig,
  logger: StorageLogger & PostgresLogger,
  turn: TurnScheduler,
): Storage {
  if (config.databaseUrl) {
    const bus = config.redisUrl ? `redis:${config.redisPrefix}` : 'memory';
    return new PostgresStorage({
      url: config.databaseUrl,
      schema: config.databaseSchema,
      poolSize: config.databasePoolSize,
      logger,
      node: { bus },
    });
  }
  return new SqliteStorage({ dataDir: config.dataDir, logger, turn });
}
