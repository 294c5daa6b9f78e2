/**
 * Makes one tab of this browser profile the active Cinder tab. Every tab shares the IndexedDB
 * store, and a store must never serve two clients at once (their cursors and outboxes would
 * fight), so a second tab asks before taking over, like a messenger's "Use here".
 * Uses the Web Locks API; where it is missing (plain http on a LAN address) every tab proceeds.
 */
export class TabLock {
  readonly #name: string;
  #onLost: (() => void) | null = null;

  constructor(name: string) {
    this.#name = name;
  }

  /** Called when another tab takes the lock away from this one. */
  set onLost(listener: (() => void) | null) {
    this.#onLost = listener;
  }

  /** Resolves true once this tab holds the lock, false when another tab has it (unless `steal`). */
  acquire(steal = false): Promise<boolean> {
    const locks = typeof navigator === 'undefined' ? undefined : navigator.locks;
    if (!locks) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      locks
        .request(this.#name, steal ? { steal: true } : { ifAvailable: true }, (lock) => {
          if (!lock) {
            resolve(false);
            return undefined;
          }
          resolve(true);
          // Held until the tab goes away or another tab steals it.
          return new Promise<void>(() => {});
        })
        // A stolen lock rejects its request with AbortError: another tab is active now.
        .catch(() => this.#onLost?.());
    });
  }
}
