import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { CLOSE_CODES, WS_PATH } from '@cinder/protocol';
import { WebSocketServer } from 'ws';
import { safeError } from '../safe-error.ts';
import { Connection, type ConnectionDeps } from './connection.ts';
import { OutputBudget } from './output-budget.ts';

/** Options of the gateway: what connections need, the heartbeat and the output caps. */
export interface GatewayOptions extends Omit<ConnectionDeps, 'output' | 'onClosed'> {
  heartbeatMs: number;
  /** Bytes queued for one client before it is cut as a slow reader (4004). */
  maxBufferedPerConnection: number;
  /** Bytes queued for all clients together before the slowest are cut. */
  maxBufferedTotal: number;
}

/** How long `close()` waits for clients to answer the close handshake before cutting them. */
const CLOSE_GRACE_MS = 2000;

/** Until ws takes an upgraded socket over, an error just ends it (one listener for all sockets). */
function destroyOnError(this: Duplex): void {
  this.destroy();
}

/**
 * The WebSocket gateway at `WS_PATH`: upgrades, the ping/pong heartbeat, and the set of live
 * connections. Compression is off: it costs CPU per frame and invites compression oracles.
 */
export class Gateway {
  readonly #options: ConnectionDeps;
  readonly #wss: WebSocketServer;
  readonly #connections = new Set<Connection>();
  readonly #heartbeat: NodeJS.Timeout;
  #closing = false;

  constructor(options: GatewayOptions) {
    this.#options = {
      ...options,
      output: new OutputBudget(options.maxBufferedPerConnection, options.maxBufferedTotal),
      onClosed: (connection) => this.#connections.delete(connection),
    };
    this.#wss = new WebSocketServer({
      noServer: true,
      perMessageDeflate: false,
      // Frames between maxFrameBytes and this get a PAYLOAD_TOO_LARGE answer; beyond it ws closes 1009.
      maxPayload: Math.max(4 * options.maxFrameBytes, 1024 * 1024),
    });
    this.#heartbeat = setInterval(() => {
      for (const connection of this.#connections) {
        try {
          if (!connection.alive) connection.terminate();
          else connection.ping();
        } catch (error) {
          options.logger.error({ err: safeError(error) }, 'heartbeat failed');
        }
      }
    }, options.heartbeatMs);
    this.#heartbeat.unref();
  }

  /** Take over `upgrade` requests of an HTTP server. */
  attach(server: Server): void {
    server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) =>
      this.#upgrade(request, socket, head),
    );
  }

  #upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', destroyOnError);
    const path = (request.url ?? '').split('?', 1)[0];
    if (path !== WS_PATH || this.#closing) {
      const status = this.#closing ? '503 Service Unavailable' : '404 Not Found';
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    this.#wss.handleUpgrade(request, socket, head, (ws) => {
      // ws handles the socket's errors from here on.
      socket.off('error', destroyOnError);
      this.#connections.add(new Connection(ws, this.#options, socket));
    });
  }

  /** Close every socket with 1001 (going away) and wait for them, cutting laggards after a grace period. */
  async close(): Promise<void> {
    this.#closing = true;
    clearInterval(this.#heartbeat);
    const all = [...this.#connections];
    for (const connection of all) connection.close(CLOSE_CODES.GOING_AWAY, 'Server shutting down');
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(all.map((c) => c.closed())),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, CLOSE_GRACE_MS);
      }),
    ]);
    clearTimeout(timer);
    for (const connection of this.#connections) connection.terminate();
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
  }
}
