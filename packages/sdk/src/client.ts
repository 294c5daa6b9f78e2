import {
  CinderError,
  conversationId,
  type DeviceInfo,
  DevicesResponse,
  type HelloFrame,
  PROTOCOL_VERSION,
  peerOf,
  ROUTES,
  SessionResponse,
  WS_PATH,
} from '@cinder/protocol';
import { Acks } from './acks.ts';
import { Connection, type ConnectionStatus, type SyncFrame } from './connection.ts';
import { Emitter, type Handler } from './emitter.ts';
import {
  defaultDeviceName,
  defaultStore,
  defaultWebSocket,
  type WebSocketConstructor,
} from './environment.ts';
import { type FetchLike, httpRequest, joinUrl, toWebSocketUrl } from './http.ts';
import { Outbox } from './outbox.ts';
import { Serial } from './serial.ts';
import type { Store } from './store/store.ts';
import { Sync } from './sync.ts';
import type {
  Burned,
  ClientState,
  ConversationSummary,
  Identity,
  Me,
  Message,
  OpenedMessage,
  Receipt,
  SendOptions,
  SentMessage,
  StoredMessage,
  Tombstone,
} from './types.ts';

/** Options of `new CinderClient(…)`. */
export interface CinderClientOptions {
  /** Base URL of the server, e.g. `http://127.0.0.1:8080`. The WebSocket is at this URL + `/v1/ws`. */
  url: string;
  /**
   * Where this device keeps its identity, cursor, messages and outbox. One store per client.
   * @default MemoryStore in Node.js, IndexedDbStore('cinder') in browsers
   */
  store?: Store;
  /**
   * Label of the device created by `register`/`login`, shown in `devices()`.
   * @default "Node.js <version> on <platform>", or "<browser> on <system>" in browsers
   */
  deviceName?: string;
  /**
   * WebSocket implementation.
   * @default globalThis.WebSocket, else the `ws` package (Node 20)
   */
  WebSocket?: WebSocketConstructor;
  /**
   * How long `send` waits for a connection and the server's answer before failing with TIMEOUT.
   * @default 30_000
   */
  sendTimeoutMs?: number;
  /**
   * How long other requests (and `connect`) wait before failing with TIMEOUT.
   * @default 30_000
   */
  requestTimeoutMs?: number;
  /**
   * Upper bound of the reconnect backoff.
   * @default 5_000
   */
  maxReconnectDelayMs?: number;
  /**
   * HTTP client for register, login and devices.
   * @default globalThis.fetch
   */
  fetch?: FetchLike;
}

/** Events of a client and their arguments. */
export interface ClientEvents {
  /** A message arrived (from a peer, or from another device of this account). Sealed burn messages have no `text`. */
  message: [message: Message];
  /** A peer received or read one of this account's messages. */
  receipt: [receipt: Receipt];
  /** A message burned. Emitted once per message per device. */
  burned: [burned: Burned];
  /** The connection state changed. */
  state: [state: ClientState];
  /** A background problem: an invalid frame dropped, a restored send refused by the server. */
  error: [error: CinderError];
}

interface ConnectWaiter {
  resolve: () => void;
  reject: (error: CinderError) => void;
}

/**
 * A Cinder device: signs in, keeps a local store in sync with the server's event log over a
 * WebSocket (reconnecting and resuming from its cursor), sends through a durable outbox and
 * applies burns before it shows anything.
 */
export class CinderClient {
  readonly #url: string;
  readonly #store: Store;
  readonly #deviceName: string;
  readonly #fetch: FetchLike;
  readonly #sendTimeoutMs: number;
  readonly #requestTimeoutMs: number;
  readonly #emitter = new Emitter<ClientEvents>();
  readonly #serial = new Serial();
  readonly #connection: Connection;
  readonly #sync: Sync;
  readonly #acks: Acks;
  readonly #outbox: Outbox;
  #identity: Identity | null = null;
  #state: ClientState = 'idle';
  #starting: Promise<void> | null = null;
  #waiters: ConnectWaiter[] = [];
  /** Frames from this socket or older are ignored: applying one failed, the socket was dropped. */
  #brokenSocket = 0;
  /** Bumped by every halt, so a `connect()` still reading the store does not start after a `close()`. */
  #epoch = 0;

