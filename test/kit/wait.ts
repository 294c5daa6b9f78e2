/**
 * How long one wait for a condition may take before the test fails. Generous on purpose: on a
 * machine with a load average of 20 a step can take seconds, and a wait returns as soon as its
 * condition holds.
 */
export const WAIT_MS = 30_000;

// Taken at load, so waits keep real time while a test fakes the clock (`vi.useFakeTimers`).
const realSetTimeout = globalThis.setTimeout;
const realNow = Date.now;

/** Options of {@link waitFor}. */
export interface WaitOptions {
  /** Give up after this many milliseconds. @default WAIT_MS (30 s) */
  timeout?: number;
  /** What is awaited, for the error on timeout ("the burn on Bob's phone"). @default 'a condition' */
  what?: string;
  /** Milliseconds between two checks. @default 20 */
  interval?: number;
}

/** What a truthy value of `T` can be. */
export type Truthy<T> = Exclude<T, false | 0 | 0n | '' | null | undefined>;

/** A wait that ran out of time: names what it waited for and what the check last saw. */
export class WaitTimeout extends Error {
  override name = 'WaitTimeout';
}

/**
 * Check `check` until it returns something truthy, and return that. `check` may be synchronous
 * or a query (a fetch, a store read); one that throws is checked again, so a server still
 * starting or a file not yet written is just "not yet". On timeout it throws a {@link WaitTimeout}
 * naming `what` and the last value or error, so a failure says what never happened.
 */
export async function waitFor<T>(check: () => T | Promise<T>, options: WaitOptions = {}): Promise<Truthy<T>> {
  const { timeout = WAIT_MS, what = 'a condition', interval = 20 } = options;
  const deadline = realNow() + timeout;
  for (;;) {
    let last: string;
    try {
      const value = await check();
      if (value) return value as Truthy<T>;
      last = `last value: ${show(value)}`;
    } catch (error) {
      last = `last error: ${error instanceof Error ? error.message : String(error)}`;
    }
    if (realNow() > deadline)
      throw new WaitTimeout(`timed out after ${timeout} ms waiting for ${what} (${last})`);
    await sleep(Math.min(interval, Math.max(1, deadline - realNow())));
  }
}

function show(value: unknown): string {
  if (value === undefined) return 'undefined';
  try {
    return JSON.stringify(value)?.slice(0, 200) ?? String(value);
  } catch {
    return String(value);
  }
}

/**
 * Let real time pass. Never a barrier ("by then it has arrived"): wait for the condition with
 * {@link waitFor}, or round-trip a ping with a client's `settle()`. Only for tests about elapsed
 * time itself, and each use says why.
 */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => realSetTimeout(resolve, ms));
}

/**
 * Whether `promise` is still pending once everything already queued has run (its microtasks and
 * one macrotask): a check of "not settled yet", not a wait for time to pass.
 */
export async function isPending(promise: Promise<unknown>): Promise<boolean> {
  const marker = Symbol('pending');
  const winner = await Promise.race([
    promise.then(
      () => 'settled',
      () => 'settled',
    ),
    new Promise((resolve) => realSetTimeout(() => resolve(marker), 0)),
  ]);
  return winner === marker;
}
