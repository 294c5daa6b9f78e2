/// <reference lib="esnext.disposable" preserve="true" />
import {
  type AccountSettings,
  type BlockedUser,
  CinderError,
  conversationId,
  type DeviceInfo,
  type Profile,
  type PushStatus,
  ROUTES,
  Username,
  WS_PATH,
} from '@cinder/protocol';
import { changePassword, deleteAccount } from './account.ts';
import { Acks } from './acks.ts';
import { FrameApplier } from './apply.ts';
import { listBlocked, setBlocked } from './blocks.ts';
import { Connection } from './connection.ts';
import { conversationList } from './conversations.ts';
import { type OpenedContent, openEnvelope } from './crypto/envelope.ts';
import { listDevices, revokeDevice } from './devices.ts';
import { Emitter, type Handler } from './emitter.ts';
import {
  defaultDeviceName,
  defaultStore,
  defaultWebSocket,
  type WebSocketConstructor,
} from './environment.ts';
import {
  bytesOf,
  discardUpload,
  downloadBlob,
  type FileData,
  fileDetails,
  plainAttachment,
  sealedAttachment,
  uploadFile,
} from './files.ts';
import { type FetchLike, type ServerHttp, toWebSocketUrl } from './http.ts';
import { KeyDirectory } from './key-directory.ts';
import { Outbox, pendingSend } from './outbox.ts';
import {
  fetchPushKey,
  type PushSubscriptionLike,
  pushStatus,
  setPushPreviews,
  subscribePush,
  unsubscribePush,
} from './push.ts';
import { Serial } from './serial.ts';
import { Session } from './session.ts';
import { accountProfile, accountSettings, changeAccountSettings, changeProfile } from './settings.ts';
import type { Store } from './store/store.ts';
import { Sync } from './sync.ts';
import type {
  Burned,
  ClientState,
  ConversationSummary,
  Identity,
  KeyChange,
  KeyStatus,
  Me,
  Message,
  OpenedAttachment,
  OpenedMessage,
  Recalled,
  RecallTombstone,
  Receipt,
  SendFileOptions,
  SendOptions,
  SentMessage,
  StoredMessage,
  Tombstone,
  UploadProgress,
} from './types.ts';

/** Most burn attachments a client holds downloaded ahead of their open (`prefetch`). */
const PREFETCH_LIMIT = 16;

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
  /**
   * A normal message was recalled by its sender (消息撤回): its copy is gone from this device and
   * a placeholder without content is in `recalledMessages()`. Emitted once per device, on the
   * sender's devices too (on the one that recalled, by the time `recall` resolves).
   */
  recalled: [recalled: Recalled];
  /** The connection state changed. */
  state: [state: ClientState];
  /**
   * A peer's device keys differ from the ones this device saw before (a device added or removed,
   * or a key substituted): its safety number changed, and a verified mark was dropped.
   */
  keyChange: [change: KeyChange];
  /** Progress of a `sendFile`'s upload, after each chunk the server stored. */
  upload: [progress: UploadProgress];
  /** A background problem: an invalid frame dropped, a restored send refused by the server. */
  error: [error: CinderError];
}

/**
 * A Cinder device: signs in, keeps a local store in sync with the server's event log over a
 * WebSocket (reconnecting and resuming from its cursor), sends through a durable outbox and
 * applies burns before it shows anything.
 *
 * A facade: the session owns sign-in and the connection's lifecycle, `FrameApplier` and `Sync`
 * apply the server's events to the store, the outbox owns sends, `conversationList` derives the
 * conversation list. Every store write goes through one serial queue shared by all of them.
 */
