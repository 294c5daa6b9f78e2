import { describe, expect, it } from 'vitest';
import type { BurnedPlaceholder, StoredMessage } from '../session/sdk-types.ts';
import { buildTimeline, type PendingSend, type Revealed } from './timeline.ts';

const T0 = new Date(2026, 0, 10, 12, 0).getTime();

function message(id: string, at: number, extra: Partial<StoredMessage> = {}, sealed = false): StoredMessage {
  const m: StoredMessage = {
    id,
    conversation: 'dm:alice:bob',
    from: 'bob',
    to: 'alice',
    sentAt: at,
    size: 5,
    ext: {},
    mine: false,
    text: 'hello',
    ...extra,
  };
  if (sealed) delete m.text;
  return m;
}

const burn = { ttlSeconds: 3600, viewSeconds: 5, expiresAt: T0 + 3_600_000 };

describe('buildTimeline', () => {
  it('classifies normal, sealed and own burn messages, oldest first, after a day separator', () => {
    const items = buildTimeline({
      me: 'alice',
      messages: [
        message('m2', T0 + 2000, { burn }, true),
        message('m1', T0 + 1000),
        message('m3', T0 + 3000, { burn, from: 'alice', to: 'bob', mine: true, status: 'delivered' }),
      ],
      burned: [],
      revealed: new Map(),
      pending: [],
    });
    expect(items.map((i) => i.kind)).toEqual(['day', 'text', 'sealed', 'own-burn']);
    expect(items.slice(1).map((i) => i.key)).toEqual(['m1', 'm2', 'm3']);
  });

  it('shows revealed text over the placeholder the SDK records at open, and the placeholder after', () => {
    const placeholder: BurnedPlaceholder = {
      id: 'm2',
      conversation: 'dm:alice:bob',
      from: 'bob',
      sentAt: T0,
      reason: 'opened',
      at: T0 + 10,
    };
    const revealed: Revealed = {
      id: 'm2',
      from: 'bob',
      sentAt: T0,
      text: 'secret',
      viewSeconds: 5,
      openedAt: T0 + 10,
      phase: 'showing',
    };
    const open = buildTimeline({
      me: 'alice',
      messages: [],
      burned: [placeholder],
      revealed: new Map([['m2', revealed]]),
      pending: [],
    });
    expect(open.map((i) => i.kind)).toEqual(['day', 'revealed']);
    const after = buildTimeline({
      me: 'alice',
      messages: [],
      burned: [placeholder],
      revealed: new Map(),
      pending: [],
    });
    expect(after.map((i) => i.kind)).toEqual(['day', 'burned']);
    expect(after[1]).toMatchObject({ kind: 'burned', mine: false });
  });

  it('a burned message never appears twice, and a placeholder without a sender has no side', () => {
    const items = buildTimeline({
      me: 'alice',
      messages: [message('m1', T0, { burn }, true)],
      burned: [{ id: 'm1', conversation: 'dm:alice:bob', reason: 'revoked', at: T0 + 5 }],
      revealed: new Map(),
      pending: [],
    });
    expect(items.map((i) => i.kind)).toEqual(['day', 'burned']);
    expect(items[1]).toMatchObject({ mine: null, at: T0 + 5 });
  });

  it('pending sends trail the confirmed messages and days are separated', () => {
    const pending: PendingSend = { key: 'k', text: 'hi', burn: null, createdAt: T0 - 5, error: null };
    const items = buildTimeline({
      me: 'alice',
      messages: [message('old', T0 - 86_400_000), message('new', T0)],
      burned: [],
      revealed: new Map(),
      pending: [pending],
    });
    expect(items.map((i) => i.kind)).toEqual(['day', 'text', 'day', 'text', 'pending']);
  });

  it('places a key-change notice by the time it was seen, before a send still pending', () => {
    const notice = { id: 'd1:bob:1', deviceId: 'd1', peer: 'bob', at: T0 + 1500, verified: true };
    const pending: PendingSend = { key: 'k', text: 'hi', burn: null, createdAt: T0 + 1000, error: null };
    const items = buildTimeline({
      me: 'alice',
      messages: [message('m1', T0 + 1000), message('m2', T0 + 2000)],
      burned: [],
      revealed: new Map(),
      pending: [pending],
      notices: [notice],
    });
    expect(items.map((i) => i.kind)).toEqual(['day', 'text', 'key-change', 'text', 'pending']);
    expect(items[2]).toMatchObject({ key: 'key-change:d1:bob:1', notice });
  });

  it('a recalled message is a placeholder in its place, never its text, on either side', () => {
    const items = buildTimeline({
      me: 'alice',
      // m2 is still in a load that raced the recall: the placeholder wins.
      messages: [message('m1', T0 + 1000), message('m2', T0 + 2000, { from: 'alice', mine: true })],
      burned: [],
      revealed: new Map(),
      pending: [],
      recalled: [
        { id: 'm2', by: 'alice', at: T0 + 2000 },
        { id: 'm0', by: 'bob', at: T0 + 500 },
      ],
    });
    expect(items.map((i) => i.kind)).toEqual(['day', 'recalled', 'text', 'recalled']);
    expect(items[1]).toMatchObject({ key: 'm0', by: 'bob', mine: false });
    expect(items[3]).toMatchObject({ key: 'm2', by: 'alice', mine: true });
    expect(JSON.stringify(items[3])).not.toContain('hello');
  });
});
