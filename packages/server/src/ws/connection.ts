import type { Duplex } from 'node:stream';
import {
  CinderError,
  CLOSE_CODES,
  type ErrorCode,
  type HelloFrame,
  PROTOCOL_VERSION,
  parseClientFrame,
  type RequestFrame,
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
import { atTurnEnd } from '../turn.ts';

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
  /** Called once when the socket has closed (the gateway forgets the connection). */
  onClosed?: (connection: Connection) => void;
}

/** The connection a socket belongs to, for the listeners shared by every socket. */
const OWNER = Symbol('cinder.connection');
type OwnedSocket = WebSocket & { [OWNER]: Connection };

function onSocketMessage(this: WebSocket, data: RawData): void {
  (this as OwnedSocket)[OWNER].socketMessage(data);
}

function onSocketPong(this: WebSocket): void {
  (this as OwnedSocket)[OWNER].alive = true;
}

function onSocketError(this: WebSocket, error: Error): void {
  (this as OwnedSocket)[OWNER].socketError(error);
}

function onSocketClose(this: WebSocket): void {
  (this as OwnedSocket)[OWNER].socketClosed();
}

/** Above this many buffered bytes the sync pauses until the socket drains. */
const HIGH_WATER_BYTES = 1024 * 1024;
/** Frames this big are written at once instead of waiting for the end of the turn. */
const UNCORK_BYTES = 16 * 1024;
/** A client this far behind on reading is not reading at all: drop it. */
const HARD_LIMIT_BYTES = 64 * 1024 * 1024;

function byteLengthOf(data: RawData): number {
  if (Array.isArray(data)) return data.reduce((n, b) => n + b.length, 0);
  return data instanceof ArrayBuffer ? data.byteLength : data.length;
}

function textOf(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data as ArrayBuffer).toString('utf8');
}

