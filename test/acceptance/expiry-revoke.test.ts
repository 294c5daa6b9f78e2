import { describe, expect, it } from 'vitest';
import { codeOf, Harness, marker, waitFor } from '../kit/index.ts';

describe('contracts 5–8: expiry, revoke, view window, burns are not receipts', () => {
  it('an unopened message with ttlSeconds 2 burns as expired within 1 s of its deadline', async () => {
    await using h = await Harness.start({ sweepIntervalMs: 100 });
    const alice = await h.user('alice');
    const bob = await h.user('bob');
    const sent = await alice.client.send('bob', marker(), { burn: { ttlSeconds: 2, viewSeconds: 0 } });
    expect(sent.burn?.expiresAt).toBe(sent.sentAt + 2000);
    const b = await waitFor(() => bob.events.burned.find((x) => x.messageId === sent.id), { what: 'expiry' });
    expect(b.reason).toBe('expired');
    // By the server's clock: the burn happened after the deadline and within 1 s of it.
    expect(b.at).toBeGreaterThanOrEqual(sent.burn!.expiresAt);
    expect(b.at - sent.burn!.expiresAt).toBeLessThanOrEqual(1000);
    await waitFor(() => alice.events.burned.find((x) => x.messageId === sent.id));
    expect(await codeOf(bob.client.open(sent.id))).toBe('BURNED');
    expect(await alice.client.messages('bob')).toEqual([]);
  });

  it('the sender revokes an unopened message; roles are enforced', async () => {
    await using h = await Harness.start({ sweepIntervalMs: 100 });
    const alice = await h.user('alice');
    const bob = await h.user('bob');
    const sent = await alice.client.send('bob', marker(), { burn: true });
    await waitFor(() => bob.events.message.find((m) => m.id === sent.id));

    expect(await codeOf(bob.client.revoke(sent.id))).toBe('FORBIDDEN');
    await alice.client.revoke(sent.id);
    const b = await waitFor(() => bob.events.burned.find((x) => x.messageId === sent.id));
    expect(b.reason).toBe('revoked');
    await waitFor(() => alice.events.burned.find((x) => x.messageId === sent.id));
    expect(await codeOf(bob.client.open(sent.id))).toBe('BURNED');
    expect(await codeOf(alice.client.revoke(sent.id))).toBe('BURNED');
    expect(await bob.client.messages('alice')).toEqual([]);

    // An opened message cannot be revoked: it already burned.
    const opened = await alice.client.send('bob', 'x', { burn: true });
    await waitFor(() => bob.events.message.find((m) => m.id === opened.id));
    await bob.client.open(opened.id);
    expect(await codeOf(alice.client.revoke(opened.id))).toBe('BURNED');
  });

  it('view window is returned to the reader; markRead on a burn message is BAD_REQUEST', async () => {
    await using h = await Harness.start({ sweepIntervalMs: 100 });
    const alice = await h.user('alice');
    const bob = await h.user('bob');
    const sent = await alice.client.send('bob', 'look quickly', { burn: { viewSeconds: 7 } });
    await waitFor(() => bob.events.message.find((m) => m.id === sent.id));
    expect(await codeOf(bob.client.markRead(sent.id))).toBe('BAD_REQUEST');
    const opened = await bob.client.open(sent.id);
    expect(opened.viewSeconds).toBe(7);
    // The server already burned it at open.
    await waitFor(() => alice.events.burned.find((x) => x.messageId === sent.id && x.reason === 'opened'));
  });

  it('a burn is not a read receipt: opening sends no read receipt yet the sender hears the burn', async () => {
    await using h = await Harness.start({ sweepIntervalMs: 100 });
    const alice = await h.user('alice');
    const bob = await h.user('bob');
    const sent = await alice.client.send('bob', 'x', { burn: true });
    await waitFor(() => bob.events.message.find((m) => m.id === sent.id));
    await bob.client.open(sent.id);
    await waitFor(() => alice.events.burned.find((x) => x.messageId === sent.id));
    expect(alice.events.receipt.filter((r) => r.messageId === sent.id && r.type === 'read')).toEqual([]);
  });

  it('opening a normal message returns it and marks it read', async () => {
    await using h = await Harness.start({ sweepIntervalMs: 100 });
    const alice = await h.user('alice');
    const bob = await h.user('bob');
    const sent = await alice.client.send('bob', 'normal text', { ext: { a: 1 } });
    await waitFor(() => bob.events.message.find((m) => m.id === sent.id));
    const opened = await bob.client.open(sent.id);
    expect(opened).toMatchObject({ text: 'normal text', ext: { a: 1 } });
    await waitFor(() => alice.events.receipt.find((r) => r.messageId === sent.id && r.type === 'read'));
    // Still there: normal messages do not burn.
    expect((await bob.client.messages('alice')).map((m) => m.id)).toContain(sent.id);
    expect((await bob.client.open(sent.id)).text).toBe('normal text');
  });
});