export class CinderClient {
  readonly #server: ServerHttp;
  readonly #store: Store;
  readonly #requestTimeoutMs: number;
  readonly #emitter = new Emitter<ClientEvents>();
  readonly #serial = new Serial();
  readonly #connection: Connection;
  readonly #sync: Sync;
  readonly #acks: Acks;
  readonly #outbox: Outbox;
  readonly #keys: KeyDirectory;
  readonly #session: Session;
  readonly #frames: FrameApplier;
  /** Burn attachments' ciphertext downloaded ahead of the open, in memory only, by message id. */
  readonly #prefetched = new Map<string, Promise<Uint8Array<ArrayBuffer> | null>>();

  constructor(options: CinderClientOptions) {
    this.#server = {
      url: options.url.replace(/\/+$/, ''),
      fetch: options.fetch ?? ((url, init) => globalThis.fetch(url, init)),
    };
    this.#store = options.store ?? defaultStore();
    this.#requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    const onError = (error: CinderError) => this.#emitter.emit('error', error);
    const WebSocketImpl = options.WebSocket;
    this.#connection = new Connection({
      url: toWebSocketUrl(this.#server.url, WS_PATH),
      webSocket: WebSocketImpl ? async () => WebSocketImpl : defaultWebSocket,
      hello: () => this.#session.hello(),
      onFrame: (frame, socketId) => this.#frames.receive(frame, socketId),
      onStatus: (status, error) => this.#session.onStatus(status, error),
      onError,
      maxReconnectDelayMs: options.maxReconnectDelayMs ?? 5_000,
      requestTimeoutMs: this.#requestTimeoutMs,
    });
    this.#sync = new Sync(this.#store, {
      message: (m) => this.#emitter.emit('message', m),
      receipt: (r) => this.#emitter.emit('receipt', r),
      burned: (b) => {
        this.#prefetched.delete(b.messageId);
        this.#emitter.emit('burned', b);
      },
      recalled: (r) => {
        this.#prefetched.delete(r.messageId);
        this.#emitter.emit('recalled', r);
      },
      delivered: (ids) => this.#acks.delivered(ids),
    });
    this.#acks = new Acks(this.#connection, () => this.#sync.cursor, this.#requestTimeoutMs);
    this.#keys = new KeyDirectory({
      store: this.#store,
      serial: this.#serial,
      connection: this.#connection,
      requestTimeoutMs: this.#requestTimeoutMs,
      onKeyChange: (change) => this.#emitter.emit('keyChange', change),
    });
    const sendTimeoutMs = options.sendTimeoutMs ?? 30_000;
    this.#outbox = new Outbox({
      store: this.#store,
      serial: this.#serial,
      connection: this.#connection,
      sendTimeoutMs,
      onError,
      seal: (me, pending, file) =>
        this.#keys.seal(me, pending.to, { text: pending.text, ext: pending.ext, file }, sendTimeoutMs),
    });
    this.#session = new Session({
      server: this.#server,
      store: this.#store,
      serial: this.#serial,
      connection: this.#connection,
      sync: this.#sync,
      acks: this.#acks,
      deviceName: (options.deviceName ?? defaultDeviceName()).slice(0, 64),
      connectTimeoutMs: this.#requestTimeoutMs,
      onState: (state) => this.#emitter.emit('state', state),
      onError,
    });
    this.#frames = new FrameApplier({
      serial: this.#serial,
      sync: this.#sync,
      session: this.#session,
      connection: this.#connection,
      acks: this.#acks,
      outbox: this.#outbox,
      onError,
    });
  }

  /** The signed-in device, or null before `register`/`login`/`connect` and after `signOut`. */
  get me(): Me | null {
    return this.#session.me;
  }

  /**
   * The server's recall window in ms (`--recall-window`): how long after `sentAt` its sender may
   * `recall` a normal message. Null until the first `welcome` of this client's connection, and
   * from a server too old to publish it.
   */
  get recallWindowMs(): number | null {
    return this.#session.recallWindowMs;
  }

  /** Connection state; `state` events report changes. */
  get state(): ClientState {
    return this.#session.state;
  }

  /** Listen to an event. Returns a function that removes the handler. */
  on<K extends keyof ClientEvents>(event: K, handler: Handler<ClientEvents[K]>): () => void {
    return this.#emitter.on(event, handler);
  }

  /** Stop listening. */
  off<K extends keyof ClientEvents>(event: K, handler: Handler<ClientEvents[K]>): void {
    this.#emitter.off(event, handler);
  }

  // Session

  /** Create an account and its first device, save the device in the store, connect. CONFLICT if the name is taken. */
  register(username: string, password: string): Promise<Me> {
    return this.#session.signIn(ROUTES.register, username, password);
  }

  /** Sign in to an existing account as a new device, save it in the store, connect. */
  login(username: string, password: string): Promise<Me> {
    return this.#session.signIn(ROUTES.login, username, password);
  }

  /**
   * Resume the device saved in the store. Resolves once the device is in sync: every event
   * it missed (burns first of all) is applied. UNAUTHORIZED if the store holds no device or the
   * device was revoked. TIMEOUT after `requestTimeoutMs`; the client then keeps trying in the
   * background (state `reconnecting`) until `close()`.
   */
  async connect(): Promise<void> {
    return this.#session.connect();
  }

  /** Close the socket. The store keeps the device, so `connect()` resumes later. Pending requests fail with DISCONNECTED. */
  async close(): Promise<void> {
    await this.#session.close();
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
    await this.#session.signOut();
  }

  /** This account's signed-in devices (`current` marks this one). */
  async devices(): Promise<DeviceInfo[]> {
    return listDevices(this.#server, await this.#session.requireIdentity());
  }

  /** Sign a device of this account out everywhere: its token stops working and its sockets close. */
  async revokeDevice(deviceId: string): Promise<void> {
    await revokeDevice(this.#server, await this.#session.requireIdentity(), deviceId);
  }

  /**
   * Change this account's password. `current` is the password now (a wrong one is UNAUTHORIZED,
   * and counts against the account's sign-in limit like a failed login); `next` follows the rules
   * of registration (BAD_REQUEST otherwise). On success every other device of the account is
   * signed out (its client goes `unauthorized`); this one stays signed in.
   */
  async changePassword(current: string, next: string): Promise<void> {
    await changePassword(this.#server, await this.#session.requireIdentity(), current, next);
  }

  /**
   * Delete this account for good. `password` is checked like `changePassword`'s `current`
   * (UNAUTHORIZED when wrong, counted like a failed login). The server burns every burn message
   * the account sent or received (the other side's devices get `burned`: `revoked` for those it
   * sent, `expired` for those it received), deletes its messages, devices, push subscriptions,
   * uploads and settings, and signs every device out; the username is then unknown to others.
   * On success this client is closed and its store wiped.
   */
  async deleteAccount(password: string): Promise<void> {
    await deleteAccount(this.#server, await this.#session.requireIdentity(), password);
    await this.#session.accountDeleted();
  }

  /**
   * Block `username`: from then on their sends to this account fail exactly as if it did not exist
   * (NOT_FOUND "No such user", and so do their key directory reads of it); nothing of theirs is
   * stored or pushed, and they are not told. Messages they sent before stay. NOT_FOUND for an
   * unknown username; blocking again changes nothing.
   */
  async block(username: string): Promise<void> {
    await setBlocked(this.#server, await this.#session.requireIdentity(), username, true);
  }

  /** Lift a block of `username` (nothing happens when there was none). */
  async unblock(username: string): Promise<void> {
    await setBlocked(this.#server, await this.#session.requireIdentity(), username, false);
  }

  /** The users this account blocked (`{ username, at }`), in the order blocked. */
  async blocked(): Promise<BlockedUser[]> {
    return listBlocked(this.#server, await this.#session.requireIdentity());
  }

  /** What others see of this account besides its username (`{ displayName }`). */
  async profile(): Promise<Profile> {
    return accountProfile(this.#server, await this.#session.requireIdentity());
  }

  /**
   * Set this account's display name, in any script (张三), or remove it with null. The server
   * normalises it (NFC, trimmed, runs of spaces as one) and accepts 1–64 graphemes of letters,
   * marks, numbers, punctuation, symbols and spaces; anything else (control or format characters
   * such as bidi overrides, line breaks) is BAD_REQUEST. Resolves with the name as stored. Others
   * read it with `displayName(username)`.
   */
  async setDisplayName(name: string | null): Promise<string | null> {
    const identity = await this.#session.requireIdentity();
    return (await changeProfile(this.#server, identity, { displayName: name })).displayName;
  }

  /**
   * `username`'s display name (null when they set none), from the key directory: the answer a
   * chat reads before it opens. NOT_FOUND for a user `userExists` says does not exist.
   */
  async displayName(username: string): Promise<string | null> {
    const entry = await this.#keys.entry(await this.#session.requireIdentity(), username);
    return entry.displayName ?? null;
  }

  /** This account's settings (`{ readReceipts }`), shared by all its devices. */
  async settings(): Promise<AccountSettings> {
    return accountSettings(this.#server, await this.#session.requireIdentity());
  }

  /**
   * Turn this account's read receipts on or off (on by default). While off, its reads and opens
   * of normal messages (`markRead`, `open`) send no `read` receipt; delivered receipts still go,
   * and a burn message still burns when opened (its sender gets `burned`). Not reciprocal: this
   * account still receives the read receipts of those who send them.
   */
  async setReadReceipts(on: boolean): Promise<void> {
    await changeAccountSettings(this.#server, await this.#session.requireIdentity(), { readReceipts: on });
  }

  // Web Push (the server's docs/push.md)

  /**
   * The server's VAPID public key (base64url): pass it as `applicationServerKey` to
   * `registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey })`. Needs
   * no sign-in; every node of a cluster gives the same key.
   */
  async pushKey(): Promise<string> {
    return fetchPushKey(this.#server);
  }

  /** This device's push state: whether it has a subscription, and whether previews are on. */
  async pushStatus(): Promise<PushStatus> {
    return pushStatus(this.#server, await this.#session.requireIdentity());
  }

  /**
   * Register this device's push subscription (a `PushSubscription` or its `toJSON()`), replacing
   * the one it had. The device then gets a push for each message sent to it while it has no
   * connection: a burn message's push says only who sent it; a normal message's carries the start
   * of its text only when `previews` is on (off unless set; absent keeps the device's setting).
   * The server removes the subscription when the device signs out or the push service says it is
   * gone. BAD_REQUEST for something that is not a subscription, or an `http:` endpoint the server
   * does not accept.
   */
  async subscribePush(
    subscription: PushSubscriptionLike,
    options: { previews?: boolean } = {},
  ): Promise<PushStatus> {
    return subscribePush(this.#server, await this.#session.requireIdentity(), subscription, options.previews);
  }

  /** Remove this device's push subscription from the server; no more pushes. No error when there was none. */
  async unsubscribePush(): Promise<void> {
    await unsubscribePush(this.#server, await this.#session.requireIdentity());
  }

  /**
   * Whether this device's pushes for normal messages carry the start of the text (burn messages'
   * never do). NOT_FOUND while the device has no subscription.
   */
  async setPushPreviews(previews: boolean): Promise<PushStatus> {
    return setPushPreviews(this.#server, await this.#session.requireIdentity(), previews);
  }

  // Messages

  /**
   * Send a message. While disconnected it waits for the connection (up to `sendTimeoutMs`, then
   * TIMEOUT). Resolves once the server stored it, with the server's id; the message is then in
   * `messages()` (own burn text included, until it burns). No `message` event for own sends.
   */
  async send(to: string, text: string, options: SendOptions = {}): Promise<SentMessage> {
    this.#session.assertLive();
    const identity = await this.#session.requireIdentity();
    return this.#outbox.send(identity, to, text, options);
  }

  /**
   * Send a file: a photo, a voice note, a video or any file, with an optional caption (`text`).
   * The bytes go up first in resumable chunks (`upload` events and `onProgress` report them;
   * `signal` cancels), then the message goes out as `send` does. A burn message's file is
   * encrypted here with the message's content key before any byte leaves the device; its name
   * and type are sealed with the caption. A file send is not kept in the store's outbox (it would
   * need the content key there): if the client closes first it fails, and the server removes
   * the unsent upload after its ttl. PAYLOAD_TOO_LARGE over the server's `--max-upload`, before
   * any byte is sent.
   */
  async sendFile(to: string, data: FileData, options: SendFileOptions = {}): Promise<SentMessage> {
    this.#session.assertLive();
    const identity = await this.#session.requireIdentity();
    const details = fileDetails(data, options);
    const sendOptions: SendOptions = {};
    if (options.burn !== undefined) sendOptions.burn = options.burn;
    if (options.ext !== undefined) sendOptions.ext = options.ext;
    const pending = pendingSend(to, options.text ?? '', sendOptions);
    const onProgress = (sent: number, total: number) => {
      const progress: UploadProgress = { key: pending.key, to, sent, total };
      options.onProgress?.(progress);
      this.#emitter.emit('upload', progress);
    };
    const upload = { onProgress, ...(options.signal ? { signal: options.signal } : {}) };
    const bytes = await bytesOf(data);
    const file = await uploadFile(this.#server, identity, bytes, details, pending.burn !== undefined, upload);
    try {
      // Cancelled while the last chunk was stored: nothing is sent.
      if (options.signal?.aborted) throw new CinderError('CANCELLED', 'The upload was cancelled');
      return await this.#outbox.sendFile(identity, pending, file);
    } catch (error) {
      // Not sent (or not known to be: an upload attached to a stored message cannot be removed).
      await discardUpload(this.#server, identity, file.attachment.upload);
      throw error;
    }
  }

  /**
   * Download a received burn message's attachment ahead of its open, so it opens at once. The
   * ciphertext stays in memory (never in the store) and is useless without the key share the
   * open releases. No-op for anything else.
   */
  async prefetch(id: string): Promise<void> {
    const identity = await this.#session.requireIdentity();
    const local = await this.#store.getMessage(id);
    if (!local?.burn || !local.attachment || local.mine || this.#prefetched.has(id)) return;
    if (this.#prefetched.size >= PREFETCH_LIMIT) return;
    const download = downloadBlob(this.#server, identity, id).catch(() => null);
    this.#prefetched.set(id, download);
    await download;
  }

  /**
   * The attachment of a normal message (any number of times). BAD_REQUEST for a burn message: its
   * attachment comes once, from `open`. NOT_FOUND if the message has none or is not this account's.
   */
  async attachment(id: string): Promise<OpenedAttachment> {
    const identity = await this.#session.requireIdentity();
    const local = await this.#store.getMessage(id);
    if (local?.burn) throw new CinderError('BAD_REQUEST', "A burn message's attachment comes only from open");
    return plainAttachment(local, await downloadBlob(this.#server, identity, id));
  }

  /**
   * Open a message. A burn message: the atomic take; the content is returned once, never stored,
   * and the message burns everywhere (a second open, from any device, gets BURNED). If the
   * connection drops before the reply, this fails with DISCONNECTED and is not retried: the
   * content is lost with the reply. The reply carries the envelope's pieces for this device,
   * decrypted here (DECRYPT_FAILED if they do not decrypt; the message has burned either way).
   * A normal message: returns it and marks it read.
   */
  async open(id: string): Promise<OpenedMessage> {
    this.#session.assertLive();
    const identity = await this.#session.requireIdentity();
    const local = await this.#store.getMessage(id);
    // A burn attachment's ciphertext is deleted by the open: fetch it first (also for a message
    // this device has not stored yet). A failed download, other than "no such blob", stops here,
    // before anything burns.
    const sealedBlob =
      !local || (local.burn && local.attachment) ? await this.#sealedBlob(identity, id) : null;
    this.#acks.flushDelivered();
    const result = await this.#connection.request(
      { type: 'open', id },
      { timeoutMs: this.#requestTimeoutMs },
    );
    await this.#serial.run(() =>
      result.burned ? this.#sync.burnLocallyById(id, 'opened') : this.#sync.markReadLocally(id),
    );
    let content: OpenedContent = { text: result.text ?? '', ext: result.ext ?? {} };
    let attachment: OpenedAttachment | undefined;
    if (result.sealed) {
      if (!identity.keys) throw new CinderError('DECRYPT_FAILED', 'This device has no key');
      content = await openEnvelope({
        messageId: result.id,
        from: result.from ?? '',
        to: identity.username,
        deviceId: identity.deviceId,
        keys: identity.keys,
        sealed: result.sealed,
      });
      attachment = await sealedAttachment(content, result.sealed.id, local, sealedBlob);
    } else if (local?.attachment) {
      attachment = plainAttachment(local, await downloadBlob(this.#server, identity, id));
    }
    const opened: OpenedMessage = { id: result.id, text: content.text, ext: content.ext };
    if (result.viewSeconds !== undefined) opened.viewSeconds = result.viewSeconds;
    if (attachment) opened.attachment = attachment;
    return opened;
  }

  /** A burn attachment's ciphertext: prefetched, or downloaded now; null if the server has none. */
  async #sealedBlob(identity: Identity, id: string): Promise<Uint8Array<ArrayBuffer> | null> {
    const prefetched = await this.#prefetched.get(id);
    this.#prefetched.delete(id);
    if (prefetched) return prefetched;
    try {
      return await downloadBlob(this.#server, identity, id);
    } catch (error) {
      if (error instanceof CinderError && error.code === 'NOT_FOUND') return null;
      throw error;
    }
  }

  // End-to-end encryption (docs/crypto.md)

  /**
   * The safety number of the conversation with `username`: 60 digits in 12 groups of 5, the same
   * on both sides, computed from both users' current device keys. Emits `keyChange` first if
   * the peer's keys changed since this device last looked.
   */
  async safetyNumber(username: string): Promise<string> {
    return this.#keys.safetyNumber(await this.#session.requireIdentity(), username);
  }

  /**
   * Whether `username` is an account this one can write to, for an app to check before a chat
   * opens. Answered by the key directory (`keys`), the request a burn send makes first, so it
   * reveals nothing a send does not: a user who blocked this account, a deleted one and one that
   * never existed are all `false`. Other errors (e.g. TIMEOUT) are thrown. Reads the peer's keys
   * like a send does, so it may emit `keyChange`.
   */
  async userExists(username: string): Promise<boolean> {
    const me = await this.#session.requireIdentity();
    // A name nobody can have: the server's answer would be BAD_REQUEST for the frame.
    if (!Username.safeParse(username).success) return false;
    try {
      await this.#keys.devices(me, username);
      return true;
    } catch (error) {
      if (error instanceof CinderError && error.code === 'NOT_FOUND') return false;
      throw error;
    }
  }

  /** The safety number, whether the current keys are the verified ones, and each device key's fingerprint. */
  async keyStatus(username: string): Promise<KeyStatus> {
    return this.#keys.status(await this.#session.requireIdentity(), username);
  }

  /**
   * Mark the peer's current keys verified, after comparing `safetyNumber` with the peer in person
   * or over another channel. CONFLICT if the number is no longer the current one.
   */
  async markVerified(username: string, safetyNumber: string): Promise<void> {
    await this.#keys.markVerified(await this.#session.requireIdentity(), username, safetyNumber);
  }

  /** Send a read receipt for a normal message. BAD_REQUEST for a burn message: those are opened, not read. */
  async markRead(id: string): Promise<void> {
    this.#session.assertLive();
    const local = await this.#store.getMessage(id);
    if (local?.burn) throw new CinderError('BAD_REQUEST', 'Burn messages are opened, not read');
    this.#acks.flushDelivered();
    await this.#connection.request({ type: 'read', id }, { timeoutMs: this.#requestTimeoutMs });
    await this.#serial.run(() => this.#sync.markReadLocally(id));
  }

  /** Delete a message from this device only. */
  async removeMessage(id: string): Promise<void> {
    await this.#serial.run(() => this.#store.commit({ deleteMessages: [id] }));
  }

  /** Burn one of this account's unopened burn messages everywhere (reason `revoked`). */
  async revoke(id: string): Promise<void> {
    this.#session.assertLive();
    await this.#connection.request({ type: 'revoke', id }, { timeoutMs: this.#requestTimeoutMs });
    await this.#serial.run(() => this.#sync.burnLocallyById(id, 'revoked'));
  }

  /**
   * Recall one of this account's normal messages (消息撤回) within the server's recall window
   * (`--recall-window`, 2 minutes by default): the server deletes its text, ext and attachment,
   * and every device of both users drops its copy, keeps a placeholder (`recalledMessages`) and
   * emits `recalled`. When the call resolves this device's copy is gone, its placeholder stored
   * and its `recalled` emitted (if it held the message; else they follow the server's event,
   * which usually arrives at once). FORBIDDEN once the window has closed (or for a message this
   * account received); BAD_REQUEST for a burn message (use `revoke`); NOT_FOUND for one that is
   * unknown or already recalled.
   */
  async recall(id: string): Promise<void> {
    this.#session.assertLive();
    const identity = await this.#session.requireIdentity();
    await this.#connection.request({ type: 'recall', id }, { timeoutMs: this.#requestTimeoutMs });
    await this.#serial.run(() => this.#sync.recallLocally(id, identity.username));
  }

  /** This device's copy of one message, or null (unknown here, or burned). */
  async message(id: string): Promise<StoredMessage | null> {
    await this.#session.requireIdentity();
    return (await this.#store.getMessage(id)) ?? null;
  }

  /** This device's copy of the conversation with `peer`, oldest first. Burned messages are not listed. */
  async messages(peer: string): Promise<StoredMessage[]> {
    const identity = await this.#session.requireIdentity();
    return this.#store.listMessages(conversationId(identity.username, peer));
  }

  /** Placeholders of the messages that burned in the conversation with `peer`, oldest first. Never content. */
  async burnedMessages(peer: string): Promise<Tombstone[]> {
    const identity = await this.#session.requireIdentity();
    const placeholders = await this.#store.listTombstones(conversationId(identity.username, peer));
    return placeholders.filter((t): t is Tombstone => t.reason !== 'recalled');
  }

  /**
   * Placeholders of the messages recalled (消息撤回) in the conversation with `peer`, oldest recall
   * first: who recalled each and when, and its `from`/`to`/`sentAt` if this device held it. Never
   * content. Kept in the store like burn placeholders, so they outlive a restart.
   */
  async recalledMessages(peer: string): Promise<RecallTombstone[]> {
    const identity = await this.#session.requireIdentity();
    const placeholders = await this.#store.listTombstones(conversationId(identity.username, peer));
    return placeholders.filter((t): t is RecallTombstone => t.reason === 'recalled');
  }

  /** Conversations known to this device, most recent activity first (burns and recalls count as activity). */
  async conversations(): Promise<ConversationSummary[]> {
    const identity = await this.#session.requireIdentity();
    const [messages, tombstones] = await Promise.all([
      this.#store.listMessages(),
      this.#store.listTombstones(),
    ]);
    return conversationList(identity.username, messages, tombstones);
  }
}
