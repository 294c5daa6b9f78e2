import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Event,
  PROTOCOL_VERSION,
  parseServerFrame,
  type ServerFrame,
  type SessionResponse,
  WS_PATH,
} from '@cinder/protocol';
import WebSocket from 'ws';
import { type CinderServer, type ServerOptions, startServer } from '../src/index.ts';

/** A fresh temp directory, removed by the returned function. */
export function tempDir(prefix = 'cinder-server-'): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** A server on 127.0.0.1:0 in a temp data dir, quiet, released with `await using`. */
export async function testServer(
  options: ServerOptions = {},
): Promise<CinderServer & { dataDir: string; [Symbol.asyncDispose](): Promise<void> }> {
  const dir = options.dataDir ? null : tempDir();
  const dataDir = options.dataDir ?? (dir as { path: string }).path;
  const server = await startServer({ port: 0, logLevel: 'silent', ...options, dataDir });
  const dispose = async () => {
    await server.close();
    dir?.remove();
  };
  return {
    url: server.url,
    port: server.port,
    close: server.close,
    dataDir,
    [Symbol.asyncDispose]: dispose,
  };
}

let userCounter = 0;

/** A unique valid username. */
export function username(prefix = 'u'): string {
  userCounter += 1;
  return `${prefix}${process.pid}x${userCounter}`;
}

/** POST JSON; returns status and parsed body. */
export async function postJson(url: string, body: unknown): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** Register a new account and return its session. */
export async function register(
  server: { url: string },
  name = username(),
  password = 'correct horse battery',
): Promise<SessionResponse> {
  const res = await postJson(`${server.url}/v1/accounts`, { username: name, password });
  if (res.status !== 201) throw new Error(`register failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as SessionResponse;
}

/** Log in (a new device). */
export async function login(
  server: { url: string },
  name: string,
  password = 'correct horse battery',
): Promise<SessionResponse> {
  const res = await postJson(`${server.url}/v1/sessions`, { username: name, password });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as SessionResponse;
}

type ReplyOrError = Extract<ServerFrame, { type: 'reply' | 'error' }>;

/**
 * A raw WebSocket client speaking the protocol by hand. Every inbound frame is validated with
 * `parseServerFrame`; an invalid one is recorded in `invalid` (tests assert it stays empty).
 */
export class RawClient {
  readonly ws: WebSocket;
  readonly frames: ServerFrame[] = [];
  /** Every inbound frame's text, exactly as received. */
  readonly raw: string[] = [];
  readonly invalid: string[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  #waiters: Array<() => void> = [];
  #rid = 0;

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on('message', (data) => {
      const text = String(data);
      this.raw.push(text);
      const parsed = parseServerFrame(text);
      if (parsed.ok) this.frames.push(parsed.value);
      else this.invalid.push(parsed.error.message);
      for (const wake of this.#waiters) wake();
    });
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        resolve({ code, reason: String(reason) });
        for (const wake of this.#waiters) wake();
      });
    });
  }

  /** Open a socket (no hello). */
  static async open(url: string): Promise<RawClient> {
    const ws = new WebSocket(url.replace(/^http/, 'ws') + WS_PATH, { perMessageDeflate: false });
    const client = new RawClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return client;
  }

  /** Open, say hello and wait for `synced`. */
  static async connect(url: string, token: string, cursor: number | null = null): Promise<RawClient> {
    const client = await RawClient.open(url);
    client.send({ type: 'hello', protocol: PROTOCOL_VERSION, token, cursor });
    await client.waitFor((f) => f.type === 'synced');
    return client;
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** Send a request with a fresh rid; resolve with its reply or error frame. */
  async request(frame: Record<string, unknown>): Promise<ReplyOrError> {
    this.#rid += 1;
    const rid = `r${this.#rid}`;
    this.send({ ...frame, rid });
    return (await this.waitFor(
      (f) => (f.type === 'reply' || f.type === 'error') && f.rid === rid,
    )) as ReplyOrError;
  }

  /** Like `request`, but throws unless it got a reply; returns the result. */
  async ok<T = Record<string, unknown>>(frame: Record<string, unknown>): Promise<T> {
    const answer = await this.request(frame);
    if (answer.type !== 'reply') throw new Error(`expected a reply, got ${answer.code}: ${answer.message}`);
    return answer.result as T;
  }

  /** The first frame (already received or coming) that matches, within `timeoutMs`. */
  async waitFor(match: (frame: ServerFrame) => boolean, timeoutMs = 5000): Promise<ServerFrame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.frames.find(match);
      if (found) return found;
      if (Date.now() > deadline)
        throw new Error(
          `timed out waiting for a frame; got ${JSON.stringify(this.frames.map((f) => f.type))}`,
        );
      if (this.ws.readyState === WebSocket.CLOSED) throw new Error('socket closed while waiting for a frame');
      let waiter: (() => void) | undefined;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        waiter = () => {
          clearTimeout(timer);
          resolve();
        };
        this.#waiters.push(waiter);
      });
      this.#waiters = this.#waiters.filter((w) => w !== waiter);
    }
  }

  /** Every event received so far, in order. */
  events(): Event[] {
    return this.frames.flatMap((f) => (f.type === 'events' ? f.events : []));
  }

  /** Wait for an event that matches. */
  async waitForEvent(match: (event: Event) => boolean, timeoutMs = 5000): Promise<Event> {
    const frame = await this.waitFor((f) => f.type === 'events' && f.events.some(match), timeoutMs);
    return (frame as Extract<ServerFrame, { type: 'events' }>).events.find(match) as Event;
  }

  /** Round-trip a ping: every frame the server sent before its reply has arrived by then. */
  async settle(): Promise<void> {
    await this.request({ type: 'ping' });
  }

  close(): void {
    this.ws.close();
  }
}

/** A burn-message send frame. */
export function sendFrame(
  to: string,
  text: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return { type: 'send', key: `k-${Math.random().toString(36).slice(2)}-${Date.now()}`, to, text, ...extra };
}

/** Sleep. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Poll `check` (synchronous, or a query such as a fetch) every `everyMs` until it holds: true, or
 * false once `timeoutMs` have passed.
 */
export async function until(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  everyMs = 20,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await sleep(everyMs);
  }
}

/** Status and body of a server's `/healthz`. */
export async function health(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${url}/healthz`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
