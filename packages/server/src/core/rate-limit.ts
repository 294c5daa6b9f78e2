import { CinderError } from '@cinder/protocol';

/**
 * Token buckets by key: `capacity` requests at once, refilled at `perSecond`. Buckets that are
 * full again are forgotten on the next sweep so idle keys cost nothing.
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

  /** Take one token for `key`; false when the bucket is empty. */
  tryTake(key: string): boolean {
    const now = this.#now();
    if (now - this.#lastSweep > 60_000) this.#sweep(now);
    const bucket = this.#buckets.get(key);
    if (!bucket) {
      this.#buckets.set(key, { tokens: this.#capacity - 1, at: now });
      return true;
    }
    bucket.tokens = Math.min(this.#capacity, bucket.tokens + Math.max(0, now - bucket.at) * this.#perMs);
    bucket.at = now;
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  /** Take one token or throw `RATE_LIMITED`. */
  take(key: string): void {
    if (!this.tryTake(key)) throw new CinderError('RATE_LIMITED');
  }

  #sweep(now: number): void {
    this.#lastSweep = now;
    for (const [key, bucket] of this.#buckets) {
      if (bucket.tokens + (now - bucket.at) * this.#perMs >= this.#capacity) this.#buckets.delete(key);
    }
  }
}

/** The limiters the server uses; a disabled one always allows. */
export interface Limiters {
  login: RateLimiter | null;
  open: RateLimiter | null;
  send: RateLimiter | null;
}

/** Build the limiters from resolved options (`false`: none). */
export function createLimiters(
  limits: { loginsPerMinute: number; opensPerSecond: number; sendsPerSecond: number } | false,
  now: () => number,
): Limiters {
  if (!limits) return { login: null, open: null, send: null };
  return {
    login: new RateLimiter({ capacity: limits.loginsPerMinute, perSecond: limits.loginsPerMinute / 60, now }),
    open: new RateLimiter({ capacity: limits.opensPerSecond * 5, perSecond: limits.opensPerSecond, now }),
    send: new RateLimiter({ capacity: limits.sendsPerSecond * 5, perSecond: limits.sendsPerSecond, now }),
  };
}
