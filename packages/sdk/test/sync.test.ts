import type { Event, MessageView } from '@cinder/protocol';
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../src/index.ts';
import { Sync } from '../src/sync.ts';
import type { Burned, Message, Recalled, Receipt, StoredMessage } from '../src/types.ts';

// Sync is the client's event-application core; here it runs on a real MemoryStore with frames
// built by hand, to pin down orderings a live server only produces by chance.

const conversation = 'dm:alice:bob';
const burn = { ttlSeconds: 60, viewSeconds: 0, expiresAt: 61_000 };

function view(id: string, overrides: Partial<MessageView> = {}): MessageView {
  return {
    id,
    conversation,
    from: 'bob',
    to: 'alice',
    sentAt: 1000,
    size: 2,
    text: 'hi',
    ext: {},
    ...overrides,
  };
}

function setup() {
  const store = new MemoryStore();
  const out = {
    message: [] as Message[],
    receipt: [] as Receipt[],
    burned: [] as Burned[],
    recalled: [] as Recalled[],
    delivered: [] as string[],
  };
  const sync = new Sync(store, {
    message: (m) => out.message.push(m),
    receipt: (r) => out.receipt.push(r),
    burned: (b) => out.burned.push(b),
    recalled: (r) => out.recalled.push(r),
    delivered: (ids) => out.delivered.push(...ids),
  });
  const events = (list: Event[], cursor = list.at(-1)?.seq ?? 0) =>
    sync.applyEvents({ type: 'events', events: list, cursor }, 'alice');
  return { store, sync, out, events };
}

