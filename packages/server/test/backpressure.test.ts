import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { RawClient, register, sendFrame, sleep, testServer } from './helpers.ts';

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
    await sleep(200);
    socket.resume();
    await b.waitFor(() => b.events().filter((e) => e.kind === 'message').length >= ids.length, 20_000);
    await b.settle();
    const events = b.events();
    expect(events.flatMap((e) => (e.kind === 'message' ? [e.message.id] : []))).toEqual(ids);
    expect(events.every((e, i) => i === 0 || e.seq > (events[i - 1]?.seq ?? 0))).toBe(true);
    a.close();
    b.close();
  });
});
