import type { Duplex } from 'node:stream';
import {
  CinderError,
  CLOSE_CODES,
  type CloseCode,
  decodeUtf8,
  type ErrorCode,
  type HelloFrame,
  PROTOCOL_VERSION,
  parseClientFrame,
  type RequestFrame,
  readableRid,
  type ServerFrame,
} from '@cinder/protocol';
import type { RawData, WebSocket } from 'ws';
import type { Accounts, DeviceIdentity } from '../core/accounts.ts';
import type { BurnEngine } from '../core/burn-engine.ts';
import type { Hub, HubMember } from '../core/hub.ts';
import type { Metrics } from '../core/metrics.ts';
import { DeviceSync, type SyncTransport } from '../core/sync.ts';
import { type Logger, safeError } from '../logger.ts';
import type { Storage } from '../storage/storage.ts';
import type { TurnScheduler } from '../turn.ts';
import { CUT_OVER_TOTAL_BYTES, type OutputBudget } from './output-budget.ts';

/** What a connection needs from the server. */
export interface ConnectionDeps {
  accounts: Accounts;
  engine: BurnEngine;
  storage: Storage;
  hub: Hub;
  metrics: Metrics;
  logger: Logger;
  now: () => number;
  maxFrameBytes: number;
  helloTimeoutMs: number;
  /** The server's turn ends: writes are gathered until the end of the commit's turn. */
  turn: TurnScheduler;
  /** Bytes queued for clients, against the per-connection and server-wide caps. */
  output: OutputBudget;
  /** Called once the device's hello was accepted, with the connection's TCP socket. */
  onWelcomed?: (socket: Duplex) => void;
  /** Called once when the socket has closed (the gateway forgets the connection). */
  onClosed?: (connection: Connection) => void;
}

/** The connection a socket belongs to, for the listeners shared by every socket. */
const OWNER = Symbol('cinder.connection');
type OwnedSocket = WebSocket & { [OWNER]: Connection };

function onSocketMessage(this: WebSocket, data: RawData, isBinary: boolean): void {
  const connection = (this as OwnedSocket)[OWNER];
  try {
    connection.socketMessage(data, isBinary);
  } catch (error) {
    connection.crashed(error);
  }
}

function onSocketPong(this: WebSocket): void {
  (this as OwnedSocket)[OWNER].alive = true;
}

function onSocketError(this: WebSocket, error: Error): void {
  (this as OwnedSocket)[OWNER].socketError(error);
}

function onSocketClose(this: WebSocket): void {
  const connection = (this as OwnedSocket)[OWNER];
  try {
    connection.socketClosed();
  } catch (error) {
    connection.crashed(error);
  }
}

/**
 * With this many bytes queued for the client, the connection stops reading its requests and the
 * sync pauses, until the socket drains: a client that does not read cannot make the server
 * produce more for it.
 */
const HIGH_WATER_BYTES = 1024 * 1024;
/** Frames this big are written at once instead of waiting for the end of the turn. */
const UNCORK_BYTES = 16 * 1024;
/**
 * Requests of one connection handled at once; later ones wait (unread, in the socket) until one
 * finishes. Bounds the replies that can land after the high-water mark stopped reading.
 */
const MAX_IN_FLIGHT = 32;
/** Frames read but not handled yet (one socket read's worth while reading is paused). */
const MAX_INBOX = 4096;
/** A slow reader's close frame waits behind what it did not read; cut the socket after this. */
const SLOW_READER_GRACE_MS = 2000;

function byteLengthOf(data: RawData): number {
  if (Array.isArray(data)) return data.reduce((n, b) => n + b.length, 0);
  return data instanceof ArrayBuffer ? data.byteLength : data.length;
}

function bytesOf(data: RawData): Buffer {
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.isBuffer(data) ? data : Buffer.from(data as ArrayBuffer);
}

/**
 * The frame's text. ws has checked that a text frame is UTF-8 (or closed with 1007); a binary
 * frame is decoded strictly here: null when it is not UTF-8 (replacing bytes with U+FFFD would
 * change the message silently).
 */
function textOf(data: RawData, isBinary: boolean): string | null {
  const bytes = bytesOf(data);
  return isBinary ? decodeUtf8(bytes) : bytes.toString('utf8');
}

