import { type CinderClient, CinderError } from '@cinder/sdk';
import { KeyNotices } from './key-notices.ts';
import type { NoticeStore } from './notice-store.ts';
import type { ClientState, Me } from './sdk-types.ts';
import type { TabLock } from './tab-lock.ts';

/** Where the app is in the account lifecycle. */
export type Session =
  | { status: 'starting' }
  | { status: 'unreachable' }
  /** Another tab of this browser is the active Cinder tab. */
  | { status: 'elsewhere' }
  | { status: 'signed-out'; notice: SignOutNotice | null }
  | { status: 'signed-in'; client: CinderClient; me: Me; notices: KeyNotices };

/**
 * Why the sign-in screen is shown, when it is not the person's own doing; the screen says it in
 * the page's language.
 */
export type SignOutNotice = 'signed-out-elsewhere' | 'account-deleted';

/** How long a saved device waits for its first connection before the app shows it anyway (offline). */
const RESUME_GRACE_MS = 3000;
/** Pause between attempts while the server cannot be reached at start-up. */
const RETRY_MS = 3000;

/**
 * Owns the one CinderClient of the page: resumes the saved device on load, signs in and out,
 * and notices when the device was signed out elsewhere. React reads it with useSyncExternalStore.
 */
export class SessionController {
  #client: CinderClient;
  /** The key-change notices of `#client`, listening from its creation. */
  #notices: KeyNotices;
  #session: Session = { status: 'starting' };
  /** The client whose account is being deleted: its sign-out by the server is expected. */
  #deleting: CinderClient | null = null;
  readonly #listeners = new Set<() => void>();
  readonly #create: () => CinderClient;
  readonly #lock: TabLock | null;
  readonly #noticeStore: NoticeStore | null;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;

  /**
   * `lock` keeps a second tab from driving the same store at the same time; `noticeStore` keeps
   * key-change notices across reloads (memory only without it).
   */
  constructor(
    create: () => CinderClient,
    lock: TabLock | null = null,
    noticeStore: NoticeStore | null = null,
  ) {
    this.#create = create;
    this.#lock = lock;
    this.#noticeStore = noticeStore;
    this.#client = create();
    this.#notices = this.#adopt(this.#client);
    if (lock) lock.onLost = () => void this.#lostTab();
  }

  subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  getSnapshot = (): Session => this.#session;

  /** Become the active tab (taking over from another one if `takeOver`), then resume. Never throws. */
  async start(takeOver = false): Promise<void> {
    if (this.#lock && !(await this.#lock.acquire(takeOver))) {
      this.#set({ status: 'elsewhere' });
      return;
    }
    if (takeOver) {
      this.#client = this.#create();
      this.#notices = this.#adopt(this.#client);
      this.#set({ status: 'starting' });
    }
    await this.#resume();
  }

  /** Resume the device saved in this browser, if any. Never throws. */
  async #resume(): Promise<void> {
    const client = this.#client;
    const connecting = client.connect().then(
      () => 'connected' as const,
      (error: unknown) => error,
    );
    // A saved device whose server is down should still open the app (offline, reconnecting).
    const outcome = await Promise.race([connecting, delay(RESUME_GRACE_MS).then(() => 'slow' as const)]);
    if (client !== this.#client) return;
    if (outcome === 'connected' || (outcome === 'slow' && client.me)) {
      this.#signedIn();
      return;
    }
    // Still connecting and no device loaded yet: wait for the SDK's own verdict (or its TIMEOUT).
    const final = outcome === 'slow' ? await connecting : outcome;
    if (client !== this.#client) return;
    if (final === 'connected') this.#signedIn();
    else this.#failedToStart(final);
  }

  /** Create an account or sign in with an existing one; throws a CinderError for the form to show. */
  async signIn(mode: 'register' | 'login', username: string, password: string): Promise<void> {
    const client = this.#client;
    if (mode === 'register') await client.register(username, password);
    else await client.login(username, password);
    if (client === this.#client) this.#signedIn();
  }

  /** Sign this device out on the server and forget it locally. */
  async signOut(notice: SignOutNotice | null = null): Promise<void> {
    const old = this.#client;
    this.#set({ status: 'starting' });
    try {
      await old.signOut();
    } catch {
      // Offline: the SDK has cleared the local store anyway, which is what matters on this device.
    }
    await this.#forget(old, notice);
  }

  /**
   * Delete the account (the server checks `password`), then show the sign-in screen saying so.
   * Throws a CinderError for the form to show, and the session stays signed in.
   */
  async deleteAccount(password: string): Promise<void> {
    const client = this.#client;
    // The server signs every device out, this one too, maybe before its answer arrives.
    this.#deleting = client;
    try {
      await client.deleteAccount(password);
    } catch (failure) {
      this.#deleting = null;
      throw failure;
    }
    this.#set({ status: 'starting' });
    await this.#forget(client, 'account-deleted');
    this.#deleting = null;
  }

  /** Close `old` (signed out already) and start a new client on the sign-in screen. */
  async #forget(old: CinderClient, notice: SignOutNotice | null): Promise<void> {
    await old.close().catch(() => {});
    // The next account in this browser must not see this one's key-change notices.
    await this.#notices.clear();
    // Only now: the next account must not write to the store while the old one is being cleared.
    this.#client = this.#create();
    this.#notices = this.#adopt(this.#client);
    this.#set({ status: 'signed-out', notice });
  }

  #adopt(client: CinderClient): KeyNotices {
    client.on('state', (state: ClientState) => {
      // The server revoked this device (or its token): go back to the sign-in screen.
      // During an account deletion it is expected, and deleteAccount shows its own notice.
      const expected = client === this.#deleting;
      if (
        state === 'unauthorized' &&
        client === this.#client &&
        this.#session.status === 'signed-in' &&
        !expected
      ) {
        void this.signOut('signed-out-elsewhere');
      }
    });
    return new KeyNotices(client, this.#noticeStore);
  }

  #signedIn(): void {
    const me = this.#client.me;
    if (!me) {
      this.#set({ status: 'signed-out', notice: null });
      return;
    }
    void this.#notices.load(me.deviceId);
    this.#set({ status: 'signed-in', client: this.#client, me, notices: this.#notices });
  }

  #failedToStart(error: unknown): void {
    if (error instanceof CinderError && error.code === 'UNAUTHORIZED') {
      this.#set({ status: 'signed-out', notice: null });
      return;
    }
    // The server is unreachable and no device is saved: nothing to show but a retry.
    this.#set({ status: 'unreachable' });
    this.#retryTimer = setTimeout(() => void this.#resume(), RETRY_MS);
  }

  /** Another tab took over: let go of the store and say so. */
  async #lostTab(): Promise<void> {
    clearTimeout(this.#retryTimer);
    const old = this.#client;
    this.#set({ status: 'elsewhere' });
    await old.close().catch(() => {});
  }

  #set(session: Session): void {
    this.#session = session;
    for (const listener of this.#listeners) listener();
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
