import type { Duplex } from 'node:stream';
import { CLOSE_CODES, type CloseCode, type ServerFrame } from '@cinder/protocol';
import type { RawData, WebSocket } from 'ws';
import { type Logger, safeError } from '../logger.ts';
import type { TurnScheduler } from '../turn.ts';
import { CUT_OVER_TOTAL_BYTES, type OutputBudget } from './output-budget.ts';

/** What the socket layer of a connection needs from the server. */
export interface FrameSocketDeps {
  logger: Logger;
  /** The server's turn ends: writes are gathered until the end of the commit's turn. */
  turn: TurnScheduler;
  /** Bytes queued for clients, against the per-connection and server-wide caps. */
  output: OutputBudget;
}

/**
 * With this many bytes queued for the client, the connection stops reading its requests and the
 * sync pauses, until the socket drains: a client that does not read cannot make the server
 * produce more for it.
 */
const HIGH_WATER_BYTES = 1024 * 1024;
/** Frames this big are written at once instead of waiting for the end of the turn. */
const UNCORK_BYTES = 16 * 1024;
/** A slow reader's close frame waits behind what it did not read; cut the socket after this. */
const SLOW_READER_GRACE_MS = 2000;

/** The socket layer a socket belongs to, for the listeners shared by every socket. */
const OWNER = Symbol('cinder.connection');
type OwnedSocket = WebSocket & { [OWNER]: FrameSocket<FrameSocketDeps> };

function onSocketMessage(this: WebSocket, data: RawData, isBinary: boolean): void {
  const owner = (this as OwnedSocket)[OWNER];
  try {
    owner.socketMessage(data, isBinary);
  } catch (error) {
    owner.crashed(error);
  }
}

function onSocketPong(this: WebSocket): void {
  (this as OwnedSocket)[OWNER].alive = true;
}

function onSocketError(this: WebSocket, error: Error): void {
  (this as OwnedSocket)[OWNER].socketError(error);
}

function onSocketClose(this: WebSocket): void {
  const owner = (this as OwnedSocket)[OWNER];
  try {
    owner.socketClosed();
  } catch (error) {
    owner.crashed(error);
  }
}

/**
 * The socket layer under a connection (`Connection` extends it): the socket's listeners, the
 * heartbeat's liveness and the output. Frames of one turn leave in one write; over the
 * high-water mark reading and the sync wait until the socket drains; a client that lets more
 * pile up than the output caps allow is cut. A base class rather than an object of its own: an
 * idle connection's heap is what the per-device memory budget is made of, and this adds none.
 */
export abstract class FrameSocket<Deps extends FrameSocketDeps> {
  protected readonly ws: WebSocket;
  /** The TCP socket under the WebSocket, corked while frames of this turn are gathered. */
  protected readonly socket: Duplex;
  protected readonly deps: Deps;
  /** Over the high-water mark: reading and the sync wait for the socket's `drain`. */
  #overHighWater = false;
  #readingPaused = false;
  /** What this connection last added to `output.queued`. */
  #counted = 0;
  /** The socket closed: nothing of it is counted any more. */
  #released = false;
  #corked = false;
  /** Set by the gateway's heartbeat; cleared by each pong. */
  alive = true;

  /**
   * @param socket the upgraded TCP socket under `ws`: frames sent in one event-loop turn are
   *   written to it together (one syscall instead of one per frame).
   */
  protected constructor(ws: WebSocket, deps: Deps, socket: Duplex) {
    this.ws = ws;
    this.deps = deps;
    this.socket = socket;
    // Listeners shared by all sockets (found through OWNER) rather than closures per socket:
    // an idle connection's heap is what the 10 KB per device budget is made of.
    (ws as OwnedSocket)[OWNER] = this;
    ws.on('message', onSocketMessage);
    ws.on('pong', onSocketPong);
    ws.on('error', onSocketError);
    ws.on('close', onSocketClose);
  }

  /** Socket listener (see OWNER): a frame arrived. */
  abstract socketMessage(data: RawData, isBinary: boolean): void;