/** The `rid` of a frame we refuse to process, when it can be read; never anything else from it. */
function ridOf(data: RawData): string | null {
  try {
    return readableRid(JSON.parse(bytesOf(data).toString('utf8')));
  } catch {
    return null; // not JSON: no rid
  }
}

/**
 * One WebSocket: the frame edge (size check, `parseClientFrame`, typed errors), the hello
 * handshake, request dispatch and the device's sync. Code behind it only sees parsed frames.
 * Nothing a client sends can throw out of here.
 */
export class Connection implements HubMember, SyncTransport {
  readonly #ws: WebSocket;
  readonly #deps: ConnectionDeps;
  #state: 'hello' | 'authenticating' | 'ready' | 'closed' = 'hello';
  #identity: DeviceIdentity | null = null;
  #sync: DeviceSync | null = null;
  /**
   * Frames read but not handled yet, in order: those that arrived while the hello was checked,
   * over the in-flight cap or while the output is over the high-water mark. Reading is paused
   * while it is not empty.
   */
  #inbox: string[] | null = null;
  #inFlight = 0;
  #helloTimer: NodeJS.Timeout | null;
  /** Over the high-water mark: reading and the sync wait for the socket's `drain`. */
  #overHighWater = false;
  #readingPaused = false;
  /** What this connection last added to `output.queued`. */
  #counted = 0;
  /** The socket closed: nothing of it is counted any more. */
  #released = false;
  /** The TCP socket under the WebSocket, corked while frames of this turn are gathered. */
  readonly #socket: Duplex;
  #corked = false;
  /** Set by the gateway's heartbeat; cleared by each pong. */
  alive = true;

