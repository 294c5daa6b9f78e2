import { join } from 'node:path';
import Database from 'better-sqlite3';
import { expect } from 'vitest';
import { DATABASE_FILE } from '../src/storage/sqlite/sqlite-storage.ts';
import type { DeviceKey, LoggedEvent, NewMessage, Party, Storage } from '../src/storage/storage.ts';

// What storage tests build over and over: parties, messages, devices, and a look at the SQLite
// file through a second, read-only connection.

export function party(name: string): Party {
  return { id: `u_${name}`, username: name };
}

export const alice = party('alice');
export const bob = party('bob');

let counter = 0;

/**
 * `user`'s key directory, read the way a send reads it: in the lookup of its recipient
 * (`findPeer`, here asked by a user who does not exist); [] when there is no such user.
 */
export async function keysOf(storage: Storage, user: Party): Promise<DeviceKey[]> {
  return (await storage.accounts.findPeer(user.username, 'u_nobody'))?.keys ?? [];
}

/** Create the accounts of these parties (Alice and Bob by default). */
export async function addUsers(storage: Storage, parties: readonly Party[] = [alice, bob]): Promise<void> {
  for (const p of parties) await storage.accounts.createUser({ ...p, passwordHash: 'x', createdAt: 1 });
}

/** A message from Alice to Bob with a unique id (normal unless `burn` is given). */
export function newMessage(overrides: Partial<NewMessage> = {}): NewMessage {
  counter += 1;
  return {
    id: `m_${counter}_${Math.random().toString(36).slice(2)}`,
    conversation: 'dm:alice:bob',
    from: alice,
    to: bob,
    sentAt: 1_000 + counter,
    size: 6,
    text: 'secret',
    ext: null,
    ...overrides,
  };
}

/** Every event of a user's log after `after`, read page by page (7 at a time: several pages). */
export async function readLog(storage: Storage, userId: string, after: number): Promise<LoggedEvent[]> {
  const out: LoggedEvent[] = [];
  let cursor = after;
  for (;;) {
    const page = await storage.readEvents(userId, cursor, 7);
    out.push(...page.events);
    cursor = page.last;
    if (!page.more) return out;
  }
}

/** A burn policy of an hour from t = 1 s. */
export const hourBurn = { ttlSeconds: 3600, viewSeconds: 0, expiresAt: 3_601_000 };

/** Register `ids` as devices of `userId` (token hash = id), without public keys. */
export async function addDevices(storage: Storage, userId: string, ids: readonly string[]): Promise<void> {
  for (const id of ids) {
    await storage.accounts.createDevice({
      id,
      userId,
      name: id,
      createdAt: 1,
      lastSeenAt: null,
      publicKey: null,
      tokenHash: id,
    });
  }
}

/** Run `read` on the data dir's database through a read-only connection of its own. */
export function readDatabase<T>(dataDir: string, read: (db: Database.Database) => T): T {
  const db = new Database(join(dataDir, DATABASE_FILE), { readonly: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

/** `SELECT count(*)` of a table or a query's rows, read as `readDatabase` does. */
export function countRows(dataDir: string, from: string): number {
  return readDatabase(
    dataDir,
    (db) => (db.prepare(`SELECT count(*) AS n FROM ${from}`).get() as { n: number }).n,
  );
}

/**
 * Checks of a storage migrated from version 1 (see the migration tests): what version 1 held
 * (`old`, a plain burn message to bob; the keyless device `d_old` with token hash `h_old`) is
 * there, and what each later version adds works on it.
 */
export async function expectMigratedStorageWorks(storage: Storage, old: NewMessage): Promise<void> {
  // What version 1 held: a device without a key (not in the directory), a message that is not sealed.
  expect((await storage.accounts.findDeviceByTokenHash('h_old'))?.device.publicKey).toBeNull();
  expect(await keysOf(storage, bob)).toEqual([]);
  expect(
    await storage.openMessage({ id: old.id, userId: bob.id, deviceId: 'd_old', at: 2_000 }),
  ).toMatchObject({ kind: 'taken', text: 'from version 1', sealed: false });
  // What version 2 adds works on the migrated storage.
  const key = 'A'.repeat(43);
  await storage.accounts.createDevice({
    id: 'd_new',
    userId: bob.id,
    name: 'new',
    createdAt: 6,
    lastSeenAt: null,
    publicKey: key,
    tokenHash: 'h_new',
  });
  expect(await keysOf(storage, bob)).toEqual([{ id: 'd_new', publicKey: key, createdAt: 6 }]);
  const sealed = newMessage({ from: alice, text: '{"v":1}', burn: hourBurn, sealedFor: ['d_new'] });
  await storage.insertMessage({ deviceId: 'd_a', key: 'k-sealed', message: sealed, at: 1_000 });
  expect(
    await storage.openMessage({ id: sealed.id, userId: bob.id, deviceId: 'd_old', at: 2_000 }),
  ).toMatchObject({ kind: 'refused', refusal: { code: 'SEALED_FOR_OTHER_DEVICES' } });
  expect(
    await storage.openMessage({ id: sealed.id, userId: bob.id, deviceId: 'd_new', at: 2_000 }),
  ).toMatchObject({ kind: 'taken', text: '{"v":1}', sealed: true });
  // What version 3 adds works on the migrated storage.
  await storage.uploads.create({ id: 'f_1', deviceId: 'd_new', size: 3, createdAt: 1, expiresAt: 9 });
  await storage.uploads.append('f_1', 0, new Uint8Array([1, 2, 3]));
  expect(await storage.uploads.read('f_1')).toEqual(new Uint8Array([1, 2, 3]));
  // What version 4 adds works on the migrated storage: a complete upload becomes a message's blob.
  await storage.uploads.create({ id: 'f_2', deviceId: 'd_a', size: 3, createdAt: 1, expiresAt: 9 });
  await storage.uploads.append('f_2', 0, new Uint8Array([4, 5, 6]));
  const view = { kind: 'file' as const, size: 3, name: 'a.txt', type: 'text/plain' };
  const withFile = newMessage({ from: alice, text: '', attachment: { upload: 'f_2', view } });
  await storage.insertMessage({ deviceId: 'd_a', key: 'k-file', message: withFile, at: 1_000 });
  expect((await storage.uploads.get('f_2'))?.messageId).toBe(withFile.id);
  expect(await storage.uploads.expire(Number.MAX_SAFE_INTEGER)).toBe(1);
  expect(await storage.uploads.read('f_2')).toEqual(new Uint8Array([4, 5, 6]));
  const live = await storage.listLiveMessages(bob.id, null, 10);
  expect(live.messages.find((m) => m.id === withFile.id)?.attachment).toEqual(view);
  // What version 5 (SQLite; 6 on PostgreSQL) adds works on the migrated storage: push subscriptions.
  const push = { userId: bob.id, endpoint: 'https://push/old', p256dh: 'p', auth: 'a', createdAt: 7 };
  expect(await storage.push.saveSubscription({ ...push, deviceId: 'd_old', previews: null })).toMatchObject({
    previews: false,
  });
  expect((await storage.push.listSubscriptions(bob.id)).map((s) => s.deviceId)).toEqual(['d_old']);
}
