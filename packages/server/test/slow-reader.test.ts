import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type ChildServer,
  login,
  metrics,
  RawClient,
  register,
  sendFrame,
  spawnServer,
  tempDir,
  waitFor,
} from '../../../test/kit/index.ts';

const MiB = 1024 * 1024;

function rssOf(pid: number): number {
  const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) * 1024;
}

/** Open the message and wait for the answer: long enough for a loaded machine. */
async function openOnce(client: RawClient, id: string, rid: string): Promise<string> {
  client.send({ type: 'open', id, rid });
  const answer = await client.waitFor(
    (f) => (f.type === 'reply' || f.type === 'error') && f.rid === rid,
    60_000,
  );
  return answer.type;
}

let cleanup: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

describe('slow readers', () => {
  it('keeps the server’s memory bounded while clients stop reading, serves others meanwhile, and gives it back after', async () => {
    const dir = tempDir();
    cleanup.push(() => dir.remove());
    const server: ChildServer = await spawnServer([
      '--port',
      '0',
      '--metrics-port',
      '0',
      '--data-dir',
      dir.path,
    ]);
    cleanup.push(async () => {
      server.child.kill('SIGKILL');
      await server.exited;
    });
    const pid = server.child.pid as number;
    const alice = await register(server);
    const bob = await register(server);
    const a = await RawClient.connect(server.url, alice.token);
    // A normal message of 48 KB (16,384 three-byte characters): opening it again and again is
    // allowed, and each reply is 48 KB the server must hold until the client reads it.
    const { id } = await a.ok<{ id: string }>(sendFrame(bob.user.username, '€'.repeat(16_384)));
    const healthy = await RawClient.connect(server.url, (await login(server, bob.user.username)).token);
    cleanup.push(() => {
      a.close();
      healthy.close();
    });
    const base = rssOf(pid);

    // Eight devices that stop reading (their TCP sockets paused) and keep asking for the message.
    const slow: RawClient[] = [];
    for (let i = 0; i < 8; i++) {
      const device = await login(server, bob.user.username);
      const client = await RawClient.connect(server.url, device.token);
      (client.ws as unknown as { _socket: Socket })._socket.pause();
      slow.push(client);
    }
    cleanup.push(() => {
      for (const client of slow) client.ws.terminate();
    });
    let peak = base;
    let asked = 0;
    const flood = setInterval(() => {
      peak = Math.max(peak, rssOf(pid));
      for (const client of slow) {
        // Keep each one's pipe to the server full, without piling up in this process.
        while (client.ws.readyState === client.ws.OPEN && client.ws.bufferedAmount < 256 * 1024) {
          client.send({ type: 'open', id, rid: `o${asked++}` });
        }
      }
    }, 10);
    cleanup.push(() => clearInterval(flood));

    // Meanwhile the healthy device opens the same message, one reply after another.
    for (let i = 0; i < 20; i++) expect(await openOnce(healthy, id, `h${i}`)).toBe('reply');
    // The server pushes back: it stopped reading the slow ones, whose requests pile up on
    // their side. Without that it keeps answering into their queues, and memory grows.
    await waitFor(
      () => slow.every((c) => c.ws.bufferedAmount >= 256 * 1024 || c.ws.readyState !== c.ws.OPEN),
      { what: 'the server to stop reading every slow device' },
    );
    const pushedBack = asked;
    for (let i = 20; i < 40; i++) expect(await openOnce(healthy, id, `h${i}`)).toBe('reply');
    clearInterval(flood);
    peak = Math.max(peak, rssOf(pid));
    // Unbounded, the server grew by ~200 MiB per such client (1.6 GiB for eight).
    expect(peak - base, `peak growth (${pushedBack} opens sent)`).toBeLessThan(300 * MiB);

    // They leave: their memory comes back (a generous bound: the heap does not shrink at once).
    for (const client of slow) client.ws.terminate();
    const connections = await waitFor(
      async () => {
        const open = (await metrics(server)).value('cinder_ws_connections');
        return open <= 2 && { open };
      },
      { interval: 50, what: 'the slow devices’ connections to close' },
    );
    expect(connections.open).toBe(2); // alice and the healthy device
    expect(await openOnce(healthy, id, 'h-after')).toBe('reply');
    const after = rssOf(pid);
    console.info(
      `slow readers: ${pushedBack} opens sent; server RSS base ${(base / MiB).toFixed(0)} MiB, peak +${((peak - base) / MiB).toFixed(0)} MiB, after they left +${((after - base) / MiB).toFixed(0)} MiB`,
    );
    expect(after - base).toBeLessThan(150 * MiB);
  });
});
