import { afterEach, describe, expect, it } from 'vitest';
import { deviceKeyPair } from '../src/crypto/device-keys.ts';
import {
  generateDeviceKeys,
  type Identity,
  type PeerKeys,
  type PendingSend,
  type Store,
  type StoredMessage,
  type Tombstone,
} from '../src/index.ts';

export interface StoreContractOptions {
  /** A fresh, empty store. */
  create: () => Promise<Store> | Store;
  /** A new instance over the same data (for stores that survive restarts). */
  reopen?: (store: Store) => Promise<Store> | Store;
}

const identity: Identity = {
  url: 'http://127.0.0.1:8080',
  userId: 'u1',
  username: 'alice',
  deviceId: 'd1',
  deviceName: 'Test device',
  token: 'secret-token',
};

export function message(overrides: Partial<StoredMessage> & { id: string }): StoredMessage {
  return {
    conversation: 'dm:alice:bob',
    from: 'bob',
    to: 'alice',
    sentAt: 1000,
    size: 5,
    text: 'hello',
    ext: {},
    mine: false,
    ...overrides,
  };
}

const burnPolicy = { ttlSeconds: 60, viewSeconds: 0, expiresAt: 61_000 };

/** The behaviour every Store must have, run against each implementation. */
export function runStoreContract(name: string, options: StoreContractOptions): void {
  describe(`Store contract: ${name}`, () => {
    const opened: Store[] = [];
    const create = async () => {
      const store = await options.create();
      opened.push(store);
      return store;
    };
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((s) => s.close()));
    });

    it('starts empty', async () => {
      const store = await create();
      expect(await store.getIdentity()).toBeNull();
      expect(await store.getCursor()).toBeNull();
      expect(await store.listMessages()).toEqual([]);
      expect(await store.listTombstones()).toEqual([]);
      expect(await store.listOutbox()).toEqual([]);
      expect(await store.getMessage('nope')).toBeUndefined();
      expect(await store.getTombstone('nope')).toBeUndefined();
    });

    it('keeps the identity and the cursor, and forgets them on null', async () => {
      const store = await create();
      await store.commit({ identity, cursor: 42 });
      expect(await store.getIdentity()).toEqual(identity);
      expect(await store.getCursor()).toBe(42);
      await store.commit({ cursor: 43 });
      expect(await store.getIdentity()).toEqual(identity);
      expect(await store.getCursor()).toBe(43);
      await store.commit({ identity: null, cursor: null });
      expect(await store.getIdentity()).toBeNull();
      expect(await store.getCursor()).toBeNull();
    });

    it('lists messages by conversation, oldest first, ties by id', async () => {
      const store = await create();
      await store.commit({
        putMessages: [
          message({ id: 'm3', sentAt: 3000 }),
          message({ id: 'm1b', sentAt: 1000 }),
          message({ id: 'm1a', sentAt: 1000 }),
          message({ id: 'x1', sentAt: 500, conversation: 'dm:alice:carol', from: 'carol' }),
        ],
      });
      expect((await store.listMessages('dm:alice:bob')).map((m) => m.id)).toEqual(['m1a', 'm1b', 'm3']);
      expect((await store.listMessages('dm:alice:carol')).map((m) => m.id)).toEqual(['x1']);
      expect((await store.listMessages()).map((m) => m.id)).toEqual(['x1', 'm1a', 'm1b', 'm3']);
      expect(await store.getMessage('m3')).toEqual(message({ id: 'm3', sentAt: 3000 }));
    });

    it('replaces a message put again and deletes', async () => {
      const store = await create();
      await store.commit({ putMessages: [message({ id: 'm1' }), message({ id: 'm2' })] });
      await store.commit({ putMessages: [message({ id: 'm1', readAt: 5 })], deleteMessages: ['m2'] });
      expect(await store.listMessages()).toEqual([message({ id: 'm1', readAt: 5 })]);
    });

    it('lets deletes win over puts in one commit', async () => {
      const store = await create();
      await store.commit({ putMessages: [message({ id: 'm1' })], deleteMessages: ['m1'] });
      expect(await store.getMessage('m1')).toBeUndefined();
    });

    it('never keeps the content of a burn message this device received', async () => {
      const store = await create();
      await store.commit({
        putMessages: [message({ id: 'b1', burn: burnPolicy, text: 'leak-me', ext: { secret: 'leak-ext' } })],
      });
      const stored = await store.getMessage('b1');
      expect(stored?.text).toBeUndefined();
      expect(stored?.ext).toEqual({});
      expect(JSON.stringify(await store.listMessages())).not.toContain('leak-');
    });

    it('keeps the sender’s own burn text until the message is deleted', async () => {
      const store = await create();
      const own = message({
        id: 'b2',
        from: 'alice',
        to: 'bob',
        mine: true,
        status: 'sent',
        burn: burnPolicy,
      });
      await store.commit({ putMessages: [own] });
      expect(await store.getMessage('b2')).toEqual(own);
      await store.commit({ deleteMessages: ['b2'] });
      expect(await store.getMessage('b2')).toBeUndefined();
    });

    it('returns copies: changing a result does not change the store', async () => {
      const store = await create();
      await store.commit({ putMessages: [message({ id: 'm1', ext: { a: 1 } })], identity });
      const m = await store.getMessage('m1');
      m!.text = 'changed';
      (m!.ext as { a: number }).a = 2;
      const list = await store.listMessages();
      list[0]!.text = 'changed too';
      const id = await store.getIdentity();
      id!.token = 'changed';
      expect(await store.getMessage('m1')).toEqual(message({ id: 'm1', ext: { a: 1 } }));
      expect(await store.getIdentity()).toEqual(identity);
    });

    it('keeps tombstones by conversation, oldest burn first', async () => {
      const store = await create();
      const t1: Tombstone = { id: 'm1', conversation: 'dm:alice:bob', reason: 'opened', at: 20, from: 'bob' };
      const t2: Tombstone = { id: 'm2', conversation: 'dm:alice:bob', reason: 'expired', at: 10 };
      const t3: Tombstone = { id: 'm3', conversation: 'dm:alice:carol', reason: 'revoked', at: 5 };
      await store.commit({ putTombstones: [t1, t2, t3] });
      expect(await store.listTombstones('dm:alice:bob')).toEqual([t2, t1]);
      expect(await store.listTombstones()).toEqual([t3, t2, t1]);
      expect(await store.getTombstone('m1')).toEqual(t1);
    });

    it('keeps the outbox, oldest first, and removes sent entries', async () => {
      const store = await create();
      const p1: PendingSend = { key: 'key-00000001', to: 'bob', text: 'one', createdAt: 2 };
      const p2: PendingSend = {
        key: 'key-00000002',
        to: 'bob',
        text: 'two',
        createdAt: 1,
        burn: {},
        ext: { a: 1 },
      };
      await store.commit({ putOutbox: [p1, p2] });
      expect(await store.listOutbox()).toEqual([p2, p1]);
      await store.commit({ deleteOutbox: [p2.key] });
      expect(await store.listOutbox()).toEqual([p1]);
    });

    it('keeps what it saw of peers’ keys, replacing it per peer', async () => {
      const store = await create();
      const bob: PeerKeys = { username: 'bob', keySet: 'set-1', seenAt: 1, verified: false };
      await store.commit({ putPeers: [bob, { username: 'carol', keySet: 'c', seenAt: 2, verified: true }] });
      await store.commit({ putPeers: [{ ...bob, keySet: 'set-2', verified: true }] });
      expect(await store.getPeer('bob')).toEqual({ ...bob, keySet: 'set-2', verified: true });
      expect(await store.getPeer('carol')).toMatchObject({ keySet: 'c', verified: true });
      expect(await store.getPeer('dave')).toBeUndefined();
    });

    it('keeps the device key pair with the identity, usable after a reload', async () => {
      const store = await create();
      const keys = await generateDeviceKeys(store.keysAsBytes === true);
      await store.commit({ identity: { ...identity, keys } });
      const again = options.reopen ? await options.reopen(store) : store;
      if (again !== store) opened.push(again);
      const saved = (await again.getIdentity())?.keys;
      expect(saved?.publicKey).toBe(keys.publicKey);
      // The private key still derives: the pair works for HPKE after the round trip.
      const pair = await deviceKeyPair(saved ?? keys);
      expect(pair.privateKey.type).toBe('private');
      if (store.keysAsBytes !== true) expect(pair.privateKey.extractable).toBe(false);
    });

    it('forgets everything on clear', async () => {
      const store = await create();
      await store.commit({
        identity,
        cursor: 7,
        putMessages: [message({ id: 'm1' })],
        putTombstones: [{ id: 'm0', conversation: 'dm:alice:bob', reason: 'opened', at: 1 }],
        putOutbox: [{ key: 'key-00000001', to: 'bob', text: 'x', createdAt: 1 }],
        putPeers: [{ username: 'bob', keySet: 's', seenAt: 1, verified: true }],
      });
      await store.clear();
      expect(await store.getPeer('bob')).toBeUndefined();
      expect(await store.getIdentity()).toBeNull();
      expect(await store.getCursor()).toBeNull();
      expect(await store.listMessages()).toEqual([]);
      expect(await store.listTombstones()).toEqual([]);
      expect(await store.listOutbox()).toEqual([]);
    });

    const reopen = options.reopen;
    if (reopen) {
      it('survives a new instance over the same data', async () => {
        const store = await create();
        const own = message({
          id: 'b2',
          from: 'alice',
          to: 'bob',
          mine: true,
          status: 'sent',
          burn: burnPolicy,
        });
        await store.commit({
          identity,
          cursor: 9,
          putMessages: [message({ id: 'm1' }), own],
          putTombstones: [{ id: 'm0', conversation: 'dm:alice:bob', reason: 'expired', at: 3 }],
          putOutbox: [{ key: 'key-00000001', to: 'bob', text: 'x', createdAt: 1 }],
        });
        await store.close();
        const again = await reopen(store);
        opened.push(again);
        expect(await again.getIdentity()).toEqual(identity);
        expect(await again.getCursor()).toBe(9);
        expect(await again.listMessages()).toEqual([own, message({ id: 'm1' })]);
        expect(await again.listTombstones()).toEqual([
          { id: 'm0', conversation: 'dm:alice:bob', reason: 'expired', at: 3 },
        ]);
        expect(await again.listOutbox()).toEqual([
          { key: 'key-00000001', to: 'bob', text: 'x', createdAt: 1 },
        ]);
      });
    }
  });
}