  /** Socket listener: the socket closed. */
  abstract socketClosed(): void;

  /**
   * Handling a frame threw (a bug): the socket is closed (1011), the process lives on. Every
   * entry point (socket listeners, request and hello handlers) ends here on a throw.
   */
  abstract crashed(error: unknown): void;

  /** Close with a close frame (a no-op once closed). */
  abstract close(code: CloseCode, reason: string): void;

  /** The device, for logs ('' before its hello is accepted). */
  abstract get deviceId(): string;

  /** The socket wrote out everything queued: read and sync again (unless closed). */
  protected abstract drained(): void;

  /** Close at once, without a close frame: nothing more of this connection is read or sent. */
  protected abstract cut(): void;

  /** Socket listener: 1009 (over the hard cap) and protocol errors; ws closes the socket itself. */
  socketError(error: Error): void {
    this.deps.logger.debug({ err: safeError(error) }, 'websocket error');
  }

  /** Ping for the heartbeat. */
  ping(): void {
    this.alive = false;
    try {
      this.ws.ping();
    } catch {
      // the socket is closing
    }
  }

  terminate(): void {
    this.ws.terminate();
  }

  /** Sync: false while the socket's buffer is full (the sync waits for `resume`). */
  writable(): boolean {
    return !this.#overHighWater && this.ws.bufferedAmount < HIGH_WATER_BYTES;
  }

  /** Sync: a frame for this device. Dropped once the socket is not open. */
  send(frame: ServerFrame): void {
    const ws = this.ws;
    if (ws.readyState !== ws.OPEN) return;
    const data = JSON.stringify(frame);
    // What is really queued: ws's own queue and the socket's buffer (corked writes included).
    const queued = ws.bufferedAmount;
    const output = this.deps.output;
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
    const queuedAfter = this.#account();
    if (queuedAfter >= HIGH_WATER_BYTES && !this.#overHighWater) {
      // The socket's `drain` (its buffer empty) ends this; it is due, as the buffer is over the
      // socket's own high-water mark. Until then no request is read and the sync waits.
      this.#overHighWater = true;
      this.pauseReading();
      this.socket.once('drain', () => this.#drained());
    }
  }

  /** Over the high-water mark: no request is read and the sync waits until the socket drains. */
  protected get overHighWater(): boolean {
    return this.#overHighWater;
  }

  protected pauseReading(): void {
    if (this.#readingPaused) return;
    this.#readingPaused = true;
    this.ws.pause();
  }

  protected resumeReading(): void {
    if (!this.#readingPaused) return;
    this.#readingPaused = false;
    this.ws.resume();
  }

  /** The socket closed: take what it still counts out of `output.queued`, for good. */
  protected release(): void {
    this.#released = true;
    this.deps.output.queued -= this.#counted;
    this.#counted = 0;
  }

  /** Bring this connection's share of `output.queued` up to date; returns its queue now. */
  #account(): number {
    const queued = this.#released ? 0 : this.ws.bufferedAmount;
    // Counted only from the socket's own high-water mark: a queue that big ends with a `drain`
    // (which uncounts it); a smaller one may shrink unseen, and must not stay counted.
    const counted = queued >= this.socket.writableHighWaterMark ? queued : 0;
    this.deps.output.queued += counted - this.#counted;
    this.#counted = counted;
    return queued;
  }

  /** The socket wrote out everything: the client reads, so it is alive; read and sync again. */
  #drained(): void {
    try {
      this.#overHighWater = false;
      this.alive = true;
      this.#account();
      this.drained();
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
    this.deps.logger.warn({ deviceId: this.deviceId, queued, cap }, 'client not reading; disconnecting it');
    if (cap === 'server') {
      this.cut();
      return;
    }
    const ws = this.ws;
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
    this.socket.cork();
    this.deps.turn.atTurnEnd('write', () => this.#uncork());
  }

  #uncork(): void {
    if (!this.#corked) return;
    this.#corked = false;
    this.socket.uncork();
  }
}
