import type { OpenResult, ServerFrame } from '@cinder/protocol';
import { describe, expect, it } from 'vitest';
import {
  failure,
  Harness,
  marker,
  openedContent,
  RawClient,
  register,
  sealedSendFrame,
  waitFor,
} from '../kit/index.ts';

describe('contract 11: only participants', () => {
  it('a third user cannot open, revoke, read or learn of the message: same answer as for a made-up id', async () => {
    await using h = await Harness.start();
    const alice = await h.user('alice');
    const bob = await h.user('bob');
    const carol = await h.user('carol');
    const text = marker();
    const burn = await alice.client.send('bob', text, { burn: true });
    const normal = await alice.client.send('bob', 'normal');
    await waitFor(() => bob.events.message.find((m) => m.id === normal.id));

    for (const id of [burn.id, normal.id]) {
      const fake = `${id.slice(0, -3)}zzz`;
      for (const op of ['open', 'revoke', 'markRead'] as const) {
        const real = await failure(carol.client[op](id));
        const never = await failure(carol.client[op](fake));
        expect(real.code).toBe('NOT_FOUND');
        expect(real).toEqual(never);
      }
    }
    // Carol never heard of either message. A barrier instead of a pause: her events arrive in log
    // order, so once a later message to her is there, anything about these would be there too.
    const barrier = await bob.client.send('carol', 'barrier');
    await waitFor(() => carol.events.message.find((m) => m.id === barrier.id), {
      what: 'the barrier message',
    });
    const wire = carol.net.raw.join('\n');
    expect(wire).not.toContain(burn.id);
    expect(wire).not.toContain(normal.id);
    expect(wire).not.toContain(text);
    expect(carol.events.message.map((m) => m.id)).toEqual([barrier.id]);
    expect(carol.events.burned).toEqual([]);
    // The message is intact for its recipient.
    expect((await bob.client.open(burn.id)).text).toBe(text);
    // ...and Carol did not hear of the burn either.
    await waitFor(() => alice.events.burned.length === 1);
    expect(carol.net.raw.join('\n')).not.toContain(burn.id);
  });

  it('devices(): an account sees its own devices and can sign one out everywhere', async () => {
    await using h = await Harness.start();
    const alice = await h.user('alice');
    const alice2 = await h.device('alice');
    const list = await alice.client.devices();
    expect(list).toHaveLength(2);
    const other = list.find((d) => !d.current)!;
    await alice.client.revokeDevice(other.id);
    await waitFor(() => alice2.client.state === 'unauthorized', {
      what: 'the revoked device to be signed out',
    });
    expect(await alice.client.devices()).toHaveLength(1);
    const err = await failure(alice2.client.connect());
    expect(err.code).toBe('UNAUTHORIZED');
  });
});

describe('contract 10: idempotent', () => {
  it('duplicate send, receipt, open and revoke frames are no-ops', async () => {
    await using h = await Harness.start();
    await using alice = await RawClient.connect(h.url, (await register(h, 'alice')).token);
    const bobSession = await register(h, 'bob');
    await using bob = await RawClient.connect(h.url, bobSession.token);

    const frame = await sealedSendFrame(alice, 'alice', 'bob', 'once', {
      key: 'dup-key-0001',
      burn: { ttlSeconds: 60 },
    });
    const r1 = await alice.request(frame);
    const r2 = await alice.request(frame);
    expect(r1.type).toBe('reply');
    expect(r2.type).toBe('reply');
    const id = (r1 as { result: { id: string } }).result.id;
    expect((r2 as { result: { id: string } }).result.id).toBe(id);

    await bob.waitForEvent((e) => e.kind === 'message');
    // Repeat delivered receipts: the sender hears one.
    await bob.request({ type: 'delivered', ids: [id] });
    await bob.request({ type: 'delivered', ids: [id, id] });
    const opened = await bob.request({ type: 'open', id });
    expect(opened.type).toBe('reply');
    expect((await openedContent((opened as { result: OpenResult }).result, bobSession)).text).toBe('once');
    const again = await bob.request({ type: 'open', id });
    expect(again).toMatchObject({ type: 'error', code: 'BURNED' });
    const revoke = await alice.request({ type: 'revoke', id });
    expect(revoke).toMatchObject({ type: 'error', code: 'BURNED' });
    // The same key after the burn still answers with the original id, and sends nothing new.
    const r3 = await alice.request(frame);
    expect((r3 as { result: { id: string } }).result.id).toBe(id);

    // Barriers instead of a pause: one more message each way. A device's events arrive in log
    // order, so once the barrier is there, any duplicate event would be there too.
    const idOf = (f: ServerFrame) => (f as { result: { id: string } }).result.id;
    const toBob = idOf(await alice.request({ type: 'send', key: 'barrier-to-bob', to: 'bob', text: 'b' }));
    const toAlice = idOf(
      await bob.request({ type: 'send', key: 'barrier-to-alice', to: 'alice', text: 'b' }),
    );
    await bob.waitForEvent((e) => e.kind === 'message' && e.message.id === toBob);
    await alice.waitForEvent((e) => e.kind === 'message' && e.message.id === toAlice);

    expect(bob.events().filter((e) => e.kind === 'message' && e.message.id !== toBob)).toHaveLength(1);
    expect(bob.events().filter((e) => e.kind === 'burned')).toHaveLength(1);
    expect(alice.events().filter((e) => e.kind === 'receipt' && e.type === 'delivered')).toHaveLength(1);
    expect(alice.events().filter((e) => e.kind === 'burned')).toHaveLength(1);
  });

  it('the SDK applies no event twice across reconnects', async () => {
    await using h = await Harness.start();
    const alice = await h.user('alice');
    const bob = await h.user('bob');
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await alice.client.send('bob', `n${i}`)).id);
    await waitFor(() => bob.events.message.length === 5);
    await bob.client.close();
    await bob.client.connect();
    await alice.client.send('bob', 'after');
    await waitFor(() => bob.events.message.length === 6);
    // A barrier instead of a pause: events arrive in log order, so once a later message is there,
    // a duplicate of an earlier one would be there too.
    const barrier = await alice.client.send('bob', 'barrier');
    await waitFor(() => bob.events.message.find((m) => m.id === barrier.id), { what: 'the barrier' });
    expect(bob.events.message).toHaveLength(7);
    expect(new Set(bob.events.message.map((m) => m.id)).size).toBe(7);
    expect((await bob.client.messages('alice')).map((m) => m.text)).toEqual([
      'n0',
      'n1',
      'n2',
      'n3',
      'n4',
      'after',
      'barrier',
    ]);
  });
});
