import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { RawClient, register, spawnServer, tempDir, testServer, waitFor } from '../../../test/kit/index.ts';

/** A raw TCP connection to the server, from `localAddress` (127.0.0.1 unless given). */
function tcp(port: number, localAddress = '127.0.0.1'): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, localAddress });
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Everything the server sends until it closes the connection. */
function answer(socket: Socket): Promise<string> {
  let text = '';
  socket.on('data', (chunk) => {
    text += String(chunk);
  });
  socket.on('error', () => {});
  return new Promise((resolve) => socket.once('close', () => resolve(text)));
}

/** Resolves when the socket closes; rejects if it is still open after `ms`. */
function closedWithin(socket: Socket, ms: number): Promise<void> {
  socket.on('error', () => {});
  if (socket.destroyed) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`still open after ${ms} ms`)), ms);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** GET a path over a fresh connection from `localAddress`; the status, or the error's code. */
function get(port: number, path: string, localAddress = '127.0.0.1'): Promise<number | string> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, localAddress, agent: false }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode ?? 0));
    });
    req.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
    req.end();
  });
}

let open: Socket[] = [];
afterEach(() => {
  for (const socket of open) socket.destroy();
  open = [];
});

describe('idle and excess connections', () => {
  it('closes connections that send nothing, or a request that never ends, within the request timeout', async () => {
    await using server = await testServer({ requestTimeoutMs: 500 });
    const silent = await Promise.all(Array.from({ length: 20 }, () => tcp(server.port)));
    // Headers that never end: one line now, then a header every 100 ms (never idle).
    const trickle = await tcp(server.port);
    trickle.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
    const drip = setInterval(() => trickle.write('X-Slow: 1\r\n'), 100);
    open = [...silent, trickle];
    try {
      // Generous bounds for a loaded machine; without timeouts they stay open forever.
      await Promise.all([...silent, trickle].map((socket) => closedWithin(socket, 30_000)));
    } finally {
      clearInterval(drip);
    }
    expect(await get(server.port, '/healthz')).toBe(200);
  });

  it('answers 429 past the connections of one address, while other addresses get in', async () => {
    await using server = await testServer({ maxConnectionsPerAddress: 5 });
    open = await Promise.all(Array.from({ length: 5 }, () => tcp(server.port)));
    const sixth = await tcp(server.port);
    expect(await answer(sixth)).toMatch(/^HTTP\/1\.1 429 /);
    expect(await get(server.port, '/healthz')).toBe(429);
    expect(await get(server.port, '/healthz', '127.0.0.2')).toBe(200);
    // A WebSocket from the capped address is refused the same way, before the upgrade.
    await expect(RawClient.open(server.url)).rejects.toThrow(/429/);
    // One leaves: its address gets a place again.
    open[0]?.destroy();
    await waitFor(async () => (await get(server.port, '/healthz')) === 200, {
      what: 'a place for the address',
    });
  });

  it('keeps answering near the open-file limit: silent connections make room, a full server says 503', async () => {
    const dir = tempDir();
    // 256 descriptors: the server takes at most 256 - 64 = 192 connections.
    const child = await spawnServer(
      ['--port', '0', '--data-dir', dir.path, '--request-timeout', '10m'],
      {},
      { fileLimit: 256 },
    );
    try {
      // More silent connections than the process has descriptors.
      open = await Promise.all(Array.from({ length: 400 }, () => tcp(child.port)));
      for (const socket of open) socket.on('error', () => {});
      expect(await get(child.port, '/healthz')).toBe(200);
      const alice = await register(child);
      expect(await get(child.port, '/healthz')).toBe(200);
      // Connections that spoke are not closed to make room: once signed-in sockets fill the
      // server's 192 places, the next connection is told so (503) instead of being dropped.
      const devices: RawClient[] = [];
      let refusal = '';
      while (devices.length < 400 && !refusal) {
        await RawClient.connect(child.url, alice.token).then(
          (device) => devices.push(device),
          (error: Error) => {
            refusal = error.message;
          },
        );
      }
      expect(refusal).toMatch(/503/);
      expect(devices.length).toBeGreaterThan(150);
      expect(await get(child.port, '/healthz')).toBe(503);
      for (const device of devices.splice(0, 8)) device.close();
      await waitFor(async () => (await get(child.port, '/healthz')) === 200, {
        what: 'places freed by the closed devices',
      });
      for (const device of devices) device.close();
    } finally {
      child.child.kill('SIGKILL');
      await child.exited;
      dir.remove();
    }
  });
});
