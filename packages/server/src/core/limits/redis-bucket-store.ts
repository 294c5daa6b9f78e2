import { Redis } from 'ioredis';
import { safeError } from '../../safe-error.ts';
import { type BucketSpec, type BucketStore, MemoryBucketStore, type Take } from './bucket-store.ts';

/**
 * Take one token from every bucket or none (see `BucketStore.take`), atomically: a Lua script
 * runs alone in Redis, so the nodes of a cluster share one count. KEYS[1] is the pass, then the
 * buckets; ARGV[1] is the time, then capacity, perSecond and soft (1/0) of each bucket.
 * Returns {1, 0, indexes charged…} or {0, ms until a token}.
 */
const TAKE = `
local now = tonumber(ARGV[1])
local passed = redis.call('EXISTS', KEYS[1]) == 1
local charge = {}
local wait = 0
for i = 2, #KEYS do
  local base = (i - 2) * 3 + 2
  local cap = tonumber(ARGV[base])
  local rate = tonumber(ARGV[base + 1])
  if not (ARGV[base + 2] == '1' and passed) then
    local held = redis.call('HMGET', KEYS[i], 't', 'at')
    local t = cap
    if held[1] then
      t = math.min(cap, tonumber(held[1]) + math.max(0, now - tonumber(held[2])) * rate / 1000)
    end
    if t < 1 then
      wait = math.max(wait, math.ceil((1 - t) * 1000 / rate))
    else
      charge[#charge + 1] = {i, t - 1, cap, rate}
    end
  end
end
if wait > 0 then return {0, wait} end
local reply = {1, 0}
for _, c in ipairs(charge) do
  redis.call('HSET', KEYS[c[1]], 't', tostring(c[2]), 'at', tostring(now))
  redis.call('PEXPIRE', KEYS[c[1]], math.ceil((c[3] - c[2]) * 1000 / c[4]) + 1000)
  reply[#reply + 1] = c[1] - 1
end
return reply
`;

/** Give one token back to each bucket. ARGV[1] is the time, then capacity and perSecond of each. */
const REFUND = `
local now = tonumber(ARGV[1])
for i = 1, #KEYS do
  local cap = tonumber(ARGV[(i - 1) * 2 + 2])
  local rate = tonumber(ARGV[(i - 1) * 2 + 3])
  local held = redis.call('HMGET', KEYS[i], 't', 'at')
  if held[1] then
    local t = math.min(cap, tonumber(held[1]) + math.max(0, now - tonumber(held[2])) * rate / 1000 + 1)
    if t >= cap then
      redis.call('DEL', KEYS[i])
    else
      redis.call('HSET', KEYS[i], 't', tostring(t), 'at', tostring(now))
      redis.call('PEXPIRE', KEYS[i], math.ceil((cap - t) * 1000 / rate) + 1000)
    end
  end
end
return 1
`;

/** The two scripts `defineCommand` adds to the connection, which ioredis's types cannot know. */
interface LimitsScripts {
  cinderTake(keyCount: number, ...keysAndArgs: Array<string | number>): Promise<number[]>;
  cinderRefund(keyCount: number, ...keysAndArgs: Array<string | number>): Promise<unknown>;
}

/** The commands of the limits' Redis connection (ioredis, with the two scripts defined). */
interface LimitsRedis extends LimitsScripts {
  set(key: string, value: string, px: 'PX', ms: number): Promise<unknown>;
  quit(): Promise<unknown>;
  disconnect(): void;
}

/** The logging the store does (a subset of pino's Logger). */
export interface LimitsLogger {
  warn(fields: Record<string, unknown>, msg: string): void;
}

/** How long a Redis command may take before this node counts alone for that request. */
const COMMAND_TIMEOUT_MS = 500;
/** At most one "Redis unavailable" warning per this many ms. */
const WARN_EVERY_MS = 30_000;

/**
 * Buckets in Redis, shared by every node of a cluster (keys under `<prefix>limits:`). When
 * Redis cannot answer (down, or slower than 500 ms), a take falls back to this node's memory:
 * limits then hold per node (N nodes allow N× as much) rather than lock every user out, and a
 * warning says so. Commands are never queued while Redis is away.
 */
export class RedisBucketStore implements BucketStore {
  readonly #redis: LimitsRedis;
  readonly #prefix: string;
  readonly #fallback: MemoryBucketStore;
  readonly #now: () => number;
  readonly #logger: LimitsLogger;
  #lastWarn = Number.NEGATIVE_INFINITY;
  /** Settles when the connection is first ready, failed, or 500 ms after construction. */
  readonly #started: Promise<void>;

  constructor(options: { url: string; prefix: string; now: () => number; logger: LimitsLogger }) {
    const redis = new Redis(options.url, {
      connectionName: 'cinder-limits',
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: COMMAND_TIMEOUT_MS,
    });
    redis.defineCommand('cinderTake', { lua: TAKE });
    redis.defineCommand('cinderRefund', { lua: REFUND });
    // ioredis reconnects by itself; errors show as failed commands, warned about below.
    redis.on('error', () => {});
    // The first requests after start wait for the connection (briefly) instead of counting alone.
    this.#started = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, COMMAND_TIMEOUT_MS);
      timer.unref();
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      redis.once('ready', done);
      redis.once('error', done);
    });
    this.#redis = redis as Redis & LimitsScripts;
    this.#prefix = `${options.prefix}limits:`;
    this.#now = options.now;
    this.#logger = options.logger;
    this.#fallback = new MemoryBucketStore(options.now);
  }

  async take(buckets: readonly BucketSpec[], pass?: string): Promise<Take> {
    const now = this.#now();
    const keys = [this.#prefix + (pass ?? 'none'), ...buckets.map((b) => this.#prefix + b.key)];
    const args = buckets.flatMap((b) => [b.capacity, b.perSecond, b.soft ? 1 : 0]);
    let reply: number[];
    await this.#started;
    try {
      reply = await this.#redis.cinderTake(keys.length, ...keys, now, ...args);
    } catch (error) {
      this.#unavailable(error);
      return this.#fallback.takeNow(buckets, pass);
    }
    if (reply[0] !== 1) return { ok: false, retryAfterMs: Number(reply[1]) || 1000 };
    const charged = reply.slice(2).flatMap((i) => buckets[i - 1] ?? []);
    return { ok: true, refund: () => this.#refund(charged) };
  }

  async remember(key: string, ttlMs: number): Promise<void> {
    await this.#fallback.remember(key, ttlMs);
    await this.#started;
    try {
      await this.#redis.set(this.#prefix + key, '1', 'PX', Math.max(1, Math.round(ttlMs)));
    } catch (error) {
      this.#unavailable(error);
    }
  }

  async close(): Promise<void> {
    await this.#fallback.close();
    try {
      await this.#redis.quit();
    } catch {
      this.#redis.disconnect();
    }
  }

  async #refund(charged: readonly BucketSpec[]): Promise<void> {
    if (charged.length === 0) return;
    const keys = charged.map((b) => this.#prefix + b.key);
    const args = charged.flatMap((b) => [b.capacity, b.perSecond]);
    try {
      await this.#redis.cinderRefund(keys.length, ...keys, this.#now(), ...args);
    } catch (error) {
      this.#unavailable(error);
    }
  }

  #unavailable(error: unknown): void {
    const now = Date.now();
    if (now - this.#lastWarn < WARN_EVERY_MS) return;
    this.#lastWarn = now;
    this.#logger.warn(
      { err: safeError(error) },
      'rate limits cannot reach Redis: each node counts alone until it is back',
    );
  }
}
