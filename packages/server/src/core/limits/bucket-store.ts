/**
 * One token bucket of a take: `capacity` tokens at once, refilled at `perSecond`. A missing
 * bucket is a full one, so buckets that are full again can be forgotten.
 */
export interface BucketSpec {
  key: string;
  capacity: number;
  perSecond: number;
  /** Neither required nor charged when the take's pass is present (see `BucketStore.take`). */
  soft?: boolean;
}

/** The outcome of a take: the tokens are taken (and can be given back), or none were. */
export type Take =
  | { ok: true; refund(): Promise<void> }
  | {
      ok: false;
      /** When the emptiest refusing bucket holds a token again. */
      retryAfterMs: number;
    };

/**
 * Token buckets by key, shared by whoever uses the same store: in memory for one node, in
 * Redis for a cluster. Takes are all-or-nothing across their buckets, so concurrent attempts
 * can never take more than the buckets hold.
 */
export interface BucketStore {
  /**
   * Take one token from every bucket, or none when one of them is empty. When `pass` names a
   * key that was remembered (and has not expired), the soft buckets are skipped.
   */
  take(buckets: readonly BucketSpec[], pass?: string): Promise<Take>;
  /** Remember `key` for `ttlMs` (a pass for later takes). */
  remember(key: string, ttlMs: number): Promise<void>;
  close(): Promise<void>;
}

/** Tokens after refilling from `at` to `now` (a clock going backwards refills nothing). */
export function refilled(
  tokens: number,
  at: number,
  now: number,
  bucket: { capacity: number; perSecond: number },
): number {
  return Math.min(bucket.capacity, tokens + (Math.max(0, now - at) * bucket.perSecond) / 1000);
}

/** Milliseconds until a bucket holding `tokens` holds one. */
export function msUntilToken(tokens: number, perSecond: number): number {
  return Math.ceil(((1 - tokens) * 1000) / perSecond);
}

interface Held {
  tokens: number;
  at: number;
  capacity: number;
  perSecond: number;
}

/** How often idle (full) buckets and expired passes are dropped. */
const SWEEP_MS = 60_000;

/** The buckets of one node, in memory. */
export class MemoryBucketStore implements BucketStore {
  readonly #buckets = new Map<string, Held>();
  readonly #passes = new Map<string, number>();
  readonly #now: () => number;
  #lastSweep = 0;

  constructor(now: () => number) {
    this.#now = now;
  }

  async take(buckets: readonly BucketSpec[], pass?: string): Promise<Take> {
    return this.takeNow(buckets, pass);
  }

  /** `take`, synchronously. */
  takeNow(buckets: readonly BucketSpec[], pass?: string): Take {
    const now = this.#now();
    if (now - this.#lastSweep > SWEEP_MS) this.#sweep(now);
    const passed = pass !== undefined && (this.#passes.get(pass) ?? 0) > now;
    const charge: BucketSpec[] = [];
    let retryAfterMs = 0;
    for (const bucket of buckets) {
      if (bucket.soft && passed) continue;
      const held = this.#buckets.get(bucket.key);
      const tokens = held ? refilled(held.tokens, held.at, now, bucket) : bucket.capacity;
      if (tokens < 1) retryAfterMs = Math.max(retryAfterMs, msUntilToken(tokens, bucket.perSecond));
      else charge.push(bucket);
    }
    if (retryAfterMs > 0) return { ok: false, retryAfterMs };
    for (const bucket of charge) this.#add(bucket, -1, now);
    return {
      ok: true,
      refund: async () => {
        const at = this.#now();
        for (const bucket of charge) this.#add(bucket, 1, at);
      },
    };
  }

  async remember(key: string, ttlMs: number): Promise<void> {
    this.#passes.set(key, this.#now() + ttlMs);
  }

  async close(): Promise<void> {
    this.#buckets.clear();
    this.#passes.clear();
  }

  #add(bucket: BucketSpec, delta: number, now: number): void {
    const held = this.#buckets.get(bucket.key);
    const tokens = held ? refilled(held.tokens, held.at, now, bucket) : bucket.capacity;
    const next = Math.min(bucket.capacity, tokens + delta);
    if (next >= bucket.capacity) this.#buckets.delete(bucket.key);
    else
      this.#buckets.set(bucket.key, {
        tokens: next,
        at: now,
        capacity: bucket.capacity,
        perSecond: bucket.perSecond,
      });
  }

  #sweep(now: number): void {
    this.#lastSweep = now;
    for (const [key, held] of this.#buckets) {
      if (refilled(held.tokens, held.at, now, held) >= held.capacity) this.#buckets.delete(key);
    }
    for (const [key, until] of this.#passes) if (until <= now) this.#passes.delete(key);
  }
}
