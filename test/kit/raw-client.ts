import {
  type Envelope,
  type Event,
  type KeysResult,
  type OpenResult,
  PROTOCOL_VERSION,
  parseServerFrame,
  type ServerFrame,
  WS_PATH,
} from '@cinder/protocol';
import { openEnvelope, sealEnvelope } from '@cinder/sdk';
import WebSocket from 'ws';
import type { KeyedSession } from './accounts.ts';
import { WAIT_MS, WaitTimeout } from './wait.ts';

type ReplyOrError = Extract<ServerFrame, { type: 'reply' | 'error' }>;

/** How long a frame wait may take, or that and where to look from. */
export type FrameWait =
  | number
  | {
      /** @default WAIT_MS (30 s) */
      timeout?: number;
      /** Only frames at this index of `frames` or later: a later socket's, a later answer. @default 0 */
      from?: number;
      /** What is awaited, for the error on timeout. @default 'a frame' */
      what?: string;
    };

/**
 * A device speaking the wire protocol by hand over one WebSocket: for frames the SDK never sends
 * (duplicates, bad input, a socket cut mid-request) and for asserting on the bytes themselves.
 * Every inbound frame is kept as received (`raw`) and validated with `parseServerFrame`; an
 * invalid one lands in `invalid` (tests assert it stays empty). Released with `await using`.
 */
