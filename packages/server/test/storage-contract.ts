import { randomBytes } from 'node:crypto';
import { CinderError, type Event } from '@cinder/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NewMessage, Party, Storage } from '../src/storage/storage.ts';
import { addDevices, keysOf } from './storage-fixtures.ts';

/** A storage under test and how to dispose of it. */
export interface StorageFixture {
  storage: Storage;
  cleanup(): Promise<void>;
}

let counter = 0;

function party(name: string): Party {
  return { id: `u_${name}`, username: name };
}

const alice = party('alice');
const bob = party('bob');
const carol = party('carol');

function message(overrides: Partial<NewMessage> & { burn?: NewMessage['burn'] } = {}): NewMessage {
  counter += 1;
  const m: NewMessage = {
    id: `m_${counter}_${Math.random().toString(36).slice(2)}`,
    conversation: 'dm:alice:bob',
    from: alice,
    to: bob,
    sentAt: 1_000,
    size: 6,
    text: 'secret',
    ext: { fire: true },
    ...overrides,
  };
  return m;
}

const burnPolicy = { ttlSeconds: 60, viewSeconds: 0, expiresAt: 61_000 };

/** A device public key as clients publish it: 32 bytes, base64url (43 characters). */
function publicKey(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * A sealed burn message's envelope as the engine stores it (docs/crypto.md): JSON the server
 * cannot read, with a copy of the key share for each of `devices`. Several KB, like a real one.
 */
function envelopeText(devices: readonly string[]): string {
  const b64 = (n: number) => randomBytes(n).toString('base64url');
  return JSON.stringify({
    v: 1,
    id: b64(16),
    ct: b64(4096),
    k2: b64(32),
    keys: devices.map((device) => ({ device, enc: b64(32), ct: b64(48) })),
  });
}

async function allEvents(storage: Storage, userId: string, after = 0): Promise<Event[]> {
  const out: Event[] = [];
  let cursor = after;
  for (;;) {
    const page = await storage.readEvents(userId, cursor, 100);
    out.push(...page.events.map((e) => e.event));
    cursor = page.last;
    if (!page.more) return out;
  }
}

/**
 * The contract every `Storage` implementation must pass (SQLite and PostgreSQL run it through
 * the same interface): accounts, idempotent insert, the atomic take, racing takes, events after a
 * cursor, sealing, receipts, expiry, revoke and pruning. Which effect each verb performs is
 * decided by core/burn-rules.ts (its own table test); this suite checks that a storage performs
 * it, in one transaction, with the refusal the rules gave.
 */
export function runStorageContract(name: string, options: { create: () => Promise<StorageFixture> }): void {
  describe(`storage contract: ${name}`, () => {
    let fixture: StorageFixture;
    let storage: Storage;

    beforeEach(async () => {
      fixture = await options.create();
      storage = fixture.storage;
      for (const p of [alice, bob, carol]) {
        await storage.accounts.createUser({
          id: p.id,
          username: p.username,
          passwordHash: 'x',
          createdAt: 1,
        });
      }
    });

    afterEach(async () => {
      await fixture.cleanup();
    });

    it('refuses a taken username with CONFLICT', async () => {
      const error = await storage.accounts
        .createUser({ id: 'u_other', username: 'alice', passwordHash: 'y', createdAt: 2 })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CinderError);
      expect((error as CinderError).code).toBe('CONFLICT');
      expect((await storage.accounts.findUserByUsername('alice'))?.id).toBe(alice.id);
      expect(await storage.accounts.findUserByUsername('nobody')).toBeNull();
    });

    it('finds devices by token hash and forgets deleted ones', async () => {
      await storage.accounts.createDevice({
        id: 'd1',
        userId: alice.id,
        name: 'one',
        createdAt: 5,
        lastSeenAt: null,
        publicKey: null,
        tokenHash: 'h1',
      });
      await storage.accounts.createDevice({
        id: 'd2',
        userId: alice.id,
        name: 'two',
        createdAt: 6,
        lastSeenAt: null,
        publicKey: null,
        tokenHash: 'h2',
      });
      expect(await storage.accounts.findDeviceByTokenHash('h1')).toEqual({
        device: { id: 'd1', userId: alice.id, name: 'one', createdAt: 5, lastSeenAt: null, publicKey: null },
        user: { id: alice.id, username: 'alice' },
      });
      await storage.accounts.touchDevice('d1', 9);
      expect((await storage.accounts.listDevices(alice.id)).map((d) => [d.id, d.lastSeenAt])).toEqual([
        ['d1', 9],
        ['d2', null],
      ]);
      expect(await storage.accounts.deleteDevice(bob.id, 'd1')).toBe(false);
      expect(await storage.accounts.deleteDevice(alice.id, 'd1')).toBe(true);
      expect(await storage.accounts.findDeviceByTokenHash('h1')).toBeNull();
      expect((await storage.accounts.listDevices(alice.id)).map((d) => d.id)).toEqual(['d2']);
    });

    it('changes a password and signs out every other device of the user, with their push subscriptions', async () => {
      const device = (id: string, userId: string) =>
        storage.accounts.createDevice({
          id,
          userId,
          name: id,
          createdAt: 1,
          lastSeenAt: null,
          publicKey: publicKey(),
          tokenHash: `h_${id}`,
        });
      await device('pa1', alice.id);
      await device('pa2', alice.id);
      await device('pa3', alice.id);
      await device('pb1', bob.id);
      const sub = (deviceId: string, userId: string) => ({
        deviceId,
        userId,
        endpoint: `https://push/${deviceId}`,
        p256dh: 'p',
        auth: 'a',
        previews: null,
        createdAt: 1,
      });
      await storage.push.saveSubscription(sub('pa2', alice.id));
      await storage.push.saveSubscription(sub('pa1', alice.id));
      await storage.push.saveSubscription(sub('pb1', bob.id));
      // The key directory is read (and may be cached) before the change.
      expect(await keysOf(storage, alice)).toHaveLength(3);
      expect((await storage.accounts.findUserByUsername('alice'))?.passwordHash).toBe('x');

      expect((await storage.accounts.changePassword(alice.id, 'new-hash', 'pa1')).sort()).toEqual([
        'pa2',
        'pa3',
      ]);
      expect((await storage.accounts.findUserByUsername('alice'))?.passwordHash).toBe('new-hash');
      expect((await storage.accounts.listDevices(alice.id)).map((d) => d.id)).toEqual(['pa1']);
      expect((await keysOf(storage, alice)).map((d) => d.id)).toEqual(['pa1']);
      expect(await storage.accounts.findDeviceByTokenHash('h_pa2')).toBeNull();
      expect(await storage.accounts.findDeviceByTokenHash('h_pa1')).not.toBeNull();
      expect((await storage.push.listSubscriptions(alice.id)).map((s) => s.deviceId)).toEqual(['pa1']);
      // Another user is untouched.
      expect((await storage.accounts.findUserByUsername('bob'))?.passwordHash).toBe('x');
      expect((await storage.accounts.listDevices(bob.id)).map((d) => d.id)).toEqual(['pb1']);
      expect((await storage.push.listSubscriptions(bob.id)).map((s) => s.deviceId)).toEqual(['pb1']);
      // An unknown user: nothing changes, nothing is signed out.
      expect(await storage.accounts.changePassword('u_nobody', 'h', 'pb1')).toEqual([]);
      expect((await storage.accounts.listDevices(bob.id)).map((d) => d.id)).toEqual(['pb1']);
    });

    it('keeps a display name per user, found with the user and removed with null', async () => {
      expect((await storage.accounts.findUserByUsername('alice'))?.displayName ?? null).toBeNull();
      await storage.accounts.setDisplayName(alice.id, '张三');
      expect((await storage.accounts.findUserByUsername('alice'))?.displayName).toBe('张三');
      expect((await storage.accounts.findUserByUsername('bob'))?.displayName ?? null).toBeNull();
      await storage.accounts.setDisplayName(alice.id, null);
      expect((await storage.accounts.findUserByUsername('alice'))?.displayName ?? null).toBeNull();
    });

    it('keeps blocks per user, one way, listed by username in the order made', async () => {
      const blocks = async (username: string, askerId: string) =>
        (await storage.accounts.findPeer(username, askerId))?.blocksAsker;
      expect(await blocks('alice', bob.id)).toBe(false);
      await storage.accounts.block(alice.id, carol.id, 20);
      await storage.accounts.block(alice.id, bob.id, 10);
      await storage.accounts.block(alice.id, bob.id, 30); // again: nothing changes
      expect(await storage.accounts.listBlocked(alice.id)).toEqual([
        { username: 'bob', at: 10 },
        { username: 'carol', at: 20 },
      ]);
      // Concurrent look-ups (batched on PostgreSQL) each get their own answer; one of a name
      // nobody has is null.
      expect(
        await Promise.all([
          blocks('alice', bob.id),
          blocks('bob', alice.id),
          blocks('alice', carol.id),
          blocks('carol', bob.id),
          blocks('alice', bob.id),
          storage.accounts.findPeer('nobody', bob.id),
        ]),
      ).toEqual([true, false, true, false, true, null]);
      expect(await storage.accounts.listBlocked(bob.id)).toEqual([]);
      expect(await storage.accounts.unblock(alice.id, bob.id)).toBe(true);
      expect(await storage.accounts.unblock(alice.id, bob.id)).toBe(false);
      expect(await blocks('alice', bob.id)).toBe(false);
      expect(await storage.accounts.listBlocked(alice.id)).toEqual([{ username: 'carol', at: 20 }]);
    });

    it('keeps one VAPID key pair: made by the first call, returned by every later one', async () => {
      let made = 0;
      const generate = () => {
        made += 1;
        return { publicKey: `pub-${made}`, privateKey: `priv-${made}` };
      };
      const first = await storage.push.vapidKeys(generate);
      expect(first).toEqual({ publicKey: 'pub-1', privateKey: 'priv-1' });
      expect(await storage.push.vapidKeys(generate)).toEqual(first);
      expect(made).toBe(1);
    });

    it('keeps a push subscription per signed-in device, removed with the device or a gone endpoint', async () => {
      await addDevices(storage, bob.id, ['b1', 'b2']);
      await addDevices(storage, alice.id, ['a1']);
      const sub = (deviceId: string, userId: string, endpoint: string, previews: boolean | null) => ({
        deviceId,
        userId,
        endpoint,
        p256dh: `p-${deviceId}`,
        auth: `a-${deviceId}`,
        previews,
        createdAt: 10,
      });
      // A first subscription has previews off unless asked.
      expect(await storage.push.saveSubscription(sub('b1', bob.id, 'https://push/1', null))).toEqual({
        ...sub('b1', bob.id, 'https://push/1', null),
        previews: false,
      });
      expect(await storage.push.saveSubscription(sub('b2', bob.id, 'https://push/2', true))).toMatchObject({
        previews: true,
      });
      await storage.push.saveSubscription(sub('a1', alice.id, 'https://push/a', null));
      // Not for a device that is not signed in, nor another user's.
      expect(await storage.push.saveSubscription(sub('nope', bob.id, 'https://push/x', null))).toBeNull();
      expect(await storage.push.saveSubscription(sub('a1', bob.id, 'https://push/x', null))).toBeNull();
      expect((await storage.push.listSubscriptions(bob.id)).map((s) => [s.deviceId, s.endpoint])).toEqual([
        ['b1', 'https://push/1'],
        ['b2', 'https://push/2'],
      ]);
      // A new subscription replaces the device's; without `previews` it keeps the preference.
      expect(await storage.push.setPreviews('b1', true)).toBe(true);
      expect(await storage.push.setPreviews('nope', true)).toBe(false);
      await storage.push.saveSubscription(sub('b1', bob.id, 'https://push/1b', null));
      expect(await storage.push.subscription('b1')).toMatchObject({
        endpoint: 'https://push/1b',
        previews: true,
      });
      // A gone endpoint removes the subscription only while the device still has it.
      expect(await storage.push.deleteSubscription('b1', 'https://push/1')).toBe(false);
      expect(await storage.push.deleteSubscription('b1', 'https://push/1b')).toBe(true);
      expect(await storage.push.subscription('b1')).toBeNull();
      expect(await storage.push.deleteSubscription('b1')).toBe(false);
      // Signing a device out removes its subscription.
      expect(await storage.accounts.deleteDevice(bob.id, 'b2')).toBe(true);
      expect(await storage.push.subscription('b2')).toBeNull();
      expect(await storage.push.listSubscriptions(bob.id)).toEqual([]);
      expect((await storage.push.listSubscriptions(alice.id)).map((s) => s.deviceId)).toEqual(['a1']);
      expect(await storage.push.deleteSubscription('a1')).toBe(true);
      expect(await storage.push.listSubscriptions(alice.id)).toEqual([]);
    });

    it('keeps device public keys, and lists the keyed devices oldest first as the key directory', async () => {
      const keys = { k1: publicKey(), k2: publicKey(), k3: publicKey(), other: publicKey() };
      const device = (id: string, userId: string, createdAt: number, key: string | null) =>
        storage.accounts.createDevice({
          id,
          userId,
          name: id,
          createdAt,
          lastSeenAt: null,
          publicKey: key,
          tokenHash: `h_${id}`,
        });
      // Inserted out of order; d_k3 and d_k2 were created in the same millisecond (ids break the tie).
      await device('d_k2', bob.id, 7, keys.k2);
      await device('d_none', bob.id, 6, null);
      await device('d_k1', bob.id, 5, keys.k1);
      await device('d_k3', bob.id, 7, keys.k3);
      await device('d_other', alice.id, 1, keys.other);

      expect(await storage.accounts.listDevices(bob.id)).toEqual([
        { id: 'd_k1', userId: bob.id, name: 'd_k1', createdAt: 5, lastSeenAt: null, publicKey: keys.k1 },
        { id: 'd_none', userId: bob.id, name: 'd_none', createdAt: 6, lastSeenAt: null, publicKey: null },
        { id: 'd_k2', userId: bob.id, name: 'd_k2', createdAt: 7, lastSeenAt: null, publicKey: keys.k2 },
        { id: 'd_k3', userId: bob.id, name: 'd_k3', createdAt: 7, lastSeenAt: null, publicKey: keys.k3 },
      ]);
      expect((await storage.accounts.findDeviceByTokenHash('h_d_k2'))?.device.publicKey).toBe(keys.k2);
      expect((await storage.accounts.findDeviceByTokenHash('h_d_none'))?.device.publicKey).toBeNull();
      // A device without a key is not in the directory; another user's devices neither.
      // The directory rides on the lookup of a peer: oldest first, then by id.
      expect(await storage.accounts.findPeer('bob', alice.id)).toEqual({
        id: bob.id,
        username: 'bob',
        displayName: null,
        blocksAsker: false,
        keys: [
          { id: 'd_k1', publicKey: keys.k1, createdAt: 5 },
          { id: 'd_k2', publicKey: keys.k2, createdAt: 7 },
          { id: 'd_k3', publicKey: keys.k3, createdAt: 7 },
        ],
      });
      expect(await keysOf(storage, alice)).toEqual([{ id: 'd_other', publicKey: keys.other, createdAt: 1 }]);
      expect((await storage.accounts.findPeer('carol', alice.id))?.keys).toEqual([]);
      // A deleted (revoked, signed out) device leaves the directory with its key, for every asker.
      expect(await storage.accounts.deleteDevice(bob.id, 'd_k2')).toBe(true);
      expect((await keysOf(storage, bob)).map((d) => d.id)).toEqual(['d_k1', 'd_k3']);
      expect((await storage.accounts.findPeer('bob', carol.id))?.keys.map((d) => d.id)).toEqual([
        'd_k1',
        'd_k3',
      ]);
    });

    it('inserts once per (device, key) and appends a message event to both logs', async () => {
      const m = message();
      const first = await storage.insertMessage({ deviceId: 'd1', key: 'key-0001', message: m, at: 1_000 });
      expect(first.created).toBe(true);
      expect([...first.wake].sort()).toEqual([alice.id, bob.id].sort());
      expect(first.result).toEqual({ id: m.id, conversation: m.conversation, sentAt: 1_000, size: 6 });
      const retry = await storage.insertMessage({
        deviceId: 'd1',
        key: 'key-0001',
        message: message({ text: 'other' }),
        at: 2_000,
      });
      expect(retry.created).toBe(false);
      expect(retry.result).toEqual(first.result);
      const other = await storage.insertMessage({
        deviceId: 'd2',
        key: 'key-0001',
        message: message(),
        at: 2_000,
      });
      expect(other.created).toBe(true);
      expect((await allEvents(storage, bob.id)).filter((e) => e.kind === 'message')).toHaveLength(2);
      const aliceLog = await storage.readEvents(alice.id, 0, 10);
      expect(aliceLog.events.map((e) => e.originDevice)).toEqual(['d1', 'd2']);
    });

    it('tells each stored message whether its recipient has a push subscription, in one batch too', async () => {
      await addDevices(storage, bob.id, ['pb1']);
      const plain = await storage.insertMessage({
        deviceId: 'd1',
        key: 'key-push0',
        message: message(),
        at: 1_000,
      });
      expect(plain).toMatchObject({ created: true, pushable: false });
      await storage.push.saveSubscription({
        deviceId: 'pb1',
        userId: bob.id,
        endpoint: 'https://push/pb1',
        p256dh: 'p',
        auth: 'a',
        previews: null,
        createdAt: 10,
      });
      const [toBob, toAlice, toBobBurn] = await Promise.all([
        storage.insertMessage({ deviceId: 'd1', key: 'key-push1', message: message(), at: 1_000 }),
        storage.insertMessage({
          deviceId: 'd2',
          key: 'key-push2',
          message: message({ from: bob, to: alice }),
          at: 1_000,
        }),
        storage.insertMessage({
          deviceId: 'd1',
          key: 'key-push3',
          message: message({ burn: burnPolicy }),
          at: 1_000,
        }),
      ]);
      expect([toBob.pushable, toAlice.pushable, toBobBurn.pushable]).toEqual([true, false, true]);
      // A retried key wrote nothing, so nothing is pushed for it.
      const retry = await storage.insertMessage({
        deviceId: 'd1',
        key: 'key-push1',
        message: message(),
        at: 2_000,
      });
      expect(retry).toMatchObject({ created: false, pushable: false });
      expect(await storage.push.deleteSubscription('pb1')).toBe(true);
      const after = await storage.insertMessage({
        deviceId: 'd1',
        key: 'key-push4',
        message: message(),
        at: 3_000,
      });
      expect(after.pushable).toBe(false);
    });

    it('keeps burn messages sealed in the log and in resync listings', async () => {
      const burn = message({ burn: burnPolicy });
      const normal = message({ text: 'hello', ext: { a: 1 } });
      await storage.insertMessage({ deviceId: 'd1', key: 'key-burn1', message: burn, at: 1_000 });
      await storage.insertMessage({ deviceId: 'd1', key: 'key-norm1', message: normal, at: 1_000 });
      const views = (await allEvents(storage, bob.id)).flatMap((e) =>
        e.kind === 'message' ? [e.message] : [],
      );
      expect(views[0]).toEqual({
        id: burn.id,
        conversation: 'dm:alice:bob',
        from: 'alice',
        to: 'bob',
        sentAt: 1_000,
        burn: burnPolicy,
        size: 6,
      });
      expect(views[1]).toMatchObject({ id: normal.id, text: 'hello', ext: { a: 1 } });
      const listed = await storage.listLiveMessages(alice.id, null, 10);
      expect(listed.next).toBeNull();
      expect(listed.messages.map((m) => m.id)).toEqual([burn.id, normal.id]);
      expect(listed.messages[0]).not.toHaveProperty('text');
      expect(listed.messages[0]).not.toHaveProperty('ext');
      expect((await storage.listLiveMessages(carol.id, null, 10)).messages).toEqual([]);
    });

    it('takes a burn message atomically: content once, then refused as burned', async () => {
      const m = message({ burn: burnPolicy });
      await storage.insertMessage({ deviceId: 'd1', key: 'key-take1', message: m, at: 1_000 });
      expect(
        await storage.openMessage({ id: m.id, userId: alice.id, deviceId: 'd_alice', at: 2_000 }),
      ).toEqual({
        kind: 'refused',
        refusal: { code: 'FORBIDDEN', message: 'Only the recipient may open a message' },
        wake: [],
        burned: [],
      });
      const taken = await storage.openMessage({ id: m.id, userId: bob.id, deviceId: 'd_bob', at: 2_000 });
      expect(taken).toMatchObject({
        kind: 'taken',
        text: 'secret',
        ext: { fire: true },
        viewSeconds: 0,
        sealed: false,
        from: 'alice',
      });
      expect(taken.burned).toEqual([
        { messageId: m.id, conversation: 'dm:alice:bob', reason: 'opened', expiresAt: burnPolicy.expiresAt },
      ]);
      expect([...taken.wake].sort()).toEqual([alice.id, bob.id].sort());
      const again = await storage.openMessage({ id: m.id, userId: bob.id, deviceId: 'd_bob', at: 2_001 });
      expect(again).toEqual({ kind: 'refused', refusal: { code: 'BURNED' }, wake: [], burned: [] });
      // To anyone else a burned id is one that never existed.
      expect(
        await storage.openMessage({ id: m.id, userId: carol.id, deviceId: 'd_carol', at: 2_001 }),
      ).toMatchObject({
        refusal: { code: 'NOT_FOUND' },
      });
      for (const user of [alice, bob]) {
        const events = await allEvents(storage, user.id);
        expect(events.filter((e) => e.kind === 'message')).toEqual([]);
        expect(events.filter((e) => e.kind === 'burned')).toEqual([
          expect.objectContaining({
            kind: 'burned',
            messageId: m.id,
            conversation: 'dm:alice:bob',
            reason: 'opened',
            at: 2_000,
          }),
        ]);
      }
      expect((await storage.listLiveMessages(bob.id, null, 10)).messages).toEqual([]);
      expect(
        await storage.openMessage({ id: 'm_never', userId: bob.id, deviceId: 'd_bob', at: 2_000 }),
      ).toEqual({
        kind: 'refused',
        refusal: { code: 'NOT_FOUND' },
        wake: [],
        burned: [],
      });
    });

    it('takes a sealed burn message only on a device it was sealed for, with its envelope exact', async () => {
      const devices = ['dA', 'dB'];
      const first = message({ burn: burnPolicy, text: envelopeText(devices), ext: null, sealedFor: devices });
      const second = message({
        burn: burnPolicy,
        text: envelopeText(devices),
        ext: null,
        sealedFor: devices,
      });
      for (const m of [first, second]) {
        await storage.insertMessage({ deviceId: 'd1', key: `key-${m.id}`, message: m, at: 1_000 });
      }
      // Metadata only, like any burn message: the envelope is never in a view.
      const views = (await allEvents(storage, bob.id)).flatMap((e) =>
        e.kind === 'message' ? [e.message] : [],
      );
      expect(views.map((v) => v.id)).toEqual([first.id, second.id]);
      for (const view of views) {
        expect(view).not.toHaveProperty('text');
        expect(view).not.toHaveProperty('ext');
      }

      const taken = await storage.openMessage({ id: first.id, userId: bob.id, deviceId: 'dA', at: 2_000 });
      expect(taken).toMatchObject({ kind: 'taken', sealed: true, ext: {}, viewSeconds: 0, from: 'alice' });
      expect(taken.kind === 'taken' ? taken.text : null).toBe(first.text);
      expect(taken.burned).toEqual([
        {
          messageId: first.id,
          conversation: 'dm:alice:bob',
          reason: 'opened',
          expiresAt: burnPolicy.expiresAt,
        },
      ]);
      expect(
        await storage.openMessage({ id: first.id, userId: bob.id, deviceId: 'dB', at: 2_001 }),
      ).toMatchObject({ kind: 'refused', refusal: { code: 'BURNED' } });

      // A device it was not sealed for (added later) is refused, and nothing is taken or burned.
      expect(await storage.openMessage({ id: second.id, userId: bob.id, deviceId: 'dC', at: 2_000 })).toEqual(
        {
          kind: 'refused',
          refusal: { code: 'SEALED_FOR_OTHER_DEVICES' },
          wake: [],
          burned: [],
        },
      );
      // The sender and outsiders get what they get for any burn message, on any device.
      expect(
        await storage.openMessage({ id: second.id, userId: alice.id, deviceId: 'dA', at: 2_000 }),
      ).toMatchObject({ kind: 'refused', refusal: { code: 'FORBIDDEN' } });
      expect(
        await storage.openMessage({ id: second.id, userId: carol.id, deviceId: 'dA', at: 2_000 }),
      ).toMatchObject({ kind: 'refused', refusal: { code: 'NOT_FOUND' } });
      expect((await storage.listLiveMessages(bob.id, null, 10)).messages.map((m) => m.id)).toEqual([
        second.id,
      ]);
      const burned = (await allEvents(storage, bob.id)).filter((e) => e.kind === 'burned');
      expect(burned.map((e) => (e.kind === 'burned' ? e.messageId : null))).toEqual([first.id]);
      // Still there for the devices it was sealed for.
      const later = await storage.openMessage({ id: second.id, userId: bob.id, deviceId: 'dB', at: 2_002 });
      expect(later).toMatchObject({ kind: 'taken', sealed: true });
      expect(later.kind === 'taken' ? later.text : null).toBe(second.text);
      expect((await storage.listLiveMessages(bob.id, null, 10)).messages).toEqual([]);
    });

    it('lets exactly one of many racing takes win', async () => {
      const m = message({ burn: burnPolicy });
      await storage.insertMessage({ deviceId: 'd1', key: 'key-race1', message: m, at: 1_000 });
      const results = await Promise.all(
        Array.from({ length: 20 }, () =>
          storage.openMessage({ id: m.id, userId: bob.id, deviceId: 'd_bob', at: 2_000 }),
        ),
      );
      expect(results.filter((r) => r.kind === 'taken')).toHaveLength(1);
      expect(results.filter((r) => r.kind === 'refused' && r.refusal.code === 'BURNED')).toHaveLength(19);
      expect((await allEvents(storage, bob.id)).filter((e) => e.kind === 'burned')).toHaveLength(1);
    });

    it('opens a normal message for its recipient and adds one read receipt', async () => {
      const m = message();
      await storage.insertMessage({ deviceId: 'd1', key: 'key-norm2', message: m, at: 1_000 });
      const first = await storage.openMessage({ id: m.id, userId: bob.id, deviceId: 'd_bob', at: 2_000 });
      expect(first).toEqual({
        kind: 'read',
        text: 'secret',
        ext: { fire: true },
        wake: [alice.id],
        burned: [],
      });
      const second = await storage.openMessage({ id: m.id, userId: bob.id, deviceId: 'd_bob', at: 2_001 });
      expect(second).toMatchObject({ kind: 'read', wake: [] });
      expect(await storage.readMessage({ id: m.id, reader: bob, at: 2_002 })).toEqual({
        kind: 'done',
        wake: [],
        burned: [],
      });
      expect(await storage.readMessage({ id: m.id, reader: alice, at: 2_002 })).toMatchObject({
        kind: 'refused',
        refusal: { code: 'FORBIDDEN' },
      });
      const receipts = (await allEvents(storage, alice.id)).filter((e) => e.kind === 'receipt');
      expect(receipts).toEqual([
        expect.objectContaining({
          messageId: m.id,
          type: 'read',
          by: 'bob',
          at: 2_000,
          conversation: 'dm:alice:bob',
        }),
      ]);
      expect((await allEvents(storage, bob.id)).filter((e) => e.kind === 'receipt')).toEqual([]);
    });

    it('keeps the read receipts setting per user, and reads without a receipt while it is off', async () => {
      expect(await storage.accounts.readReceipts(bob.id)).toBe(true);
      expect(await storage.accounts.readReceipts('u_nobody')).toBe(true);
      await storage.accounts.setReadReceipts(bob.id, false);
      expect(
        await Promise.all([storage.accounts.readReceipts(bob.id), storage.accounts.readReceipts(alice.id)]),
      ).toEqual([false, true]);
      const m = message();
      await storage.insertMessage({ deviceId: 'd1', key: 'key-quiet1', message: m, at: 1_000 });
      expect(
        await storage.openMessage({
          id: m.id,
          userId: bob.id,
          deviceId: 'd_bob',
          at: 2_000,
          readReceipts: false,
        }),
      ).toEqual({ kind: 'read', text: 'secret', ext: { fire: true }, wake: [], burned: [] });
      expect(await storage.readMessage({ id: m.id, reader: bob, at: 2_001, readReceipts: false })).toEqual({
        kind: 'done',
        wake: [],
        burned: [],
      });
      // Refusals are the same; a burn message still burns when opened.
      expect(
        await storage.readMessage({ id: m.id, reader: alice, at: 2_002, readReceipts: false }),
      ).toMatchObject({ kind: 'refused', refusal: { code: 'FORBIDDEN' } });
      const b = message({ burn: burnPolicy });
      await storage.insertMessage({ deviceId: 'd1', key: 'key-quiet2', message: b, at: 1_000 });
      expect(
        await storage.openMessage({
          id: b.id,
          userId: bob.id,
          deviceId: 'd_bob',
          at: 2_003,
          readReceipts: false,
        }),
      ).toMatchObject({ kind: 'taken', burned: [{ messageId: b.id, reason: 'opened' }] });
      expect((await allEvents(storage, alice.id)).filter((e) => e.kind === 'receipt')).toEqual([]);
      // Back on: the next read sends its receipt.
      await storage.accounts.setReadReceipts(bob.id, true);
      expect(await storage.accounts.readReceipts(bob.id)).toBe(true);
      expect(await storage.readMessage({ id: m.id, reader: bob, at: 2_004 })).toMatchObject({
        wake: [alice.id],
      });
    });

    it('adds delivered receipts once, only for the recipient of live messages', async () => {
      const a = message();
      const b = message({ burn: burnPolicy });
      await storage.insertMessage({ deviceId: 'd1', key: 'key-del01', message: a, at: 1_000 });
      await storage.insertMessage({ deviceId: 'd1', key: 'key-del02', message: b, at: 1_000 });
      expect(
        await storage.markDelivered({ ids: [a.id, b.id, 'm_none'], recipient: carol, at: 2_000 }),
      ).toEqual({ wake: [], burned: [] });
      expect(await storage.markDelivered({ ids: [a.id, b.id, 'm_none'], recipient: bob, at: 2_000 })).toEqual(
        {
          wake: [alice.id],
          burned: [],
        },
      );
      expect(await storage.markDelivered({ ids: [a.id, b.id], recipient: bob, at: 2_001 })).toEqual({
        wake: [],
        burned: [],
      });
      const receipts = (await allEvents(storage, alice.id)).filter((e) => e.kind === 'receipt');
      expect(receipts.map((r) => (r.kind === 'receipt' ? [r.messageId, r.type] : null))).toEqual([
        [a.id, 'delivered'],
        [b.id, 'delivered'],
      ]);
    });

    it('recalls only a live normal message, only by its sender, within the window, and tells both users', async () => {
      const m = message({ sentAt: 1_000 });
      await storage.insertMessage({ deviceId: 'd1', key: 'key-recall1', message: m, at: 1_000 });
      await storage.markDelivered({ ids: [m.id], recipient: bob, at: 1_500 });
      const recall = (id: string, userId: string, at: number) =>
        storage.recallMessage({ id, userId, at, windowMs: 120_000 });
      expect(await recall(m.id, bob.id, 2_000)).toMatchObject({
        kind: 'refused',
        refusal: { code: 'FORBIDDEN' },
      });
      expect(await recall(m.id, carol.id, 2_000)).toMatchObject({
        kind: 'refused',
        refusal: { code: 'NOT_FOUND' },
      });
      expect(await recall(m.id, alice.id, 121_001)).toMatchObject({
        kind: 'refused',
        refusal: { code: 'FORBIDDEN', message: 'The time to recall this message has passed' },
      });
      const outcome = await recall(m.id, alice.id, 121_000);
      expect(outcome).toEqual({ kind: 'done', wake: [alice.id, bob.id], burned: [] });
      // Gone: the message, its queued copies, its content; a second recall finds nothing.
      expect(await recall(m.id, alice.id, 121_000)).toMatchObject({ refusal: { code: 'NOT_FOUND' } });
      expect(
        await storage.openMessage({ id: m.id, userId: bob.id, deviceId: 'd_bob', at: 121_001 }),
      ).toMatchObject({ kind: 'refused', refusal: { code: 'NOT_FOUND' } });
      for (const user of [alice, bob]) {
        const events = await allEvents(storage, user.id);
        expect(events.filter((e) => e.kind === 'message')).toEqual([]);
        expect(events.at(-1)).toEqual({
          kind: 'recalled',
          seq: expect.any(Number),
          messageId: m.id,
          conversation: m.conversation,
          by: 'alice',
          at: 121_000,
        });
        expect(JSON.stringify(events)).not.toContain('secret');
        expect((await storage.listLiveMessages(user.id, null, 100)).messages).toEqual([]);
      }
      // A burn message is revoked, not recalled.
      const b = message({ burn: burnPolicy, sentAt: 1_000 });
      await storage.insertMessage({ deviceId: 'd1', key: 'key-recall2', message: b, at: 1_000 });
      expect(await recall(b.id, alice.id, 1_001)).toMatchObject({ refusal: { code: 'BAD_REQUEST' } });
    });

    it('deletes an account: its burn messages burn for the other side, everything else of it goes', async () => {
      await addDevices(storage, alice.id, ['del_a1', 'del_a2']);
      await addDevices(storage, bob.id, ['del_b1']);
      await storage.push.saveSubscription({
        deviceId: 'del_a1',
        userId: alice.id,
        endpoint: 'https://push/a',
        p256dh: 'p',
        auth: 'a',
        previews: null,
        createdAt: 1,
      });
      await storage.accounts.block(alice.id, carol.id, 1);
      await storage.accounts.block(carol.id, alice.id, 1);
      await storage.accounts.setReadReceipts(alice.id, false);
      const sentBurn = message({ burn: burnPolicy });
      const gotBurn = message({ from: bob, to: alice, burn: burnPolicy });
      const normal = message();
      const others = message({ from: bob, to: carol, conversation: 'dm:bob:carol' });
      for (const [i, m] of [sentBurn, gotBurn, normal, others].entries()) {
        await storage.insertMessage({ deviceId: 'del_a1', key: `key-del-${i}`, message: m, at: 1_000 });
      }
      await storage.uploads.create({ id: 'f_del', deviceId: 'del_a1', size: 2, createdAt: 1, expiresAt: 9 });

      const deletion = await storage.deleteAccount(alice.id, 5_000);
      expect(deletion.devices.sort()).toEqual(['del_a1', 'del_a2']);
      expect(deletion.wake).toEqual([bob.id]);
      expect(
        [...deletion.burned]
          .sort((a, b) => a.reason.localeCompare(b.reason))
          .map((b) => [b.messageId, b.reason]),
      ).toEqual([
        [gotBurn.id, 'expired'],
        [sentBurn.id, 'revoked'],
      ]);
      // Bob's log: both burns, and no message event of alice's messages left to deliver.
      const bobEvents = await allEvents(storage, bob.id);
      expect(
        bobEvents
          .filter((e) => e.kind === 'burned')
          .map((e) => e.messageId)
          .sort(),
      ).toEqual([sentBurn.id, gotBurn.id].sort());
      expect(bobEvents.filter((e) => e.kind === 'message').map((e) => e.message.id)).toEqual([others.id]);
      expect((await storage.listLiveMessages(bob.id, null, 100)).messages.map((m) => m.id)).toEqual([
        others.id,
      ]);
      // Nothing of alice is left.
      expect(await storage.accounts.findUserByUsername('alice')).toBeNull();
      expect(await storage.accounts.listDevices(alice.id)).toEqual([]);
      expect(await storage.accounts.findDeviceByTokenHash('del_a1')).toBeNull();
      expect(await storage.accounts.findPeer('alice', carol.id)).toBeNull();
      expect(await storage.push.listSubscriptions(alice.id)).toEqual([]);
      expect(await storage.accounts.listBlocked(alice.id)).toEqual([]);
      expect(await storage.accounts.listBlocked(carol.id)).toEqual([]);
      expect(await storage.uploads.get('f_del')).toBeNull();
      expect(await allEvents(storage, alice.id)).toEqual([]);
      expect((await storage.listLiveMessages(alice.id, null, 100)).messages).toEqual([]);
      expect((await storage.accounts.listDevices(bob.id)).map((d) => d.id)).toEqual(['del_b1']);
      // An unknown user: nothing.
      expect(await storage.deleteAccount('u_nobody', 6_000)).toEqual({ wake: [], burned: [], devices: [] });
    });

    it('revokes only for the sender, and only unburned burn messages', async () => {
      const m = message({ burn: burnPolicy });
      const normal = message();
      await storage.insertMessage({ deviceId: 'd1', key: 'key-rev01', message: m, at: 1_000 });
      await storage.insertMessage({ deviceId: 'd1', key: 'key-rev02', message: normal, at: 1_000 });
      expect(await storage.revokeMessage({ id: m.id, userId: bob.id, at: 2_000 })).toMatchObject({
        kind: 'refused',
        refusal: { code: 'FORBIDDEN' },
      });
      expect(await storage.revokeMessage({ id: normal.id, userId: alice.id, at: 2_000 })).toMatchObject({
        kind: 'refused',
        refusal: { code: 'BAD_REQUEST' },
      });
      expect(await storage.revokeMessage({ id: m.id, userId: alice.id, at: 2_000 })).toMatchObject({
        kind: 'done',
        burned: [{ messageId: m.id, conversation: 'dm:alice:bob', reason: 'revoked' }],
      });
      expect(await storage.revokeMessage({ id: m.id, userId: alice.id, at: 2_001 })).toMatchObject({
        kind: 'refused',
        refusal: { code: 'BURNED' },
      });
      expect(
        await storage.openMessage({ id: m.id, userId: bob.id, deviceId: 'd_bob', at: 2_002 }),
      ).toMatchObject({
        kind: 'refused',
        refusal: { code: 'BURNED' },
      });
    });

    it('expires due burn messages, and a late open finds them burned', async () => {
      const due = message({ burn: { ttlSeconds: 1, viewSeconds: 0, expiresAt: 2_000 } });
      const later = message({ burn: { ttlSeconds: 9, viewSeconds: 0, expiresAt: 10_000 } });
      const lazy = message({ burn: { ttlSeconds: 2, viewSeconds: 0, expiresAt: 3_000 } });
      for (const m of [due, later, lazy]) {
        await storage.insertMessage({ deviceId: 'd1', key: `key-${m.id}`, message: m, at: 1_000 });
      }
      const expired = await storage.expireDue(2_000, 100);
      expect(expired.burned).toEqual([
        { messageId: due.id, conversation: 'dm:alice:bob', reason: 'expired', expiresAt: 2_000 },
      ]);
      expect([...expired.wake].sort()).toEqual([alice.id, bob.id].sort());
      expect((await storage.expireDue(2_500, 100)).burned).toEqual([]);
      // Not swept yet, but past its deadline: the open burns it as expired and is refused.
      expect(
        await storage.openMessage({ id: lazy.id, userId: bob.id, deviceId: 'd_bob', at: 3_000 }),
      ).toMatchObject({
        kind: 'refused',
        refusal: { code: 'BURNED' },
        burned: [{ messageId: lazy.id, conversation: 'dm:alice:bob', reason: 'expired', expiresAt: 3_000 }],
      });
      const burned = (await allEvents(storage, bob.id)).filter((e) => e.kind === 'burned');
      expect(burned.map((e) => (e.kind === 'burned' ? [e.messageId, e.reason] : null))).toEqual([
        [due.id, 'expired'],
        [lazy.id, 'expired'],
      ]);
      expect((await storage.listLiveMessages(bob.id, null, 10)).messages.map((m) => m.id)).toEqual([
        later.id,
      ]);
    });

    it('reads events after a cursor in pages, in seq order, for that user only', async () => {
      for (let i = 0; i < 7; i++) {
        await storage.insertMessage({
          deviceId: 'd1',
          key: `key-page-${i}`,
          message: message(),
          at: 1_000 + i,
        });
      }
      await storage.insertMessage({
        deviceId: 'd3',
        key: 'key-carol',
        message: message({ from: carol, to: alice, conversation: 'dm:alice:carol' }),
        at: 2_000,
      });
      const first = await storage.readEvents(bob.id, 0, 3);
      expect(first.events).toHaveLength(3);
      expect(first.more).toBe(true);
      const seqs = first.events.map((e) => e.event.seq);
      expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
      expect(first.last).toBe(seqs[2]);
      const rest = await allEvents(storage, bob.id, first.last);
      expect(rest).toHaveLength(4);
      expect(rest.every((e) => e.seq > first.last)).toBe(true);
      const empty = await storage.readEvents(bob.id, rest.at(-1)?.seq ?? 0, 3);
      expect(empty).toEqual({ events: [], last: rest.at(-1)?.seq, more: false });
      const bounds = await storage.logBounds();
      expect(bounds.floor).toBe(0);
      expect(bounds.head).toBeGreaterThanOrEqual(rest.at(-1)?.seq ?? 0);
    });

    it('prunes the log and tombstones before a time and raises the floor', async () => {
      const old = message({ burn: burnPolicy });
      await storage.insertMessage({ deviceId: 'd1', key: 'key-old01', message: old, at: 1_000 });
      await storage.openMessage({ id: old.id, userId: bob.id, deviceId: 'd_bob', at: 1_500 });
      const fresh = message({ sentAt: 50_000 });
      await storage.insertMessage({ deviceId: 'd1', key: 'key-new01', message: fresh, at: 50_000 });
      const before = await storage.logBounds();
      const pruned = await storage.prune(10_000);
      expect(pruned.events).toBeGreaterThan(0);
      expect(pruned.tombstones).toBe(1);
      expect(pruned.sendKeys).toBe(1);
      const after = await storage.logBounds();
      expect(after.head).toBe(before.head);
      expect(after.floor).toBeGreaterThan(0);
      const remaining = await allEvents(storage, bob.id);
      expect(remaining.map((e) => e.kind)).toEqual(['message']);
      expect(remaining.every((e) => e.seq > after.floor)).toBe(true);
      // Past retention a burned id is forgotten: the same answer as one that never existed.
      expect(
        await storage.openMessage({ id: old.id, userId: bob.id, deviceId: 'd_bob', at: 60_000 }),
      ).toMatchObject({
        refusal: { code: 'NOT_FOUND' },
      });
      // The send key is gone too: the same key makes a new message.
      const again = await storage.insertMessage({
        deviceId: 'd1',
        key: 'key-old01',
        message: message(),
        at: 60_000,
      });
      expect(again.created).toBe(true);
      // Live messages are never pruned.
      expect((await storage.listLiveMessages(bob.id, null, 10)).messages.map((m) => m.id)).toContain(
        fresh.id,
      );
    });

    describe('uploads', () => {
      const upload = (id: string, size: number, expiresAt = 10_000) => ({
        id,
        deviceId: 'd_alice',
        size,
        createdAt: 1_000,
        expiresAt,
      });

      it('appends chunks at the received offset and reads them back', async () => {
        const id = `f_${Math.random().toString(36).slice(2)}`;
        const bytes = randomBytes(1000);
        await storage.uploads.create(upload(id, bytes.length));
        expect(await storage.uploads.get(id)).toEqual({ ...upload(id, 1000), received: 0, messageId: null });
        expect(await storage.uploads.read(id)).toEqual(new Uint8Array(0));
        const first = await storage.uploads.append(id, 0, bytes.subarray(0, 400));
        expect(first).toEqual({
          kind: 'appended',
          upload: { ...upload(id, 1000), received: 400, messageId: null },
        });
        expect(await storage.uploads.append(id, 0, bytes.subarray(0, 400))).toEqual({
          kind: 'offset',
          received: 400,
        });
        expect(await storage.uploads.append(id, 400, randomBytes(601))).toEqual({ kind: 'past-size' });
        expect((await storage.uploads.get(id))?.received).toBe(400);
        await storage.uploads.append(id, 400, bytes.subarray(400));
        expect((await storage.uploads.get(id))?.received).toBe(1000);
        expect(Buffer.from((await storage.uploads.read(id)) ?? [])).toEqual(bytes);
        expect(await storage.uploads.append('f_none', 0, bytes)).toEqual({ kind: 'missing' });
        expect(await storage.uploads.read('f_none')).toBeNull();
      });

      it('stores one of two appends racing at one offset', async () => {
        const id = `f_${Math.random().toString(36).slice(2)}`;
        await storage.uploads.create(upload(id, 100));
        const outcomes = await Promise.all([
          storage.uploads.append(id, 0, randomBytes(50)),
          storage.uploads.append(id, 0, randomBytes(50)),
        ]);
        expect(outcomes.map((o) => o.kind).sort()).toEqual(['appended', 'offset']);
        expect((await storage.uploads.read(id))?.length).toBe(50);
      });

      it('deletes an upload and expires those past their deadline', async () => {
        const [a, b, c] = ['a', 'b', 'c'].map((x) => `f_${x}${Math.random().toString(36).slice(2)}`);
        await storage.uploads.create(upload(a as string, 10, 5_000));
        await storage.uploads.create(upload(b as string, 10, 6_000));
        await storage.uploads.create(upload(c as string, 10, 9_000));
        await storage.uploads.append(a as string, 0, randomBytes(10));
        await storage.uploads.append(b as string, 0, randomBytes(5));
        expect(await storage.uploads.delete(c as string)).toBe(true);
        expect(await storage.uploads.delete(c as string)).toBe(false);
        expect(await storage.uploads.get(c as string)).toBeNull();
        expect(await storage.uploads.expire(5_000)).toBe(1);
        expect(await storage.uploads.get(a as string)).toBeNull();
        expect(await storage.uploads.read(a as string)).toBeNull();
        expect((await storage.uploads.get(b as string))?.received).toBe(5);
        expect(await storage.uploads.expire(8_000)).toBe(1);
        expect(await storage.uploads.expire(100_000)).toBe(0);
      });

      it("attaches a complete upload of the sending device in the send's transaction, once", async () => {
        const id = `f_${Math.random().toString(36).slice(2)}`;
        const bytes = randomBytes(300);
        await storage.uploads.create(upload(id, 300));
        await storage.uploads.append(id, 0, bytes);
        const view = { kind: 'file' as const, size: 300, name: 'notes.txt', type: 'text/plain' };
        const sentMessage = message({ text: '', size: 0, ext: null, attachment: { upload: id, view } });
        const key = `k-${Math.random().toString(36).slice(2)}`;
        const sent = await storage.insertMessage({
          deviceId: 'd_alice',
          key,
          message: sentMessage,
          at: 2_000,
        });
        expect(sent.created).toBe(true);
        expect(await storage.uploads.get(id)).toMatchObject({ messageId: sentMessage.id, received: 300 });
        // The message's blob: it never expires, cannot be cancelled, and takes no more bytes.
        await storage.uploads.expire(Number.MAX_SAFE_INTEGER);
        expect(await storage.uploads.get(id)).toMatchObject({ messageId: sentMessage.id });
        expect(await storage.uploads.delete(id)).toBe(false);
        expect(await storage.uploads.append(id, 300, new Uint8Array(0))).toEqual({ kind: 'missing' });
        expect(Buffer.from((await storage.uploads.read(id)) ?? [])).toEqual(bytes);
        const live = await storage.listLiveMessages(bob.id, null, 1000);
        expect(live.messages.find((m) => m.id === sentMessage.id)?.attachment).toEqual(view);
        const events = await storage.readEvents(bob.id, 0, 10_000);
        const event = events.events.find(
          (e) => e.event.kind === 'message' && e.event.message.id === sentMessage.id,
        );
        expect(event?.event).toMatchObject({ message: { attachment: view, text: '' } });
        // A retried key gets the first result and attaches nothing; another send of it is refused.
        const again = message({ text: '', size: 0, ext: null, attachment: { upload: id, view } });
        const retried = await storage.insertMessage({ deviceId: 'd_alice', key, message: again, at: 2_001 });
        expect(retried).toMatchObject({ created: false, result: { id: sentMessage.id } });
        const other = `k-${Math.random().toString(36).slice(2)}`;
        await expect(
          storage.insertMessage({ deviceId: 'd_alice', key: other, message: again, at: 2_002 }),
        ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
        expect(await storage.uploads.get(id)).toMatchObject({ messageId: sentMessage.id });
        // Nothing of the refused send stayed, its key included.
        const plain = message();
        const later = await storage.insertMessage({
          deviceId: 'd_alice',
          key: other,
          message: plain,
          at: 2_003,
        });
        expect(later).toMatchObject({ created: true, result: { id: plain.id } });
        const ids = (await storage.listLiveMessages(bob.id, null, 1000)).messages.map((m) => m.id);
        expect(ids).not.toContain(again.id);
      });

      it('refuses to attach an incomplete upload, one of another device or of another size', async () => {
        const id = `f_${Math.random().toString(36).slice(2)}`;
        await storage.uploads.create(upload(id, 100));
        await storage.uploads.append(id, 0, randomBytes(60));
        const attempts = [
          { deviceId: 'd_alice', size: 100 },
          { deviceId: 'd_alice', size: 60 },
          { deviceId: 'd_other', size: 100 },
        ];
        for (const attempt of attempts) {
          const refused = message({
            attachment: { upload: id, view: { kind: 'image', size: attempt.size } },
          });
          const key = `k-${Math.random().toString(36).slice(2)}`;
          await expect(
            storage.insertMessage({ deviceId: attempt.deviceId, key, message: refused, at: 2_000 }),
          ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
        }
        expect(await storage.uploads.get(id)).toMatchObject({ received: 60, messageId: null });
        await storage.uploads.append(id, 60, randomBytes(40));
        const foreign = message({ attachment: { upload: id, view: { kind: 'image', size: 100 } } });
        await expect(
          storage.insertMessage({ deviceId: 'd_other', key: 'k-foreign-1', message: foreign, at: 2_000 }),
        ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
        expect(await storage.uploads.get(id)).toMatchObject({ received: 100, messageId: null });
      });
    });
  });
}
