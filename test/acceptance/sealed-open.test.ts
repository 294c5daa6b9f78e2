import type { Envelope } from '@cinder/protocol';
import type { CinderError } from '@cinder/sdk';
import { describe, expect, it } from 'vitest';
import { codeOf, Harness, login, marker, RawClient, register, waitFor } from '../kit/index.ts';

describe('contract 1: sealed until opened', () => {
  it('delivers a burn message as metadata only, to the recipient and the sender’s other devices', async () => {
    await using h = await Harness.start();
    const alice = await h.user('alice');
    const alice2 = await h.device('alice');
    const bob = await h.user('bob');
    const bob2 = await h.device('bob');
    const text = marker();
    const extSecret = marker();

    const sent = await alice.client.send('bob', text, { burn: true, ext: { secret: extSecret } });
    for (const d of [bob, bob2, alice2]) {
      await waitFor(() => d.events.message.find((m) => m.id === sent.id), { what: 'sealed delivery' });
    }
    const seen = bob.events.message.find((m) => m.id === sent.id)!;
    expect(seen.text).toBeUndefined();
    expect(seen).toMatchObject({
      from: 'alice',
      to: 'bob',
      burn: { ttlSeconds: 7 * 24 * 3600, viewSeconds: 0 },
    });
    expect(JSON.stringify(seen)).not.toContain(extSecret);
    expect(alice2.events.message.find((m) => m.id === sent.id)?.text).toBeUndefined();

    // The sending device keeps its own text and emits no message event for its own send.
    expect(alice.events.message).toEqual([]);
    expect((await alice.client.messages('bob')).find((m) => m.id === sent.id)?.text).toBe(text);

    // Nothing on the wire to any of these devices carries the content.
    for (const d of [bob, bob2, alice2, alice]) {
      const wire = d.net.raw.join('\n');
      expect(wire).not.toContain(text);
      expect(wire).not.toContain(extSecret);
    }
    // The local stores of receiving devices hold no content.
    for (const d of [bob, bob2, alice2]) {
      const stored = await d.client.messages(d === alice2 ? 'bob' : 'alice');
      expect(JSON.stringify(stored)).not.toContain(text);
    }
  });

  it('custom policy is carried as sent; ttl is clamped to the server cap', async () => {
    await using h = await Harness.start({ maxTtlSeconds: 3600 });
    const alice = await h.user('alice');
    const bob = await h.user('bob');
    const sent = await alice.client.send('bob', 'x', { burn: { ttlSeconds: 999_999, viewSeconds: 5 } });
    const m = await waitFor(() => bob.events.message.find((x) => x.id === sent.id));
    expect(m.burn).toMatchObject({ ttlSeconds: 3600, viewSeconds: 5 });
  });
});

describe('contract 2: open is atomic and at most once', () => {
  it('returns the text once; a second open from any device gets BURNED; the sender gets FORBIDDEN', async () => {
    await using h = await Harness.start();
    const alice = await h.user('alice');
    const bob = await h.user('bob');
    const bob2 = await h.device('bob');
    const text = marker();
    const sent = await alice.client.send('bob', text, {
      burn: { ttlSeconds: 600, viewSeconds: 10 },
      ext: { k: 1 },
    });
    await waitFor(() => bob.events.message.find((m) => m.id === sent.id));

    expect(await codeOf(alice.client.open(sent.id))).toBe('FORBIDDEN');
    const opened = await bob.client.open(sent.id);
    expect(opened).toMatchObject({ text, ext: { k: 1 }, viewSeconds: 10 });
    expect(await codeOf(bob.client.open(sent.id))).toBe('BURNED');
    expect(await codeOf(bob2.client.open(sent.id))).toBe('BURNED');
    // The content crossed the wire sealed, exactly once, to the device that opened it; the plain
    // text never crossed it.
    const frame = alice.net.sent.find((f) => f.type === 'send') as { sealed?: Envelope } | undefined;
    const ct = frame?.sealed?.ct;
    if (!ct) throw new Error('the send frame carried no envelope');
    const count = (s: string, piece: string) => s.split(piece).length - 1;
    expect(count(bob.net.raw.join('\n'), ct)).toBe(1);
    expect(count(bob2.net.raw.join('\n'), ct)).toBe(0);
    for (const d of [alice, bob, bob2]) {
      expect(count(d.net.raw.join('\n'), text)).toBe(0);
      expect(count(JSON.stringify(d.net.sent), text)).toBe(0);
    }
  });

  it('20 racing opens from Bob’s devices: exactly one gets the text', async () => {
    await using h = await Harness.start();
    const alice = await h.user('alice');
    const bobs = [await h.user('bob')];
    for (let i = 0; i < 3; i++) bobs.push(await h.device('bob'));
    const text = marker();
    const sent = await alice.client.send('bob', text, { burn: true });
    for (const b of bobs) await waitFor(() => b.events.message.find((m) => m.id === sent.id));

    const attempts = Array.from({ length: 20 }, (_, i) => bobs[i % bobs.length]!.client.open(sent.id));
    const results = await Promise.allSettled(attempts);
    const won = results.filter((r) => r.status === 'fulfilled');
    expect(won).toHaveLength(1);
    expect((won[0] as PromiseFulfilledResult<{ text: string }>).value.text).toBe(text);
    for (const r of results) {
      if (r.status === 'rejected') expect((r.reason as CinderError).code).toBe('BURNED');
    }
  });

  it('a lost open reply loses the content: the retry gets BURNED', async () => {
    await using h = await Harness.start();
    const alice = await h.user('alice');
    await using raw = await RawClient.connect(h.url, (await register(h, 'bob')).token);
    const text = marker();
    const sent = await alice.client.send('bob', text, { burn: true });
    await raw.waitForEvent((e) => e.kind === 'message');
    // Open, then drop the socket before reading the reply.
    raw.send({ type: 'open', rid: 'lost', id: sent.id });
    raw.terminate();
    await waitFor(() => alice.events.burned.find((b) => b.messageId === sent.id), { what: 'the burn' });

    await using again = await RawClient.connect(h.url, (await login(h, 'bob')).token);
    const retry = await again.request({ type: 'open', id: sent.id });
    expect(retry).toMatchObject({ type: 'error', code: 'BURNED' });
  });
});
