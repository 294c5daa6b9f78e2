import type { Bus } from './bus.ts';
import { MemoryBus } from './memory-bus.ts';
import { PostgresBus } from './postgres-bus.ts';
import { type BusLogger, RedisBus } from './redis-bus.ts';

/** Which bus moves wake-ups between nodes. */
export type BusKind = 'memory' | 'redis' | 'postgres';

/** The part of the server's configuration that picks the bus. */
export interface BusConfig {
  /** The bus; `redis` needs `redisUrl`, `postgres` needs `databaseUrl` (checked by `resolveConfig`). */
  bus: BusKind;
  /** Redis URL, or null. */
  redisUrl: string | null;
  /** Prefix of the Redis channels of this cluster. */
  redisPrefix: string;
  /** PostgreSQL URL, or null. */
  databaseUrl: string | null;
  /** PostgreSQL schema: the namespace of the cluster's NOTIFY channel. */
  databaseSchema: string;
}

/**
 * The configured bus, connected (rejects if Redis or PostgreSQL cannot be reached): Redis
 * pub/sub, PostgreSQL LISTEN/NOTIFY, or the in-process bus of a single node.
 */
export async function createBus(config: BusConfig, logger: BusLogger): Promise<Bus> {
  switch (config.bus) {
    case 'memory':
      return new MemoryBus();
    case 'redis': {
      if (!config.redisUrl) throw new Error('The redis bus needs a Redis URL (--redis-url)');
      const bus = new RedisBus({ url: config.redisUrl, prefix: config.redisPrefix, logger });
      await bus.connect();
      return bus;
    }
    case 'postgres': {
      if (!config.databaseUrl) throw new Error('The postgres bus needs a database URL (--database-url)');
      const bus = new PostgresBus({ url: config.databaseUrl, namespace: config.databaseSchema, logger });
      await bus.connect();
      return bus;
    }
  }
}
