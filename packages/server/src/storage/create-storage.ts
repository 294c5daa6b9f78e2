import type { BusKind } from '../bus/create-bus.ts';
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
  /** The bus between nodes: a node registers with it (see `NodeRegistry`). */
  bus: BusKind;
  /** Prefix of the Redis channels of this cluster. */
  redisPrefix: string;
  /** Most PostgreSQL connections of this node. */
  databasePoolSize: number;
}

/** Which backends a configuration picks, for logs (never the URLs: they may hold passwords). */
export function describeBackends(config: BackendConfig): {
  storage: 'sqlite' | 'postgres';
  bus: BusKind;
} {
  return { storage: config.databaseUrl ? 'postgres' : 'sqlite', bus: config.bus };
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
    // Nodes of one schema on the postgres bus share it: its NOTIFY channel is named after the schema.
    const bus = config.bus === 'redis' ? `redis:${config.redisPrefix}` : config.bus;
    return new PostgresStorage({
      url: config.databaseUrl,
      schema: config.databaseSchema,
      poolSize: config.databasePoolSize,
      logger,
      node: { bus },
      // A node alone keeps them by itself; a cluster's node only with its hub feeding them
      // (startServer hands the hub `logFeed`).
      tails: true,
    });
  }
  return new SqliteStorage({ dataDir: config.dataDir, logger, turn });
}
