import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import type { Context } from 'hono';

/** What rate limits key a client by when no address can be found (e.g. `app.request` in tests). */
const UNKNOWN = 'unknown';

/** Expand an IPv6 address to its eight 16-bit groups, or null if it is not one. */
function ipv6Groups(address: string): number[] | null {
  const [head = '', tail, extra] = address.split('::');
  if (extra !== undefined) return null;
  const parse = (part: string): number[] | null => {
    if (part === '') return [];
    const groups: number[] = [];
    for (const piece of part.split(':')) {
      if (isIP(piece) === 4) {
        const [a = 0, b = 0, c = 0, d = 0] = piece.split('.').map(Number);
        groups.push((a << 8) | b, (c << 8) | d);
      } else if (/^[0-9a-f]{1,4}$/i.test(piece)) groups.push(Number.parseInt(piece, 16));
      else return null;
    }
    return groups;
  };
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  if (!left || !right) return null;
  const missing = 8 - left.length - right.length;
  if (tail === undefined ? missing !== 0 : missing < 1) return null;
  return [...left, ...new Array<number>(tail === undefined ? 0 : missing).fill(0), ...right];
}

/**
 * The key rate limits count a client address under: an IPv4 address as is (also when it comes
 * IPv4-mapped, `::ffff:1.2.3.4`), an IPv6 address as its /64 network, since one subscriber
 * usually holds a whole /64 and could otherwise rotate through 2^64 addresses.
 */
export function addressKey(address: string): string {
  const trimmed = address.trim().replace(/^\[|\]$/g, '');
  const kind = isIP(trimmed);
  if (kind === 4) return trimmed;
  if (kind !== 6) return UNKNOWN;
  const groups = ipv6Groups(trimmed.split('%', 1)[0] ?? '');
  if (!groups) return UNKNOWN;
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    const [hi = 0, lo = 0] = groups.slice(6);
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(':')}::/64`;
}

/** An X-Forwarded-For entry as an address: `1.2.3.4`, `1.2.3.4:5678`, `[::1]:5678` or `::1`. */
function forwardedAddress(entry: string): string | null {
  const value = entry.trim();
  if (isIP(value)) return value;
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(value);
  if (bracketed?.[1] && isIP(bracketed[1]) === 6) return bracketed[1];
  const withPort = /^([\d.]+):\d+$/.exec(value);
  if (withPort?.[1] && isIP(withPort[1]) === 4) return withPort[1];
  return null;
}

/**
 * The client's address as a rate-limit key (see `addressKey`). It is the TCP peer's address,
 * unless `trustProxyHops` > 0 says that many reverse proxies stand in front of the server: then
 * it is the entry of X-Forwarded-For that the outermost trusted proxy appended, i.e. the
 * `trustProxyHops`-th from the right (entries further left were written by the client and
 * could be anything). With fewer entries than hops the leftmost one is used; with an entry
 * that is no address, the peer's address.
 */
export function clientAddress(c: Context, trustProxyHops: number): string {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  const peer = incoming?.socket?.remoteAddress;
  if (trustProxyHops > 0) {
    const header = c.req.header('x-forwarded-for');
    if (header) {
      const entries = header.split(',');
      const entry = entries[Math.max(0, entries.length - trustProxyHops)] ?? '';
      const forwarded = forwardedAddress(entry);
      if (forwarded) return addressKey(forwarded);
    }
  }
  return peer ? addressKey(peer) : UNKNOWN;
}