  constructor(options: CinderClientOptions) {
    this.#url = options.url.replace(/\/+$/, '');
    this.#store = options.store ?? defaultStore();
    this.#deviceName = (options.deviceName ?? defaultDeviceName()).slice(0, 64);
    this.#fetch = options.fetch ?? ((url, init) => globalThis.fetch(url, init));
    this.#sendTimeoutMs = options.sendTimeoutMs ?? 30_000;
    this.#requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    const WebSocketImpl = options.WebSocket;
    this.#connection = new Connection({
      url: toWebSocketUrl(this.#url, WS_PATH),
      webSocket: WebSocketImpl ? async () => WebSocketImpl : defaultWebSocket,
      hello: () => this.#hello(),
      onFrame: (frame, socketId) => this.#onFrame(frame, socketId),
      onStatus: (status, error) => this.#onStatus(status, error),
      onError: (error) => this.#emitter.emit('error', error),
      maxReconnectDelayMs: options.maxReconnectDelayMs ?? 5_000,
      requestTimeoutMs: this.#requestTimeoutMs,
    });
    this.#sync = new Sync(this.#store, {
      message: (m) => this.#emitter.emit('message', m),
      receipt: (r) => this.#emitter.emit('receipt', r),
      burned: (b) => this.#emitter.emit('burned', b),
      delivered: (ids) => this.#acks.delivered(ids),
    });
    this.#acks = new Acks(this.#connection, () => this.#sync.cursor, this.#requestTimeoutMs);
    this.#outbox = new Outbox({
      store: this.#store,
      serial: this.#serial,
      connection: this.#connection,
      sendTimeoutMs: this.#sendTimeoutMs,
      onError: (error) => this.#emitter.emit('error', error),
    });
  }

  /** The signed-in device, or null before `register`/`login`/`connect` and after `signOut`. */
  get me(): Me | null {
    if (!this.#identity) return null;
    const { userId, username, deviceId, deviceName } = this.#identity;
    return { userId, username, deviceId, deviceName };
  }

  /** Connection state; `state` events report changes. */
  get state(): ClientState {
    return this.#state;
  }

  /** Listen to an event. Returns a function that removes the handler. */
  on<K extends keyof ClientEvents>(event: K, handler: Handler<ClientEvents[K]>): () => void {
    return this.#emitter.on(event, handler);
  }

  /** Stop listening. */
  off<K extends keyof ClientEvents>(event: K, handler: Handler<ClientEvents[K]>): void {
    this.#emitter.off(event, handler);
  }

  // ---------------------------------------------------------------------------------------------
  // Session
  // ---------------------------------------------------------------------------------------------

  /** Create an account and its first device, save the device in the store, connect. CONFLICT if the name is taken. */
  register(username: string, password: string): Promise<Me> {
    return this.#signIn(ROUTES.register, username, password);
  }

  /** Sign in to an existing account as a new device, save it in the store, connect. */
  login(username: string, password: string): Promise<Me> {
    return this.#signIn(ROUTES.login, username, password);
  }

  /**
   * Resume the device saved in the store. Resolves once the device is in sync: every event
   * it missed (burns first of all) is applied. UNAUTHORIZED if the store holds no device or the
   * device was revoked. TIMEOUT after `requestTimeoutMs`; the client then keeps trying in the
   * background (state `reconnecting`) until `close()`.
   */
  async connect(): Promise<void> {
    if (this.#state === 'connected') return;
    const done = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        reject(new CinderError('TIMEOUT', 'Could not connect in time'));
      }, this.#requestTimeoutMs);
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

  /** Close the socket. The store keeps the device, so `connect()` resumes later. Pending requests fail with DISCONNECTED. */
  async close(): Promise<void> {
    this.#halt('closed', new CinderError('DISCONNECTED', 'The client was closed'));
    await this.#serial.idle();
  }

  /** `await using client = …` closes it. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /**
   * Sign this device out: revoke it on the server, clear the store, close. The store is cleared
   * even if the server cannot be reached (the error is thrown afterwards).
   */
  async signOut(): Promise<void> {
    // Close first, so the server's 4001 on our own socket does not race the local wipe.
    this.#halt('closed', new CinderError('DISCONNECTED', 'Signed out'));
    const identity = this.#identity ?? (await this.#store.getIdentity());
    let failure: unknown = null;
    if (identity) {
      try {
        await this.#http('DELETE', `${ROUTES.devices}/${encodeURIComponent(identity.deviceId)}`, identity);
      } catch (error) {
        const gone =
          error instanceof CinderError && (error.code === 'UNAUTHORIZED' || error.code === 'NOT_FOUND');
        if (!gone) failure = error;
      }
    }
    await this.#forget();
    if (failure) throw failure;
  }

  /** This account's signed-in devices (`current` marks this one). */
  async devices(): Promise<DeviceInfo[]> {
    const identity = await this.#requireIdentity();
    const body = await this.#http('GET', ROUTES.devices, identity, DevicesResponse);
    return body.devices;
  }

  /** Sign a device of this account out everywhere: its token stops working and its sockets close. */
  async revokeDevice(deviceId: string): Promise<void> {
    const identity = await this.#requireIdentity();
    await this.#http('DELETE', `${ROUTES.devices}/${encodeURIComponent(deviceId)}`, identity);
  }

  // ---------------------------------------------------------------------------------------------
  // Messages
  // ---------------------------------------------------------------------------------------------

  /**
   * Send a message. While disconnected it waits for the connection (up to `sendTimeoutMs`, then
   * TIMEOUT). Resolves once the server stored it, with the server's id; the message is then in
   * `messages()` (own burn text included, until it burns). No `message` event for own sends.
   */
  async send(to: string, text: string, options: SendOptions = {}): Promise<SentMessage> {
    this.#assertLive();
    const identity = await this.#requireIdentity();
    return this.#outbox.send(identity, to, text, options);
  }

  /**
   * Open a message. A burn message: the atomic take; the content is returned once, never stored,
   * and the message burns everywhere (a second open, from any device, gets BURNED). If the
   * connection drops before the reply, this fails with DISCONNECTED and is not retried: the
   * content is lost with the reply. A normal message: returns it and marks it read.
   */
  async open(id: string): Promise<OpenedMessage> {
    this.#assertLive();
    this.#acks.flushDelivered();
    const result = await this.#connection.request(
      { type: 'open', id },
      { timeoutMs: this.#requestTimeoutMs },
    );
    await this.#serial.run(async () => {
      const local = await this.#store.getMessage(id);
      if (!local) return;
      if (result.burned) await this.#sync.burnLocally(local, 'opened');
      else if (!local.mine && local.readAt === undefined) {
        await this.#store.commit({ putMessages: [{ ...local, readAt: Date.now() }] });
      }
    });
    const opened: OpenedMessage = { id: result.id, text: result.text, ext: result.ext };
    if (result.viewSeconds !== undefined) opened.viewSeconds = result.viewSeconds;
    return opened;
  }

  /** Send a read receipt for a normal message. BAD_REQUEST for a burn message: those are opened, not read. */
  async markRead(id: string): Promise<void> {
    this.#assertLive();
    const local = await this.#store.getMessage(id);
    if (local?.burn) throw new CinderError('BAD_REQUEST', 'Burn messages are opened, not read');
    this.#acks.flushDelivered();
    await this.#connection.request({ type: 'read', id }, { timeoutMs: this.#requestTimeoutMs });
    await this.#serial.run(async () => {
      const current = await this.#store.getMessage(id);
      if (current && !current.mine && current.readAt === undefined) {
        await this.#store.commit({ putMessages: [{ ...current, readAt: Date.now() }] });
      }
    });
  }

  /** Delete a message from this device only. */
  async removeMessage(id: string): Promise<void> {
    await this.#serial.run(() => this.#store.commit({ deleteMessages: [id] }));
  }

  /** Burn one of this account's unopened burn messages everywhere (reason `revoked`). */
  async revoke(id: string): Promise<void> {
    this.#assertLive();
    await this.#connection.request({ type: 'revoke', id }, { timeoutMs: this.#requestTimeoutMs });
    await this.#serial.run(async () => {
      const local = await this.#store.getMessage(id);
      if (local) await this.#sync.burnLocally(local, 'revoked');
    });
  }

  /** This device's copy of the conversation with `peer`, oldest first. Burned messages are not listed. */
  async messages(peer: string): Promise<StoredMessage[]> {
    const identity = await this.#requireIdentity();
    return this.#store.listMessages(conversationId(identity.username, peer));
  }

  /** Placeholders of the messages that burned in the conversation with `peer`, oldest first. Never content. */
  async burnedMessages(peer: string): Promise<Tombstone[]> {
    const identity = await this.#requireIdentity();
    return this.#store.listTombstones(conversationId(identity.username, peer));
  }

  /** Conversations known to this device, most recent activity first. */
  async conversations(): Promise<ConversationSummary[]> {
    const identity = await this.#requireIdentity();
    const [messages, tombstones] = await Promise.all([
      this.#store.listMessages(),
      this.#store.listTombstones(),
    ]);
    const summaries = new Map<string, ConversationSummary>();
    const summaryOf = (conversation: string): ConversationSummary => {
      let summary = summaries.get(conversation);
      if (!summary) {
        const peer = peerOf(conversation, identity.username);
        summary = { conversation, peer, lastActivityAt: 0, unread: 0, sealed: 0 };
        summaries.set(conversation, summary);
      }
      return summary;
    };
    for (const message of messages) {
      const summary = summaryOf(message.conversation);
      // Messages come oldest first: the last one seen is the newest.
      summary.lastMessage = message;
      summary.lastActivityAt = Math.max(summary.lastActivityAt, message.sentAt);
      if (message.mine) continue;
      if (message.burn) summary.sealed++;
      else if (message.readAt === undefined) summary.unread++;
    }
    for (const tombstone of tombstones) {
      const summary = summaryOf(tombstone.conversation);
      summary.lastActivityAt = Math.max(summary.lastActivityAt, tombstone.at);
    }
    // Ties within one millisecond: server ids sort in creation order, so the later last message wins.
    const lastId = (s: ConversationSummary) => s.lastMessage?.id ?? '';
    return [...summaries.values()].sort(
      (a, b) =>
        b.lastActivityAt - a.lastActivityAt ||
        (lastId(a) < lastId(b) ? 1 : lastId(a) > lastId(b) ? -1 : 0) ||
        a.conversation.localeCompare(b.conversation),
    );
  }

  // ---------------------------------------------------------------------------------------------
  // Internals
  // ---------------------------------------------------------------------------------------------

  async #signIn(route: string, username: string, password: string): Promise<Me> {
    const session = await httpRequest(this.#fetch, joinUrl(this.#url, route), {
      method: 'POST',
      body: { username, password, deviceName: this.#deviceName },
      schema: SessionResponse,
    });
    // A client signed in as another device (or account) closes that session; a fresh one stays idle.
    this.#halt(
      this.#state === 'idle' ? 'idle' : 'closed',
      new CinderError('DISCONNECTED', 'Signed in again'),
    );
    const identity: Identity = {
      url: this.#url,
      userId: session.user.id,
      username: session.user.username,
      deviceId: session.device.id,
      deviceName: session.device.name,
      token: session.token,
    };
    // A new device starts empty: nothing of a previous device or account may leak into it.
    await this.#serial.run(async () => {
      await this.#store.clear();
      await this.#store.commit({ identity, cursor: null });
    });
    this.#identity = identity;
    await this.connect();
    return this.me as Me;
  }

  async #start(): Promise<void> {
    const epoch = this.#epoch;
    await this.#serial.run(async () => {
      const identity = await this.#store.getIdentity();
      if (!identity) throw new CinderError('UNAUTHORIZED', 'No device in the store: register or log in');
      if (identity.url.replace(/\/+$/, '') !== this.#url) {
        throw new CinderError('UNAUTHORIZED', 'The device in the store belongs to another server');
      }
      this.#identity = identity;
      await this.#sync.load();
    });
    if (epoch !== this.#epoch) throw new CinderError('DISCONNECTED', 'The client was closed');
    this.#connection.start();
  }

  async #hello(): Promise<HelloFrame> {
    // Frames of the previous socket are applied first, so the cursor is the true one.
    await this.#serial.idle();
    const identity = this.#identity;
    if (!identity) throw new CinderError('UNAUTHORIZED');
    return { type: 'hello', protocol: PROTOCOL_VERSION, token: identity.token, cursor: this.#sync.cursor };
  }

  #onFrame(frame: SyncFrame, socketId: number): void {
    this.#serial
      .run(async () => {
        if (socketId <= this.#brokenSocket) return;
        await this.#apply(frame, socketId);
      })
      .catch((error: unknown) => {
        // The store failed mid-event: drop this socket and its queued frames; the next hello
        // resumes from the last cursor the store holds, so no event is skipped.
        this.#brokenSocket = Math.max(this.#brokenSocket, socketId);
        this.#emitter.emit('error', CinderError.from(error));
        this.#connection.reconnect();
      });
  }

  async #apply(frame: SyncFrame, socketId: number): Promise<void> {
    const identity = this.#identity;
    if (!identity) return;
    switch (frame.type) {
      case 'welcome':
        this.#sync.reset();
        if (frame.device.name !== identity.deviceName) {
          const renamed = { ...identity, deviceName: frame.device.name };
          await this.#store.commit({ identity: renamed });
          this.#identity = renamed;
        }
        return;
      case 'events':
        await this.#sync.applyEvents(frame, identity.username);
        this.#acks.cursorMoved();
        return;
      case 'resync':
        await this.#sync.applyResync(frame, identity.username);
        return;
      case 'synced':
        await this.#sync.advance(frame.cursor);
        this.#connection.setReady(socketId);
        if (!this.#connection.ready) return;
        this.#acks.cursorMoved();
        this.#settleWaiters(null);
        void this.#outbox.flush(identity).catch((error: unknown) => {
          this.#emitter.emit('error', CinderError.from(error));
        });
        return;
    }
  }

  #onStatus(status: ConnectionStatus, error?: CinderError): void {
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
        void this.#forget().catch((e: unknown) => this.#emitter.emit('error', CinderError.from(e)));
        return;
      case 'closed':
        this.#halt('closed', error ?? new CinderError('DISCONNECTED'));
        if (error) this.#emitter.emit('error', error);
        return;
    }
  }

  /** Stop the connection and everything waiting on it, and enter `state`. */
  #halt(state: 'idle' | 'closed' | 'unauthorized', error: CinderError): void {
    this.#epoch++;
    this.#connection.stop();
    this.#acks.stop();
    this.#settleWaiters(error);
    this.#setState(state);
  }

  /** Forget the device: clear the store and the in-memory identity. */
  async #forget(): Promise<void> {
    await this.#serial.run(async () => {
      await this.#store.clear();
      this.#identity = null;
      this.#sync.cursor = null;
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
    this.#emitter.emit('state', state);
  }

  /** Requests need a started client; a stopped one would wait for a connection that never comes. */
  #assertLive(): void {
    if (this.#state === 'unauthorized') throw new CinderError('UNAUTHORIZED', 'This device was signed out');
    if (this.#state === 'idle' || this.#state === 'closed') {
      throw new CinderError('DISCONNECTED', 'Not connected: call connect() first');
    }
  }

  async #requireIdentity(): Promise<Identity> {
    if (this.#identity) return this.#identity;
    const identity = await this.#store.getIdentity();
    if (!identity) throw new CinderError('UNAUTHORIZED', 'Not signed in');
    this.#identity = identity;
    return identity;
  }

  #http<T = undefined>(
    method: string,
    path: string,
    identity: Identity,
    schema?: { safeParse(value: unknown): { success: true; data: T } | { success: false } },
  ): Promise<T> {
    return httpRequest(this.#fetch, joinUrl(this.#url, path), {
      method,
      token: identity.token,
      ...(schema ? { schema } : {}),
    });
  }
}
