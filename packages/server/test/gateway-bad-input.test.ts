import { randomBytes, randomUUID } from 'node:crypto';
import {
  type Envelope,
  MAX_SEALED_BYTES,
  MAX_SEALED_KEYS,
  type OpenResult,
  PROTOCOL_VERSION,
  ROUTES,
  type ServerFrame,
} from '@cinder/protocol';
import { describe, expect, it } from 'vitest';
import {
  login,
  openedContent,
  passwordOf,
  postJson,
  RawClient,
  register,
  sealedSendFrame,
  sendFrame,
  testServer,
  username,
} from '../../../test/kit/index.ts';

type ErrorFrame = Extract<ServerFrame, { type: 'error' }>;

describe('gateway: bad input over a real socket', () => {
  it('answers typed errors, keeps the socket and other clients working, and keeps messages intact', async () => {
    await using server = await testServer({ maxFrameBytes: 8192 });
    const alice = await register(server);
    const bob = await register(server);
    const a = await RawClient.connect(server.url, alice.token);
    const b = await RawClient.connect(server.url, bob.token);

    const stored = await a.ok<{ id: string }>(
      await sealedSendFrame(a, alice.user.username, bob.user.username, 'kept safe'),
    );
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
    const opened = await b.ok<OpenResult>({ type: 'open', id: stored.id });
    expect(opened).toMatchObject({ burned: true });
    expect((await openedContent(opened, bob)).text).toBe('kept safe');
    expect(await b.ok({ type: 'open', id: normal.id })).toMatchObject({ text: 'plain one', burned: false });
    a.close();
    b.close();
  });

  it('refuses burn sends it could read and malformed envelopes, and keeps serving', async () => {
    // Frames up to 256 KiB, so that an oversized envelope meets the schema, not the frame cap.
    await using server = await testServer({ maxFrameBytes: 256 * 1024 });
    const alice = await register(server);
    const bob = await register(server);
    const a = await RawClient.connect(server.url, alice.token);
    const b = await RawClient.connect(server.url, bob.token);
    const to = bob.user.username;
    const secret = randomBytes(16).toString('hex');

    const valid = await sealedSendFrame(a, alice.user.username, to, secret);
    const envelope = valid.sealed as Envelope;
    const key = envelope.keys[0] as Envelope['keys'][number];
    const b64 = (bytes: number) => randomBytes(bytes).toString('base64url');
    const withSealed = (fields: Record<string, unknown>) => ({
      ...valid,
      sealed: { ...envelope, ...fields },
    });
    const { sealed: _sealed, ...unsealedBurn } = valid;
    const { burn: _burn, ...sealedNormal } = valid;

    const refused: Array<[string, Record<string, unknown>]> = [
      ['a burn send with text beside the envelope', { ...valid, text: secret }],
      ['a burn send with ext beside the envelope', { ...valid, ext: { secret } }],
      ['a burn send in plain text', sendFrame(to, secret, { burn: {} })],
      ['a burn send without text or envelope', unsealedBurn],
      ['a normal send with an envelope beside its text', { ...sendFrame(to, 'plain'), sealed: envelope }],
      ['a normal send with only an envelope', sealedNormal],
      ['envelope version 2', withSealed({ v: 2 })],
      ['an envelope id of 15 bytes', withSealed({ id: b64(15) })],
      ['an envelope id of 17 bytes', withSealed({ id: b64(17) })],
      ['k2 of 31 bytes', withSealed({ k2: b64(31) })],
      ['k2 of 33 bytes', withSealed({ k2: b64(33) })],
      ['k2 in base64 with padding', withSealed({ k2: randomBytes(32).toString('base64') })],
      ['k2 with a character outside base64url', withSealed({ k2: `${envelope.k2.slice(0, -1)}+` })],
      ['ct shorter than nonce and tag', withSealed({ ct: b64(27) })],
      ['ct over MAX_SEALED_BYTES', withSealed({ ct: b64(MAX_SEALED_BYTES + 3) })],
      ['ct with a character outside base64url', withSealed({ ct: `${envelope.ct}.` })],
      ['no copies of K1', withSealed({ keys: [] })],
      [`${MAX_SEALED_KEYS + 1} copies of K1`, withSealed({ keys: Array(MAX_SEALED_KEYS + 1).fill(key) })],
      ['a copy of K1 with enc of 31 bytes', withSealed({ keys: [{ ...key, enc: b64(31) }] })],
      ['a copy of K1 with ct of 47 bytes', withSealed({ keys: [{ ...key, ct: b64(47) }] })],
      ['a copy of K1 with ct of 49 bytes', withSealed({ keys: [{ ...key, ct: b64(49) }] })],
      ['a copy of K1 without a device', withSealed({ keys: [{ enc: key.enc, ct: key.ct }] })],
      ['an envelope without k2', withSealed({ k2: undefined })],
      ['an envelope that is a string', { ...valid, sealed: JSON.stringify(envelope) }],
    ];
    for (const [name, frame] of refused) {
      const answer = await a.request({ ...frame, key: `k-${randomUUID()}` });
      expect(answer, name).toMatchObject({ type: 'error', code: 'BAD_REQUEST' });
      expect(JSON.stringify(answer), name).not.toContain(secret);
    }

    // The key directory of a user that does not exist: NOT_FOUND, as for a send to them.
    expect(await a.request({ type: 'keys', username: 'nobody-by-that-name' })).toMatchObject({
      type: 'error',
      code: 'NOT_FOUND',
    });
    expect(await a.request({ type: 'keys', username: 'Not A Username' })).toMatchObject({
      type: 'error',
      code: 'BAD_REQUEST',
    });

    // A recipient whose only device has no key cannot receive burn messages.
    const keyless = username('keyless');
    const created = await postJson(new URL(ROUTES.register, server.url).href, {
      username: keyless,
      password: passwordOf(keyless),
    });
    expect(created.status).toBe(201);
    expect(await a.request({ ...valid, key: `k-${randomUUID()}`, to: keyless })).toMatchObject({
      type: 'error',
      code: 'BAD_REQUEST',
    });

    // An envelope sealed before the recipient added a device: KEYS_CHANGED; sealed again, it goes.
    const bob2 = await login(server, to);
    expect(await a.request({ ...valid, key: `k-${randomUUID()}` })).toMatchObject({
      type: 'error',
      code: 'KEYS_CHANGED',
    });
    const sent = await a.ok<{ id: string }>(await sealedSendFrame(a, alice.user.username, to, secret));

    // Nothing refused was stored: Bob heard of the one message that went, and opens it on either device.
    await b.waitForEvent((e) => e.kind === 'message' && e.message.id === sent.id);
    await b.settle();
    expect(b.events().filter((e) => e.kind === 'message')).toHaveLength(1);
    const b2 = await RawClient.connect(server.url, bob2.token);
    const opened = await b2.ok<OpenResult>({ type: 'open', id: sent.id });
    expect((await openedContent(opened, bob2)).text).toBe(secret);
    expect(a.invalid).toEqual([]);
    expect((await a.request({ type: 'ping' })).type).toBe('reply');
    a.close();
    b.close();
    b2.close();
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
