import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  BurnPushPayload,
  MAX_PUSH_PREVIEW_LENGTH,
  PushPayload,
  PushSubscribeBody,
  PushSubscriptionJson,
} from './push.ts';

const keys = {
  p256dh: randomBytes(65).toString('base64url'),
  auth: randomBytes(16).toString('base64url'),
};

describe('push payloads', () => {
  it('say only who sent a burn message', () => {
    expect(PushPayload.parse({ v: 1, kind: 'burn', from: 'alice' })).toEqual({
      v: 1,
      kind: 'burn',
      from: 'alice',
    });
    for (const extra of [{ text: 'x' }, { preview: 'x' }, { ext: {} }, { name: 'a.png' }, { id: 'm_1' }]) {
      expect(BurnPushPayload.safeParse({ v: 1, kind: 'burn', from: 'alice', ...extra }).success).toBe(false);
      expect(PushPayload.safeParse({ v: 1, kind: 'burn', from: 'alice', ...extra }).success).toBe(false);
    }
  });

  it('carry a bounded preview for normal messages only', () => {
    expect(PushPayload.safeParse({ v: 1, kind: 'message', from: 'alice' }).success).toBe(true);
    expect(PushPayload.safeParse({ v: 1, kind: 'message', from: 'alice', preview: 'hi' }).success).toBe(true);
    const long = 'x'.repeat(MAX_PUSH_PREVIEW_LENGTH + 1);
    expect(PushPayload.safeParse({ v: 1, kind: 'message', from: 'alice', preview: long }).success).toBe(
      false,
    );
    expect(PushPayload.safeParse({ v: 1, kind: 'message', from: 'alice', ext: {} }).success).toBe(false);
    expect(PushPayload.safeParse({ v: 2, kind: 'burn', from: 'alice' }).success).toBe(false);
  });
});

describe('push subscriptions', () => {
  it("take a browser's PushSubscription.toJSON(), padded keys too", () => {
    const json = { endpoint: 'https://push.example/abc', expirationTime: null, keys };
    expect(PushSubscriptionJson.parse(json)).toEqual(json);
    const padded = { p256dh: randomBytes(65).toString('base64'), auth: randomBytes(16).toString('base64') };
    const url = (s: string) => s.replaceAll('+', '-').replaceAll('/', '_');
    expect(
      PushSubscriptionJson.safeParse({
        endpoint: 'https://push.example/abc',
        keys: { p256dh: url(padded.p256dh), auth: url(padded.auth) },
      }).success,
    ).toBe(true);
    expect(PushSubscribeBody.safeParse({ subscription: json, previews: true }).success).toBe(true);
  });

  it('refuse other URLs and keys of the wrong size', () => {
    for (const endpoint of ['ftp://push.example/a', 'not a url', `https://x/${'a'.repeat(2048)}`]) {
      expect(PushSubscriptionJson.safeParse({ endpoint, keys }).success).toBe(false);
    }
    const short = { ...keys, auth: randomBytes(15).toString('base64url') };
    expect(PushSubscriptionJson.safeParse({ endpoint: 'https://p/a', keys: short }).success).toBe(false);
  });
});
