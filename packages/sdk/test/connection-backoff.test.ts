import { CLOSE_CODES } from '@cinder/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Connection, type ConnectionStatus } from '../src/connection.ts';
import type { WebSocketConstructor, WebSocketLike } from '../src/environment.ts';

// The reconnect schedule is a rule about time in this process: the connection runs on a fake
// clock, over sockets that close as soon as they are made (a server that refuses, or one that
// signs the device out). The client over a real network: client-network.test.ts.

/** Sockets that close with `code` right after they are made; `attempts` has each one's (fake) time. */
function closingSockets(code: number): { attempts: number[]; WebSocket: WebSocketConstructor } {
  const attempts: number[] = [];
  class ClosingSocket implements WebSocketLike {
    readonly readyState = 3;
    onopen: ((event: never) => void) | null = null;
    onmessage: ((event: never) => void) | null = null;
    onclose: ((event: never) => void) | null = null;
    onerror: ((event: never) => void) | null = null;

    constructor() {
      attempts.push(Date.now());
      queueMicrotask(() => (this.onclose as ((event: { code: number }) => void) | null)?.({ code }));
    }

    send(): void {
      throw new Error('not open');
    }

    close(): void {}
  }
  return { attempts, WebSocket: ClosingSocket };
}

function connection(WebSocket: WebSocketConstructor, maxReconnectDelayMs: number) {
  const statuses: ConnectionStatus[] = [];
  const conn = new Connection({
    url: 'ws://127.0.0.1:1/v1/ws',
    webSocket: async () => WebSocket,
    hello: () => Promise.reject(new Error('no socket opens here')),
    onFrame: () => {},
    onStatus: (status) => statuses.push(status),
    onError: () => {},
    maxReconnectDelayMs,
    requestTimeoutMs: 30_000,
  });
  return { conn, statuses };
}

describe('Connection reconnect schedule (fake clock)', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  /** Advance the fake clock by `ms`, running the timers and the microtasks they cause. */
  const pass = (ms: number) => vi.advanceTimersByTimeAsync(ms);

  it('waits at least the 250 ms floor between attempts, with no jitter at all', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0);
    const refused = closingSockets(CLOSE_CODES.ABNORMAL);
    const { conn, statuses } = connection(refused.WebSocket, 5000);
    conn.start();
    await pass(0);
    expect(refused.attempts).toHaveLength(1);
    for (let attempt = 2; attempt <= 6; attempt++) {
      await pass(249);
      expect(refused.attempts).toHaveLength(attempt - 1);
      await pass(1);
      expect(refused.attempts).toHaveLength(attempt);
    }
    expect(statuses).toEqual(['connecting', 'reconnecting']);
    conn.stop();
  });

  it('never waits longer than maxReconnectDelayMs, with the most jitter', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.999_999);
    const refused = closingSockets(CLOSE_CODES.ABNORMAL);
    const { conn } = connection(refused.WebSocket, 400);
    conn.start();
    await pass(0);
    for (let attempt = 2; attempt <= 8; attempt++) {
      await pass(399);
      expect(refused.attempts).toHaveLength(attempt - 1);
      await pass(1);
      expect(refused.attempts).toHaveLength(attempt);
    }
    conn.stop();
  });

  it('lowers the floor to a cap below it', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    const refused = closingSockets(CLOSE_CODES.ABNORMAL);
    const { conn } = connection(refused.WebSocket, 100);
    conn.start();
    await pass(0);
    await pass(100);
    await pass(100);
    expect(refused.attempts).toEqual([0, 100, 200].map((ms) => refused.attempts[0]! + ms));
    conn.stop();
  });

  it('never tries again once the server signed the device out (4001), however long it waits', async () => {
    const signedOut = closingSockets(CLOSE_CODES.UNAUTHORIZED);
    const { conn, statuses } = connection(signedOut.WebSocket, 300);
    conn.start();
    await pass(0);
    expect(statuses).toEqual(['connecting', 'unauthorized']);
    await pass(60_000);
    expect(signedOut.attempts).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('stops trying when stopped while waiting to reconnect', async () => {
    const refused = closingSockets(CLOSE_CODES.ABNORMAL);
    const { conn } = connection(refused.WebSocket, 300);
    conn.start();
    await pass(0);
    conn.stop();
    await pass(60_000);
    expect(refused.attempts).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
  });
});
