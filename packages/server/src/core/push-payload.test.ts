import { MAX_PUSH_PREVIEW_LENGTH } from '@cinder/protocol';
import { describe, expect, it } from 'vitest';
import { MAX_PUSH_TTL_SECONDS, previewOf, pushPayload, pushTtl } from './push-payload.ts';

describe('push payloads', () => {
  const burn = { kind: 'burn', recipientId: 'u_b', from: 'alice', ttlSeconds: 60 } as const;
  const normal = { kind: 'message', recipientId: 'u_b', from: 'alice', text: 'hello  there\n' } as const;

  it('say only who sent a burn message, previews on or off', () => {
    expect(pushPayload(burn, false)).toEqual({ v: 1, kind: 'burn', from: 'alice' });
    expect(pushPayload(burn, true)).toEqual({ v: 1, kind: 'burn', from: 'alice' });
  });

  it('carry a normal message’s text only with previews on, and never an empty preview', () => {
    expect(pushPayload(normal, false)).toEqual({ v: 1, kind: 'message', from: 'alice' });
    expect(pushPayload(normal, true)).toEqual({
      v: 1,
      kind: 'message',
      from: 'alice',
      preview: 'hello there',
    });
    expect(pushPayload({ ...normal, text: ' \n ' }, true)).toEqual({ v: 1, kind: 'message', from: 'alice' });
  });

  it('cut long previews between code points, within the limit', () => {
    const long = '😀'.repeat(200);
    const preview = previewOf(long);
    expect(preview.length).toBeLessThanOrEqual(MAX_PUSH_PREVIEW_LENGTH);
    expect(preview.endsWith('…')).toBe(true);
    expect(preview.slice(0, -1)).toBe('😀'.repeat((preview.length - 1) / 2));
    expect(previewOf('x'.repeat(MAX_PUSH_PREVIEW_LENGTH))).toBe('x'.repeat(MAX_PUSH_PREVIEW_LENGTH));
    expect(previewOf('x'.repeat(MAX_PUSH_PREVIEW_LENGTH + 1))).toHaveLength(MAX_PUSH_PREVIEW_LENGTH);
  });

  it('are held by a push service no longer than a day, nor past a burn message’s ttl', () => {
    expect(pushTtl(burn)).toBe(60);
    expect(pushTtl({ ...burn, ttlSeconds: 30 * 24 * 3600 })).toBe(MAX_PUSH_TTL_SECONDS);
    expect(pushTtl(normal)).toBe(MAX_PUSH_TTL_SECONDS);
  });
});
