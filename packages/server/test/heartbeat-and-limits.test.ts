import { type OpenResult, PROTOCOL_VERSION, WS_PATH } from '@cinder/protocol';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  openedContent,
  RawClient,
  register,
  sealedSendFrame,
  sendFrame,
  testServer,
} from '../../../test/kit/index.ts';

describe('heartbeat and rate limits', () => {
  it('drops a socket that stops answering pings, and keeps one that answers', async () => {
    await using server = await testServer({ heartbeatMs: 100 });
    const alice = await register(server);
    const dead = new WebSocket(server.url.replace(/^http/, 'ws') + WS_PATH, { autoPong: false });
    await new Promise((resolve) => dead.once('open', resolve));
    dead.send(
      JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION, token: alice.token, cursor: null }),
    );
    const alive = await RawClient.connect(server.url, alice.token);
    const closed = await new Promise<number>((resolve) => dead.once('close', (code) => resolve(code)));
    expect(closed).toBe(1006); // terminated, no close frame
    expect((await alive.request({ type: 'ping' })).type).toBe('reply');
    alive.close();
  });

  it('lets a person send and open in bursts with the defaults', async () => {
    await using server = await testServer();
    const alice = await register(server);
    const bob = await register(server);
    const a = await RawClient.connect(server.url, alice.token);
    const b = await RawClient.connect(server.url, bob.token);
    // Each burn send reads the key directory first, as the SDK does: both count in the burst.
    const sent = await Promise.all(
      Array.from({ length: 150 }, async (_, i) =>
        a.request(await sealedSendFrame(a, alice.user.username, bob.user.username, `m${i}`)),
      ),
    );
    expect(sent.every((f) => f.type === 'reply')).toBe(true);
    const ids = sent.map((f) => (f.type === 'reply' ? (f.result as { id: string }).id : ''));
    const opened = await Promise.all(ids.map((id) => b.request({ type: 'open', id })));
    expect(opened.every((f) => f.type === 'reply')).toBe(true);
    const texts = await Promise.all(
      opened.map(async (f) => (await openedContent((f as { result: OpenResult }).result, bob)).text),
    );
    expect(texts).toEqual(Array.from({ length: 150 }, (_, i) => `m${i}`));
    a.close();
    b.close();
  });

  it('answers RATE_LIMITED past a configured limit, per device', async () => {
    const frozen = Date.now(); // a stopped clock: no refill while the burst is measured
    await using server = await testServer({
      rateLimits: { sendsPerSecond: 2, opensPerSecond: 2 },
      now: () => frozen,
    });
    const alice = await register(server);
    const bob = await register(server);
    const a = await RawClient.connect(server.url, alice.token);
    const answers = await Promise.all(
      Array.from({ length: 15 }, () => a.request(sendFrame(bob.user.username, 'x'))),
    );
    expect(answers.filter((f) => f.type === 'reply')).toHaveLength(10); // burst of 5× the rate
    expect(answers.filter((f) => f.type === 'error' && f.code === 'RATE_LIMITED')).toHaveLength(5);
    // Another device of the same account has its own budget.
    const b = await RawClient.connect(server.url, bob.token);
    expect((await b.request(sendFrame(alice.user.username, 'y'))).type).toBe('reply');
    a.close();
    b.close();
  });
});
