import { describe, expect, it } from 'vitest';
import {
  CinderError,
  conversationId,
  ErrorBody,
  HTTP_STATUS,
  MAX_EXT_BYTES,
  parseClientFrame,
  parseServerFrame,
  peerOf,
  RETRYABLE_CODES,
} from './index.ts';

describe('parseClientFrame', () => {
  it('accepts a valid send frame', () => {
    const r = parseClientFrame(
      JSON.stringify({ type: 'send', rid: 'r1', key: 'k-12345678', to: 'bob', text: 'hi' }),
    );
    expect(r.ok).toBe(true);
  });

  const b64 = (bytes: number) => 'A'.repeat(Math.ceil((bytes * 4) / 3));
  const envelope = {
    v: 1,
    id: b64(16),
    ct: b64(40),
    k2: b64(32),
    keys: [{ device: 'd_1', enc: b64(32), ct: b64(48) }],
  };
  const burnSend = { type: 'send', rid: 'r1', key: 'k-12345678', to: 'bob', burn: {}, sealed: envelope };

  it('accepts a sealed burn send, and refuses a burn message the server could read', () => {
    expect(parseClientFrame(JSON.stringify(burnSend)).ok).toBe(true);
    const refused = [
      { ...burnSend, sealed: undefined, text: 'hi' },
      { ...burnSend, text: 'hi' },
      { ...burnSend, ext: { fire: true } },
      { type: 'send', rid: 'r1', key: 'k-12345678', to: 'bob', text: 'hi', sealed: envelope },
      { ...burnSend, sealed: { ...envelope, k2: b64(31) } },
      { ...burnSend, sealed: { ...envelope, keys: [] } },
      { ...burnSend, sealed: { ...envelope, ct: `${b64(40)}+` } },
      { ...burnSend, sealed: { ...envelope, v: 2 } },
      { ...burnSend, sealed: { ...envelope, ct: `${b64(40)}AAA` } },
    ];
    for (const frame of refused) {
      const r = parseClientFrame(JSON.stringify(frame));
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.code).toBe('BAD_REQUEST');
    }
  });

  it('accepts an attachment, with name and type only on a normal message', () => {
    const normal = { type: 'send', rid: 'r1', key: 'k-12345678', to: 'bob', text: '' };
    const attachment = { upload: 'u_1', kind: 'image', size: 1024 };
    const named = { ...attachment, name: 'photo.jpg', type: 'image/jpeg' };
    for (const frame of [
      { ...normal, attachment },
      { ...normal, attachment: named },
      { ...burnSend, attachment },
    ]) {
      expect(parseClientFrame(JSON.stringify(frame)).ok).toBe(true);
    }
    const refused = [
      { ...burnSend, attachment: { ...attachment, name: 'photo.jpg' } },
      { ...burnSend, attachment: { ...attachment, type: 'image/jpeg' } },
      { ...normal, attachment: { ...attachment, kind: 'sticker' } },
      { ...normal, attachment: { ...attachment, size: -1 } },
      { ...normal, attachment: { ...attachment, size: 1.5 } },
      { ...normal, attachment: { ...attachment, upload: '' } },
      { ...normal, attachment: { ...named, name: 'x'.repeat(256) } },
      { ...normal, attachment: { ...named, name: 'a\u0000b' } },
      { ...normal, attachment: { ...named, name: '' } },
      { ...normal, attachment: { ...named, type: 'jpeg' } },
      { ...normal, attachment: { ...named, type: `image/${'x'.repeat(122)}` } },
      { ...normal, attachment: { kind: 'image', size: 1 } },
    ];
    for (const frame of refused) {
      const r = parseClientFrame(JSON.stringify(frame));
      expect(r.ok, JSON.stringify(frame.attachment)).toBe(false);
      if (!r.ok) expect(r.error.code).toBe('BAD_REQUEST');
    }
  });

  it('rejects malformed JSON as BAD_REQUEST without a rid', () => {
    const r = parseClientFrame('{nope');
    expect(r).toMatchObject({ ok: false, rid: null });
    if (!r.ok) expect(r.error.code).toBe('BAD_REQUEST');
  });

  it('rejects an unknown type and keeps the rid', () => {
    const r = parseClientFrame(JSON.stringify({ type: 'explode', rid: 'r9' }));
    expect(r).toMatchObject({ ok: false, rid: 'r9' });
  });

  it('rejects wrong field types without echoing values', () => {
    const secret = 'do-not-echo-this-value';
    const r = parseClientFrame(
      JSON.stringify({ type: 'send', rid: 'r2', key: 'k-12345678', to: 'bob', text: 5, ext: secret }),
    );
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.rid).toBe('r2');
      expect(r.error.message).not.toContain(secret);
    }
  });

  it('rejects ext over 4 KiB', () => {
    const ext = { pad: 'x'.repeat(MAX_EXT_BYTES) };
    const r = parseClientFrame(
      JSON.stringify({ type: 'send', rid: 'r3', key: 'k-12345678', to: 'bob', text: '', ext }),
    );
    expect(r.ok).toBe(false);
  });
});

