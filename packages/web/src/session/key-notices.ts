import type { CinderClient, KeyChange } from '@cinder/sdk';
import type { KeyNotice, NoticeStore } from './notice-store.ts';

export type { KeyNotice };

/** Notices kept per peer; older ones beyond this are dropped from memory (the store keeps them). */
const MAX_PER_PEER = 50;
const NONE: readonly KeyNotice[] = [];

/**
 * The key-change notices of one client, by peer: every `keyChange` the SDK emits becomes a notice
 * in that peer's conversation. It listens from the client's creation, so no change reported while
 * the UI mounts is missed, and mirrors the notices to a {@link NoticeStore} so a reload keeps them
 * (the SDK reports a change once, then remembers the new keys). React reads it with
 * useSyncExternalStore.
 */
export class KeyNotices {
  readonly #client: CinderClient;
  readonly #store: NoticeStore | null;
  readonly #listeners = new Set<() => void>();
  #byPeer: ReadonlyMap<string, readonly KeyNotice[]> = new Map();
  #loadedFor: string | null = null;

  constructor(client: CinderClient, store: NoticeStore | null) {
    this.#client = client;
    this.#store = store;
    client.on('keyChange', (change) => this.#onKeyChange(change));
  }

  subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  getSnapshot = (): ReadonlyMap<string, readonly KeyNotice[]> => this.#byPeer;

  /** The notices of the conversation with `peer`, oldest first. */
  forPeer(peer: string): readonly KeyNotice[] {
    return this.#byPeer.get(peer) ?? NONE;
  }

  /** Bring back the notices this device saw before the page loaded. Never throws. */
  async load(deviceId: string): Promise<void> {
    if (!this.#store || this.#loadedFor === deviceId) return;
    this.#loadedFor = deviceId;
    try {
      const saved = await this.#store.list(deviceId);
      this.#add(saved);
    } catch {
      // IndexedDB unavailable (private mode in some browsers): the notices of this session still show.
    }
  }

  /** Forget every notice, here and in the store (sign-out). Never throws. */
  async clear(): Promise<void> {
    this.#byPeer = new Map();
    this.#loadedFor = null;
    this.#notify();
    await this.#store?.clear().catch(() => {});
  }

  #onKeyChange(change: KeyChange): void {
    const me = this.#client.me;
    if (!me) return;
    const notice: KeyNotice = {
      id: `${me.deviceId}:${change.username}:${change.at}`,
      deviceId: me.deviceId,
      peer: change.username,
      at: change.at,
      verified: change.verified,
    };
    this.#add([notice]);
    void this.#store?.put(notice).catch(() => {});
  }

  #add(notices: readonly KeyNotice[]): void {
    if (notices.length === 0) return;
    const next = new Map(this.#byPeer);
    for (const notice of notices) {
      const list = next.get(notice.peer) ?? NONE;
      if (list.some((n) => n.id === notice.id)) continue;
      next.set(notice.peer, [...list, notice].sort((a, b) => a.at - b.at).slice(-MAX_PER_PEER));
    }
    this.#byPeer = next;
    this.#notify();
  }

  #notify(): void {
    for (const listener of this.#listeners) listener();
  }
}
