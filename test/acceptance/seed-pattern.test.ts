import { describe, expect, it } from 'vitest';
import { Harness, waitFor } from '../kit/index.ts';

/**
 * The IM SDKs' client-side "burn" convention, written as their docs write it: a flag in `ext`,
 * `markRead` + `removeMessage` on the receiver, delete on the `receipt` event at the sender.
 */
describe('the seed pattern still works', () => {
  it('ext flag, read receipt, local deletes on both sides', async () => {
    await using h = await Harness.start();
    const alice = await h.user('alice');
    const bob = await h.user('bob');

    // Bob: on a message with ext.fire, show it, send the read receipt, delete it locally.
    const bobHandled: string[] = [];
    bob.client.on('message', async (m) => {
      if (m.ext?.fire === true) {
        expect(m.text).toBe('self-destructing hello');
        await bob.client.markRead(m.id);
        await bob.client.removeMessage(m.id);
        bobHandled.push(m.id);
      }
    });
    // Alice: on the read receipt, delete her copy.
    const aliceRemoved: string[] = [];
    alice.client.on('receipt', async (r) => {
      if (r.type === 'read') {
        expect(r.by).toBe('bob');
        await alice.client.removeMessage(r.messageId);
        aliceRemoved.push(r.messageId);
      }
    });

    const sent = await alice.client.send('bob', 'self-destructing hello', { ext: { fire: true } });
    expect((await alice.client.messages('bob')).map((m) => m.id)).toContain(sent.id);

    await waitFor(() => bobHandled.includes(sent.id), { what: 'bob to handle the message' });
    await waitFor(() => aliceRemoved.includes(sent.id), { what: 'alice to get the read receipt' });

    expect(await bob.client.messages('alice')).toEqual([]);
    expect(await alice.client.messages('bob')).toEqual([]);
    // It is a convention, not a burn: no burned event for a normal message.
    expect(bob.events.burned).toEqual([]);
    expect(alice.events.burned).toEqual([]);
    // Bob's device also acknowledged delivery (batched, so it may trail the read receipt).
    await waitFor(() => alice.events.receipt.find((r) => r.messageId === sent.id && r.type === 'delivered'));
  });
});
