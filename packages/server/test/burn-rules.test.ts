import type { Event, OpenResult, ServerFrame } from '@cinder/protocol';
import { describe, expect, it } from 'vitest';
import {
  login,
  metrics,
  openedContent,
  RawClient,
  register,
  sealedSendFrame,
  sendFrame,
  sweptAfter,
  testServer,
} from '../../../test/kit/index.ts';

type ErrorFrame = Extract<ServerFrame, { type: 'error' }>;

/** An error frame without its rid, to compare answers to different requests. */
function answer(frame: ServerFrame): unknown {
  if (frame.type !== 'error') return frame;
  const { rid: _rid, ...rest } = frame as ErrorFrame;
  return rest;
}

async function trio(options: Parameters<typeof testServer>[0] = {}) {
  const server = await testServer(options);
  const alice = await register(server);
  const bob = await register(server);
  const carol = await register(server);
  const a = await RawClient.connect(server.url, alice.token);
  const b = await RawClient.connect(server.url, bob.token);
  const c = await RawClient.connect(server.url, carol.token);
  return {
    server,
    alice,
    bob,
    carol,
    a,
    b,
    c,
    /** A burn message from Alice to Bob, sealed to his devices; `extra` as for `sealedSendFrame`. */
    burnFrame(text: string, extra: Parameters<typeof sealedSendFrame>[4] = {}) {
      return sealedSendFrame(a, alice.user.username, bob.user.username, text, extra);
    },
    async [Symbol.asyncDispose]() {
      for (const client of [a, b, c]) client.close();
      await server[Symbol.asyncDispose]();
    },
  };
}

