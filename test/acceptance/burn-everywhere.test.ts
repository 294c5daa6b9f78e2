import { describe, expect, it } from 'vitest';
import { Harness, login, marker, RawClient, waitFor } from '../kit/index.ts';

describe('contract 3: burned everywhere', () => {
  it('a burn reaches every device of both users; nobody lists it; the sender’s text is gone', async () => {
    await using h = await Harness.start();
    const alice = await h.user('alice');
    const alice2 = await h.device('alice');
    const bob = await h.user('bob');
    const bob2 = await h.device('bob');
    const text = marker();
    const sent = await alice.client.send('bob', text, { burn: true });
    for (const d of [bob, bob2, alice2]) await waitFor(() => d.events.message.find((m) => m.id === sent.id));

    await bob.client.open(sent.id);
    for (const d of [alice, alice2, bob, bob2]) {
      const b = await waitFor(() => d.events.burned.find((x) => x.messageId === sent.id), {
        what: 'burned on every device',
      });
      expect(b).toMatchObject({ messageId: sent.id, conversation: 'dm:alice:bob', reason: 'opened' });
      expect(typeof b.at).toBe('number');
    }
    for (const [d, peer] of [
      [alice, 'bob'],
      [alice2, 'bob'],
      [bob, 'alice'],
      [bob2, 'alice'],
    ] as const) {
      expect((await d.client.messages(peer)).map((m) => m.id)).not.toContain(sent.id);
    }
    // Each device heard of the burn once.
    for (const d of [alice, alice2, bob, bob2]) {
      expect(d.events.burned.filter((b) => b.messageId === sent.id)).toHaveLength(1);
    }
    // The sender's store (the only other place the text lived) no longer holds it.
    expect(JSON.stringify(await alice.client.messages('bob'))).not.toContain(text);
  });
});

describe('contract 4: offline is no loophole', () => {
  it('a device offline during the burn learns it on reconnect, before connect() resolves', async () => {
    await using h = await Harness.start();
    const alice = await h.user('alice');
    const bob = await h.user('bob');
    const bob2 = await h.device('bob');

    const sent = await alice.client.send('bob', marker(), { burn: true });
    await waitFor(() => bob2.events.message.find((m) => m.id === sent.id));
    expect((await bob2.client.messages('alice')).map((m) => m.id)).toContain(sent.id);
    await bob2.client.close();

    await bob.client.open(sent.id);
    await waitFor(() => alice.events.burned.find((b) => b.messageId === sent.id));

    await bob2.client.connect();
    // By the time connect() resolves the burn is applied.
    expect(bob2.events.burned.map((b) => b.messageId)).toContain(sent.id);
    expect((await bob2.client.messages('alice')).map((m) => m.id)).not.toContain(sent.id);
  });

  it('a message burned before a device received it is never delivered to that device', async () => {
    await using h = await Harness.start();
    const alice = await h.user('alice');
    const bob = await h.user('bob');
    const bob2 = await h.device('bob');
    await bob2.client.close();

    const burnedOne = await alice.client.send('bob', marker(), { burn: true });
    const revokedOne = await alice.client.send('bob', marker(), { burn: true });
    const normal = await alice.client.send('bob', 'still here');
    await waitFor(() => bob.events.message.find((m) => m.id === burnedOne.id));
    await bob.client.open(burnedOne.id);
    await alice.client.revoke(revokedOne.id);
    await waitFor(() => alice.events.burned.length === 2);

    await bob2.client.connect();
    await waitFor(() => bob2.events.message.find((m) => m.id === normal.id), { what: 'the normal message' });
    const ids = bob2.events.message.map((m) => m.id);
    expect(ids).not.toContain(burnedOne.id);
    expect(ids).not.toContain(revokedOne.id);
    expect(bob2.net.raw.join('\n')).not.toContain(`"id":"${burnedOne.id}","conversation"`);
    expect((await bob2.client.messages('alice')).map((m) => m.id)).toEqual([normal.id]);
  });

  it('a device offline longer than tombstones are kept does a full resync', async () => {
    await using h = await Harness.start({ tombstoneRetentionSeconds: 1, sweepIntervalMs: 100 });
    const alice = await h.user('alice');
    const bob = await h.user('bob');
    const bob2 = await h.device('bob');

    const kept = await alice.client.send('bob', 'kept');
    const burnMe = await alice.client.send('bob', marker(), { burn: true });
    await waitFor(() => bob2.events.message.find((m) => m.id === burnMe.id));
    await waitFor(() => bob2.events.message.find((m) => m.id === kept.id));
    await bob2.client.close();
    const cursor = await bob2.store.getCursor();

    await bob.client.open(burnMe.id);
    await waitFor(() => alice.events.burned.find((b) => b.messageId === burnMe.id));
    // Until the tombstone and its events have aged out of the log: a device resuming from
    // bob2's cursor is then sent a full resync instead of the events after it.
    const probe = await login(h, 'bob');
    await waitFor(
      async () => {
        await using again = await RawClient.connect(h.url, probe.token, cursor);
        return again.frames.some((f) => f.type === 'resync');
      },
      { what: 'the burn to age out of the log' },
    );
    const later = await alice.client.send('bob', 'after the prune');

    await bob2.client.connect();
    const ids = (await bob2.client.messages('alice')).map((m) => m.id);
    expect(ids).toContain(kept.id);
    expect(ids).toContain(later.id);
    expect(ids).not.toContain(burnMe.id);
  });
});
