/**
 * Reconnect delay for the `step`-th consecutive failed attempt (0-based), with full jitter:
 * `min + random(0, min(max, min · 2^step))`, capped at `max` (centrifuge-js `backoff`).
 * Jitter spreads a crowd of clients that lost the same server, so they do not all return at once;
 * the `min` floor keeps a flapping network from turning into a busy loop.
 *
 * @param random a source of numbers in [0, 1). @default Math.random
 */
export function backoff(
  step: number,
  minMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(maxMs, minMs * 2 ** Math.min(Math.max(step, 0), 31));
  const jitter = Math.floor(random() * (ceiling + 1));
  return Math.min(maxMs, minMs + jitter);
}
