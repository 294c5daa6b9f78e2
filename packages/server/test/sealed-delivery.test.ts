import { randomBytes } from 'node:crypto';
import type { Envelope, OpenResult } from '@cinder/protocol';
import { describe, expect, it } from 'vitest';
import {
  login,
  openedContent,
  RawClient,
  register,
  sealedSendFrame,
  testServer,
} from '../../../test/kit/index.ts';

function count(haystack: readonly string[], needle: string): number {
  return haystack.reduce((n, frame) => n + frame.split(needle).length - 1, 0);
}

describe('sealed delivery in raw frames', () => {
  it('carries a burn message’s content only sealed, and its envelope only in the reply to the first open', async () => {
    await using server = await testServer();
    const marker = randomBytes(16).toString('hex');
    const extMarker = randomBytes(16).toString('hex');
    const alice = await register(server);
    const alice2 = await login(server, alice.user.username);
    const bob = await register(server);
    const bob2 = await login(server, bob.user.username);

    const a1 = await RawClient.connect(server.url, alice.token);
    const a2 = await RawClient.connect(server.url, alice2.token);
    const b1 = await RawClient.connect(server.url, bob.token);
    const b2 = await RawClient.connect(server.url, bob2.token);

    const frame = await sealedSendFrame(a1, alice.user.username, bob.user.username, `the text ${marker}`, {
      burn: { ttlSeconds: 600 },
      ext: { note: extMarker },
    });
    // The envelope's pieces, as unique strings to count on the wire.
    const { ct, k2 } = frame.sealed as Envelope;
    expect(JSON.stringify(frame)).not.toContain(marker);
    expect(JSON.stringify(frame)).not.toContain(extMarker);
    const sent = await a1.ok<{ id: string; size: number }>(frame);
    // The size is the sealed payload's: the JSON of the text and ext.
    expect(sent.size).toBe(
      Buffer.byteLength(JSON.stringify({ text: `the text ${marker}`, ext: { note: extMarker } })),
    );
    for (const c of [a2, b1, b2]) {
      const event = await c.waitForEvent((e) => e.kind === 'message' && e.message.id === sent.id);
      expect(event).toMatchObject({
        message: { from: alice.user.username, burn: { ttlSeconds: 600 }, size: sent.size },
      });
      expect(event.kind === 'message' && 'text' in event.message).toBe(false);
    }
    // The sending device gets no event for its own send.
    await a1.settle();
    expect(a1.events().filter((e) => e.kind === 'message')).toEqual([]);

    // A device that resyncs from scratch sees it sealed too.
    const fresh = await RawClient.connect(server.url, (await login(server, bob.user.username)).token);
    const resync = fresh.frames.find((f) => f.type === 'resync');
    expect(resync?.type === 'resync' && resync.messages.map((m) => m.id)).toEqual([sent.id]);

    // Delivery receipts carry no content either.
    await b1.ok({ type: 'delivered', ids: [sent.id] });
    await a2.waitForEvent((e) => e.kind === 'receipt' && e.messageId === sent.id);

    const everyoneElse = () => [...a1.raw, ...a2.raw, ...b2.raw, ...fresh.raw];
    for (const piece of [marker, extMarker, ct, k2])
      expect(count([...everyoneElse(), ...b1.raw], piece)).toBe(0);

    const opened = await b1.request({ type: 'open', id: sent.id });
    expect(opened).toMatchObject({
      type: 'reply',
      result: { id: sent.id, from: alice.user.username, sealed: { ct, k2 }, burned: true },
    });
    const result = (opened as { result: OpenResult }).result;
    expect(result.text).toBeUndefined();
    expect(result.ext).toBeUndefined();
    expect(await openedContent(result, bob)).toEqual({
      text: `the text ${marker}`,
      ext: { note: extMarker },
    });
    const retry = await b2.request({ type: 'open', id: sent.id });
    expect(retry).toMatchObject({ type: 'error', code: 'BURNED' });
    for (const c of [a1, a2, b1, b2, fresh]) {
      await c.waitForEvent((e) => e.kind === 'burned' && e.messageId === sent.id && e.reason === 'opened');
      await c.settle();
    }

    // The envelope went to the opening device once; the plain text went nowhere.
    expect(count(b1.raw, ct)).toBe(1);
    expect(count(b1.raw, k2)).toBe(1);
    for (const piece of [ct, k2, marker, extMarker]) expect(count(everyoneElse(), piece)).toBe(0);
    expect(count(b1.raw, marker)).toBe(0);
    expect(count(b1.raw, extMarker)).toBe(0);
    for (const c of [a1, a2, b1, b2, fresh]) {
      expect(c.invalid).toEqual([]);
      c.close();
    }

    // Reconnecting devices learn the burn and never see the message again.
    const late = await RawClient.connect(server.url, (await login(server, bob.user.username)).token);
    for (const piece of [ct, k2, marker]) expect(count(late.raw, piece)).toBe(0);
    expect(late.frames.flatMap((f) => (f.type === 'resync' ? f.messages : []))).toEqual([]);
    late.close();
  });
});
