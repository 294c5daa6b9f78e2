import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from '../logger.ts';
import { addressKey } from './client-address.ts';

/** Options of `ConnectionGuard`. */
export interface ConnectionGuardOptions {
  /** Open TCP connections (HTTP and WebSocket) at once; over it the oldest silent one goes. */
  maxConnections: number;
  /** Open connections from one address (an IPv6 /64); 0 = no cap. */
  maxPerAddress: number;
  logger: Logger;
}

/** How long a refused connection may linger for its answer to be read. */
const REFUSAL_LINGER_MS = 2000;
/** One warning per address (or for the server-wide cap) per this interval. */
const WARN_EVERY_MS = 60_000;

/** File descriptors kept for everything but client connections (database, WAL, logs, refusals). */
function spareDescriptors(limit: number): number {
  return Math.max(64, Math.ceil(limit * 0.05));
}

/** The process's open-file limit (soft), or null where it cannot be read (non-Linux). */
export function openFileLimit(): number | null {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const soft = line?.split(/\s{2,}/)[1];
    const n = Number(soft);
    return Number.isSafeInteger(n) && n > 0 ? n : null;
  } catch {
    return null;
  }
}

/** Default of `maxConnections`: the open-file limit less 5% (at least 64) kept for the rest. */
export function defaultMaxConnections(): number {
  const limit = openFileLimit();
  return limit === null ? 0 : Math.max(16, limit - spareDescriptors(limit));
}

/** Set on a refused socket: it is not counted for its address. */
const REFUSED = Symbol('cinder.refused');
/** Set on a socket closed to make room, until it is gone. */
const LEAVING = Symbol('cinder.leaving');
// Marks only on the rare sockets: a property on every socket would cost idle memory.
type Tracked = Socket & { [REFUSED]?: true; [LEAVING]?: true };

/** The key a socket is counted under; `remoteAddress` stays readable after close (node caches it). */
function keyOf(socket: Socket): string {
  return addressKey(socket.remoteAddress ?? '');
}

type Refusal = '429 Too Many Requests' | '503 Service Unavailable';

function refuse(socket: Socket, status: Refusal, why: string): void {
  const body = `${why}\n`;
  socket.on('error', () => socket.destroy());
  // Reading (and dropping) what the client sends lets the close be a FIN, not a reset that
  // could destroy the answer before the client reads it.
  socket.resume();
  socket.end(
    `HTTP/1.1 ${status}\r\nConnection: close\r\nRetry-After: 5\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
  );
  socket.setTimeout(REFUSAL_LINGER_MS, () => socket.destroy());
}

/**
 * Connection caps in front of the HTTP server, before any byte is read:
 * - per address (`maxPerAddress`): the next connection from an address at its cap is answered
 *   429 and closed, so one host cannot take every file descriptor;
 * - for the server (`maxConnections`, below the open-file limit): at the cap the oldest
 *   connection that has not yet said anything (no request, no WebSocket hello) is closed to make
 *   room; when every connection has spoken, the new one is answered 503. Either way a client
 *   gets an answer instead of the kernel's accept-and-close at the file limit.
 * Silent connections are closed by the HTTP server's timeouts and the gateway's hello timeout.
 */
export class ConnectionGuard {
  readonly #options: ConnectionGuardOptions;
  readonly #perAddress = new Map<string, number>();
  /** Connections that have not spoken yet, oldest first. */
  readonly #silent = new Set<Socket>();
  #open = 0;
  /** Sockets destroyed to make room whose `close` has not come yet. */
  #leaving = 0;
  readonly #warned = new Map<string, number>();
  /** One close listener for every socket (no closure per connection: idle memory). */
  readonly #onClose: (this: Socket) => void;

  constructor(options: ConnectionGuardOptions) {
    this.#options = options;
    const guard = this;
    this.#onClose = function (this: Socket) {
      guard.#release(this as Tracked);
    };
  }

  /** Open connections now. */
  get size(): number {
    return this.#open;
  }

  /** Run the HTTP server's own connection handling only for connections within the caps. */
  attach(server: Server): void {
    const handlers = server.listeners('connection') as Array<(socket: Socket) => void>;
    server.removeAllListeners('connection');
    server.on('connection', (socket: Socket) => {
      if (!this.#admit(socket)) return;
      for (const handle of handlers) handle.call(server, socket);
    });
    server.on('request', (request: { socket: Socket }) => this.spoke(request.socket));
  }

  /** The connection sent a request or a WebSocket hello: it is no longer closed to make room. */
  spoke(socket: unknown): void {
    this.#silent.delete(socket as Socket);
  }

  #admit(socket: Socket): boolean {
    const { maxConnections, maxPerAddress } = this.#options;
    // Every socket holds a descriptor until it closes, refused ones too.
    this.#open++;
    socket.on('close', this.#onClose);
    const key = keyOf(socket);
    const fromAddress = this.#perAddress.get(key) ?? 0;
    if (maxPerAddress > 0 && fromAddress >= maxPerAddress) {
      this.#warn(key, { address: key, open: fromAddress }, 'connections per address at the cap; refusing');
      (socket as Tracked)[REFUSED] = true;
      refuse(socket, '429 Too Many Requests', 'Too many connections from your address');
      return false;
    }
    // Sockets closed to make room but not gone yet still count: close one only for each over.
    if (maxConnections > 0 && this.#open - this.#leaving > maxConnections) {
      const oldest: Socket | undefined = this.#silent.values().next().value;
      if (oldest === undefined) {
        this.#warn('', { open: this.#open }, 'connections at the server cap; refusing');
        (socket as Tracked)[REFUSED] = true;
        refuse(socket, '503 Service Unavailable', 'The server is at its connection limit; try again');
        return false;
      }
      this.#silent.delete(oldest);
      (oldest as Tracked)[LEAVING] = true;
      this.#leaving++;
      oldest.destroy();
    }
    this.#perAddress.set(key, fromAddress + 1);
    this.#silent.add(socket);
    return true;
  }

  #release(socket: Tracked): void {
    this.#open--;
    if (socket[LEAVING]) this.#leaving--;
    this.#silent.delete(socket);
    if (socket[REFUSED]) return; // never counted for its address
    const key = keyOf(socket);
    const left = (this.#perAddress.get(key) ?? 1) - 1;
    if (left > 0) this.#perAddress.set(key, left);
    else this.#perAddress.delete(key);
  }

  #warn(key: string, fields: Record<string, unknown>, msg: string): void {
    const now = Date.now();
    if (now - (this.#warned.get(key) ?? 0) < WARN_EVERY_MS) return;
    this.#warned.set(key, now);
    if (this.#warned.size > 10_000) this.#warned.clear();
    this.#options.logger.warn(fields, msg);
  }
}