describe('burn rules', () => {
  it('open: the recipient once, the sender FORBIDDEN, then BURNED; others NOT_FOUND like a never-existing id', async () => {
    await using t = await trio();
    const { id } = await t.a.ok<{ id: string }>(await t.burnFrame('burn me'));

    const carolAnswer = await t.c.request({ type: 'open', id });
    const carolNever = await t.c.request({ type: 'open', id: 'm_never_existed' });
    expect(carolAnswer).toMatchObject({ type: 'error', code: 'NOT_FOUND' });
    expect(answer(carolAnswer)).toEqual(answer(carolNever));
    for (const verb of ['read', 'revoke'] as const) {
      expect(answer(await t.c.request({ type: verb, id }))).toEqual(
        answer(await t.c.request({ type: verb, id: 'm_never_existed' })),
      );
    }

    expect(await t.a.request({ type: 'open', id })).toMatchObject({ type: 'error', code: 'FORBIDDEN' });
    expect(await t.b.request({ type: 'read', id })).toMatchObject({ type: 'error', code: 'BAD_REQUEST' });
    const opened = await t.b.ok<OpenResult>({ type: 'open', id });
    expect(opened).toMatchObject({ burned: true, viewSeconds: 0 });
    expect((await openedContent(opened, t.bob)).text).toBe('burn me');
    expect(await t.b.request({ type: 'open', id })).toMatchObject({ type: 'error', code: 'BURNED' });
    expect(await t.a.request({ type: 'revoke', id })).toMatchObject({ type: 'error', code: 'BURNED' });
    // After the burn, the third user's answer is still the never-existed one.
    expect(answer(await t.c.request({ type: 'open', id }))).toEqual(answer(carolNever));

    // Carol never heard of any of it.
    await t.c.settle();
    expect(t.c.events()).toEqual([]);
  });

  it('lets exactly one of many racing opens from several devices win', async () => {
    await using t = await trio();
    const bob2Session = await login(t.server, t.bob.user.username);
    const bob2 = await RawClient.connect(t.server.url, bob2Session.token);
    // Sealed to both of Bob's devices, so either may win.
    const { id } = await t.a.ok<{ id: string }>(await t.burnFrame('only once'));
    const answers = await Promise.all([
      ...Array.from({ length: 5 }, () => t.b.request({ type: 'open', id })),
      ...Array.from({ length: 5 }, () => bob2.request({ type: 'open', id })),
    ]);
    expect(answers.filter((f) => f.type === 'reply')).toHaveLength(1);
    expect(answers.filter((f) => f.type === 'error' && f.code === 'BURNED')).toHaveLength(9);
    // The winner decrypts it with its own device's keys.
    const won = answers.findIndex((f) => f.type === 'reply');
    const result = (answers[won] as { result: OpenResult }).result;
    expect((await openedContent(result, won < 5 ? t.bob : bob2Session)).text).toBe('only once');
    bob2.close();
  });

  it('revoke: the sender burns its unopened message; the recipient FORBIDDEN; normal messages BAD_REQUEST', async () => {
    await using t = await trio();
    const burn = await t.a.ok<{ id: string }>(await t.burnFrame('take it back'));
    const normal = await t.a.ok<{ id: string }>(sendFrame(t.bob.user.username, 'plain'));
    expect(await t.b.request({ type: 'revoke', id: burn.id })).toMatchObject({ code: 'FORBIDDEN' });
    expect(await t.a.request({ type: 'revoke', id: normal.id })).toMatchObject({ code: 'BAD_REQUEST' });
    expect(await t.a.ok({ type: 'revoke', id: burn.id })).toEqual({});
    for (const client of [t.a, t.b]) {
      await client.waitForEvent(
        (e) => e.kind === 'burned' && e.messageId === burn.id && e.reason === 'revoked',
      );
    }
    expect(await t.b.request({ type: 'open', id: burn.id })).toMatchObject({ code: 'BURNED' });
    expect(await t.a.request({ type: 'revoke', id: burn.id })).toMatchObject({ code: 'BURNED' });
  });

  it('send: unknown user NOT_FOUND, yourself BAD_REQUEST, ttl clamped to --max-ttl, defaults filled', async () => {
    await using t = await trio({ maxTtlSeconds: 60 });
    expect(await t.a.request(sendFrame('nobody-here', 'hi'))).toMatchObject({ code: 'NOT_FOUND' });
    expect(await t.a.request(sendFrame(t.alice.user.username, 'hi'))).toMatchObject({ code: 'BAD_REQUEST' });
    const clamped = await t.a.ok<{
      burn: { ttlSeconds: number; viewSeconds: number; expiresAt: number };
      sentAt: number;
    }>(await t.burnFrame('hi', { burn: { ttlSeconds: 3600, viewSeconds: 5 } }));
    expect(clamped.burn).toEqual({ ttlSeconds: 60, viewSeconds: 5, expiresAt: clamped.sentAt + 60_000 });
    const defaults = await t.a.ok<{ burn: { ttlSeconds: number; viewSeconds: number } }>(
      await t.burnFrame('hi'),
    );
    expect(defaults.burn).toMatchObject({ ttlSeconds: 60, viewSeconds: 0 });
  });

  it('duplicate frames are no-ops: same send key, repeated delivered, read and open', async () => {
    await using t = await trio();
    const frame = sendFrame(t.bob.user.username, 'once', { ext: { fire: true } });
    const first = await t.a.ok(frame);
    const second = await t.a.ok(frame);
    expect(second).toEqual(first);
    const id = (first as { id: string }).id;

    await t.b.ok({ type: 'delivered', ids: [id] });
    await t.b.ok({ type: 'delivered', ids: [id, id] });
    await t.b.ok({ type: 'read', id });
    await t.b.ok({ type: 'read', id });
    expect(await t.b.ok({ type: 'open', id })).toMatchObject({
      text: 'once',
      ext: { fire: true },
      burned: false,
    });
    await t.a.waitForEvent((e) => e.kind === 'receipt' && e.type === 'read');
    await t.b.settle();
    await t.a.settle();

    const messagesToBob = t.b.events().filter((e) => e.kind === 'message');
    expect(messagesToBob).toHaveLength(1);
    const receipts = t.a
      .events()
      .filter((e): e is Extract<Event, { kind: 'receipt' }> => e.kind === 'receipt');
    expect(receipts.map((r) => [r.type, r.by, r.messageId])).toEqual([
      ['delivered', t.bob.user.username, id],
      ['read', t.bob.user.username, id],
    ]);
    // The sender's own receipts and reads are refused or ignored, never recorded.
    expect(await t.a.request({ type: 'read', id })).toMatchObject({ code: 'FORBIDDEN' });
    await t.a.ok({ type: 'delivered', ids: [id] });

    // A retried burn send returns the same result even after the burn.
    const burnFrame = await t.burnFrame('burn once');
    const burnFirst = await t.a.ok<{ id: string }>(burnFrame);
    await t.b.ok({ type: 'open', id: burnFirst.id });
    expect(await t.a.ok(burnFrame)).toEqual(burnFirst);
    expect(await t.b.request({ type: 'open', id: burnFirst.id })).toMatchObject({ code: 'BURNED' });
    // Burn messages get delivered receipts but never read receipts.
    await t.b.settle();
    await t.a.settle();
    expect(t.a.events().filter((e) => e.kind === 'receipt' && e.messageId === burnFirst.id)).toEqual([]);
  });

  it('expiry: a ttl of 2 s burns within 1 s of its deadline, with a tombstone to both sides', async () => {
    await using t = await trio();
    const sent = await t.a.ok<{ id: string; burn: { expiresAt: number } }>(
      await t.burnFrame('short life', { burn: { ttlSeconds: 2 } }),
    );
    for (const client of [t.a, t.b]) {
      const burned = await client.waitForEvent((e) => e.kind === 'burned' && e.messageId === sent.id);
      expect(burned).toMatchObject({ reason: 'expired' });
      const at = (burned as { at: number }).at;
      expect(at).toBeGreaterThanOrEqual(sent.burn.expiresAt);
      // Rule 5, on the server's own stamp of the burn: a busy test machine delays only the wait.
      expect(at - sent.burn.expiresAt).toBeLessThanOrEqual(1000);
    }
    expect(await t.b.request({ type: 'open', id: sent.id })).toMatchObject({ code: 'BURNED' });
    const scrape = await metrics(t.server);
    expect(scrape.value('cinder_burns_total', { reason: 'expired' })).toBe(1);
    expect(scrape.value('cinder_sweeper_burned_total')).toBe(1);
  });

  it('expiry follows the server clock, not the client', async () => {
    let now = Date.now();
    await using t = await trio({ now: () => now });
    const sent = await t.a.ok<{ id: string; burn: { expiresAt: number } }>(
      await t.burnFrame('later', { burn: { ttlSeconds: 3600 } }),
    );
    // A whole sweep runs with the server's clock still an hour before the ttl: nothing burns.
    await sweptAfter(t.server);
    await t.b.settle();
    expect(t.b.events().filter((e) => e.kind === 'burned')).toEqual([]);
    now = sent.burn.expiresAt;
    const burned = await t.b.waitForEvent((e) => e.kind === 'burned' && e.messageId === sent.id, 2000);
    expect(burned).toMatchObject({ reason: 'expired', at: sent.burn.expiresAt });
  });
});