  /**
   * @param socket the upgraded TCP socket under `ws`: frames sent in one event-loop turn are
   *   written to it together (one syscall instead of one per frame).
   */
  constructor(ws: WebSocket, deps: ConnectionDeps, socket: Duplex) {
    this.#ws = ws;
    this.#deps = deps;
    this.#socket = socket;
    deps.metrics.connections++;
    this.#helloTimer = setTimeout(() => {
      if (this.#state === 'hello' || this.#state === 'authenticating') {
        this.close(CLOSE_CODES.HELLO_TIMEOUT, 'No hello in time');
      }
    }, deps.helloTimeoutMs);
    // Listeners shared by all sockets (found through OWNER) rather than closures per socket:
    // an idle connection's heap is what the 10 KB per device budget is made of.
    (ws as OwnedSocket)[OWNER] = this;
    ws.on('message', onSocketMessage);
    ws.on('pong', onSocketPong);
    ws.on('error', onSocketError);
    ws.on('close', onSocketClose);
  }

  /** Socket listener (see OWNER): a frame arrived. */
  socketMessage(data: RawData, isBinary: boolean): void {
    this.#onMessage(data, isBinary);
  }

  /** Socket listener: 1009 (over the hard cap) and protocol errors; ws closes the socket itself. */
  socketError(error: Error): void {
    this.#deps.logger.debug({ err: safeError(error) }, 'websocket error');
  }

  /** Socket listener: the socket closed. */
  socketClosed(): void {
    this.#onClose();
  }

  /**
   * Handling a frame threw (a bug): the frame's socket is closed (1011), the process lives on.
   * Every entry point (socket listeners, request and hello handlers) ends here on a throw.
   */
  crashed(error: unknown): void {
    try {
      this.#deps.logger.error({ err: safeError(error), deviceId: this.deviceId }, 'frame handling failed');
      this.close(CLOSE_CODES.SERVER_ERROR, 'Server error');
    } catch {
      this.#ws.terminate();
    }
  }

  get userId(): string {
    return this.#identity?.userId ?? '';
  }

  get deviceId(): string {
    return this.#identity?.deviceId ?? '';
  }

  /** Hub: the user's log grew. */
  wake(): void {
    this.#sync?.wake();
  }

  /** Hub: this device was signed out. */
  revoke(): void {
    this.close(CLOSE_CODES.UNAUTHORIZED, 'Device signed out');
  }

  // The device's sync writes through these (SyncTransport). Methods rather than an object of
  // arrow functions: run through tsx, each named arrow gets a \`name\` property of its own, and
  // three per idle connection cost 0.8 KB of heap (measured with a heap snapshot).

  /** Sync: a frame for this device. */
  send(frame: ServerFrame): void {
    this.#send(frame);
  }

  /** Sync: false while the socket's buffer is full (the sync waits for `resume`). */
  writable(): boolean {
    return !this.#overHighWater && this.#ws.bufferedAmount < HIGH_WATER_BYTES;
  }

  /** Sync: storage failed; the device reconnects and syncs again. */
  fail(): void {
    this.close(CLOSE_CODES.SERVER_ERROR, 'Server error');
  }

  /** Ping for the heartbeat. */
  ping(): void {
    this.alive = false;
    try {
      this.#ws.ping();
    } catch {
      // the socket is closing
    }
  }

  terminate(): void {
    this.#ws.terminate();
  }

  close(code: CloseCode, reason: string): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#sync?.close();
    try {
      this.#ws.close(code, reason);
      // Read again, so the client's close frame completes the handshake (later frames are ignored).
      this.#resumeReading();
    } catch {
      this.#ws.terminate();
    }
  }

  /** Resolves once the socket is closed. */
  closed(): Promise<void> {
    if (this.#ws.readyState === this.#ws.CLOSED) return Promise.resolve();
    return new Promise((resolve) => this.#ws.once('close', () => resolve()));
  }

  #onMessage(data: RawData, isBinary: boolean): void {
    if (this.#state === 'closed') return;
    this.#deps.metrics.framesIn++;
    if (byteLengthOf(data) > this.#deps.maxFrameBytes) {
      this.#sendError(
        ridOf(data),
        new CinderError('PAYLOAD_TOO_LARGE', `Frames are limited to ${this.#deps.maxFrameBytes} bytes`),
      );
      return;
    }
    const text = textOf(data, isBinary);
    if (text === null) {
      this.#sendError(ridOf(data), new CinderError('BAD_REQUEST', 'The frame is not valid UTF-8'));
      return;
    }
    if (this.#inbox === null && this.#canHandle()) this.#handle(text);
    else this.#hold(text);
  }

  /** Whether a frame may be handled now rather than wait in the inbox. */
  #canHandle(): boolean {
    if (this.#state === 'hello') return true;
    return this.#state === 'ready' && !this.#overHighWater && this.#inFlight < MAX_IN_FLIGHT;
  }

  /** Keep a frame for later and stop reading more until the inbox empties. */
  #hold(text: string): void {
    this.#inbox ??= [];
    if (this.#inbox.length >= MAX_INBOX) {
      this.close(CLOSE_CODES.POLICY, 'Too many frames unanswered');
      return;
    }
    this.#inbox.push(text);
    this.#pauseReading();
  }

  /** Handle held frames while allowed; read the socket again once none are left. */
  #pump(): void {
    const inbox = this.#inbox;
    if (inbox !== null) {
      let next = 0;
      while (next < inbox.length && this.#state !== 'closed' && this.#canHandle()) {
        this.#handle(inbox[next++] as string);
      }
      inbox.splice(0, next);
      if (inbox.length > 0 || this.#inbox !== inbox) return;
      this.#inbox = null;
    }
    if (!this.#overHighWater && this.#state !== 'authenticating') this.#resumeReading();
  }

  #pauseReading(): void {
    if (this.#readingPaused) return;
    this.#readingPaused = true;
    this.#ws.pause();
  }

  #resumeReading(): void {
    if (!this.#readingPaused) return;
    this.#readingPaused = false;
    this.#ws.resume();
  }

  /** One frame; a throw closes this socket only. */
  #handle(text: string): void {
    try {
      this.#dispatch(text);
    } catch (error) {
      this.crashed(error);
    }
  }

  #dispatch(text: string): void {
    const parsed = parseClientFrame(text);
    if (!parsed.ok) {
      this.#sendError(parsed.rid, parsed.error);
      return;
    }
    const frame = parsed.value;
    if (frame.type === 'hello') {
      if (this.#state !== 'hello')
        this.#sendError(null, new CinderError('BAD_REQUEST', 'Already said hello'));
      else this.#hello(frame).catch((error: unknown) => this.crashed(error));
      return;
    }
    if (this.#state !== 'ready' || !this.#identity) {
      this.#sendError(frame.rid, new CinderError('UNAUTHORIZED', 'Send hello first'));
      return;
    }
    void this.#request(this.#identity, frame);
  }

  /**
   * The hello could not be checked (storage or bus unavailable): the device is fine, ask it to
   * come back (1013). Only an unknown or signed-out token means 4001.
   */
  #tryAgainLater(error: unknown, step: string): void {
    this.#deps.logger.warn(
      { err: safeError(error), step },
      'hello could not be checked; client told to retry',
    );
    if (this.#isClosed()) return;
    this.#sendError(null, new CinderError('UNAVAILABLE', 'The server cannot check this device right now'));
    this.close(CLOSE_CODES.TRY_AGAIN_LATER, 'Try again later');
  }

  async #hello(frame: HelloFrame): Promise<void> {
    if (frame.protocol !== PROTOCOL_VERSION) {
      this.#sendError(
        null,
        new CinderError('UNSUPPORTED_PROTOCOL', `This server speaks protocol ${PROTOCOL_VERSION}`),
      );
      this.close(CLOSE_CODES.UNSUPPORTED_PROTOCOL, 'Unsupported protocol');
      return;
    }
    this.#state = 'authenticating';
    let identity: DeviceIdentity;
    try {
      identity = await this.#deps.accounts.authenticate(frame.token);
    } catch (error) {
      const err = CinderError.from(error);
      if (err.code !== 'UNAUTHORIZED') {
        this.#tryAgainLater(error, 'token');
        return;
      }
      if (this.#isClosed()) return;
      this.#sendError(null, err);
      this.close(CLOSE_CODES.UNAUTHORIZED, 'Unauthorized');
      return;
    }
    if (this.#isClosed()) return;
    if (this.#helloTimer) clearTimeout(this.#helloTimer);
    this.#helloTimer = null;
    this.#identity = identity;
    this.#state = 'ready';
    this.#deps.onWelcomed?.(this.#socket);
    this.#send({
      type: 'welcome',
      protocol: PROTOCOL_VERSION,
      user: { id: identity.userId, username: identity.username },
      device: { id: identity.deviceId, name: identity.deviceName },
      serverTime: this.#deps.now(),
    });
    const sync = new DeviceSync({
      storage: this.#deps.storage,
      userId: identity.userId,
      deviceId: identity.deviceId,
      logger: this.#deps.logger,
      transport: this,
    });
    this.#sync = sync;
    this.#deps.logger.debug({ deviceId: identity.deviceId, cursor: frame.cursor }, 'device connected');
    try {
      await this.#deps.hub.join(this);
    } catch (error) {
      this.#tryAgainLater(error, 'hub');
      return;
    }
    if (this.#isClosed()) {
      this.#deps.hub.leave(this);
      return;
    }
    // A sign-out between the token check and joining the hub sent its 4001 to nobody: check again.
    // A check that fails says nothing about the token: the device retries, it is not signed out.
    let signedIn: boolean;
    try {
      signedIn = await this.#deps.accounts.isSignedIn(frame.token);
    } catch (error) {
      this.#tryAgainLater(error, 'recheck');
      return;
    }
    if (this.#isClosed()) return;
    if (!signedIn) {
      this.revoke();
      return;
    }
    this.#pump();
    await sync.start(frame.cursor);
  }

  /** One request, counted in flight until answered. Never rejects: a throw closes this socket. */
  async #request(who: DeviceIdentity, frame: RequestFrame): Promise<void> {
    this.#inFlight++;
    try {
      await this.#answer(who, frame);
    } catch (error) {
      this.crashed(error);
    } finally {
      this.#inFlight--;
      if (this.#inbox !== null) this.#pump();
    }
  }

  async #answer(who: DeviceIdentity, frame: RequestFrame): Promise<void> {
    const { engine } = this.#deps;
    try {
      let result: unknown;
      switch (frame.type) {
        case 'send':
          result = await engine.send(who, frame);
          break;
        case 'open':
          result = await engine.open(who, frame.id);
          break;
        case 'read':
          result = await engine.read(who, frame.id);
          break;
        case 'delivered':
          result = await engine.delivered(who, frame.ids);
          break;
        case 'revoke':
          result = await engine.revoke(who, frame.id);
          break;
        case 'ack':
          result = await engine.ack(who, frame.cursor);
          break;
        case 'ping':
          result = { serverTime: this.#deps.now() };
          break;
      }
      this.#send({ type: 'reply', rid: frame.rid, result });
    } catch (error) {
      const err = CinderError.from(error);
      if (err.code === 'INTERNAL') {
        this.#deps.logger.error({ err: safeError(error), type: frame.type }, 'request failed');
      } else {
        this.#deps.logger.debug(
          { code: err.code, type: frame.type, deviceId: who.deviceId },
          'request refused',
        );
      }
      this.#sendError(frame.rid, err);
    }
  }

  #sendError(rid: string | null, error: CinderError): void {
    this.#deps.metrics.frameErrors++;
    const code: ErrorCode = error.code;
    this.#send({ type: 'error', rid, code, message: error.message });
  }

  #send(frame: ServerFrame): void {
    const ws = this.#ws;
    if (ws.readyState !== ws.OPEN) return;
    const data = JSON.stringify(frame);
    // What is really queued: ws's own queue and the socket's buffer (corked writes included).
    const queued = ws.bufferedAmount;
    const output = this.#deps.output;
    if (queued + data.length > output.perConnection) {
      this.#slowReader(queued, 'connection');
      return;
    }
    if (output.queued + data.length > output.total && queued >= CUT_OVER_TOTAL_BYTES) {
      this.#slowReader(queued, 'server');
      return;
    }
    this.#cork();
    ws.send(data);
    // A big frame (a backlog or resync page) is worth a write of its own right away, so the
    // client starts reading while the next page is prepared.
    if (data.length >= UNCORK_BYTES) this.#uncork();
    const now = this.#account();
    if (now >= HIGH_WATER_BYTES && !this.#overHighWater) {
      // The socket's `drain` (its buffer empty) ends this; it is due, as the buffer is over the
      // socket's own high-water mark. Until then no request is read and the sync waits.
      this.#overHighWater = true;
      this.#pauseReading();
      this.#socket.once('drain', () => this.#drained());
    }
  }

  /** Bring this connection's share of `output.queued` up to date; returns its queue now. */
  #account(): number {
    const queued = this.#released ? 0 : this.#ws.bufferedAmount;
    // Counted only from the socket's own high-water mark: a queue that big ends with a `drain`
    // (which uncounts it); a smaller one may shrink unseen, and must not stay counted.
    const counted = queued >= this.#socket.writableHighWaterMark ? queued : 0;
    this.#deps.output.queued += counted - this.#counted;
    this.#counted = counted;
    return queued;
  }

  /** The socket wrote out everything: the client reads, so it is alive; read and sync again. */
  #drained(): void {
    try {
      this.#overHighWater = false;
      this.alive = true;
      this.#account();
      if (this.#state === 'closed') return;
      this.#sync?.resume();
      this.#pump();
    } catch (error) {
      this.crashed(error);
    }
  }

  /**
   * The client lets more pile up than the caps allow: close it (4004). The close frame waits
   * behind what it did not read, so the socket is cut after a grace period, or at once when the
   * whole server is over its cap.
   */
  #slowReader(queued: number, cap: 'connection' | 'server'): void {
    this.#deps.logger.warn({ deviceId: this.deviceId, queued, cap }, 'client not reading; disconnecting it');
    const ws = this.#ws;
    if (cap === 'server') {
      this.#state = 'closed';
      ws.terminate();
      return;
    }
    this.close(CLOSE_CODES.SLOW_READER, 'Not reading');
    setTimeout(() => ws.terminate(), SLOW_READER_GRACE_MS).unref();
  }

  /**
   * Hold this turn's frames and write them at once at the end of the turn (turn.ts): a reply
   * and the events its commit woke leave in one write, in the check phase of the commit. Corks
   * nest, so ws's own cork per frame still works inside.
   */
  #cork(): void {
    if (this.#corked) return;
    this.#corked = true;
    this.#socket.cork();
    this.#deps.turn.atTurnEnd('write', () => this.#uncork());
  }

  #uncork(): void {
    if (!this.#corked) return;
    this.#corked = false;
    this.#socket.uncork();
  }

  /** A method, not a field read, so the compiler does not narrow the state across awaits. */
  #isClosed(): boolean {
    return this.#state === 'closed';
  }

  #onClose(): void {
    this.#state = 'closed';
    if (this.#helloTimer) clearTimeout(this.#helloTimer);
    this.#helloTimer = null;
    this.#sync?.close();
    if (this.#identity) this.#deps.hub.leave(this);
    this.#inbox = null;
    this.#released = true;
    this.#deps.output.queued -= this.#counted;
    this.#counted = 0;
    this.#deps.metrics.connections--;
    this.#deps.onClosed?.(this);
  }
}
