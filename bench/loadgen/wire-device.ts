import type { Socket } from 'node:net';
import {
  type ErrorFrame,
  type Event,
  type HelloFrame,
  type MessageView,
  PROTOCOL_VERSION,
  parseServerFrame,
  type ReplyFrame,
  type RequestFrame,
  type ServerFrame,
  WS_PATH,
} from '@cinder/protocol';
import WebSocket from 'ws';
import type { Correctness, DeviceCreds } from '../lib/jobs.ts';

/** The answer to one request: its `reply` or its `error`. */
export type Answer = ReplyFrame | ErrorFrame;

/** A request frame without its `rid`, which the device assigns. */
export type RequestBody = RequestFrame extends infer F
  ? F extends RequestFrame
    ? Omit<F, 'rid'>
    : never
  : never;

/**
 * Decides which inbound frames are validated with `parseServerFrame`. Shared by every device of a
 * load generator, so "one in N" holds over the whole stream, not per socket.
 */
export class FrameCheck {
  private seen = 0;

  /**
   * @param every validate one frame in this many; 1 validates all.
   * @param tally where validation counts and failures are added.
   */
  constructor(
    private every: number,
    public tally: Correctness,
  ) {}

  /** Start counting into a new tally, e.g. for the next job on the same sockets. */
  reset(every: number, tally: Correctness): void {
    this.every = every;
    this.tally = tally;
    this.seen = 0;
  }

  /** Parse one inbound frame, validating it when its turn comes. */
  parse(text: string): ServerFrame {
    if (this.every > 0 && ++this.seen % this.every === 0) {
      this.tally.framesValidated++;
      const parsed = parseServerFrame(text);
      if (parsed.ok) return parsed.value;
      this.tally.invalidFrames++;
    }
    // Unvalidated frames are trusted to have the shape the protocol types describe; the sampled
    // ones above are the check that they do.
    return JSON.parse(text) as ServerFrame;
  }
}

/** Options of `WireDevice.connect`. */
export interface ConnectOptions {
  /** Server base URL (http://…). */
  url: string;
  creds: DeviceCreds;
  /** Last event seq the device stored; null for a device that never synced (full resync). */
  cursor: number | null;
  check: FrameCheck;
  /** Source address of the socket (127.0.0.x), to spread sockets over more source ports. */
  localAddress?: string;
  /** Offer permessage-deflate like browsers do. @default false */
  offerDeflate?: boolean;
  /** Give up connecting after this long. @default 30000 */
  timeoutMs?: number;
}

/** What the server sent while the device synced after `hello`. */
export interface SyncLog {
  /** Events of the backlog, in order. */
  events: Event[];
  /** Messages listed by `resync` frames (cursor null or too old). */
  resync: MessageView[];
  /** Time from opening the socket to handling `synced`, ms. */
  syncMs: number;
}

/**
 * One authenticated device speaking the wire protocol directly: `hello`, requests matched to
 * replies by `rid`, and `events` handed to `onEvents`. Deliberately thinner than the SDK (no store,
 * no outbox) so that one load generator process can drive thousands of devices.
 */
export class WireDevice {
  /** Called with each live `events` frame's events, after `synced`. */
  onEvents: (events: Event[]) => void = () => {};
  /** Called with each `error` frame that answers no request. */
  onStrayError: (frame: ErrorFrame) => void = () => {};
  /** Last cursor the server sent. */
  cursor: number | null;
  /** Frames and bytes received since connecting. */
  frames = 0;
  bytes = 0;
  /** `Sec-WebSocket-Extensions` the server accepted. */
  extensions = '';

  private nextRid = 0;
  private corked = false;
  private acks: { everyMs: number; onError: (frame: ErrorFrame) => void } | undefined;
  private ackTimer: NodeJS.Timeout | undefined;
  private acked: number | null = null;
  private readonly pending = new Map<string, (answer: Answer) => void>();
  private closed: Promise<void>;

  private constructor(
    readonly username: string,
    private readonly ws: WebSocket,
    private readonly check: FrameCheck,
    cursor: number | null,
  ) {
    this.cursor = cursor;
    this.closed = new Promise((resolve) => ws.once('close', () => resolve()));
  }

