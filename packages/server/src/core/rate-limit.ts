import { CinderError, MAX_EXT_BYTES, MAX_TEXT_LENGTH } from '@cinder/protocol';
import { MemoryBucketStore } from './limits/bucket-store.ts';
import { type LimitsLogger, RedisBucketStore } from './limits/redis-bucket-store.ts';
import { type SignInLimitSettings, SignInLimits } from './limits/sign-in-limits.ts';

/**
 * Token buckets by key: `capacity` tokens at once, refilled at `perSecond`. Buckets that are
 * full again are forgotten on the next sweep so idle keys cost nothing. In memory: for what a
 * device does on the node it is connected to.
 */
export class RateLimiter {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();
  readonly #capacity: number;
  readonly #perMs: number;
  readonly #now: () => number;
  #lastSweep = 0;

  constructor(options: { capacity: number; perSecond: number; now: () => number }) {
    this.#capacity = options.capacity;
    this.#perMs = options.perSecond / 1000;
    this.#now = options.now;
  }

  /** Take `cost` tokens for `key`; false (and nothing taken) when the bucket holds fewer. */
  tryTake(key: string, cost = 1): boolean {
    const now = this.#now();
    if (now - this.#lastSweep > 60_000) this.#sweep(now);
    const bucket = this.#buckets.get(key);
    if (!bucket) {
      if (cost > this.#capacity) return false;
      this.#buckets.set(key, { tokens: this.#capacity - cost, at: now });
      return true;
    }
    bucket.tokens = Math.min(this.#capacity, bucket.tokens + Math.max(0, now - bucket.at) * this.#perMs);
    bucket.at = now;
    if (bucket.tokens < cost) return false;
    bucket.tokens -= cost;
    return true;
  }

  /** Take `cost` tokens or throw `RATE_LIMITED`. */
  take(key: string, cost = 1): void {
    if (!this.tryTake(key, cost)) throw new CinderError('RATE_LIMITED');
  }

  /** Give back `amount` tokens taken earlier (never above the capacity). */
  refund(key: string, amount: number): void {
    const bucket = this.#buckets.get(key);
    if (bucket) bucket.tokens = Math.min(this.#capacity, bucket.tokens + amount);
  }

  #sweep(now: number): void {
    this.#lastSweep = now;
    for (const [key, bucket] of this.#buckets) {
      if (bucket.tokens + (now - bucket.at) * this.#perMs >= this.#capacity) this.#buckets.delete(key);
    }
  }
}

/**
 * The most content one `open` can return: the longest text, 3 UTF-8 bytes per UTF-16 unit,
 * and the largest `ext`. An open reserves this much of the byte budget and gives back what the
 * message did not use, so opens in flight together cannot outrun the budget.
 */
export const MAX_OPEN_BYTES = MAX_TEXT_LENGTH * 3 + MAX_EXT_BYTES;

/** The limiters the server uses; a disabled one always allows. */
export interface Limiters {
  /** Failed logins and registrations (cluster-wide with Redis). */
  signIn: SignInLimits | null;
  /** `open` requests per device. */
  open: RateLimiter | null;
  /** Content bytes returned by `open` per device (text UTF-8 + `ext` JSON). */
  openBytes: RateLimiter | null;
  /** `send` requests per device. */
  send: RateLimiter | null;
  /** "No such user" answers per account (`unknownUsersPer10Minutes`). */
  unknownUsers: RateLimiter | null;
  /** Upload bytes started per device (an upload reserves its size). */
  uploadBytes: RateLimiter | null;
  close(): Promise<void>;
}

/** The limits of `ServerConfig.rateLimits`. */
export interface LimitSettings extends SignInLimitSettings {
  opensPerSecond: number;
  openBytesPerSecond: number;
  sendsPerSecond: number;
  unknownUsersPer10Minutes: number;
  uploadBytesPerSecond: number;
}

/**
 * Build the limiters from resolved options (`false`: none). With a Redis URL the sign-in
 * limits live in Redis under the cluster's prefix, shared by its nodes; otherwise in memory.
 */
export function createLimiters(
  limits: LimitSettings | false,
  now: () => number,
  shared: { redisUrl: string | null; redisPrefix: string; logger: LimitsLogger; maxUploadBytes: number },
): Limiters {
  if (!limits) {
    return {
      signIn: null,
      open: null,
      openBytes: null,
      send: null,
      unknownUsers: null,
      uploadBytes: null,
      close: async () => {},
    };
  }
  const store = shared.redisUrl
    ? new RedisBucketStore({ url: shared.redisUrl, prefix: shared.redisPrefix, now, logger: shared.logger })
    : new MemoryBucketStore(now);
  const signIn = new SignInLimits(store, limits, shared.logger);
  return {
    signIn,
    open: new RateLimiter({ capacity: limits.opensPerSecond * 5, perSecond: limits.opensPerSecond, now }),
    openBytes: new RateLimiter({
      capacity: Math.max(2 * limits.openBytesPerSecond, MAX_OPEN_BYTES),
      perSecond: limits.openBytesPerSecond,
      now,
    }),
    send: new RateLimiter({ capacity: limits.sendsPerSecond * 5, perSecond: limits.sendsPerSecond, now }),
    unknownUsers: new RateLimiter({
      capacity: limits.unknownUsersPer10Minutes,
      perSecond: limits.unknownUsersPer10Minutes / 600,
      now,
    }),
    uploadBytes: new RateLimiter({
      capacity: Math.max(4 * limits.uploadBytesPerSecond, shared.maxUploadBytes),
      perSecond: limits.uploadBytesPerSecond,
      now,
    }),
    close: () => signIn.close(),
  };
}
