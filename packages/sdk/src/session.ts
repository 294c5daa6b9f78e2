import {
  CinderError,
  type HelloFrame,
  PROTOCOL_VERSION,
  SessionResponse,
  type WelcomeFrame,
} from '@cinder/protocol';
import type { Acks } from './acks.ts';
import type { Connection, ConnectionStatus } from './connection.ts';
import { generateDeviceKeys } from './crypto/device-keys.ts';
import { revokeDevice } from './devices.ts';
import { httpRequest, joinUrl, type ServerHttp } from './http.ts';
import type { Serial } from './serial.ts';
import type { Store } from './store/store.ts';
import type { Sync } from './sync.ts';
import type { ClientState, Identity, Me } from './types.ts';

export interface SessionOptions {
  server: ServerHttp;
  store: Store;
  serial: Serial;
  connection: Connection;
  sync: Sync;
  acks: Acks;
  /** Label of the devices this session creates (at most 64 characters). */
  deviceName: string;
  /** How long `connect()` waits for sync before failing with TIMEOUT. */
  connectTimeoutMs: number;
  onState: (state: ClientState) => void;
  /** Background problems: a final close of the connection, a failed wipe of a revoked device. */
  onError: (error: CinderError) => void;
}

interface ConnectWaiter {
  resolve: () => void;
  reject: (error: CinderError) => void;
}

/**
 * A device's lifecycle: who it is (register, login, or the identity saved in the store), whether
 * it is connected (the client state, `connect()` callers waiting for sync), and how it ends
 * (close, sign-out, revoked by the server).
 */
export class Session {
  readonly #options: SessionOptions;
  #identity: Identity | null = null;
  #recallWindowMs: number | null = null;
  #state: ClientState = 'idle';
  #starting: Promise<void> | null = null;
  #waiters: ConnectWaiter[] = [];
  /** Bumped by every halt, so a `connect()` still reading the store does not start after a `close()`. */
  #epoch = 0;

  constructor(options: SessionOptions) {
    this.#options = options;
  }

  /** The signed-in identity known in memory, or null. */
  get identity(): Identity | null {
    return this.#identity;
  }

  get me(): Me | null {
    if (!this.#identity) return null;
    const { userId, username, deviceId, deviceName } = this.#identity;
    return { userId, username, deviceId, deviceName };
  }

  get state(): ClientState {
    return this.#state;
  }

  /** Register or log in at `route` as a new device, save it in the store (emptied first), connect. */
  async signIn(route: string, username: string, password: string): Promise<Me> {
    const { server, serial, store, deviceName } = this.#options;
    // The new device's key pair: the private key stays in this store, the public key is published.
    const keys = await generateDeviceKeys(store.keysAsBytes === true);
    const session = await httpRequest(server.fetch, joinUrl(server.url, route), {
      method: 'POST',
      body: { username, password, deviceName, publicKey: keys.publicKey },
      schema: SessionResponse,
    });
    // A client signed in as another device (or account) closes that session; a fresh one stays idle.
    this.#halt(
      this.#state === 'idle' ? 'idle' : 'closed',
      new CinderError('DISCONNECTED', 'Signed in again'),
    );
    const identity: Identity = {
      url: server.url,
      userId: session.user.id,
      username: session.user.username,
      deviceId: session.device.id,
      deviceName: session.device.name,
      token: session.token,
      keys,
    };
    // A new device starts empty: nothing of a previous device or account may leak into it.
    await serial.run(async () => {
      await store.clear();
      await store.commit({ identity, cursor: null });
    });
    this.#identity = identity;
    await this.connect();
    return this.me as Me;
  }

