import { join } from 'node:path';
import Database from 'better-sqlite3';
import { DATABASE_FILE } from '../src/storage/sqlite/sqlite-storage.ts';
import type { NewMessage, Party, Storage } from '../src/storage/storage.ts';

// What storage tests build over and over: parties, messages, devices, and a look at the SQLite
// file through a second, read-only connection.

export function party(name: string): Party {
  return { id: `u_${name}`, username: name };
}

export const alice = party('alice');
export const bob = party('bob');

let counter = 0;

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
