import type { Duplex } from 'node:stream';
import {
  CinderError,
  CLOSE_CODES,
  type CloseCode,
  type ErrorCode,
  type HelloFrame,
  PROTOCOL_VERSION,
  parseClientFrame,
  type RequestFrame,
} from '@cinder/protocol';
import type { RawData, WebSocket } from 'ws';
import type { Accounts, DeviceIdentity } from '../core/accounts.ts';
import type { BurnEngine } from '../core/burn-engine.ts';
import type { Hub, HubMember } from '../core/hub.ts';
import type { Metrics } from '../core/metrics.ts';
import { DeviceSync, type SyncTransport } from '../core/sync.ts';
import { safeError } from '../logger.ts';
import type { Storage } from '../storage/storage.ts';
import { FrameSocket, type FrameSocketDeps } from './frame-socket.ts';
import { byteLengthOf, ridOf, textOf } from './raw-data.ts';
import { handleRequest } from './request-handlers.ts';

/** What a connection needs from the server. */
export interface ConnectionDeps extends FrameSocketDeps {
  accounts: Accounts;
  engine: BurnEngine;
  storage: Storage;
  hub: Hub;
  metrics: Metrics;
  now: () => number;
  maxFrameBytes: number;
  helloTimeoutMs: number;
  /** Called once the device's hello was accepted, with the connection's TCP socket. */
  onWelcomed?: (socket: Duplex) => void;
  /** Called once when the socket has closed (the gateway forgets the connection). */
  onClosed?: (connection: Connection) => void;
}

/**
 * Requests of one connection handled at once; later ones wait (unread, in the socket) until one
 * finishes. Bounds the replies that can land after the high-water mark stopped reading.
 */
const MAX_IN_FLIGHT = 32;
/** Frames read but not handled yet (one socket read's worth while reading is paused). */
const MAX_INBOX = 4096;

/**
 * One WebSocket: the frame edge (size check, `parseClientFrame`, typed errors), the hello
 * handshake, request dispatch (`request-handlers.ts`) and the device's sync; the socket layer
 * under it (output caps, backpressure, heartbeat) is `FrameSocket`. Code behind it only sees
 * parsed frames. Nothing a client sends can throw out of here.
 */
export class Connection extends FrameSocket<ConnectionDeps> implements HubMember, SyncTransport {
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

