import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CinderServer, type ServerOptions, startServer } from '@cinder/server';
import { WebSocket } from 'ws';
import { CinderClient, type CinderClientOptions, type ClientEvents, MemoryStore } from '../src/index.ts';

/** A real server on 127.0.0.1, port 0, with its own data directory. */
export interface TestServer {
  url: string;
  server: CinderServer;
  dataDir: string;
  close(): Promise<void>;
}

export async function testServer(options: Partial<ServerOptions> = {}): Promise<TestServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'cinder-sdk-'));
  const server = await startServer({ port: 0, host: '127.0.0.1', dataDir, logLevel: 'silent', ...options });
  return {
    url: server.url,
    server,
    dataDir,
    async close() {
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Poll until `check` returns something truthy, or fail after `ms`. */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  what: string,
  ms = 10_000,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Whether a promise is still pending after the current macrotask. */
export async function isPending(promise: Promise<unknown>): Promise<boolean> {
  const marker = Symbol('pending');
  const winner = await Promise.race([
    promise.then(
      () => 'settled',
      () => 'settled',
    ),
    new Promise((resolve) => setTimeout(() => resolve(marker), 0)),
  ]);
  return winner === marker;
}

type RawData = Parameters<Parameters<WebSocket['on']>[1]>[0];

/**
 * The network between one client and the server, under the test's control: a `ws` subclass
 * that the client uses as its WebSocket. It can cut live sockets, refuse new ones (offline),
 * drop an inbound frame and the socket with it (a reply lost on the way), and records outbound
 * frames. Client and server are the real ones; only the wire misbehaves.
 */
export interface Network {
  WebSocket: typeof WebSocket;
  /** Sockets opened so far (attempts, including refused ones). */
  attempts: number[];
  /** Outbound frames, parsed. */
  sent: Array<{ type: string; [key: string]: unknown }>;
  /** Types of the inbound frames, in order. */
  received: string[];
  /** Close codes of the sockets, in the order they closed. */
  closes: number[];
  offline: boolean;
  /** Inbound frames vanish (the socket stays open): a server that stopped answering. */
  blackhole: boolean;
  /** When it returns true for an inbound frame, the frame is lost and the socket killed. */
  dropWhen: ((frame: { type: string; [key: string]: unknown }) => boolean) | null;
  /** Kill every open socket (no close handshake), like a pulled cable. */
  cut(): void;
}

/** A port nothing listens on: connecting to it is refused at once. */
const REFUSED_URL = 'ws://127.0.0.1:1/v1/ws';

export function network(): Network {
  const sockets = new Set<WebSocket>();
  const net: Network = {
    WebSocket: WebSocket,
    attempts: [],
    sent: [],
    received: [],
    closes: [],
    offline: false,
    blackhole: false,
    dropWhen: null,
    cut() {
      for (const socket of sockets) socket.terminate();
    },
  };
  class NetWebSocket extends WebSocket {
    constructor(url: string) {
      super(net.offline ? REFUSED_URL : url);
      net.attempts.push(Date.now());
      sockets.add(this);
      this.on('close', (code: number) => {
        sockets.delete(this);
        net.closes.push(code);
      });
    }

    override send(data: unknown, ...rest: unknown[]): void {
      net.sent.push(JSON.parse(String(data)));
      (super.send as (...args: unknown[]) => void)(data, ...rest);
    }

    override emit(event: string | symbol, ...args: unknown[]): boolean {
      if (event === 'message') {
        const frame = JSON.parse(String(args[0] as RawData));
        if (net.blackhole) return false;
        net.received.push(String(frame.type));
        if (net.dropWhen?.(frame)) {
          net.dropWhen = null;
          this.terminate();
          return false;
        }
      }
      return super.emit(event, ...args);
    }
  }
  net.WebSocket = NetWebSocket as typeof WebSocket;
  return net;
}

/** A client plus everything it emitted, for assertions. */
export interface Device {
  client: CinderClient;
  net: Network;
  events: { [K in keyof ClientEvents]: Array<ClientEvents[K][0]> };
}

let userCount = 0;
/** A username no other test uses. */
export function uniqueName(prefix: string): string {
  return `${prefix}${++userCount}${Math.random().toString(36).slice(2, 6)}`;
}

/** A client on its own network, recording its events. Closed by `closeAll`. */
export function device(url: string, options: Partial<CinderClientOptions> = {}, opened?: Device[]): Device {
  const net = network();
  const client = new CinderClient({
    url,
    store: new MemoryStore(),
    WebSocket: net.WebSocket as never,
    maxReconnectDelayMs: 300,
    ...options,
  });
  const events: Device['events'] = { message: [], receipt: [], burned: [], state: [], error: [] };
  client.on('message', (m) => events.message.push(m));
  client.on('receipt', (r) => events.receipt.push(r));
  client.on('burned', (b) => events.burned.push(b));
  client.on('state', (s) => events.state.push(s));
  client.on('error', (e) => events.error.push(e));
  const d = { client, net, events };
  opened?.push(d);
  return d;
}

export const PASSWORD = 'a-long-password';