  /** Open a socket, say `hello`, and resolve once the server says `synced`. */
  static connect(options: ConnectOptions): Promise<{ device: WireDevice; sync: SyncLog }> {
    const started = performance.now();
    const wsUrl = `${options.url.replace(/^http/, 'ws')}${WS_PATH}`;
    const ws = new WebSocket(wsUrl, {
      perMessageDeflate: options.offerDeflate === true ? {} : false,
      // The server's frames are validated above by zod (sampled); UTF-8 checks here would only
      // add load-generator CPU to every measurement.
      skipUTF8Validation: true,
      ...(options.localAddress ? { localAddress: options.localAddress } : {}),
    });
    const device = new WireDevice(options.creds.username, ws, options.check, options.cursor);
    const sync: SyncLog = { events: [], resync: [], syncMs: 0 };
    return new Promise((resolve, reject) => {
      let syncing = true;
      const timer = setTimeout(() => fail(new Error('connect timed out')), options.timeoutMs ?? 30_000);
      const fail = (error: Error): void => {
        if (!syncing) return;
        syncing = false;
        clearTimeout(timer);
        ws.terminate();
        reject(error);
      };
      ws.once('upgrade', (res) => {
        device.extensions = String(res.headers['sec-websocket-extensions'] ?? '');
      });
      ws.once('open', () => {
        const hello: HelloFrame = {
          type: 'hello',
          protocol: PROTOCOL_VERSION,
          token: options.creds.token,
          cursor: options.cursor,
        };
        ws.send(JSON.stringify(hello));
      });
      ws.on('error', (error) => fail(error));
      ws.once('close', (code) => fail(new Error(`closed with ${code} before synced`)));
      ws.on('message', (data: Buffer) => {
        const frame = device.receive(data);
        if (!syncing || frame === undefined) return;
        switch (frame.type) {
          case 'welcome':
            return;
          case 'resync':
            for (const message of frame.messages) sync.resync.push(message);
            return;
          case 'events':
            for (const event of frame.events) sync.events.push(event);
            return;
          case 'synced':
            syncing = false;
            clearTimeout(timer);
            device.cursor = frame.cursor;
            sync.syncMs = performance.now() - started;
            resolve({ device, sync });
            return;
          case 'error':
            fail(new Error(`hello refused: ${frame.code}`));
            return;
          case 'reply':
            return;
        }
      });
    });
  }

  /** Send a request; `onAnswer` gets its reply or error. */
  request(body: RequestBody, onAnswer: (answer: Answer) => void): void {
    const rid = (this.nextRid++).toString(36);
    this.pending.set(rid, onAnswer);
    this.cork();
    this.ws.send(JSON.stringify({ ...body, rid }));
  }

  /**
   * Hold this socket's writes until the current tick's work is done, so that the requests one
   * inbound frame triggers leave in one syscall. Without it the load generator spends a third of
   * its time in `writev` and cannot keep up with a fast server on two cores.
   */
  private cork(): void {
    if (this.corked) return;
    // ws exposes no cork of its own; the TCP socket underneath is where writes are coalesced.
    const socket = (this.ws as unknown as { _socket?: Socket })._socket;
    if (socket === undefined) return;
    this.corked = true;
    socket.cork();
    process.nextTick(() => {
      this.corked = false;
      socket.uncork();
    });
  }

  /**
   * Acknowledge the cursor at most once per `everyMs` after events arrive, as the SDK does (it
   * debounces acks by 200 ms); `onError` hears of refused acks. 0 stops acknowledging.
   */
  ackEvery(everyMs: number, onError: (frame: ErrorFrame) => void): void {
    this.acks = everyMs > 0 ? { everyMs, onError } : undefined;
  }

  private scheduleAck(): void {
    if (this.acks === undefined || this.ackTimer !== undefined) return;
    this.ackTimer = setTimeout(() => {
      this.ackTimer = undefined;
      const acks = this.acks;
      if (acks === undefined || this.cursor === null || this.cursor === this.acked) return;
      if (this.ws.readyState !== WebSocket.OPEN) return;
      this.acked = this.cursor;
      this.request({ type: 'ack', cursor: this.cursor }, (answer) => {
        if (answer.type === 'error') acks.onError(answer);
      });
    }, this.acks.everyMs);
  }

  /** Requests still waiting for an answer. */
  get inFlight(): number {
    return this.pending.size;
  }

  /** Close the socket and wait until it is closed. */
  async close(): Promise<void> {
    this.acks = undefined;
    if (this.ackTimer) clearTimeout(this.ackTimer);
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) {
      this.ws.close(1000);
    }
    const timer = setTimeout(() => this.ws.terminate(), 2_000);
    await this.closed;
    clearTimeout(timer);
  }

  /** Handle one inbound frame; returns it for the connect state machine. */
  private receive(data: Buffer): ServerFrame | undefined {
    this.frames++;
    this.bytes += data.length;
    const frame = this.check.parse(data.toString());
    switch (frame.type) {
      case 'reply':
      case 'error': {
        const waiter = frame.rid === null ? undefined : this.pending.get(frame.rid);
        if (waiter) {
          this.pending.delete(frame.rid as string);
          waiter(frame);
        } else if (frame.type === 'error') {
          this.onStrayError(frame);
        }
        return frame;
      }
      case 'events':
        this.cursor = frame.cursor;
        this.onEvents(frame.events);
        this.scheduleAck();
        return frame;
      default:
        return frame;
    }
  }
}
