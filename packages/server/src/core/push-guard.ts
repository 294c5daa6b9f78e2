import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';
import type { PushFetch } from './push-delivery.ts';

/**
 * A push endpoint is a URL a signed-in user gives and the server then POSTs to, so without a
 * guard any account could make the server send requests into its own network (SSRF): to
 * loopback services, a cloud metadata address, the database. Pushes therefore go only to public
 * unicast addresses, unless the operator allows private ones (`pushInsecureEndpoints`, for a push
 * service on their own network and for tests). Two checks (docs/push.md):
 *
 * - at subscribe time, `endpointProblem`: an `https:` URL whose host is not an IP literal or a
 *   `localhost` name of a non-public address (a clear BAD_REQUEST early; names are not resolved);
 * - at connect time, `guardedFetch`: every address a name resolves to is checked by the very
 *   lookup the socket connects with, so a name that resolves to a private address, at once or
 *   only later (DNS rebinding), never gets a connection.
 */

/** Error code of a push refused because its host is not a public address. */
export const PRIVATE_ADDRESS = 'EPUSHPRIVATEADDRESS';

/**
 * Whether `address` (an IP literal) is a public unicast address. Refused: loopback, private,
 * link-local (cloud metadata), unique-local, carrier-grade NAT, multicast, unspecified, reserved
 * and documentation ranges, and IPv6 forms that carry an IPv4 address (mapped, 6to4, NAT64,
 * Teredo), whose IPv4 part could be any of those. Ranges are `ipaddr.js`'s.
 */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  // `process` turns an IPv4-mapped IPv6 address into its IPv4 address first.
  return ipaddr.process(address).range() === 'unicast';
}

/**
 * Why the server will not push to `endpoint`, or null. `allowPrivate` (the operator's
 * `pushInsecureEndpoints`) also accepts `http:` and private hosts.
 */
export function endpointProblem(endpoint: string, allowPrivate: boolean): string | null {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return 'A push endpoint must be a URL';
  }
  if (url.protocol !== 'https:' && !(allowPrivate && url.protocol === 'http:')) {
    return 'A push endpoint must be an https: URL';
  }
  if (url.username !== '' || url.password !== '') return 'A push endpoint has no user name or password';
  if (allowPrivate) return null;
  const host = hostOf(url);
  if (isIP(host) !== 0 ? !isPublicAddress(host) : host === 'localhost' || host.endsWith('.localhost')) {
    return 'A push endpoint must be on a public address';
  }
  return null;
}

/**
 * The `fetch` of pushes: one request with Node's `http`/`https`, never following redirects. Unless
 * `allowPrivate`, a host that is a non-public IP literal is refused before any connection, and a
 * name is resolved by a lookup that keeps only public addresses (none left: refused), so the
 * socket can only connect to an address that was checked. A refusal rejects with an error whose
 * `code` is {@link PRIVATE_ADDRESS}. The answer's body is read and dropped, at most 64 KiB of it.
 */
export function guardedFetch(allowPrivate: boolean): PushFetch {
  return (endpoint, init) =>
    new Promise((resolve, reject) => {
      const url = new URL(endpoint);
      const transport = url.protocol === 'https:' ? https : url.protocol === 'http:' ? http : null;
      if (transport === null) {
        reject(new Error(`Unsupported protocol ${url.protocol}`));
        return;
      }
      const host = hostOf(url);
      if (!allowPrivate && isIP(host) !== 0 && !isPublicAddress(host)) {
        reject(privateAddress());
        return;
      }
      if (init.signal.aborted) {
        reject(init.signal.reason);
        return;
      }
      const request = transport.request(url, {
        method: init.method,
        headers: { ...init.headers, 'content-length': String(init.body.byteLength) },
        ...(allowPrivate ? {} : { lookup: publicLookup }),
      });
      const abort = () => request.destroy(init.signal.reason);
      init.signal.addEventListener('abort', abort, { once: true });
      request.on('error', (error) => {
        init.signal.removeEventListener('abort', abort);
        reject(error);
      });
      request.on('response', (response) => {
        init.signal.removeEventListener('abort', abort);
        let read = 0;
        response.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read > 65_536) response.destroy();
        });
        response.on('error', () => {});
        resolve({ status: response.statusCode ?? 0, body: null });
      });
      request.end(init.body);
    });
}

/** `dns.lookup`, keeping only public addresses; none left is a refusal. */
const publicLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
    if (error) {
      callback(error, '', 0);
      return;
    }
    const allowed = addresses.filter((a) => isPublicAddress(a.address));
    const first = allowed[0];
    if (first === undefined) callback(privateAddress(), '', 0);
    else if (options.all) callback(null, allowed);
    else callback(null, first.address, first.family);
  });
};

function privateAddress(): NodeJS.ErrnoException {
  const error: NodeJS.ErrnoException = new Error('The push endpoint is not on a public address');
  error.code = PRIVATE_ADDRESS;
  return error;
}

/** The URL's host without IPv6 brackets or a trailing dot, lower case. */
function hostOf(url: URL): string {
  return url.hostname
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '')
    .toLowerCase();
}
