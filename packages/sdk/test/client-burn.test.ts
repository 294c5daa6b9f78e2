import { describe, expect, it } from 'vitest';
import { codeOf, Harness, sweptAfter, waitFor } from '../../../test/kit/index.ts';

/** A server clock that runs `ahead` ms ahead of the real one, moved on demand: ttl and retention without waiting. */
function serverClock(): { ahead: number; now: () => number } {
  const clock = { ahead: 0, now: () => Date.now() + clock.ahead };
  return clock;
}

describe('CinderClient: burn messages', () => {
  it('is sealed for the recipient, kept by the sender until it burns, and burns once everywhere', async () => {
    await using h = await Harness.start();
    const alice = await h.user();
    const bob = await h.user();
    const sent = await alice.client.send(bob.name, 'burn this text', {
      burn: { viewSeconds: 5 },
      ext: { k: 1 },
    });
    expect(sent).toMatchObject({ text: 'burn this text', ext: { k: 1 }, burn: { viewSeconds: 5 } });

    const sealed = await waitFor(() => bob.events.message.find((m) => m.id === sent.id), {
      what: 'sealed delivery',
    });
    expect(sealed.text).toBeUndefined();
    expect(sealed.ext).toEqual({});
    expect((await bob.client.conversations())[0]).toMatchObject({ sealed: 1, unread: 0 });
    expect((await alice.client.messages(bob.name))[0]?.text).toBe('burn this text');

    // Burn messages are opened, not read.
    expect(await codeOf(bob.client.markRead(sent.id))).toBe('BAD_REQUEST');
    expect(await codeOf(alice.client.open(sent.id))).toBe('FORBIDDEN');

    expect(await bob.client.open(sent.id)).toEqual({
      id: sent.id,
      text: 'burn this text',
      ext: { k: 1 },
      viewSeconds: 5,
    });
    expect(await bob.client.messages(alice.name)).toEqual([]);
    expect(bob.events.burned).toEqual([
      { messageId: sent.id, conversation: sent.conversation, reason: 'opened', at: expect.any(Number) },
    ]);
    await waitFor(() => alice.events.burned.length === 1, { what: 'burn at the sender' });
    expect(await alice.client.messages(bob.name)).toEqual([]);
    expect(await alice.client.burnedMessages(bob.name)).toEqual([
      {
        id: sent.id,
        conversation: sent.conversation,
        from: alice.name,
        to: bob.name,
        sentAt: sent.sentAt,
        reason: 'opened',
        at: alice.events.burned[0]?.at,
      },
    ]);
    expect(await codeOf(bob.client.open(sent.id))).toBe('BURNED');

    // The server's burned event reaches Bob too; he still heard of the burn once, at the server's time.
    await waitFor(
      async () => {
        const [tombstone] = await bob.client.burnedMessages(alice.name);
        return tombstone?.at === alice.events.burned[0]?.at;
      },
      { what: 'server time on the tombstone' },
    );
    expect(bob.events.burned).toHaveLength(1);
  });

  it('revoke burns the sender’s unopened message on every device', async () => {
    await using h = await Harness.start();
    const alice = await h.user();
    const bob = await h.user();
    const sent = await alice.client.send(bob.name, 'changed my mind', { burn: true });
    await waitFor(() => bob.events.message.length === 1, { what: 'delivery' });
    expect(await codeOf(bob.client.revoke(sent.id))).toBe('FORBIDDEN');
    await alice.client.revoke(sent.id);
    expect(await alice.client.messages(bob.name)).toEqual([]);
    expect(alice.events.burned.map((b) => b.reason)).toEqual(['revoked']);
    await waitFor(() => bob.events.burned.length === 1, { what: 'burn at the recipient' });
    expect(bob.events.burned[0]).toMatchObject({ messageId: sent.id, reason: 'revoked' });
    expect(await bob.client.messages(alice.name)).toEqual([]);
    expect(await codeOf(bob.client.open(sent.id))).toBe('BURNED');
    // The server's burned event for the revoke is on Alice's device too, and was not announced again.
    await alice.settle();
    expect(alice.events.burned).toHaveLength(1);
  });

  it('applies burns from the backlog before connect() resolves', async () => {
    await using h = await Harness.start();
    const alice = await h.user();
    const bob = await h.user();
    const kept = await alice.client.send(bob.name, 'kept');
    const doomed = await alice.client.send(bob.name, 'doomed', { burn: true });
    await waitFor(() => bob.events.message.length === 2, { what: 'delivery' });

    await bob.client.close();
    await alice.client.revoke(doomed.id);
    const later = await alice.client.send(bob.name, 'later');

    const seenAtResolve: string[][] = [];
    bob.client.on('state', (state) => {
      if (state === 'connected')
        void bob.client.messages(alice.name).then((l) => seenAtResolve.push(l.map((m) => m.id)));
    });
    await bob.client.connect();
    expect(bob.events.burned.map((b) => b.messageId)).toEqual([doomed.id]);
    expect((await bob.client.messages(alice.name)).map((m) => m.id)).toEqual([kept.id, later.id]);
    await waitFor(() => seenAtResolve.length === 1, { what: 'state handler' });
    expect(seenAtResolve[0]).toEqual([kept.id, later.id]);
  });

  it('burns unopened messages that expire (server clock)', async () => {
    const clock = serverClock();
    await using h = await Harness.start({ now: clock.now, sweepIntervalMs: 50 });
    const alice = await h.user();
    const bob = await h.user();
    const sent = await alice.client.send(bob.name, 'short-lived', { burn: { ttlSeconds: 60 } });
    await waitFor(() => bob.events.message.length === 1, { what: 'delivery' });
    clock.ahead += 61_000;
    await waitFor(() => bob.events.burned.length === 1 && alice.events.burned.length === 1, {
      what: 'expiry',
    });
    expect(bob.events.burned[0]).toMatchObject({ messageId: sent.id, reason: 'expired' });
    expect(await alice.client.messages(bob.name)).toEqual([]);
  });

  it('a device offline past retention resyncs: it keeps exactly the live messages', async () => {
    const clock = serverClock();
    await using h = await Harness.start({
      now: clock.now,
      sweepIntervalMs: 50,
      tombstoneRetentionSeconds: 60,
    });
    const alice = await h.user();
    const bob = await h.user();
    const live = await alice.client.send(bob.name, 'still here');
    const gone = await alice.client.send(bob.name, 'will burn', { burn: true });
    const sealedLive = await alice.client.send(bob.name, 'sealed and live', { burn: true });
    await waitFor(() => bob.events.message.length === 3, { what: 'delivery' });
    await bob.client.markRead(live.id);

    await bob.client.close();
    await alice.client.revoke(gone.id);
    await alice.client.close();
    // Past retention: the sweeper prunes the log, so Bob's cursor is too old to resume.
    clock.ahead += 120_000;
    await sweptAfter(h.server);
    const bobBurned = bob.events.burned.length;

    bob.net.received.length = 0;
    await bob.client.connect();
    expect(bob.net.received.slice(0, 2)).toEqual(['welcome', 'resync']);
    const list = await bob.client.messages(alice.name);
    expect(list.map((m) => m.id)).toEqual([live.id, sealedLive.id]);
    expect(list[0]?.readAt).toEqual(expect.any(Number));
    expect(list[1]?.text).toBeUndefined();
    // Dropped silently: the server no longer knows why the message is gone.
    expect(bob.events.burned.length).toBe(bobBurned);
    // Nothing was new to Bob, so nothing is announced again.
    expect(bob.events.message).toHaveLength(3);

    // The sender's own burn text survives its resync too, while the message is live.
    await alice.client.connect();
    const own = await alice.client.messages(bob.name);
    expect(own.find((m) => m.id === sealedLive.id)?.text).toBe('sealed and live');
    expect(own.map((m) => m.id)).toEqual([live.id, sealedLive.id]);
  });
});
