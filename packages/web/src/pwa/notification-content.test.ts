import { describe, expect, it } from 'vitest';
import { FALLBACK_TAG, notificationFor } from './notification-content.ts';
import { peerToOpen } from './open-chat-message.ts';

describe('notificationFor', () => {
  it('says only who sent a burn message, with no body', () => {
    const { title, options } = notificationFor({ v: 1, kind: 'burn', from: 'alice' }, 'en', false);
    expect(title).toBe('alice sent a burn message');
    expect(options.body).toBeUndefined();
    expect(options.tag).toBe('cinder:alice');
    expect(options.data).toEqual({ from: 'alice' });
    expect(options.silent).toBe(false);
    expect(options.renotify).toBe(true);
  });

  it("shows a normal message's preview only when the payload has one", () => {
    const withPreview = notificationFor(
      { v: 1, kind: 'message', from: 'bob', preview: 'hi there' },
      'en',
      true,
    );
    expect(withPreview.title).toBe('bob');
    expect(withPreview.options.body).toBe('hi there');
    expect(withPreview.options.silent).toBe(true);
    expect(withPreview.options.renotify).toBe(false);
    expect(notificationFor({ v: 1, kind: 'message', from: 'bob' }, 'en', false).options.body).toBe(
      'New message',
    );
  });

  it('shows nothing of a payload the protocol does not allow', () => {
    for (const payload of [
      { v: 1, kind: 'burn', from: 'alice', text: 'SECRET' },
      { v: 1, kind: 'message', from: 'alice', preview: 'ok', ext: { x: 'SECRET' } },
      { v: 2, kind: 'burn', from: 'alice' },
      { v: 1, kind: 'burn', from: 'SECRET with spaces' },
      'SECRET',
      undefined,
    ]) {
      const { title, options } = notificationFor(payload, 'en', false);
      expect(JSON.stringify({ title, options })).not.toContain('SECRET');
      expect(title).toBe('Cinder');
      expect(options.body).toBe('New message');
      expect(options.tag).toBe(FALLBACK_TAG);
      expect(options.data).toEqual({ from: null });
    }
  });

  it('speaks Simplified Chinese', () => {
    expect(notificationFor({ v: 1, kind: 'burn', from: 'alice' }, 'zh-CN', false).title).toBe(
      'alice 发来一条阅后即焚消息',
    );
    expect(notificationFor({ v: 1, kind: 'message', from: 'alice' }, 'zh-CN', false).options.body).toBe(
      '新消息',
    );
  });
});

describe('peerToOpen', () => {
  it('accepts only an open-chat message with a username', () => {
    expect(peerToOpen({ type: 'cinder:open-chat', peer: 'alice' })).toBe('alice');
    expect(peerToOpen({ type: 'cinder:open-chat', peer: '../x' })).toBeNull();
    expect(peerToOpen({ type: 'other', peer: 'alice' })).toBeNull();
    expect(peerToOpen(null)).toBeNull();
  });
});
