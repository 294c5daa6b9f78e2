import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CinderClient, MemoryStore, type WebSocketConstructor } from '@cinder/sdk';
import { type CinderServer, type ServerOptions, startServer } from '@cinder/server';
import { WebSocket } from 'ws';
import { type ChildServer, spawnServer } from '../../packages/server/test/child-server.ts';

/** A random 32-byte marker, hex: the plaintext tests search for. */
export function marker(): string {
  return randomBytes(32).toString('hex');
}

/**
 * How long one wait for a condition may take before the test fails. Generous on purpose: on a
 * machine with a load average of 20 a step can take seconds, and a wait returns as soon as its
 * condition holds.
 */
export const WAIT_MS = 30_000;

/** Poll `check` until it returns truthy or `ms` pass; returns the last value. */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  ms = WAIT_MS,
  what = 'condition',
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
  return new Promise((r) => setTimeout(r, ms));
}

/** Every raw frame a client received, as text: proves what crossed the wire. */
export interface Recorder {
  frames: string[];
  WebSocket: WebSocketConstructor;
}

/** A `ws` WebSocket subclass that records every inbound frame before the SDK sees it. */
export function recorder(): Recorder {
  const frames: string[] = [];
  class RecordingWebSocket extends WebSocket {
    constructor(...args: ConstructorParameters<typeof WebSocket>) {
      super(...args);
      this.on('message', (data) => frames.push(data.toString()));
    }
  }
  return { frames, WebSocket: RecordingWebSocket as unknown as WebSocketConstructor };
}

export interface TestClient {
  client: CinderClient;
  store: MemoryStore;
  rec: Recorder;
  messages: Array<{ id: string; text?: string | undefined; [k: string]: unknown }>;
  receipts: Array<{ messageId: string; type: string; by: string }>;
  burned: Array<{ messageId: string; reason: string; at: number; conversation: string }>;
}

/** A server on port 0 with its own data dir, and helpers to make SDK clients against it. */
export class Harness {
  readonly clients: CinderClient[] = [];
  private constructor(
    readonly server: CinderServer,
    readonly dataDir: string,
  ) {}

  static async start(options: Partial<ServerOptions> = {}): Promise<Harness> {
    const dataDir = await mkdtemp(join(tmpdir(), 'cinder-acc-'));
    const server = await startServer({ port: 0, host: '127.0.0.1', dataDir, logLevel: 'silent', ...options });
    return new Harness(server, dataDir);
  }

  get url(): string {
    return this.server.url;
  }

  /** A client with a recording socket and event logs. Not yet signed in. */
  client(store = new MemoryStore()): TestClient {
    const rec = recorder();
    const client = new CinderClient({ url: this.url, store, WebSocket: rec.WebSocket });
    this.clients.push(client);
    const t: TestClient = { client, store, rec, messages: [], receipts: [], burned: [] };
    client.on('message', (m) => t.messages.push(m as TestClient['messages'][number]));
    client.on('receipt', (r) => t.receipts.push(r));
    client.on('burned', (b) => t.burned.push(b));
    return t;
  }

  /** Register `username` on a fresh client. */
  async user(username: string, password = `${username}-long-password`): Promise<TestClient> {
    const t = this.client();
    await t.client.register(username, password);
    return t;
  }

  /** Another device of an existing account, logged in on a fresh client. */
  async device(username: string, password = `${username}-long-password`): Promise<TestClient> {
    const t = this.client();
    await t.client.login(username, password);
    return t;
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.clients.map((c) => c.close()));
    await this.server.close();
    await rm(this.dataDir, { recursive: true, force: true });
  }
}

/** The real server as a child process (`npm start`'s entry point), for restart and crash tests. */
export class ServerProcess {
  private running: ChildServer | null = null;
  url = '';
  port = 0;

  constructor(
    readonly dataDir: string,
    readonly extraArgs: string[] = [],
  ) {}

  async start(port = this.port): Promise<void> {
    this.running = await spawnServer([
      '--port',
      String(port),
      '--host',
      '127.0.0.1',
      '--data-dir',
      this.dataDir,
      ...this.extraArgs,
    ]);
    this.url = this.running.url;
    this.port = this.running.port;
  }

  /** Stop with a signal and wait for the exit code. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    const running = this.running;
    if (!running) return null;
    this.running = null;
    if (running.child.exitCode === null && running.child.signalCode === null) running.child.kill(signal);
    return (await running.exited).code;
  }
}
