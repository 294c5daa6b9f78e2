import type { Bus } from './bus.ts';
import { MemoryBus } from './memory-bus.ts';
import { type BusLogger, RedisBus } from './redis-bus.ts';

/** The part of the server's configuration that picks the bus. */
export interface BusConfig {
  /** Redis URL, or null for the in-process bus. */
  redisUrl: string | null;
  /** Prefix of the Redis channels of this cluster. */
  redisPrefix: string;
}

/**
 * Redis pub/sub when a Redis URL is set (connected; rejects if Redis cannot be reached), else
 * the in-process bus of a single node.
 */
export async function createBus(config: BusConfig, logger: BusLogger): Promise<Bus> {
  if (!config.redisUrl) return new MemoryBus();
  const bus = new RedisBus({ url: config.redisUrl, prefix: config.redisPrefix, logger });
  await bus.connect();
  return bus;
}