export class RawClient implements AsyncDisposable {
  readonly ws: WebSocket;
  /** Every valid inbound frame, in order. */
  readonly frames: ServerFrame[] = [];
  /** Every inbound frame's text, exactly as received. */
  readonly raw: string[] = [];
  /** Why each invalid inbound frame failed validation. */
  readonly invalid: string[] = [];
  /** Resolves with the close code and reason once the socket closed, whoever closed it. */
  readonly closed: Promise<{ code: number; reason: string }>;
  #waiters = new Set<() => void>();
  #rid = 0;

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on('message', (data) => {
      const text = String(data);
      this.raw.push(text);
      const parsed = parseServerFrame(text);
      if (parsed.ok) this.frames.push(parsed.value);
      else this.invalid.push(parsed.error.message);
      this.#wake();
    });
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        resolve({ code, reason: String(reason) });
        this.#wake();
      });
    });
  }

  /** Open a socket to the server at `url` (its http base URL) without saying hello. */
  static async open(url: string): Promise<RawClient> {
    const ws = new WebSocket(url.replace(/^http/, 'ws') + WS_PATH, { perMessageDeflate: false });
    const client = new RawClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return client;
  }

  /** Open, say hello with `token` (resuming from `cursor`) and wait for `synced`. */
  static async connect(url: string, token: string, cursor: number | null = null): Promise<RawClient> {
    const client = await RawClient.open(url);
    client.send({ type: 'hello', protocol: PROTOCOL_VERSION, token, cursor });
    await client.waitFor((f) => f.type === 'synced', { what: 'synced after hello' });
    return client;
  }

  /** Send a frame: an object is sent as JSON, a string as it is. */
  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /**
   * Send a request (with a fresh rid unless it has one) and resolve with the reply or error
   * frame that answers it.
   */
  async request(frame: Record<string, unknown>, wait: FrameWait = {}): Promise<ReplyOrError> {
    const rid = typeof frame.rid === 'string' ? frame.rid : `r${++this.#rid}`;
    const from = this.frames.length;
    this.send({ ...frame, rid });
    const options = typeof wait === 'number' ? { timeout: wait } : wait;
    return (await this.waitFor((f) => (f.type === 'reply' || f.type === 'error') && f.rid === rid, {
      what: `the answer to ${String(frame.type)} ${rid}`,
      ...options,
      from,
    })) as ReplyOrError;
  }

  /** Like `request`, but throws unless the answer is a reply; returns its result. */
  async ok<T = Record<string, unknown>>(frame: Record<string, unknown>): Promise<T> {
    const answer = await this.request(frame);
    if (answer.type !== 'reply') throw new Error(`expected a reply, got ${answer.code}: ${answer.message}`);
    return answer.result as T;
  }

  /**
   * The first frame, already received or still to come, that matches. Throws when the socket
   * closes first or the wait times out, listing the frame types it got.
   */
  async waitFor(match: (frame: ServerFrame) => boolean, wait: FrameWait = {}): Promise<ServerFrame> {
    const {
      timeout = WAIT_MS,
      from = 0,
      what = 'a frame',
    } = typeof wait === 'number' ? { timeout: wait } : wait;
    const deadline = Date.now() + timeout;
    for (;;) {
      for (let i = from; i < this.frames.length; i++) {
        const frame = this.frames[i] as ServerFrame;
        if (match(frame)) return frame;
      }
      const got = JSON.stringify(this.frames.slice(from).map((f) => f.type));
      if (this.ws.readyState === WebSocket.CLOSED)
        throw new Error(`socket closed while waiting for ${what}; got ${got}`);
      if (Date.now() > deadline)
        throw new WaitTimeout(`timed out after ${timeout} ms waiting for ${what}; got ${got}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(wake, Math.max(1, deadline - Date.now()));
        const waiters = this.#waiters;
        function wake(): void {
          clearTimeout(timer);
          waiters.delete(wake);
          resolve();
        }
        waiters.add(wake);
      });
    }
  }

  /** Every event received so far, in order. */
  events(): Event[] {
    return this.frames.flatMap((f) => (f.type === 'events' ? f.events : []));
  }

  /** The first event, already received or still to come, that matches. */
  async waitForEvent(match: (event: Event) => boolean, wait: FrameWait = {}): Promise<Event> {
    const options = typeof wait === 'number' ? { timeout: wait } : wait;
    const frame = await this.waitFor((f) => f.type === 'events' && f.events.some(match), {
      what: 'an event',
      ...options,
    });
    return (frame as Extract<ServerFrame, { type: 'events' }>).events.find(match) as Event;
  }

  /**
   * The barrier for "nothing else arrived": round-trip a ping. The server answers a socket's
   * frames in order, after writing what it owed the socket before, so once the reply is here
   * every frame it sent earlier is in `frames`.
   */
  async settle(): Promise<void> {
    await this.request({ type: 'ping' });
  }

  /** Close with a close handshake (code 1000). */
  close(): void {
    this.ws.close();
  }

  /** Cut the socket without a close handshake, like a pulled cable. */
  terminate(): void {
    this.ws.terminate();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }

  #wake(): void {
    for (const wake of [...this.#waiters]) wake();
  }
}

/** A `send` request frame to `to` with a fresh idempotency key; `extra` adds or overrides fields. */
export function sendFrame(
  to: string,
  text: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return { type: 'send', key: `k-${Math.random().toString(36).slice(2)}-${Date.now()}`, to, text, ...extra };
}

/**
 * A burn `send` frame from `from` to `to`, sealed as the SDK seals it: `client` reads `to`'s key
 * directory, and the text (and `ext`) go only into the envelope. `extra` adds or overrides fields
 * (`burn` defaults to `{}`).
 */
export async function sealedSendFrame(
  client: RawClient,
  from: string,
  to: string,
  text: string,
  extra: Record<string, unknown> & { ext?: Record<string, unknown> } = {},
): Promise<Record<string, unknown>> {
  const { ext, ...rest } = extra;
  const directory = await client.ok<KeysResult>({ type: 'keys', username: to });
  const sealed = await sealEnvelope({ from, to, text, ext, devices: directory.devices });
  return {
    type: 'send',
    key: `k-${Math.random().toString(36).slice(2)}-${Date.now()}`,
    to,
    burn: {},
    sealed,
    ...rest,
  };
}

/** Send a sealed burn message (`sealedSendFrame`) and wait for the reply: its id and envelope. */
export async function sealedSend(
  client: RawClient,
  from: string,
  to: string,
  text: string,
  extra: Parameters<typeof sealedSendFrame>[4] = {},
): Promise<{ id: string; envelope: Envelope }> {
  const frame = await sealedSendFrame(client, from, to, text, extra);
  const { id } = await client.ok<{ id: string }>(frame);
  return { id, envelope: frame.sealed as Envelope };
}

/** The text and ext of an open's result, decrypted with the opening device's keys when sealed. */
export async function openedContent(
  result: OpenResult,
  device: Pick<KeyedSession, 'user' | 'device' | 'keys'>,
): Promise<{ text: string; ext: Record<string, unknown> }> {
  if (!result.sealed) return { text: result.text ?? '', ext: result.ext ?? {} };
  return openEnvelope({
    messageId: result.id,
    from: result.from ?? '',
    to: device.user.username,
    deviceId: device.device.id,
    keys: device.keys,
    sealed: result.sealed,
  });
}