  /**
   * @param socket the upgraded TCP socket under `ws`: frames sent in one event-loop turn are
   *   written to it together (one syscall instead of one per frame).
   */
  constructor(ws: WebSocket, deps: ConnectionDeps, socket: Duplex) {
    super(ws, deps, socket);
    deps.metrics.connectionOpened();
    this.#helloTimer = setTimeout(() => {
      if (this.#state === 'hello' || this.#state === 'authenticating') {
        this.close(CLOSE_CODES.HELLO_TIMEOUT, 'No hello in time');
      }
    }, deps.helloTimeoutMs);
  }

  override socketMessage(data: RawData, isBinary: boolean): void {
    this.#onMessage(data, isBinary);
  }

  override socketClosed(): void {
    this.#onClose();
  }

  override crashed(error: unknown): void {
    try {
      this.deps.logger.error({ err: safeError(error), deviceId: this.deviceId }, 'frame handling failed');
      this.close(CLOSE_CODES.SERVER_ERROR, 'Server error');
    } catch {
      this.ws.terminate();
    }
  }

  get userId(): string {
    return this.#identity?.userId ?? '';
  }

  override get deviceId(): string {
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

  // The device's sync writes through `send`, `writable` and `fail` (SyncTransport). Methods
  // rather than an object of arrow functions: run through tsx, each named arrow gets a `name`
  // property of its own, and three per idle connection cost 0.8 KB of heap (measured with a heap
  // snapshot).

  /** Sync: storage failed; the device reconnects and syncs again. */
  fail(): void {
    this.close(CLOSE_CODES.SERVER_ERROR, 'Server error');
  }

  override close(code: CloseCode, reason: string): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#sync?.close();
    try {
      this.ws.close(code, reason);
      // Read again, so the client's close frame completes the handshake (later frames are ignored).
      this.resumeReading();
    } catch {
      this.ws.terminate();
    }
  }

  /** Resolves once the socket is closed. */
  closed(): Promise<void> {
    if (this.ws.readyState === this.ws.CLOSED) return Promise.resolve();
    return new Promise((resolve) => this.ws.once('close', () => resolve()));
  }

  protected override drained(): void {
    if (this.#state === 'closed') return;
    this.#sync?.resume();
    this.#pump();
  }

  protected override cut(): void {
    this.#state = 'closed';
    this.ws.terminate();
  }

  #onMessage(data: RawData, isBinary: boolean): void {
    if (this.#state === 'closed') return;
    this.deps.metrics.frameReceived();
    if (byteLengthOf(data) > this.deps.maxFrameBytes) {
      this.#sendError(
        ridOf(data),
        new CinderError('PAYLOAD_TOO_LARGE', `Frames are limited to ${this.deps.maxFrameBytes} bytes`),
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
    return this.#state === 'ready' && !this.overHighWater && this.#inFlight < MAX_IN_FLIGHT;
  }

  /** Keep a frame for later and stop reading more until the inbox empties. */
  #hold(text: string): void {
    this.#inbox ??= [];
    if (this.#inbox.length >= MAX_INBOX) {
      this.close(CLOSE_CODES.POLICY, 'Too many frames unanswered');
      return;
    }
    this.#inbox.push(text);
    this.pauseReading();
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
    if (!this.overHighWater && this.#state !== 'authenticating') this.resumeReading();
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
    this.deps.logger.warn(
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
      identity = await this.deps.accounts.authenticate(frame.token);
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
    this.deps.onWelcomed?.(this.socket);
    this.send({
      type: 'welcome',
      protocol: PROTOCOL_VERSION,
      user: { id: identity.userId, username: identity.username },
      device: { id: identity.deviceId, name: identity.deviceName },
      serverTime: this.deps.now(),
      recallWindowMs: this.deps.engine.recallWindowMs,
    });
    const sync = new DeviceSync({
      storage: this.deps.storage,
      userId: identity.userId,
      deviceId: identity.deviceId,
      logger: this.deps.logger,
      transport: this,
    });
    this.#sync = sync;
    this.deps.logger.debug({ deviceId: identity.deviceId, cursor: frame.cursor }, 'device connected');
    try {
      await this.deps.hub.join(this);
    } catch (error) {
      this.#tryAgainLater(error, 'hub');
      return;
    }
    if (this.#isClosed()) {
      this.deps.hub.leave(this);
      return;
    }
    // A sign-out between the token check and joining the hub sent its 4001 to nobody: check again.
    // A check that fails says nothing about the token: the device retries, it is not signed out.
    let signedIn: boolean;
    try {
      signedIn = await this.deps.accounts.isSignedIn(frame.token);
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
    const started = performance.now();
    try {
      const answer = handleRequest(frame.type, frame, this.deps, who);
      // A result at hand is replied to in this turn; awaiting it would put the reply behind
      // those of requests refused before their first await.
      const result = answer instanceof Promise ? await answer : answer;
      this.send({ type: 'reply', rid: frame.rid, result });
    } catch (error) {
      const err = CinderError.from(error);
      if (err.code === 'INTERNAL') {
        this.deps.logger.error({ err: safeError(error), type: frame.type }, 'request failed');
      } else {
        this.deps.logger.debug(
          { code: err.code, type: frame.type, deviceId: who.deviceId },
          'request refused',
        );
      }
      this.#sendError(frame.rid, err);
    }
    this.deps.metrics.request(frame.type, (performance.now() - started) / 1000);
  }

  #sendError(rid: string | null, error: CinderError): void {
    const code: ErrorCode = error.code;
    this.deps.metrics.error(code, 'ws');
    this.send({ type: 'error', rid, code, message: error.message });
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
    if (this.#identity) this.deps.hub.leave(this);
    this.#inbox = null;
    this.release();
    this.deps.metrics.connectionClosed();
    this.deps.onClosed?.(this);
  }
}
