import { PROTOCOL_VERSION, type ServerFrame } from '@cinder/protocol';
import { describe, expect, it } from 'vitest';
import { RawClient, register, sendFrame, testServer } from '../../../test/kit/index.ts';

type ErrorFrame = Extract<ServerFrame, { type: 'error' }>;

describe('gateway: bad input over a real socket', () => {
  it('answers typed errors, keeps the socket and other clients working, and keeps messages intact', async () => {
    await using server = await testServer({ maxFrameBytes: 8192 });
    const alice = await register(server);
    const bob = await register(server);
    const a = await RawClient.connect(server.url, alice.token);
    const b = await RawClient.connect(server.url, bob.token);

    const stored = await a.ok<{ id: string }>(sendFrame(bob.user.username, 'kept safe', { burn: {} }));
    const normal = await a.ok<{ id: string }>(sendFrame(bob.user.username, 'plain one'));
    await b.waitForEvent((e) => e.kind === 'message' && e.message.id === normal.id);

    const errorsBefore = a.frames.filter((f) => f.type === 'error').length;
    const nextError = async (): Promise<ErrorFrame> => {
      const count = a.frames.filter((f) => f.type === 'error').length;
      await a.waitFor(() => a.frames.filter((f) => f.type === 'error').length > count);
      return a.frames.filter((f) => f.type === 'error').at(-1) as ErrorFrame;
    };

    // Not JSON.
    let pending = nextError();
    a.send('{"type": "send", this is not json');
    expect(await pending).toMatchObject({ type: 'error', rid: null, code: 'BAD_REQUEST' });

    // Unknown type, with a readable rid.
    pending = nextError();
    a.send({ type: 'explode', rid: 'x1' });
    expect(await pending).toMatchObject({ rid: 'x1', code: 'BAD_REQUEST' });

    // Wrong field types.
    for (const frame of [
      { type: 'send', rid: 'x2', key: 'key-12345', to: bob.user.username, text: 42 },
      { type: 'open', rid: 'x3', id: 7 },
      { type: 'delivered', rid: 'x4', ids: [] },
      { type: 'ack', rid: 'x5', cursor: -1 },
      { type: 'send', rid: 'x6', key: 'short', to: bob.user.username, text: 'hi' },
      {
        type: 'send',
        rid: 'x7',
        key: 'key-12345',
        to: bob.user.username,
        text: 'hi',
        ext: { big: 'y'.repeat(4200) },
      },
      [1, 2, 3],
      null,
    ]) {
      pending = nextError();
      a.send(frame);
      const error = await pending;
      expect(error.code).toBe('BAD_REQUEST');
      const rid = (frame as { rid?: string } | null)?.rid;
      expect(error.rid).toBe(rid ?? null);
    }

    // A second hello.
    pending = nextError();
    a.send({ type: 'hello', protocol: PROTOCOL_VERSION, token: alice.token, cursor: null });
    expect(await pending).toMatchObject({ code: 'BAD_REQUEST', rid: null });

    // Over maxFrameBytes but under the hard cap: PAYLOAD_TOO_LARGE, with the rid, socket stays.
    pending = nextError();
    a.send({ type: 'send', rid: 'big1', key: 'key-12345', to: bob.user.username, text: 'z'.repeat(10_000) });
    expect(await pending).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', rid: 'big1' });

    // Binary garbage.
    pending = nextError();
    a.ws.send(Buffer.from([0xff, 0xfe, 0x00, 0x01]));
    expect((await pending).code).toBe('BAD_REQUEST');

    expect(a.frames.filter((f) => f.type === 'error').length - errorsBefore).toBe(13);
    expect(a.invalid).toEqual([]);

    // The same socket still works, and so does another client.
    expect((await a.request({ type: 'ping' })).type).toBe('reply');
    const later = await a.ok<{ id: string }>(sendFrame(bob.user.username, 'after the storm'));
    await b.waitForEvent((e) => e.kind === 'message' && e.message.id === later.id);
    expect((await b.request({ type: 'ping' })).type).toBe('reply');

    // Stored messages are intact.
    const opened = await b.ok<{ text: string; burned: boolean }>({ type: 'open', id: stored.id });
    expect(opened).toMatchObject({ text: 'kept safe', burned: true });
    expect(await b.ok({ type: 'open', id: normal.id })).toMatchObject({ text: 'plain one', burned: false });
    a.close();
    b.close();
  });

  it('closes with 1009 beyond the hard cap, and the server keeps serving', async () => {
    await using server = await testServer({ maxFrameBytes: 4096 });
    const alice = await register(server);
    const a = await RawClient.connect(server.url, alice.token);
    a.send('x'.repeat(2 * 1024 * 1024));
    expect((await a.closed).code).toBe(1009);
    const again = await RawClient.connect(server.url, alice.token);
    expect((await again.request({ type: 'ping' })).type).toBe('reply');
    again.close();
  });

  it('refuses requests before hello, a wrong protocol and a bad token', async () => {
    await using server = await testServer();
    const alice = await register(server);

    const early = await RawClient.open(server.url);
    early.send({ type: 'ping', rid: 'p1' });
    expect(await early.waitFor((f) => f.type === 'error')).toMatchObject({ rid: 'p1', code: 'UNAUTHORIZED' });
    // Still open: a hello now works.
    early.send({ type: 'hello', protocol: PROTOCOL_VERSION, token: alice.token, cursor: null });
    await early.waitFor((f) => f.type === 'synced');
    expect((await early.request({ type: 'ping' })).type).toBe('reply');
    early.close();

    const old = await RawClient.open(server.url);
    old.send({ type: 'hello', protocol: PROTOCOL_VERSION + 1, token: alice.token, cursor: null });
    expect(await old.waitFor((f) => f.type === 'error')).toMatchObject({ code: 'UNSUPPORTED_PROTOCOL' });
    expect((await old.closed).code).toBe(4002);

    const stranger = await RawClient.open(server.url);
    stranger.send({ type: 'hello', protocol: PROTOCOL_VERSION, token: 'not-a-token', cursor: null });
    expect(await stranger.waitFor((f) => f.type === 'error')).toMatchObject({ code: 'UNAUTHORIZED' });
    expect((await stranger.closed).code).toBe(4001);
  });

  it('handles frames pipelined right behind the hello, in order', async () => {
    await using server = await testServer();
    const alice = await register(server);
    const bob = await register(server);
    const a = await RawClient.open(server.url);
    a.send({ type: 'hello', protocol: PROTOCOL_VERSION, token: alice.token, cursor: null });
    a.send({ ...sendFrame(bob.user.username, 'quick'), rid: 'q1' });
    a.send({ type: 'ping', rid: 'q2' });
    const reply = await a.waitFor((f) => f.type === 'reply' && f.rid === 'q1');
    expect(reply).toMatchObject({ type: 'reply' });
    await a.waitFor((f) => f.type === 'reply' && f.rid === 'q2');
    expect(a.frames[0]?.type).toBe('welcome');
    a.close();
  });

  it('closes a socket that never says hello with 4003', async () => {
    await using server = await testServer({ helloTimeoutMs: 300 });
    const silent = await RawClient.open(server.url);
    expect((await silent.closed).code).toBe(4003);
  });

  it('closes sockets with 1001 on shutdown', async () => {
    const server = await testServer();
    const alice = await register(server);
    const a = await RawClient.connect(server.url, alice.token);
    await server[Symbol.asyncDispose]();
    expect((await a.closed).code).toBe(1001);
  });
});
