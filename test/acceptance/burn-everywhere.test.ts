import { MemoryStore } from '@cinder/sdk';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Harness, marker, waitFor } from '../helpers/harness.ts';
import { RawDevice } from '../helpers/raw-device.ts';

describe('contract 3: burned everywhere', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await Harness.start();
  });
  afterEach(async () => {
    await h.close();
  });

  it('a burn reaches every device of both users; nobody lists it; the sender’s text is gone', async () => {
    const alice = await h.user('alice');
    const alice2 = await h.device('alice');
    const bob = await h.user('bob');
    const bob2 = await h.device('bob');
    const text = marker();
    const sent = await alice.client.send('bob', text, { burn: true });
    for (const d of [bob, bob2, alice2]) await waitFor(() => d.messages.find((m) => m.id === sent.id));

    await bob.client.open(sent.id);
    for (const d of [alice, alice2, bob, bob2]) {
      const b = await waitFor(
        () => d.burned.find((x) => x.messageId === sent.id),
        5000,
        'burned on every device',
      );
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
      expect(d.burned.filter((b) => b.messageId === sent.id)).toHaveLength(1);
    }
    // The sender's store (the only other place the text lived) no longer holds it.
    expect(JSON.stringify(await alice.client.messages('bob'))).not.toContain(text);
  });
});

describe('contract 4: offline is no loophole', () => {
  let h: Harness;
  afterEach(async () => {
    await h.close();
  });

  it('a device offline during the burn learns it on reconnect, before connect() resolves', async () => {
    h = await Harness.start();
    const alice = await h.user('alice');
    const bob = await h.user('bob');
    const bob2Store = new MemoryStore();
    const bob2 = h.client(bob2Store);
    await bob2.client.login('bob', 'bob-long-password');

    const sent = await alice.client.send('bob', marker(), { burn: true });
    await waitFor(() => bob2.messages.find((m) => m.id === sent.id));
    expect((await bob2.client.messages('alice')).map((m) => m.id)).toContain(sent.id);
    await bob2.client.close();

    await bob.client.open(sent.id);
    await waitFor(() => alice.burned.find((b) => b.messageId === sent.id));

    await bob2.client.connect();
    // By the time connect() resolves the burn is applied.
    expect(bob2.burned.map((b) => b.messageId)).toContain(sent.id);
    expect((await bob2.client.messages('alice')).map((m) => m.id)).not.toContain(sent.id);
  });

  it('a message burned before a device received it is never delivered to that device', async () => {
    h = await Harness.start();
    const alice = await h.user('alice');
    const bob = await h.user('bob');
    const bob2 = h.client(new MemoryStore());
    await bob2.client.login('bob', 'bob-long-password');
    await bob2.client.close();

    const burnedOne = await alice.client.send('bob', marker(), { burn: true });
    const revokedOne = await alice.client.send('bob', marker(), { burn: true });
    const normal = await alice.client.send('bob', 'still here');
    await waitFor(() => bob.messages.find((m) => m.id === burnedOne.id));
    await bob.client.open(burnedOne.id);
    await alice.client.revoke(revokedOne.id);
    await waitFor(() => alice.burned.length === 2);

    await bob2.client.connect();
    await waitFor(() => bob2.messages.find((m) => m.id === normal.id), undefined, 'the normal message');
    const ids = bob2.messages.map((m) => m.id);
    expect(ids).not.toContain(burnedOne.id);
    expect(ids).not.toContain(revokedOne.id);
    expect(bob2.rec.frames.join('\n')).not.toContain(`"id":"${burnedOne.id}","conversation"`);
    expect((await bob2.client.messages('alice')).map((m) => m.id)).toEqual([normal.id]);
  });

  it('a device offline longer than tombstones are kept does a full resync', async () => {
    h = await Harness.start({ tombstoneRetentionSeconds: 1, sweepIntervalMs: 100 });
    const alice = await h.user('alice');
    const bob = await h.user('bob');
    const bob2 = h.client(new MemoryStore());
    await bob2.client.login('bob', 'bob-long-password');

    const kept = await alice.client.send('bob', 'kept');
    const burnMe = await alice.client.send('bob', marker(), { burn: true });
    await waitFor(() => bob2.messages.find((m) => m.id === burnMe.id));
    await waitFor(() => bob2.messages.find((m) => m.id === kept.id));
    await bob2.client.close();
    const cursor = await bob2.store.getCursor();

    await bob.client.open(burnMe.id);
    await waitFor(() => alice.burned.find((b) => b.messageId === burnMe.id));
    // Until the tombstone and its events have aged out of the log: a device resuming from
    // bob2's cursor is then sent a full resync instead of the events after it.
    const probe = await RawDevice.login(h.url, 'bob');
    await waitFor(
      async () => {
        const from = probe.frames.length;
        await probe.connect(cursor);
        probe.close();
        return probe.frames.slice(from).some((f) => f.type === 'resync');
      },
      undefined,
      'the burn to age out of the log',
    );
    const later = await alice.client.send('bob', 'after the prune');

    await bob2.client.connect();
    const ids = (await bob2.client.messages('alice')).map((m) => m.id);
    expect(ids).toContain(kept.id);
    expect(ids).toContain(later.id);
    expect(ids).not.toContain(burnMe.id);
  });
});
