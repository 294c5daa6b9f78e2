import type { Identity, PeerKeys, PendingSend, StoredMessage, StoredTombstone } from '../types.ts';

/**
 * One atomic change to a store. Implementations apply all of it or none of it, so the cursor
 * never moves past an event whose effect was lost. Within one change, deletes win over puts.
 */
export interface StoreChanges {
  /** Replace the saved device (`null` forgets it). */
  identity?: Identity | null;
  /** Last event seq applied; `null` means "never synced" (the next hello asks for a full resync). */
  cursor?: number | null;
  putMessages?: readonly StoredMessage[];
  deleteMessages?: readonly string[];
  putTombstones?: readonly StoredTombstone[];
  putOutbox?: readonly PendingSend[];
  deleteOutbox?: readonly string[];
  /** Replace what this device remembers of these peers' keys. */
  putPeers?: readonly PeerKeys[];
}

/**
 * A device's local state: its identity, sync cursor, messages, tombstones (burn and recall
 * placeholders, one record per message id) and outbox.
 * Reads are small verbs; every write goes through `commit`, one atomic change.
 *
 * Contract (checked by `runStoreContract` in the tests):
 * - Two clients never share one store.
 * - A store never holds the content of a burn message this device received: a message with
 *   `burn` set and `mine` false is stored without `text` and with `ext` `{}`, whatever it is given.
 * - Values returned are copies: mutating them does not change the store.
 * - After `clear()` nothing of the device is left (identity, cursor, messages, tombstones, outbox,
 *   peers' keys).
 */
export interface Store {
  /**
   * True when the store can keep only bytes (a JSON file): the device's private key is then
   * extractable and kept as PKCS#8. Otherwise it is a non-extractable `CryptoKey`.
   */
  readonly keysAsBytes?: boolean;
  getIdentity(): Promise<Identity | null>;
  getCursor(): Promise<number | null>;
  getMessage(id: string): Promise<StoredMessage | undefined>;
  /** Messages of one conversation, or all of them; oldest first (`sentAt`, then `id`). */
  listMessages(conversation?: string): Promise<StoredMessage[]>;
  /** The burn or recall placeholder of message `id` (one record per id, either kind). */
  getTombstone(id: string): Promise<StoredTombstone | undefined>;
  /** Burn and recall placeholders of one conversation, or all of them; oldest first (`at`, then `id`). */
  listTombstones(conversation?: string): Promise<StoredTombstone[]>;
  /** What this device remembers of a peer's keys. */
  getPeer(username: string): Promise<PeerKeys | undefined>;
  /** Pending sends, oldest first. */
  listOutbox(): Promise<PendingSend[]>;
  commit(changes: StoreChanges): Promise<void>;
  /** Forget everything (sign-out, revoked device, another account). */
  clear(): Promise<void>;
  /** Release resources (file handles, database connections). The data stays. */
  close(): Promise<void>;
}

/**
 * The storable form of a message: a burn message this device received never keeps content.
 * Every store passes messages through this, so the rule holds whatever the caller hands in.
 */
export function sealIfReceivedBurn(message: StoredMessage): StoredMessage {
  if (!message.burn || message.mine) return structuredClone(message);
  const { text: _text, ext: _ext, ...rest } = message;
  return { ...structuredClone(rest), ext: {} };
}

/** Sort order of `listMessages`: oldest first, ties by id so the order is stable. */
export function byMessageOrder(a: StoredMessage, b: StoredMessage): number {
  return a.sentAt - b.sentAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** Sort order of `listTombstones`: oldest burn first, ties by id. */
export function byTombstoneOrder(a: StoredTombstone, b: StoredTombstone): number {
  return a.at - b.at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** Sort order of `listOutbox`: oldest first, ties by key. */
export function byOutboxOrder(a: PendingSend, b: PendingSend): number {
  return a.createdAt - b.createdAt || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
}
