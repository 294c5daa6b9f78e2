import { describe, expect, it } from 'vitest';
import { conversationList } from '../src/conversations.ts';
import type { RecallTombstone, StoredMessage, Tombstone } from '../src/index.ts';

// conversationList is pure: these are the stored messages and tombstones a device could hold,
// and the exact list `client.conversations()` returns for them.

const burn = { ttlSeconds: 60, viewSeconds: 0, expiresAt: 99_000 };

function received(
  id: string,
  from: string,
  sentAt: number,
  extra: Partial<StoredMessage> = {},
): StoredMessage {
  const [a, b] = [from, 'alice'].sort();
  return {
    id,
    conversation: `dm:${a}:${b}`,
    from,
    to: 'alice',
    sentAt,
    size: 2,
    text: 'hi',
    ext: {},
    mine: false,
    ...extra,
  };
}

function sent(id: string, to: string, sentAt: number): StoredMessage {
  const [a, b] = [to, 'alice'].sort();
  return {
    id,
    conversation: `dm:${a}:${b}`,
    from: 'alice',
    to,
    sentAt,
    size: 2,
    text: 'yo',
    ext: {},
    mine: true,
    status: 'sent',
  };
}

function sealed(id: string, from: string, sentAt: number): StoredMessage {
  const { text: _text, ...message } = received(id, from, sentAt, { burn });
  return message;
}

function tombstone(id: string, conversation: string, at: number): Tombstone {
  return { id, conversation, reason: 'opened', at };
}

describe('conversationList', () => {
  it('is empty for an empty store', () => {
    expect(conversationList('alice', [], [])).toEqual([]);
  });

  it('counts a recall placeholder as activity, even in a chat with nothing else left', () => {
    const recalled: RecallTombstone = {
      id: 'm9',
      conversation: 'dm:alice:carol',
      reason: 'recalled',
      by: 'carol',
      at: 5000,
    };
    const list = conversationList('alice', [received('m1', 'bob', 4000)], [recalled]);
    expect(list.map((s) => [s.peer, s.lastActivityAt, s.unread])).toEqual([
      ['carol', 5000, 0],
      ['bob', 4000, 1],
    ]);
  });

  it('summarises each conversation: peer, newest message, unread and sealed counts of received messages only', () => {
    const bobRead = received('m1', 'bob', 1000, { readAt: 1500 });
    const bobUnread = received('m2', 'bob', 2000);
    const bobSealed = sealed('m3', 'bob', 3000);
    const ownReply = sent('m4', 'bob', 4000);
    expect(conversationList('alice', [bobRead, bobUnread, bobSealed, ownReply], [])).toEqual([
      {
        conversation: 'dm:alice:bob',
        peer: 'bob',
        lastActivityAt: 4000,
        lastMessage: ownReply,
        unread: 1,
        sealed: 1,
      },
    ]);
  });

  it('orders conversations by most recent activity, a burn counting as activity', () => {
    const fromBob = received('m1', 'bob', 1000);
    const fromCarol = received('m2', 'carol', 2000);
    const fromDave = sealed('m3', 'dave', 3000);
    const list = conversationList(
      'alice',
      [fromBob, fromCarol, fromDave],
      [tombstone('b1', 'dm:alice:bob', 5000), tombstone('b2', 'dm:alice:erin', 4000)],
    );
    expect(list).toEqual([
      {
        conversation: 'dm:alice:bob',
        peer: 'bob',
        lastActivityAt: 5000,
        lastMessage: fromBob,
        unread: 1,
        sealed: 0,
      },
      // Only a tombstone left: listed, without a last message.
      { conversation: 'dm:alice:erin', peer: 'erin', lastActivityAt: 4000, unread: 0, sealed: 0 },
      {
        conversation: 'dm:alice:dave',
        peer: 'dave',
        lastActivityAt: 3000,
        lastMessage: fromDave,
        unread: 0,
        sealed: 1,
      },
      {
        conversation: 'dm:alice:carol',
        peer: 'carol',
        lastActivityAt: 2000,
        lastMessage: fromCarol,
        unread: 1,
        sealed: 0,
      },
    ]);
  });

  it('names the peer from either side of the conversation id', () => {
    // 'zed' sorts after 'alice', 'aaron' before it.
    const list = conversationList('alice', [received('m1', 'zed', 2000), received('m2', 'aaron', 1000)], []);
    expect(list.map((s) => [s.conversation, s.peer])).toEqual([
      ['dm:alice:zed', 'zed'],
      ['dm:aaron:alice', 'aaron'],
    ]);
  });

  it('breaks a tie in time by the later server id, then by conversation id', () => {
    const early = received('01A', 'bob', 1000);
    const late = received('01B', 'carol', 1000);
    expect(conversationList('alice', [late, early], []).map((s) => s.peer)).toEqual(['carol', 'bob']);
    const onlyBurned = [tombstone('b1', 'dm:alice:erin', 1000), tombstone('b2', 'dm:alice:dave', 1000)];
    expect(conversationList('alice', [], onlyBurned).map((s) => s.peer)).toEqual(['dave', 'erin']);
  });

  it('does not depend on the order of its inputs', () => {
    const messages = [received('m1', 'bob', 1000), sent('m2', 'bob', 2000), received('m3', 'carol', 1500)];
    const tombstones = [tombstone('b1', 'dm:alice:carol', 2500), tombstone('b2', 'dm:alice:bob', 500)];
    const expected = conversationList('alice', messages, tombstones);
    expect(expected.map((s) => [s.peer, s.lastMessage?.id, s.lastActivityAt])).toEqual([
      ['carol', 'm3', 2500],
      ['bob', 'm2', 2000],
    ]);
    expect(conversationList('alice', [...messages].reverse(), [...tombstones].reverse())).toEqual(expected);
  });

  it('returns fresh summaries and leaves its inputs untouched', () => {
    const messages = [received('m1', 'bob', 1000)];
    const before = structuredClone(messages);
    const first = conversationList('alice', messages, []);
    const [summary] = first;
    if (summary) summary.unread = 99;
    expect(conversationList('alice', messages, [])[0]?.unread).toBe(1);
    expect(messages).toEqual(before);
  });
});