describe('parseServerFrame', () => {
  it('accepts a sealed message event and rejects an unknown error code', () => {
    const ok = parseServerFrame(
      JSON.stringify({
        type: 'events',
        cursor: 3,
        events: [
          {
            kind: 'message',
            seq: 3,
            message: {
              id: 'm1',
              conversation: 'dm:alice:bob',
              from: 'alice',
              to: 'bob',
              sentAt: 1,
              size: 5,
              burn: { ttlSeconds: 10, viewSeconds: 0, expiresAt: 10_001 },
            },
          },
        ],
      }),
    );
    expect(ok.ok).toBe(true);
    const bad = parseServerFrame(JSON.stringify({ type: 'error', rid: null, code: 'WAT', message: '' }));
    expect(bad.ok).toBe(false);
  });

  it('reads the recall window of a welcome, and a welcome without one (an older server)', () => {
    const welcome = {
      type: 'welcome',
      protocol: 2,
      user: { id: 'u1', username: 'alice' },
      device: { id: 'd1', name: 'laptop' },
      serverTime: 1,
    };
    const withWindow = parseServerFrame(JSON.stringify({ ...welcome, recallWindowMs: 120_000 }));
    expect(withWindow).toMatchObject({ ok: true, value: { recallWindowMs: 120_000 } });
    const without = parseServerFrame(JSON.stringify(welcome));
    expect(without.ok).toBe(true);
    expect(without.ok && without.value).not.toHaveProperty('recallWindowMs');
    expect(parseServerFrame(JSON.stringify({ ...welcome, recallWindowMs: -5 })).ok).toBe(false);
  });
});

describe('errors and helpers', () => {
  it('reads an HTTP error body only with a known code (others fall back on the status in the SDK)', () => {
    expect(ErrorBody.safeParse({ error: { code: 'BURNED', message: 'gone' } }).data?.error.code).toBe(
      'BURNED',
    );
    expect(ErrorBody.safeParse({ error: { code: 'WAT', message: '' } }).success).toBe(false);
  });

  it('maps every code to a status and normalises unknown errors', () => {
    for (const status of Object.values(HTTP_STATUS)) expect(status).toBeGreaterThanOrEqual(400);
    const e = CinderError.from(new Error('secret detail'));
    expect(e.code).toBe('INTERNAL');
    expect(e.message).not.toContain('secret');
    expect(RETRYABLE_CODES.has('BURNED')).toBe(false);
    expect(new CinderError('RATE_LIMITED').retryable).toBe(true);
  });

  it('builds symmetric conversation ids', () => {
    expect(conversationId('bob', 'alice')).toBe('dm:alice:bob');
    expect(conversationId('alice', 'bob')).toBe('dm:alice:bob');
    expect(peerOf('dm:alice:bob', 'alice')).toBe('bob');
    expect(peerOf('dm:alice:bob', 'bob')).toBe('alice');
  });
});