describe('Sync', () => {
  it('applies each event once: replays at or below the cursor are ignored', async () => {
    const { store, out, events, sync } = setup();
    await events([{ kind: 'message', seq: 5, message: view('m1') }]);
    await events([
      { kind: 'message', seq: 5, message: view('m1') },
      { kind: 'message', seq: 9, message: view('m2', { sentAt: 2000 }) },
    ]);
    expect(out.message.map((m) => m.id)).toEqual(['m1', 'm2']);
    expect(out.delivered).toEqual(['m1', 'm2']);
    expect(await store.getCursor()).toBe(9);
    expect(sync.cursor).toBe(9);
  });

  it('drops a recalled message and announces the recall once, also for a message it never had', async () => {
    const { store, out, events } = setup();
    await events([{ kind: 'message', seq: 1, message: view('m1') }]);
    const recalled = { kind: 'recalled' as const, messageId: 'm1', conversation, by: 'bob', at: 3000 };
    await events([{ ...recalled, seq: 2 }]);
    await events([{ ...recalled, seq: 2 }]); // a replay
    await events([{ ...recalled, seq: 3, messageId: 'm_never_seen' }]);
    expect(await store.getMessage('m1')).toBeUndefined();
    expect(await store.listMessages()).toEqual([]);
    expect(out.recalled).toEqual([
      { messageId: 'm1', conversation, by: 'bob', at: 3000 },
      { messageId: 'm_never_seen', conversation, by: 'bob', at: 3000 },
    ]);
    expect(await store.getCursor()).toBe(3);
  });

  it('keeps a recall placeholder without content, and never brings the message back', async () => {
    const { store, out, events, sync } = setup();
    await events([{ kind: 'message', seq: 1, message: view('m1', { text: 'recalled-secret-41' }) }]);
    await events([{ kind: 'recalled', seq: 2, messageId: 'm1', conversation, by: 'bob', at: 3000 }]);
    const placeholder = {
      id: 'm1',
      conversation,
      from: 'bob',
      to: 'alice',
      sentAt: 1000,
      reason: 'recalled',
      by: 'bob',
      at: 3000,
    };
    expect(await store.getTombstone('m1')).toEqual(placeholder);
    expect(JSON.stringify(await store.listTombstones())).not.toContain('recalled-secret-41');
    // A replay under a new seq, and a full resync that still lists it, leave it recalled.
    await events([{ kind: 'message', seq: 3, message: view('m1') }]);
    await sync.applyResync({ type: 'resync', messages: [view('m1')], cursor: 4, done: true }, 'alice');
    expect(await store.listMessages()).toEqual([]);
    expect(out.message.map((m) => m.id)).toEqual(['m1']);
    expect(await store.listTombstones()).toEqual([placeholder]);
  });

  it('announces a recall once when this device recalled it first, then takes the server’s time', async () => {
    const { store, out, events, sync } = setup();
    await events([{ kind: 'message', seq: 1, message: view('m1', { from: 'alice', to: 'bob' }) }]);
    await sync.recallLocally('m1', 'alice');
    expect(out.recalled).toEqual([{ messageId: 'm1', conversation, by: 'alice', at: expect.any(Number) }]);
    expect(await store.getMessage('m1')).toBeUndefined();
    await events([{ kind: 'recalled', seq: 2, messageId: 'm1', conversation, by: 'alice', at: 4242 }]);
    expect(out.recalled).toHaveLength(1);
    expect(await store.getTombstone('m1')).toMatchObject({ reason: 'recalled', by: 'alice', at: 4242 });
    // Recalling what this device never held waits for the server's event (it names the conversation).
    await sync.recallLocally('m_elsewhere', 'alice');
    expect(out.recalled).toHaveLength(1);
    expect(await store.getTombstone('m_elsewhere')).toBeUndefined();
  });

  it('does not announce a message it already stored, even under a new seq', async () => {
    const { out, events } = setup();
    await events([{ kind: 'message', seq: 1, message: view('m1') }]);
    await events([{ kind: 'message', seq: 2, message: view('m1') }]);
    expect(out.message).toHaveLength(1);
  });

  it('stores a received burn message sealed even if the frame carried content', async () => {
    const { store, out, events } = setup();
    await events([
      { kind: 'message', seq: 1, message: view('b1', { burn, text: 'must-not-stay', ext: { s: 1 } }) },
    ]);
    expect(out.message[0]).not.toHaveProperty('text');
    expect(out.message[0]?.ext).toEqual({});
    expect(JSON.stringify(await store.listMessages())).not.toContain('must-not-stay');
  });

  it('announces a burn once when this device burned it first (open, revoke)', async () => {
    const { store, out, events, sync } = setup();
    await events([{ kind: 'message', seq: 1, message: view('b1', { burn }) }]);
    const local = await store.getMessage('b1');
    await sync.burnLocally(local!, 'opened');
    expect(out.burned).toHaveLength(1);
    await events([{ kind: 'burned', seq: 2, messageId: 'b1', conversation, reason: 'opened', at: 4242 }]);
    expect(out.burned).toHaveLength(1);
    expect(await store.getTombstone('b1')).toMatchObject({ from: 'bob', reason: 'opened', at: 4242 });
    expect(await store.getMessage('b1')).toBeUndefined();
  });

  it('never brings a burned message back', async () => {
    const { store, out, events } = setup();
    await events([{ kind: 'burned', seq: 3, messageId: 'b1', conversation, reason: 'expired', at: 10 }]);
    await events([{ kind: 'message', seq: 4, message: view('b1', { burn }) }]);
    expect(await store.listMessages()).toEqual([]);
    expect(out.message).toEqual([]);
    expect(out.burned).toEqual([{ messageId: 'b1', conversation, reason: 'expired', at: 10 }]);
  });

  it('moves an own message’s status forward only', async () => {
    const { store, out, events } = setup();
    await events([{ kind: 'message', seq: 1, message: view('m1', { from: 'alice', to: 'bob' }) }]);
    const receipt = (seq: number, type: 'delivered' | 'read') =>
      ({ kind: 'receipt', seq, messageId: 'm1', conversation, type, by: 'bob', at: seq }) as const;
    await events([receipt(2, 'read'), receipt(3, 'delivered')]);
    expect((await store.getMessage('m1'))?.status).toBe('read');
    expect(out.receipt.map((r) => r.type)).toEqual(['read', 'delivered']);
    expect(out.delivered).toEqual([]);
  });

  it('resync keeps exactly the listed messages, merging what the device knew', async () => {
    const { store, out, sync } = setup();
    const stored = (id: string, extra: Partial<StoredMessage>): StoredMessage => ({
      id,
      conversation,
      from: 'bob',
      to: 'alice',
      sentAt: 1000,
      size: 2,
      text: 'hi',
      ext: {},
      mine: false,
      ...extra,
    });
    await store.commit({
      putMessages: [
        stored('own', {
          from: 'alice',
          to: 'bob',
          burn,
          text: 'own burn text',
          mine: true,
          status: 'delivered',
        }),
        stored('read', { readAt: 77 }),
        stored('gone', {}),
      ],
      putTombstones: [{ id: 'old', conversation, reason: 'opened', at: 1 }],
      putOutbox: [{ key: 'key-00000001', to: 'bob', text: 'pending', createdAt: 1 }],
    });
    // As the server lists it: sealed.
    const own: MessageView = {
      id: 'own',
      conversation,
      from: 'alice',
      to: 'bob',
      sentAt: 1000,
      size: 2,
      burn,
    };
    await sync.applyResync({ type: 'resync', messages: [own], done: false, cursor: 50 }, 'alice');
    expect(await store.listMessages()).toHaveLength(3);
    await sync.applyResync(
      { type: 'resync', messages: [view('read'), view('new')], done: true, cursor: 50 },
      'alice',
    );

    const list = await store.listMessages(conversation);
    expect(list.map((m) => m.id).sort()).toEqual(['new', 'own', 'read']);
    expect(list.find((m) => m.id === 'own')).toMatchObject({ text: 'own burn text', status: 'delivered' });
    expect(list.find((m) => m.id === 'read')?.readAt).toBe(77);
    expect(out.message.map((m) => m.id)).toEqual(['new']);
    expect(out.delivered).toEqual(['new']);
    expect(out.burned).toEqual([]);
    expect(await store.listTombstones()).toHaveLength(1);
    expect(await store.listOutbox()).toHaveLength(1);
    expect(await store.getCursor()).toBe(50);
  });

  it('a resync cut short by a reconnect starts over', async () => {
    const { store, sync } = setup();
    await sync.applyResync({ type: 'resync', messages: [view('a')], done: false, cursor: 5 }, 'alice');
    sync.reset();
    await sync.applyResync({ type: 'resync', messages: [view('b')], done: true, cursor: 6 }, 'alice');
    expect((await store.listMessages()).map((m) => m.id)).toEqual(['b']);
  });
});