/** The `rid` of a frame we refuse to process, when it can be read; never anything else from it. */
function ridOf(text: string): string | null {
  try {
    const raw: unknown = JSON.parse(text);
    if (typeof raw === 'object' && raw !== null && 'rid' in raw) {
      const rid = (raw as { rid: unknown }).rid;
      if (typeof rid === 'string' && rid.length > 0 && rid.length <= 64) return rid;
    }
  } catch {
    // not JSON: no rid
  }
  return null;
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
  /** Frames that arrived while the hello was being checked, handled in order after it. */
  #queued: string[] | null = null;
  #helloTimer: NodeJS.Timeout | null;
  #awaitingDrain = false;
  /** The TCP socket under the WebSocket, corked while frames of this turn are gathered. */
  readonly #socket: Duplex | null;
  #corked = false;
  /** Set by the gateway's heartbeat; cleared by each pong. */
  alive = true;

  /**
   * @param socket the upgraded TCP socket under `ws`: frames sent in one event-loop turn are
   *   written to it together (one syscall instead of one per frame).
   */
  constructor(ws: WebSocket, deps: ConnectionDeps, socket: Duplex | null = null) {
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
  socketMessage(data: RawData): void {
    this.#onMessage(data);
  }

  /** Socket listener: 1009 (over the hard cap) and protocol errors; ws closes the socket itself. */
  socketError(error: Error): void {
    this.#deps.logger.debug({ err: safeError(error) }, 'websocket error');
  }

  /** Socket listener: the socket closed. */
  socketClosed(): void {
    this.#onClose();
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
    return !this.#awaitingDrain && this.#ws.bufferedAmount < HIGH_WATER_BYTES;
  }

  /** Sync: storage failed; the device reconnects and syncs again. */
  fail(): void {
    this.close(1011, 'Server error');
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

  close(code: number, reason: string): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#sync?.close();
    try {
      this.#ws.close(code, reason);
    } catch {
      this.#ws.terminate();
    }
  }

  /** Resolves once the socket is closed. */
  closed(): Promise<void> {
    if (this.#ws.readyState === this.#ws.CLOSED) return Promise.resolve();
    return new Promise((resolve) => this.#ws.once('close', () => resolve()));
  }

  #onMessage(data: RawData): void {
    if (this.#state === 'closed') return;
    this.#deps.metrics.framesIn++;
    if (byteLengthOf(data) > this.#deps.maxFrameBytes) {
      this.#sendError(
        ridOf(textOf(data)),
        new CinderError('PAYLOAD_TOO_LARGE', `Frames are limited to ${this.#deps.maxFrameBytes} bytes`),
      );
      return;
    }
    const text = textOf(data);
    if (this.#state === 'authenticating') {
      this.#queued ??= [];
      this.#queued.push(text);
      return;
    }
    this.#handle(text);
  }

  #handle(text: string): void {
    const parsed = parseClientFrame(text);
    if (!parsed.ok) {
      this.#sendError(parsed.rid, parsed.error);
      return;
    }
    const frame = parsed.value;
    if (frame.type === 'hello') {
      if (this.#state !== 'hello')
        this.#sendError(null, new CinderError('BAD_REQUEST', 'Already said hello'));
      else void this.#hello(frame);
      return;
    }
    if (this.#state !== 'ready' || !this.#identity) {
      this.#sendError(frame.rid, new CinderError('UNAUTHORIZED', 'Send hello first'));
      return;
    }
    void this.#request(this.#identity, frame);
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
      if (err.code === 'INTERNAL') this.#deps.logger.error({ err: safeError(error) }, 'hello failed');
      if (this.#isClosed()) return;
      this.#sendError(null, err);
      // Only a bad token means "do not reconnect"; anything else (shutting down) is worth a retry.
      if (err.code === 'UNAUTHORIZED') this.close(CLOSE_CODES.UNAUTHORIZED, 'Unauthorized');
      else this.close(1013, 'Try again later');
      return;
    }
    if (this.#isClosed()) return;
    if (this.#helloTimer) clearTimeout(this.#helloTimer);
    this.#helloTimer = null;
    this.#identity = identity;
    this.#state = 'ready';
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
      this.#deps.logger.error({ err: safeError(error) }, 'hub join failed');
      this.close(1011, 'Server error');
      return;
    }
    if (this.#isClosed()) {
      this.#deps.hub.leave(this);
      return;
    }
    // A sign-out between the token check and joining the hub sent its 4001 to nobody: check again.
    if (!(await this.#deps.accounts.isSignedIn(frame.token).catch(() => false))) {
      this.revoke();
      return;
    }
    const queued = this.#queued;
    this.#queued = null;
    for (const text of queued ?? []) this.#handle(text);
    await sync.start(frame.cursor);
  }

  async #request(who: DeviceIdentity, frame: RequestFrame): Promise<void> {
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
    const buffered = ws.bufferedAmount;
    if (buffered > HARD_LIMIT_BYTES) {
      this.#deps.logger.warn({ deviceId: this.deviceId, buffered }, 'client not reading; dropping it');
      this.#state = 'closed';
      ws.terminate();
      return;
    }
    this.#cork();
    if (!this.#awaitingDrain && buffered + data.length >= HIGH_WATER_BYTES) {
      // The callback fires once this frame reached the kernel: the sync may continue.
      this.#awaitingDrain = true;
      ws.send(data, () => {
        this.#awaitingDrain = false;
        this.#sync?.resume();
      });
    } else {
      ws.send(data);
    }
    // A big frame (a backlog or resync page) is worth a write of its own right away, so the
    // client starts reading while the next page is prepared.
    if (data.length >= UNCORK_BYTES) this.#uncork();
  }

  /**
   * Hold this turn's frames and write them at once at the end of the turn (turn.ts): a reply
   * and the events its commit woke leave in one write, in the check phase of the commit. Corks
   * nest, so ws's own cork per frame still works inside.
   */
  #cork(): void {
    const socket = this.#socket;
    if (this.#corked || !socket) return;
    this.#corked = true;
    socket.cork();
    atTurnEnd('write', () => this.#uncork());
  }

  #uncork(): void {
    if (!this.#corked) return;
    this.#corked = false;
    this.#socket?.uncork();
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
    this.#queued = null;
    this.#deps.metrics.connections--;
    this.#deps.onClosed?.(this);
  }
}
