import {
  CinderError,
  CLOSE_CODES,
  type CloseCode,
  type EventsFrame,
  type HelloFrame,
  parseServerFrame,
  RESULT_SCHEMAS,
  type RequestFrame,
  type RequestType,
  type ResultOf,
  type ResyncFrame,
  type SyncedFrame,
  type WelcomeFrame,
} from '@cinder/protocol';
import { backoff } from './backoff.ts';
import type { WebSocketConstructor, WebSocketLike } from './environment.ts';

/** Frames that drive sync; everything else (replies, errors) is handled here. */
export type SyncFrame = WelcomeFrame | EventsFrame | ResyncFrame | SyncedFrame;

/** Socket-level state; the client adds `idle` and `closed` on top. */
export type ConnectionStatus = 'connecting' | 'reconnecting' | 'connected' | 'unauthorized' | 'closed';

/** A request frame without its `rid`: the connection numbers requests itself. */
export type RequestBody<T extends RequestType> = Omit<Extract<RequestFrame, { type: T }>, 'rid'>;

export interface ConnectionOptions {
  /** `ws(s)://…/v1/ws`. */
  url: string;
  webSocket: () => Promise<WebSocketConstructor>;
  /** Builds the hello of a fresh socket; called once it is open. */
  hello: () => Promise<HelloFrame>;
  /** Sync frames in arrival order, tagged with the socket they came on (see `setReady`). */
  onFrame: (frame: SyncFrame, socketId: number) => void;
  /** Status changes. A final status (`unauthorized`, or `closed` after a refused protocol) comes with its error. */
  onStatus: (status: ConnectionStatus, error?: CinderError) => void;
  /** Background problems: invalid frames, unsolicited server errors. */
  onError: (error: CinderError) => void;
  maxReconnectDelayMs: number;
  requestTimeoutMs: number;
}

interface Pending {
  body: RequestBody<RequestType>;
  resolve: (result: unknown) => void;
  reject: (error: CinderError) => void;
  timer: ReturnType<typeof setTimeout> | undefined;
  /** Sent again after a reconnect instead of failing with DISCONNECTED (idempotent sends). */
  retry: boolean;
  rid: string | null;
}

/** Floor of the reconnect delay (lowered to the cap when the cap is smaller). */
const MIN_RECONNECT_DELAY_MS = 250;
/** How often an idle connection proves it is alive (browsers cannot send WebSocket pings). */
const HEARTBEAT_MS = 25_000;

const decoder = new TextDecoder();

function frameText(data: unknown): string | null {
  if (typeof data === 'string') return data;
  if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) {
    return decoder.decode(data as ArrayBuffer | ArrayBufferView);
  }
  return null;
}

/**
 * One logical connection to the gateway over successive sockets: opens a socket, says hello,
 * hands sync frames to the client, matches replies to requests by rid, times requests out, and
 * reconnects with full-jitter backoff until stopped or told the device is gone (close 4001).
 *
 * Requests wait until the client calls `setReady` (sync done), so nothing is sent on a device
 * that has not yet applied its backlog.
 */
export class Connection {
  readonly #options: ConnectionOptions;
  #running = false;
  #socket: WebSocketLike | null = null;
  /** Increments per socket; frames and `setReady` calls from an older socket are ignored. */
  #socketId = 0;
  #ready = false;
  #attempt = 0;
  #status: ConnectionStatus | null = null;
  #reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  #heartbeat: ReturnType<typeof setInterval> | null = null;
  /** Until ready, a socket that goes silent this long is given up (a server stuck mid-sync). */
  #syncWatchdog: ReturnType<typeof setTimeout> | null = null;
  /** The server refused this socket's hello; its close, whatever the code, is final. */
  #refused: CinderError | null = null;
  #ridSeq = 0;
  #waiting: Pending[] = [];
  readonly #inflight = new Map<string, Pending>();

  constructor(options: ConnectionOptions) {
    this.#options = options;
  }

  /** Whether sync is done on the current socket and requests go out immediately. */
  get ready(): boolean {
    return this.#ready;
  }

