import type { Identity, PeerKeys, PendingSend, StoredMessage, StoredTombstone } from '../types.ts';
import {
  byMessageOrder,
  byOutboxOrder,
  byTombstoneOrder,
  type StoreChanges,
  sealIfReceivedBurn,
} from './store.ts';

/**
 * The whole store as plain in-memory maps. MemoryStore is this; FileStore is this plus a file
 * rewritten after each commit. Keeping the logic here means both behave identically.
 */
export class StoreState {
  identity: Identity | null = null;
  cursor: number | null = null;
  readonly messages = new Map<string, StoredMessage>();
  readonly tombstones = new Map<string, StoredTombstone>();
  readonly outbox = new Map<string, PendingSend>();
  readonly peers = new Map<string, PeerKeys>();

  apply(changes: StoreChanges): void {
    if (changes.identity !== undefined) this.identity = changes.identity && { ...changes.identity };
    if (changes.cursor !== undefined) this.cursor = changes.cursor;
    for (const m of changes.putMessages ?? []) this.messages.set(m.id, sealIfReceivedBurn(m));
    for (const id of changes.deleteMessages ?? []) this.messages.delete(id);
    for (const t of changes.putTombstones ?? []) this.tombstones.set(t.id, { ...t });
    for (const p of changes.putOutbox ?? []) this.outbox.set(p.key, structuredClone(p));
    for (const key of changes.deleteOutbox ?? []) this.outbox.delete(key);
    for (const p of changes.putPeers ?? []) this.peers.set(p.username, { ...p });
  }

  clear(): void {
    this.identity = null;
    this.cursor = null;
    this.messages.clear();
    this.tombstones.clear();
    this.outbox.clear();
    this.peers.clear();
  }

  getPeer(username: string): PeerKeys | undefined {
    const p = this.peers.get(username);
    return p && { ...p };
  }

  getIdentity(): Identity | null {
    return this.identity && { ...this.identity };
  }

  getMessage(id: string): StoredMessage | undefined {
    const m = this.messages.get(id);
    return m && structuredClone(m);
  }

  listMessages(conversation?: string): StoredMessage[] {
    return [...this.messages.values()]
      .filter((m) => conversation === undefined || m.conversation === conversation)
      .sort(byMessageOrder)
      .map((m) => structuredClone(m));
  }

  getTombstone(id: string): StoredTombstone | undefined {
    const t = this.tombstones.get(id);
    return t && { ...t };
  }

  listTombstones(conversation?: string): StoredTombstone[] {
    return [...this.tombstones.values()]
      .filter((t) => conversation === undefined || t.conversation === conversation)
      .sort(byTombstoneOrder)
      .map((t) => ({ ...t }));
  }

  listOutbox(): PendingSend[] {
    return [...this.outbox.values()].sort(byOutboxOrder).map((p) => structuredClone(p));
  }

  /** A JSON-ready snapshot (FileStore's file format, version 1). */
  toJSON(): StoreFile {
    return {
      version: 1,
      identity: this.identity,
      cursor: this.cursor,
      messages: [...this.messages.values()],
      tombstones: [...this.tombstones.values()],
      outbox: [...this.outbox.values()],
      peers: [...this.peers.values()],
    };
  }

  static fromJSON(file: StoreFile): StoreState {
    const state = new StoreState();
    state.apply({
      identity: file.identity,
      cursor: file.cursor,
      putMessages: file.messages,
      putTombstones: file.tombstones,
      putOutbox: file.outbox,
      putPeers: file.peers ?? [],
    });
    return state;
  }
}

/** FileStore's on-disk format. */
export interface StoreFile {
  version: 1;
  identity: Identity | null;
  cursor: number | null;
  messages: StoredMessage[];
  tombstones: StoredTombstone[];
  outbox: PendingSend[];
  /** Absent in files written before peers' keys were kept. */
  peers?: PeerKeys[];
}