  /** See `CinderClient.connect`. */
  async connect(): Promise<void> {
    if (this.#state === 'connected') return;
    const done = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        reject(new CinderError('TIMEOUT', 'Could not connect in time'));
      }, this.#options.connectTimeoutMs);
      const waiter: ConnectWaiter = {
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      this.#waiters.push(waiter);
    });
    if (this.#state !== 'connecting' && this.#state !== 'reconnecting') {
      this.#starting ??= this.#start().finally(() => {
        this.#starting = null;
      });
      this.#starting.catch((error: unknown) => this.#settleWaiters(CinderError.from(error)));
    }
    return done;
  }

  /** Close the connection and wait until the store is no longer being written. */
  async close(): Promise<void> {
    this.#halt('closed', new CinderError('DISCONNECTED', 'The client was closed'));
    await this.#options.serial.idle();
  }

  /** See `CinderClient.signOut`. */
  async signOut(): Promise<void> {
    // Close first, so the server's 4001 on our own socket does not race the local wipe.
    this.#halt('closed', new CinderError('DISCONNECTED', 'Signed out'));
    const identity = this.#identity ?? (await this.#options.store.getIdentity());
    let failure: unknown = null;
    if (identity) {
      try {
        await revokeDevice(this.#options.server, identity, identity.deviceId);
      } catch (error) {
        const gone =
          error instanceof CinderError && (error.code === 'UNAUTHORIZED' || error.code === 'NOT_FOUND');
        if (!gone) failure = error;
      }
    }
    await this.#forget();
    if (failure) throw failure;
  }

  /** See `CinderClient.deleteAccount`: the server deleted the account; stop and wipe the store. */
  async accountDeleted(): Promise<void> {
    this.#halt('closed', new CinderError('DISCONNECTED', 'Account deleted'));
    await this.#forget();
  }

  /** The hello of a fresh socket. */
  async hello(): Promise<HelloFrame> {
    // Frames of the previous socket are applied first, so the cursor is the true one.
    await this.#options.serial.idle();
    const identity = this.#identity;
    if (!identity) throw new CinderError('UNAUTHORIZED');
    return {
      type: 'hello',
      protocol: PROTOCOL_VERSION,
      token: identity.token,
      cursor: this.#options.sync.cursor,
    };
  }

  /** The connection's status changed. */
  onStatus(status: ConnectionStatus, error?: CinderError): void {
    switch (status) {
      case 'connecting':
      case 'reconnecting':
      case 'connected':
        this.#setState(status);
        return;
      case 'unauthorized':
        // The device was revoked (or never existed on this server): it is signed out everywhere,
        // so nothing of it stays here either.
        this.#halt('unauthorized', error ?? new CinderError('UNAUTHORIZED'));
        void this.#forget().catch((e: unknown) => this.#options.onError(CinderError.from(e)));
        return;
      case 'closed':
        this.#halt('closed', error ?? new CinderError('DISCONNECTED'));
        if (error) this.#options.onError(error);
        return;
    }
  }

  /** The device is in sync: `connect()` callers resolve. */
  synced(): void {
    this.#settleWaiters(null);
  }

  /** What the server published in its latest `welcome`: the recall window (null if it gave none). */
  get recallWindowMs(): number | null {
    return this.#recallWindowMs;
  }

  /** A socket said welcome: keep what the server publishes about itself. */
  welcomed(frame: WelcomeFrame): void {
    this.#recallWindowMs = frame.recallWindowMs ?? null;
  }

  /** The server knows this device under another name: keep it. Runs on the serial queue. */
  async rename(deviceName: string): Promise<void> {
    const identity = this.#identity;
    if (!identity || identity.deviceName === deviceName) return;
    const renamed = { ...identity, deviceName };
    await this.#options.store.commit({ identity: renamed });
    this.#identity = renamed;
  }

  /** Requests need a started client; a stopped one would wait for a connection that never comes. */
  assertLive(): void {
    if (this.#state === 'unauthorized') throw new CinderError('UNAUTHORIZED', 'This device was signed out');
    if (this.#state === 'idle' || this.#state === 'closed') {
      throw new CinderError('DISCONNECTED', 'Not connected: call connect() first');
    }
  }

  /** The signed-in identity, from memory or the store. UNAUTHORIZED if there is none. */
  async requireIdentity(): Promise<Identity> {
    if (this.#identity) return this.#identity;
    const identity = await this.#options.store.getIdentity();
    if (!identity) throw new CinderError('UNAUTHORIZED', 'Not signed in');
    this.#identity = identity;
    return identity;
  }

  async #start(): Promise<void> {
    const { serial, store, sync, server, connection } = this.#options;
    const epoch = this.#epoch;
    await serial.run(async () => {
      const identity = await store.getIdentity();
      if (!identity) throw new CinderError('UNAUTHORIZED', 'No device in the store: register or log in');
      if (identity.url.replace(/\/+$/, '') !== server.url) {
        throw new CinderError('UNAUTHORIZED', 'The device in the store belongs to another server');
      }
      this.#identity = identity;
      await sync.load();
    });
    if (epoch !== this.#epoch) throw new CinderError('DISCONNECTED', 'The client was closed');
    connection.start();
  }

  /** Stop the connection and everything waiting on it, and enter `state`. */
  #halt(state: 'idle' | 'closed' | 'unauthorized', error: CinderError): void {
    this.#epoch++;
    this.#options.connection.stop();
    this.#options.acks.stop();
    this.#settleWaiters(error);
    this.#setState(state);
  }

  /** Forget the device: clear the store and the in-memory identity. */
  async #forget(): Promise<void> {
    await this.#options.serial.run(async () => {
      await this.#options.store.clear();
      this.#identity = null;
      this.#options.sync.cursor = null;
    });
  }

  #settleWaiters(error: CinderError | null): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiters) {
      if (error) waiter.reject(error);
      else waiter.resolve();
    }
  }

  #setState(state: ClientState): void {
    if (state === this.#state) return;
    this.#state = state;
    this.#options.onState(state);
  }
}
