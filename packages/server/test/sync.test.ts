import type { Envelope, Event, ServerFrame } from '@cinder/protocol';
import { describe, expect, it } from 'vitest';
import {
  login,
  RawClient,
  register,
  sealedSendFrame,
  sendFrame,
  sweptAfter,
  testServer,
  waitFor,
} from '../../../test/kit/index.ts';

/** The frame types in order, collapsing each run of `events` frames into one entry. */
function shape(frames: readonly ServerFrame[]): string[] {
  const out: string[] = [];
  for (const f of frames) if (out.at(-1) !== f.type || f.type !== 'events') out.push(f.type);
  return out;
}

function seqs(events: readonly Event[]): number[] {
  return events.map((e) => e.seq);
}

function strictlyIncreasing(values: readonly number[]): boolean {
  return values.every((v, i) => i === 0 || v > (values[i - 1] ?? -1));
}

describe('sync', () => {
  it('resumes from a cursor: backlog events in order, then synced, then live, with nothing twice', async () => {
    await using server = await testServer();
    const alice = await register(server);
    const bob = await register(server);
    const a = await RawClient.connect(server.url, alice.token);
    const b1 = await RawClient.connect(server.url, bob.token);
    const first = await a.ok<{ id: string }>(sendFrame(bob.user.username, 'one'));
    await b1.waitForEvent((e) => e.kind === 'message' && e.message.id === first.id);
    const cursor = b1.events().at(-1)?.seq ?? 0;
    b1.close();
    await b1.closed;

    const offline: string[] = [];
    for (let i = 0; i < 5; i++)
      offline.push((await a.ok<{ id: string }>(sendFrame(bob.user.username, `m${i}`))).id);
    const burned = await a.ok<{ id: string }>(
      await sealedSendFrame(a, alice.user.username, bob.user.username, 'gone'),
    );
    await a.ok({ type: 'revoke', id: burned.id });

    const b2 = await RawClient.connect(server.url, bob.token, cursor);
    const live = await a.ok<{ id: string }>(sendFrame(bob.user.username, 'live'));
    await b2.waitForEvent((e) => e.kind === 'message' && e.message.id === live.id);

    expect(shape(b2.frames)).toEqual(['welcome', 'events', 'synced', 'events']);
    const events = b2.events();
    expect(strictlyIncreasing(seqs(events))).toBe(true);
    expect(events.every((e) => e.seq > cursor)).toBe(true);
    const messageIds = events.flatMap((e) => (e.kind === 'message' ? [e.message.id] : []));
    expect(messageIds).toEqual([...offline, live.id]);
    // The revoked message is never delivered, only its tombstone.
    expect(events.filter((e) => e.kind === 'burned').map((e) => e.kind === 'burned' && e.messageId)).toEqual([
      burned.id,
    ]);
    const synced = b2.frames.find((f) => f.type === 'synced');
    const lastBacklog = b2.frames.filter((f) => f.type === 'events')[0];
    expect(
      synced?.type === 'synced' && lastBacklog?.type === 'events' && synced.cursor >= lastBacklog.cursor,
    ).toBe(true);
    for (const f of b2.frames) if (f.type === 'events') expect(f.cursor).toBe(f.events.at(-1)?.seq);
    a.close();
    b2.close();
  });

  it('resyncs a new device (cursor null) and a cursor from another database, with burn messages sealed', async () => {
    await using server = await testServer();
    const alice = await register(server);
    const bob = await register(server);
    const a = await RawClient.connect(server.url, alice.token);
    const normal = await a.ok<{ id: string }>(sendFrame(bob.user.username, 'normal text', { ext: { k: 1 } }));
    const sealedFrame = await sealedSendFrame(a, alice.user.username, bob.user.username, 'sealed text');
    const envelope = sealedFrame.sealed as Envelope;
    const sealed = await a.ok<{ id: string }>(sealedFrame);
    const opened = await a.ok<{ id: string }>(
      await sealedSendFrame(a, alice.user.username, bob.user.username, 'opened text'),
    );
    const b = await RawClient.connect(server.url, bob.token);
    await b.ok({ type: 'open', id: opened.id });
    b.close();

    for (const cursor of [null, 1_000_000]) {
      const fresh = await RawClient.connect(
        server.url,
        (await login(server, bob.user.username)).token,
        cursor,
      );
      expect(shape(fresh.frames)).toEqual(['welcome', 'resync', 'synced']);
      const resync = fresh.frames[1];
      if (resync?.type !== 'resync') throw new Error('no resync');
      expect(resync.done).toBe(true);
      expect(resync.messages.map((m) => m.id)).toEqual([normal.id, sealed.id]);
      expect(resync.messages[0]).toMatchObject({ text: 'normal text', ext: { k: 1 } });
      expect(resync.messages[1]).not.toHaveProperty('text');
      // Nothing of the envelope either: it leaves the server only in the open's reply.
      for (const raw of fresh.raw) {
        expect(raw).not.toContain(envelope.ct);
        expect(raw).not.toContain(envelope.k2);
      }
      const synced = fresh.frames[2];
      expect(synced?.type === 'synced' && synced.cursor).toBe(resync.cursor);
      fresh.close();
    }
    a.close();
  });

  it('never gives a device its own sends, but gives them to the sender’s other devices', async () => {
    await using server = await testServer();
    const alice = await register(server);
    const alice2 = await login(server, alice.user.username);
    const bob = await register(server);
    const a1 = await RawClient.connect(server.url, alice.token);
    const a2 = await RawClient.connect(server.url, alice2.token);
    const sent = await a1.ok<{ id: string }>(sendFrame(bob.user.username, 'hello'));
    await a2.waitForEvent((e) => e.kind === 'message' && e.message.id === sent.id);
    await a1.settle();
    expect(a1.events()).toEqual([]);
    a1.close();
    await a1.closed;
    // Not in its backlog either.
    const again = await RawClient.connect(server.url, alice.token, 0);
    expect(again.events()).toEqual([]);
    const synced = again.frames.find((f) => f.type === 'synced');
    expect(synced?.type === 'synced' && synced.cursor).toBeGreaterThan(0);
    again.close();
    a2.close();
  });

  it('delivers every event exactly once and in order while sends race the hello', async () => {
    await using server = await testServer({ rateLimits: false });
    const alice = await register(server);
    const bob = await register(server);
    const a = await RawClient.connect(server.url, alice.token);
    const ids: string[] = [];
    const sending = (async () => {
      for (let i = 0; i < 150; i++) {
        ids.push((await a.ok<{ id: string }>(sendFrame(bob.user.username, `n${i}`))).id);
      }
    })();
    // The hello goes out while the sends go on, one round trip after another.
    await waitFor(() => ids.length >= 10, { what: 'the first sends' });
    const b = await RawClient.connect(server.url, bob.token, 0);
    await sending;
    await b.waitFor(() => b.events().filter((e) => e.kind === 'message').length >= ids.length);
    await b.settle();
    const events = b.events();
    expect(strictlyIncreasing(seqs(events))).toBe(true);
    expect(events.flatMap((e) => (e.kind === 'message' ? [e.message.id] : []))).toEqual(ids);
    a.close();
    b.close();
  });

  it('after the log is pruned, an old cursor gets a full resync and a recent one a backlog', async () => {
    let now = Date.now();
    await using server = await testServer({
      now: () => now,
      tombstoneRetentionSeconds: 10,
      sweepIntervalMs: 50,
    });
    const alice = await register(server);
    const bob = await register(server);
    const a = await RawClient.connect(server.url, alice.token);
    const b = await RawClient.connect(server.url, bob.token);
    const old = await a.ok<{ id: string }>(sendFrame(bob.user.username, 'old but live'));
    const oldBurn = await a.ok<{ id: string }>(
      await sealedSendFrame(a, alice.user.username, bob.user.username, 'old burn'),
    );
    await b.ok({ type: 'open', id: oldBurn.id });
    await b.waitForEvent((e) => e.kind === 'burned' && e.messageId === oldBurn.id);
    const oldCursor = 0;
    b.close();

    now += 60_000; // past retention: the sweeper prunes the log and tombstones
    await sweptAfter(server);
    const fresh = await a.ok<{ id: string }>(sendFrame(bob.user.username, 'fresh'));
    const probe = await RawClient.connect(server.url, alice.token);
    const recentCursor = probe.frames.find((f) => f.type === 'synced');
    probe.close();

    const stale = await RawClient.connect(server.url, bob.token, oldCursor);
    expect(shape(stale.frames)).toEqual(['welcome', 'resync', 'synced']);
    const resync = stale.frames[1];
    expect(resync?.type === 'resync' && resync.messages.map((m) => m.id)).toEqual([old.id, fresh.id]);
    stale.close();

    // The burned id is forgotten after retention: NOT_FOUND, as for any unknown id.
    const b2 = await RawClient.connect(server.url, bob.token);
    expect(await b2.request({ type: 'open', id: oldBurn.id })).toMatchObject({ code: 'NOT_FOUND' });
    b2.close();

    if (recentCursor?.type !== 'synced') throw new Error('no synced');
    const resumed = await RawClient.connect(server.url, alice.token, recentCursor.cursor);
    expect(shape(resumed.frames)).toEqual(['welcome', 'synced']);
    resumed.close();
    a.close();
  });
});