  /** Start connecting (no-op while running). */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#attempt = 0;
    this.#setStatus('connecting');
    void this.#open();
  }

  /** Close the socket and stop reconnecting. Every pending request fails with DISCONNECTED. */
  stop(): void {
    this.#running = false;
    this.#status = null;
    if (this.#reconnectTimer) clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = null;
    this.#detach(CLOSE_CODES.NORMAL);
    this.#rejectAll(new CinderError('DISCONNECTED', 'The client was closed'));
  }

  /** Give up on the current socket and reconnect (after backoff), e.g. when applying its frames failed. */
  reconnect(): void {
    if (this.#running && this.#socket) this.#drop();
  }

  /** The client applied `synced` from socket `socketId`: requests may flow. */
  setReady(socketId: number): void {
    if (socketId !== this.#socketId || !this.#socket) return;
    this.#ready = true;
    this.#attempt = 0;
    this.#setStatus('connected');
    this.#startHeartbeat();
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const pending of waiting) this.#transmit(pending);
  }

  /**
   * Send a request and resolve with its validated result. While not ready it waits; `timeoutMs`
   * covers the wait and the reply (TIMEOUT). If the socket drops after the frame went out it
   * fails with DISCONNECTED, unless `retry` is set: then it is sent again on the next socket.
   */
  request<T extends RequestType>(
    body: { type: T } & RequestBody<T>,
    options: { timeoutMs: number; retry?: boolean },
  ): Promise<ResultOf<T>> {
    return new Promise<ResultOf<T>>((resolve, reject) => {
      if (!this.#running) {
        reject(new CinderError('DISCONNECTED', 'Not connected'));
        return;
      }
      const pending: Pending = {
        body: body as RequestBody<RequestType>,
        resolve: resolve as (result: unknown) => void,
        reject,
        timer: undefined,
        retry: options.retry ?? false,
        rid: null,
      };
      pending.timer = setTimeout(() => this.#timeout(pending), options.timeoutMs);
      this.#transmit(pending);
    });
  }

  async #open(): Promise<void> {
    const socketId = ++this.#socketId;
    let socket: WebSocketLike;
    try {
      const WebSocketImpl = await this.#options.webSocket();
      if (!this.#running || socketId !== this.#socketId) return;
      socket = new WebSocketImpl(this.#options.url);
    } catch (error) {
      this.#options.onError(new CinderError('UNAVAILABLE', 'Cannot open a WebSocket', { cause: error }));
      if (this.#running && socketId === this.#socketId) this.#scheduleReconnect();
      return;
    }
    this.#socket = socket;
    socket.onopen = (() => void this.#hello(socket, socketId)) as () => void;
    socket.onmessage = ((event: { data: unknown }) => {
      if (this.#socket === socket) this.#receive(event.data, socketId);
    }) as () => void;
    socket.onclose = ((event: { code?: number }) => {
      if (this.#socket === socket) this.#closed(event.code ?? 1006);
    }) as () => void;
    // A close event always follows an error; `ws` also needs a listener so errors are not thrown.
    socket.onerror = () => {};
  }

  async #hello(socket: WebSocketLike, socketId: number): Promise<void> {
    this.#watchSync();
    try {
      const hello = await this.#options.hello();
      if (this.#socket === socket && socketId === this.#socketId) socket.send(JSON.stringify(hello));
    } catch (error) {
      this.#options.onError(CinderError.from(error));
      if (this.#socket === socket) this.#drop();
    }
  }

  #receive(data: unknown, socketId: number): void {
    const text = frameText(data);
    const parsed = text === null ? null : parseServerFrame(text);
    if (!parsed?.ok) {
      const why = parsed ? parsed.error.message : 'binary frame';
      this.#options.onError(
        new CinderError('BAD_REQUEST', `Dropped an invalid frame from the server (${why})`),
      );
      return;
    }
    const frame = parsed.value;
    // Until `synced` arrives the server owes frames; after it, a slow local apply is no stall.
    if (frame.type === 'synced') this.#stopWatchdog();
    else if (!this.#ready) this.#watchSync();
    switch (frame.type) {
      case 'reply':
        this.#settle(frame.rid, frame.result);
        return;
      case 'error': {
        const error = new CinderError(frame.code, frame.message);
        if (frame.rid !== null) this.#fail(frame.rid, error);
        // A refused hello is followed by its close (4001, 4002), handled in #closed.
        else if (error.code === 'UNAUTHORIZED' || error.code === 'UNSUPPORTED_PROTOCOL')
          this.#refused = error;
        else this.#options.onError(error);
        return;
      }
      case 'welcome':
      case 'events':
      case 'resync':
      case 'synced':
        this.#options.onFrame(frame, socketId);
        return;
    }
  }

  #settle(rid: string, result: unknown): void {
    const pending = this.#inflight.get(rid);
    if (!pending) return;
    this.#inflight.delete(rid);
    clearTimeout(pending.timer);
    const schema = RESULT_SCHEMAS[pending.body.type] as {
      safeParse(value: unknown): { success: true; data: unknown } | { success: false };
    };
    const parsed = schema.safeParse(result);
    if (parsed.success) {
      pending.resolve(parsed.data);
      return;
    }
    const error = new CinderError('INTERNAL', `Invalid ${pending.body.type} reply from the server`);
    this.#options.onError(error);
    pending.reject(error);
  }

  #fail(rid: string, error: CinderError): void {
    const pending = this.#inflight.get(rid);
    if (!pending) return;
    this.#inflight.delete(rid);
    clearTimeout(pending.timer);
    pending.reject(error);
  }

  #timeout(pending: Pending): void {
    if (pending.rid !== null) this.#inflight.delete(pending.rid);
    this.#waiting = this.#waiting.filter((p) => p !== pending);
    pending.reject(new CinderError('TIMEOUT', `No ${pending.body.type} reply in time`));
  }

  #transmit(pending: Pending): void {
    const socket = this.#socket;
    if (!socket || !this.#ready) {
      this.#waiting.push(pending);
      return;
    }
    const rid = String(++this.#ridSeq);
    pending.rid = rid;
    this.#inflight.set(rid, pending);
    try {
      socket.send(JSON.stringify({ ...pending.body, rid }));
    } catch {
      // The socket is closing: its close event requeues or fails this request.
    }
  }

  #closed(code: number): void {
    this.#socket = null;
    this.#ready = false;
    this.#stopHeartbeat();
    const refused = this.#refused;
    this.#refused = null;
    const error =
      code === CLOSE_CODES.UNAUTHORIZED || refused?.code === 'UNAUTHORIZED'
        ? new CinderError('UNAUTHORIZED', 'This device was signed out')
        : code === CLOSE_CODES.UNSUPPORTED_PROTOCOL || refused?.code === 'UNSUPPORTED_PROTOCOL'
          ? new CinderError('UNSUPPORTED_PROTOCOL')
          : null;
    // Only those two are final. Every other close (1013: the server could not check the device
    // right now; 4004: this client fell behind reading; 1001, 1006, 1011) reconnects with
    // backoff and leaves the store alone.
    if (error) {
      this.#running = false;
      this.#rejectAll(error);
      this.#setStatus(error.code === 'UNAUTHORIZED' ? 'unauthorized' : 'closed', error);
      return;
    }
    // Replies to requests already sent are lost with the socket. Idempotent ones go out again
    // first, in their original order; the others (open!) fail: their outcome is unknown.
    const again: Pending[] = [];
    for (const pending of this.#inflight.values()) {
      pending.rid = null;
      if (pending.retry) again.push(pending);
      else {
        clearTimeout(pending.timer);
        pending.reject(new CinderError('DISCONNECTED'));
      }
    }
    this.#inflight.clear();
    this.#waiting.unshift(...again);
    if (this.#running) this.#scheduleReconnect();
  }

  #scheduleReconnect(): void {
    const max = this.#options.maxReconnectDelayMs;
    const delay = backoff(this.#attempt++, Math.min(MIN_RECONNECT_DELAY_MS, max), max);
    this.#setStatus('reconnecting');
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = null;
      if (this.#running) void this.#open();
    }, delay);
  }

  /** Give up on the current socket now (it may be dead without a close event) and reconnect. */
  #drop(): void {
    this.#detach(CLOSE_CODES.CLIENT_GAVE_UP);
    this.#closed(CLOSE_CODES.ABNORMAL);
  }

  /** Close the current socket and stop listening to it. */
  #detach(code: CloseCode): void {
    const socket = this.#socket;
    this.#socket = null;
    this.#ready = false;
    this.#stopHeartbeat();
    if (!socket) return;
    socket.onopen = null;
    socket.onmessage = null;
    socket.onclose = null;
    try {
      socket.close(code);
    } catch {
      // Already closed.
    }
  }

  #rejectAll(error: CinderError): void {
    const all = [...this.#inflight.values(), ...this.#waiting];
    this.#inflight.clear();
    this.#waiting = [];
    for (const pending of all) {
      clearTimeout(pending.timer);
      pending.reject(error);
    }
  }

  #startHeartbeat(): void {
    this.#stopHeartbeat();
    const socket = this.#socket;
    this.#heartbeat = setInterval(() => {
      this.request({ type: 'ping' }, { timeoutMs: Math.min(this.#options.requestTimeoutMs, 10_000) }).catch(
        (error: unknown) => {
          if (error instanceof CinderError && error.code === 'TIMEOUT' && this.#socket === socket)
            this.#drop();
        },
      );
    }, HEARTBEAT_MS);
  }

  #stopHeartbeat(): void {
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    this.#heartbeat = null;
    this.#stopWatchdog();
  }

  #stopWatchdog(): void {
    if (this.#syncWatchdog) clearTimeout(this.#syncWatchdog);
    this.#syncWatchdog = null;
  }

  /** (Re)arm the sync watchdog: every frame before `synced` proves progress. */
  #watchSync(): void {
    this.#stopWatchdog();
    const socket = this.#socket;
    this.#syncWatchdog = setTimeout(() => {
      this.#syncWatchdog = null;
      if (this.#socket === socket && !this.#ready) {
        this.#options.onError(new CinderError('TIMEOUT', 'The server stopped answering during sync'));
        this.#drop();
      }
    }, this.#options.requestTimeoutMs);
  }

  #setStatus(status: ConnectionStatus, error?: CinderError): void {
    if (status === this.#status) return;
    this.#status = status;
    this.#options.onStatus(status, error);
  }
}
