import type { Socket } from 'node:net';
import { PROTOCOL_VERSION } from '@cinder/protocol';
import { describe, expect, it } from 'vitest';
import {
  login,
  metrics,
  RawClient,
  register,
  type Scraped,
  sendFrame,
  testServer,
  waitFor,
} from '../../../test/kit/index.ts';

/** Wait until the server counts `n` open WebSockets. */
async function connectionsAre(server: Scraped, n: number): Promise<void> {
  await waitFor(async () => (await metrics(server)).value('cinder_ws_connections') === n, {
    interval: 50,
    what: `${n} open connections on the server`,
  });
}

/** Bob's devices that stop reading (TCP paused) and ask for message `id` `times` times each. */
async function slowReaders(
  server: { url: string },
  bob: string,
  id: string,
  count: number,
  times: number,
): Promise<RawClient[]> {
  const slow: RawClient[] = [];
  for (let i = 0; i < count; i++) {
    const client = await RawClient.connect(server.url, (await login(server, bob)).token);
    (client.ws as unknown as { _socket: Socket })._socket.pause();
    for (let n = 0; n < times; n++) client.send({ type: 'open', id, rid: `s${n}` });
    slow.push(client);
  }
  return slow;
}

describe('backpressure', () => {
  it('pauses a slow reader’s sync and resumes it with every event, in order, once', async () => {
    await using server = await testServer({ rateLimits: false });
    const alice = await register(server);
    const bob = await register(server);
    const a = await RawClient.connect(server.url, alice.token);
    const b = await RawClient.connect(server.url, bob.token);
    // Bob stops reading: the server's send buffer for him fills up.
    const socket = (b.ws as unknown as { _socket: Socket })._socket;
    socket.pause();
    // ~18 MB of events: more than the loopback socket buffers and the 1 MiB high-water mark hold.
    const big = 'x'.repeat(15_000);
    const ids: string[] = [];
    for (let batch = 0; batch < 24; batch++) {
      const sent = await Promise.all(
        Array.from({ length: 50 }, () => a.ok<{ id: string }>(sendFrame(bob.user.username, big))),
      );
      ids.push(...sent.map((r) => r.id));
    }
    // The server has pushed Bob's events since the first send; ~18 MB is far past what the socket
    // buffers and the high-water mark hold, so his sync has met the pause by the last reply.
    socket.resume();
    await b.waitFor(() => b.events().filter((e) => e.kind === 'message').length >= ids.length, 20_000);
    await b.settle();
    const events = b.events();
    expect(events.flatMap((e) => (e.kind === 'message' ? [e.message.id] : []))).toEqual(ids);
    expect(events.every((e, i) => i === 0 || e.seq > (events[i - 1]?.seq ?? 0))).toBe(true);
    a.close();
    b.close();
  });

  it('cuts a client that lets more than the per-connection cap pile up, and serves the others', async () => {
    await using server = await testServer({ maxBufferedPerConnection: 256 * 1024 });
    const alice = await register(server);
    const bob = await register(server);
    const a = await RawClient.connect(server.url, alice.token);
    const { id } = await a.ok<{ id: string }>(sendFrame(bob.user.username, '€'.repeat(16_384)));
    const healthy = await RawClient.connect(server.url, (await login(server, bob.user.username)).token);
    // 48 KB replies until the kernel's socket buffers are full and 256 KiB wait in the server.
    const [slow] = await slowReaders(server, bob.user.username, id, 1, 400);
    await connectionsAre(server, 2);
    expect((await healthy.request({ type: 'open', id })).type).toBe('reply');
    slow?.ws.terminate();
    a.close();
    healthy.close();
  });

  it('cuts the clients holding the most when all together pass the server-wide cap', async () => {
    await using server = await testServer({ maxBufferedTotal: 1024 * 1024 });
    const alice = await register(server);
    const bob = await register(server);
    const a = await RawClient.connect(server.url, alice.token);
    const { id } = await a.ok<{ id: string }>(sendFrame(bob.user.username, '€'.repeat(16_384)));
    const healthy = await RawClient.connect(server.url, (await login(server, bob.user.username)).token);
    // Each alone stays under its own cap (8 MiB); four together pass the server's 1 MiB.
    const slow = await slowReaders(server, bob.user.username, id, 4, 400);
    await connectionsAre(server, 2);
    expect((await healthy.request({ type: 'open', id })).type).toBe('reply');
    for (const client of slow) client.ws.terminate();
    a.close();
    healthy.close();
  });

  it('syncs a backlog and a resync of big messages in frames a 2 MiB cap never cuts', async () => {
    await using server = await testServer({ rateLimits: false, maxBufferedPerConnection: 2 * 1024 * 1024 });
    const alice = await register(server);
    const bob = await register(server);
    const a = await RawClient.connect(server.url, alice.token);
    // 300 messages of 48 KB: 14 MB, in storage pages of 200 (resync) and 256 (backlog).
    const big = '€'.repeat(16_384);
    const ids: string[] = [];
    for (let batch = 0; batch < 6; batch++) {
      const sent = await Promise.all(
        Array.from({ length: 50 }, () => a.ok<{ id: string }>(sendFrame(bob.user.username, big))),
      );
      ids.push(...sent.map((r) => r.id));
    }
    for (const cursor of [null, 0]) {
      const b = await RawClient.open(server.url);
      b.send({ type: 'hello', protocol: PROTOCOL_VERSION, token: bob.token, cursor });
      await b.waitFor((f) => f.type === 'synced', 60_000);
      const got =
        cursor === null
          ? b.frames.flatMap((f) => (f.type === 'resync' ? f.messages.map((m) => m.id) : []))
          : b.events().flatMap((e) => (e.kind === 'message' ? [e.message.id] : []));
      expect(got).toEqual(ids);
      expect(Math.max(...b.raw.map((text) => text.length))).toBeLessThan(1024 * 1024);
      await b.settle();
      b.close();
    }
    a.close();
  });
});
