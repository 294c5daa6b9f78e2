import { WebSocket } from 'ws';

type Frame = { type: string; [key: string]: unknown };
type RawData = Parameters<Parameters<WebSocket['on']>[1]>[0];

/**
 * The network between one SDK client and the server, under the test's control: a `ws` subclass
 * the client uses as its WebSocket. It records what crosses the wire, can cut live sockets,
 * refuse new ones (offline), swallow inbound frames (a server that stopped answering) or lose one
 * reply with its socket. Client and server are the real ones; only the wire misbehaves.
 */
export interface Network {
  /** Give this to the client as its `WebSocket` option. */
  WebSocket: typeof WebSocket;
  /** When each socket was opened (`Date.now()`), refused ones included. */
  attempts: number[];
  /** Outbound frames, parsed, in order. */
  sent: Frame[];
  /** Types of the inbound frames the client was given, in order. */
  received: string[];
  /** Text of the inbound frames the client was given, exactly as they crossed the wire. */
  raw: string[];
  /** Close codes of the sockets, in the order they closed. */
  closes: number[];
  /** New sockets are refused at once, as by a host nothing listens on. */
  offline: boolean;
  /** Inbound frames vanish (the socket stays open): a server that stopped answering. */
  blackhole: boolean;
  /** When it returns true for an inbound frame, the frame is lost and the socket killed (once). */
  dropWhen: ((frame: Frame) => boolean) | null;
  /** Kill every open socket (no close handshake), like a pulled cable. */
  cut(): void;
  /**
   * Round-trip a ping on the open socket, beside the client: once its reply is back, the client
   * has been handed every frame the server sent before it. The ping and its reply are kept from
   * the client and from the records above. Throws when no socket is open.
   */
  ping(): Promise<void>;
}

/** A port nothing listens on: connecting to it is refused at once. */
const REFUSED_URL = 'ws://127.0.0.1:1/v1/ws';

let pings = 0;

/** A fresh network: online, recording, nothing dropped. */
export function network(): Network {
  const sockets = new Set<WebSocket>();
  const awaited = new Map<string, { resolve(): void; reject(error: Error): void; socket: WebSocket }>();
  const net: Network = {
    WebSocket: WebSocket,
    attempts: [],
    sent: [],
    received: [],
    raw: [],
    closes: [],
    offline: false,
    blackhole: false,
    dropWhen: null,
    cut() {
      for (const socket of sockets) socket.terminate();
    },
    ping() {
      const socket = [...sockets].find((s) => s.readyState === WebSocket.OPEN);
      if (!socket) return Promise.reject(new Error('ping: no open socket'));
      const rid = `kit-ping-${++pings}`;
      return new Promise<void>((resolve, reject) => {
        awaited.set(rid, { resolve, reject, socket });
        // The base class's send: the ping stays out of `sent`.
        (WebSocket.prototype.send as (data: string) => void).call(
          socket,
          JSON.stringify({ type: 'ping', rid }),
        );
      });
    },
  };
  class NetWebSocket extends WebSocket {
    constructor(url: string) {
      super(net.offline ? REFUSED_URL : url);
      net.attempts.push(Date.now());
      sockets.add(this);
      this.on('close', (code: number) => {
        sockets.delete(this);
        net.closes.push(code);
        for (const [rid, ping] of awaited) {
          if (ping.socket !== this) continue;
          awaited.delete(rid);
          ping.reject(new Error(`ping: the socket closed (${code}) before the reply`));
        }
      });
    }

    override send(data: unknown, ...rest: unknown[]): void {
      net.sent.push(JSON.parse(String(data)));
      (super.send as (...args: unknown[]) => void)(data, ...rest);
    }

    override emit(event: string | symbol, ...args: unknown[]): boolean {
      if (event === 'message') {
        const text = String(args[0] as RawData);
        const frame = JSON.parse(text) as Frame;
        if (net.blackhole) return false;
        const ping = typeof frame.rid === 'string' ? awaited.get(frame.rid) : undefined;
        if (ping) {
          awaited.delete(frame.rid as string);
          ping.resolve();
          return false;
        }
        net.received.push(String(frame.type));
        net.raw.push(text);
        if (net.dropWhen?.(frame)) {
          net.dropWhen = null;
          this.terminate();
          return false;
        }
      }
      return super.emit(event, ...args);
    }
  }
  net.WebSocket = NetWebSocket as typeof WebSocket;
  return net;
}
