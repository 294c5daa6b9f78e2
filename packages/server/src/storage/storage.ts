import type {
  AttachmentView,
  BurnPolicy,
  BurnReason,
  Event,
  MessageView,
  SendResult,
} from '@cinder/protocol';
import type { Refusal } from '../core/burn-rules.ts';

/** An account as stored. `passwordHash` is an argon2id PHC string. */
export interface UserRecord {
  id: string;
  username: string;
  passwordHash: string;
  createdAt: number;
  /** The display name others see (docs/accounts.md); null or absent when none is set. */
  displayName?: string | null;
}

/** A signed-in device. Only the SHA-256 of its token is stored. */
export interface DeviceRecord {
  id: string;
  userId: string;
  name: string;
  createdAt: number;
  lastSeenAt: number | null;
  /** The device's X25519 public key (base64url), or null for a device signed in without one. */
  publicKey: string | null;
}

/**
 * A user as another user finds it to send to it or to read its keys (`AccountStore.findPeer`):
 * what a send needs of its recipient, in one read.
 */
export interface PeerRecord {
  id: string;
  username: string;
  displayName: string | null;
  /** Whether this user blocked the one who asked (docs/accounts.md). */
  blocksAsker: boolean;
  /** Its key directory: its devices that have a public key, oldest first. */
  keys: DeviceKey[];
}

/** A device in a user's key directory (`PeerRecord.keys`). */
export interface DeviceKey {
  id: string;
  publicKey: string;
  /** When the device was created (ms since the epoch): the directory's order, then the id. */
  createdAt: number;
}

/** A user blocked by another, as `AccountStore.listBlocked` lists them. */
export interface BlockRecord {
  username: string;
  /** When the block was made (ms since the epoch). */
  at: number;
}

/** A device found by its token, with its account: what a connection or request runs as. */
export interface DeviceAuth {
  device: DeviceRecord;
  user: { id: string; username: string };
}

/** A participant of a message, by id (for logs and roles) and username (for views). */
export interface Party {
  id: string;
  username: string;
}

/** A new message as the burn engine hands it to storage. */
export interface NewMessage {
  id: string;
  conversation: string;
  from: Party;
  to: Party;
  sentAt: number;
  /** Present for a burn message: its content is sealed and deleted when it burns. */
  burn?: BurnPolicy;
  size: number;
  /** A sealed burn message: the envelope's JSON (`Envelope`, docs/crypto.md), which the server cannot read. */
  text: string;
  ext: Record<string, unknown> | null;
  /**
   * A sealed burn message: the devices of the recipient its envelope has a key for (only these
   * may open it). Absent for a normal message and for a burn message stored before envelopes.
   */
  sealedFor?: readonly string[];
  /**
   * The message's attachment: `upload`, a complete upload of the sending device, becomes its blob
   * in the insert's transaction (or the insert fails with BAD_REQUEST); `view` is what devices see.
   */
  attachment?: { upload: string; view: AttachmentView };
}

/** What a write changed: users whose logs grew (the server wakes their devices) and what burned. */
export interface Changed {
  wake: readonly string[];
  burned: readonly BurnedRecord[];
}

/** Outcome of `insertMessage`: the stored result, or the first result for a retried key. */
export interface InsertOutcome {
  result: SendResult;
  /** False when the (device, key) pair was already used: nothing was written. */
  created: boolean;
  wake: readonly string[];
  /**
   * Whether the recipient had a push subscription when the message was stored (read in the
   * same transaction), so the server reads the subscriptions only for those who have one;
   * false when nothing was written.
   */
  pushable: boolean;
}

/** What `insertMessage` stores: a message, under the sending device's idempotency key. */
export interface InsertInput {
  deviceId: string;
  key: string;
  message: NewMessage;
  at: number;
}

/** A verb on one message by one user (`userId`), at the server's time `at`. */
export interface ActInput {
  id: string;
  userId: string;
  at: number;
}

/** An open: by one device (`deviceId`) of the user, which must be one a sealed message was sealed for. */
export interface OpenInput extends ActInput {
  deviceId: string;
  /**
   * False when the reader turned read receipts off: a normal message opens without one. When
   * not given, the storage reads the user's setting in the open's own transaction (on
   * PostgreSQL beside the row's read, so it costs no round trip of its own).
   */
  readReceipts?: boolean;
}

/** Outcome of `deleteAccount`: what its burns changed, and the devices it signed out. */
export interface AccountDeletion extends Changed {
  devices: string[];
}

/** A recall by the sender `userId`: refused once `windowMs` has passed since the message was sent. */
export interface RecallInput extends ActInput {
  windowMs: number;
}

/** A read receipt by `reader` (no receipt when `readReceipts` is false). */
export interface ReadInput {
  id: string;
  reader: Party;
  at: number;
  /** The reader's setting (docs/accounts.md); when not given, read in the same transaction. */
  readReceipts?: boolean;
}

/** A verb refused by the burn rules (burn-rules.ts); it may still have changed something (`expire`). */
export interface Refused {
  kind: 'refused';
  refusal: Refusal;
}

/** Outcome of `openMessage`. */
export type OpenOutcome = Changed &
  (
    | {
        kind: 'taken';
        /** The content, read and deleted in the same transaction: for a sealed message, the envelope's JSON. */
        text: string;
        ext: Record<string, unknown>;
        viewSeconds: number;
        /** True when `text` is a sealed message's envelope (the message had `sealedFor`). */
        sealed: boolean;
        /** The sender's username (the recipient binds it when it decrypts). */
        from: string;
      }
    | { kind: 'read'; text: string; ext: Record<string, unknown> }
    | Refused
  );

/** Outcome of `revokeMessage` and `readMessage`. */
export type ActOutcome = Changed & ({ kind: 'done' } | Refused);

/** One burn. */
export interface BurnedRecord {
  messageId: string;
  conversation: string;
  reason: BurnReason;
  /** The message's deadline (ms since the epoch): how late an expiry was is counted from it. */
  expiresAt: number | null;
}

/** An event read back from a user's log, with the device whose action wrote it (if any). */
export interface LoggedEvent {
  event: Event;
  /** The device that sent the message of a `message` event: it never receives that event. */
  originDevice: string | null;
}

/** A page of a user's log. */
export interface EventPage {
  events: LoggedEvent[];
  last: number;
  more: boolean;
}

/** The event log's bounds: events with seq in (floor, head] are all retained. */
export interface LogBounds {
  /** Highest seq ever assigned (0 when none). */
  head: number;
  /** Highest seq pruned (0 when none): a cursor below it cannot resume and gets a resync. */
  floor: number;
}

/** Outcome of `prune`. */
export interface PruneOutcome {
  events: number;
  tombstones: number;
  sendKeys: number;
}

/** Accounts and devices, as the storage keeps them (part of `Storage`). */
export interface AccountStore {
  /** Create a user; throws `CinderError('CONFLICT')` if the username is taken. */
  createUser(user: UserRecord): Promise<void>;
  findUserByUsername(username: string): Promise<UserRecord | null>;
  createDevice(device: DeviceRecord & { tokenHash: string }): Promise<void>;
  /** The device (and account) holding a token hash, or null when unknown or revoked. */
  findDeviceByTokenHash(tokenHash: string): Promise<DeviceAuth | null>;
  listDevices(userId: string): Promise<DeviceRecord[]>;
  /** Delete a device of that user, and its push subscription; false when the user has no such device. */
  deleteDevice(userId: string, deviceId: string): Promise<boolean>;
  /**
   * Replace the user's password hash and sign out every device of the user but `keepDeviceId`
   * (with their push subscriptions), in one transaction: the ids of the devices signed out.
   */
  changePassword(userId: string, passwordHash: string, keepDeviceId: string): Promise<string[]>;
  touchDevice(deviceId: string, at: number): Promise<void>;
  /** `userId` blocks `blockedId` (docs/accounts.md); blocking again changes nothing. */
  block(userId: string, blockedId: string, at: number): Promise<void>;
  /** Lift a block; false when there was none. */
  unblock(userId: string, blockedId: string): Promise<boolean>;
  /** The users `userId` blocked, by username, in the order blocked. */
  listBlocked(userId: string): Promise<BlockRecord[]>;
  /**
   * The account named `username` as user `askerId` looks it up to send to it or to read its keys:
   * the user, whether it blocked `askerId`, and its key directory, in one read (every send asks
   * it of its recipient); null when there is no such user.
   */
  findPeer(username: string, askerId: string): Promise<PeerRecord | null>;
  /** Set the user's display name (already normalised), or remove it (null). */
  setDisplayName(userId: string, displayName: string | null): Promise<void>;
  /** Whether the user sends read receipts (true for an unknown user): every open and read asks. */
  readReceipts(userId: string): Promise<boolean>;
  /** Turn the user's read receipts on or off (docs/accounts.md). */
  setReadReceipts(userId: string, on: boolean): Promise<void>;
  /** Remember how far the device has stored its log (from `ack`). */
  setDeviceCursor(deviceId: string, cursor: number): Promise<void>;
}

/** A chunked upload (docs/media.md): `received` bytes of `size` are stored so far. */
export interface UploadRecord {
  id: string;
  /** The device that made it: the only one that may see, append to or cancel it. */
  deviceId: string;
  size: number;
  received: number;
  createdAt: number;
  /** When it is removed unless attached to a sent message (ms since the epoch). */
  expiresAt: number;
  /** The message it is the blob of (it then never expires), or null while it is not attached. */
  messageId: string | null;
}

/** Outcome of `UploadStore.append`; nothing was stored unless `kind` is `appended`. */
export type AppendOutcome =
  | { kind: 'appended'; upload: UploadRecord }
  /** `offset` was not the bytes stored so far, `received`. */
  | { kind: 'offset'; received: number }
  /** The bytes would pass the upload's `size`. */
  | { kind: 'past-size' }
  | { kind: 'missing' };

/** A live message's blob, as `UploadStore.blob` finds it. */
export interface BlobSource {
  size: number;
  /**
   * Its bytes from `start` to `end` (inclusive), read as they are sent, never whole in memory.
   * Throws `CinderError('NOT_FOUND')` when the bytes are gone (the message burned meanwhile).
   */
  open(start: number, end: number): Promise<ReadableStream<Uint8Array>>;
}

/** Uploads and their bytes, as the storage keeps them (part of `Storage`). */
export interface UploadStore {
  /** Start an upload with nothing received. */
  create(upload: Omit<UploadRecord, 'received' | 'messageId'>): Promise<void>;
  get(id: string): Promise<UploadRecord | null>;
  /**
   * Store `bytes` at `offset`, which must equal the bytes received so far: checked and stored
   * atomically, so two appends at one offset store one of them.
   */
  append(id: string, offset: number, bytes: Uint8Array): Promise<AppendOutcome>;
  /** The bytes received so far, or null for an unknown upload. */
  read(id: string): Promise<Uint8Array | null>;
  /** Remove an upload that is not attached to a message, and its bytes; false when there was none. */
  delete(id: string): Promise<boolean>;
  /**
   * The blob of message `messageId` for user `userId`: null unless the message is live, `userId`
   * is its sender or recipient, and it has an attached upload.
   */
  blob(messageId: string, userId: string): Promise<BlobSource | null>;
  /** Remove every unattached upload whose `expiresAt` is at or before `now`, with its bytes; how many. */
  expire(now: number): Promise<number>;
}

/** The server's VAPID key pair (RFC 8292), base64url as `web-push` makes it. */
export interface VapidKeys {
  /** Uncompressed P-256 public key (65 bytes): the `applicationServerKey` browsers subscribe with. */
  publicKey: string;
  /** The private key (32 bytes): signs every push. */
  privateKey: string;
}

/** A device's Web Push subscription, as stored (docs/push.md). */
export interface PushSubscriptionRecord {
  deviceId: string;
  userId: string;
  /** The push service's URL for the device: a capability, never logged. */
  endpoint: string;
  /** The device's P-256 key and auth secret (base64url) that the payload is encrypted to. */
  p256dh: string;
  auth: string;
  /** Whether a normal message's push carries the start of its text. */
  previews: boolean;
  createdAt: number;
}

/** Web Push keys and subscriptions, as the storage keeps them (part of `Storage`). */
export interface PushStore {
  /**
   * The server's VAPID keys: the kept pair, or, the first time, `generate()`'s, kept from now on.
   * When several nodes start at once, every one gets the pair that was kept first.
   */
  vapidKeys(generate: () => VapidKeys): Promise<VapidKeys>;
  /**
   * Keep the device's subscription, replacing the one it had. `previews` null keeps the device's
   * preference (false for a first subscription). Null when the device is not signed in (then
   * nothing is kept).
   */
  saveSubscription(
    subscription: Omit<PushSubscriptionRecord, 'previews'> & { previews: boolean | null },
  ): Promise<PushSubscriptionRecord | null>;
  /** The device's subscription, or null. */
  subscription(deviceId: string): Promise<PushSubscriptionRecord | null>;
  /** Set the device's preview preference; false when it has no subscription. */
  setPreviews(deviceId: string, previews: boolean): Promise<boolean>;
  /**
   * Remove the device's subscription; with `endpoint`, only while it still has that endpoint (a
   * push service said it is gone, and the device may have subscribed again meanwhile). False
   * when nothing was removed.
   */
  deleteSubscription(deviceId: string, endpoint?: string): Promise<boolean>;
  /** The subscriptions of the user's signed-in devices. */
  listSubscriptions(userId: string): Promise<PushSubscriptionRecord[]>;
}

/**
 * Storage for Cinder, as domain verbs. Every verb that burns a message is one transaction
 * that reads what it must, deletes the content and every queued copy, writes the tombstone
 * and appends the `burned` events: the engine never sees a half-burned message.
 *
 * Implementations must make a user's events visible in seq order (an event with a higher seq
 * is never readable before a lower one of the same user), because devices resume by seq.
 */
export interface Storage {
  /** Open, migrate and recover (for SQLite: checkpoint the WAL so burned bytes are gone). */
  init(): Promise<void>;
  /** Flush and close. The storage is unusable afterwards. */
  close(): Promise<void>;
  /** Cheap liveness check for `/healthz`. */
  ping(): Promise<void>;
  /**
   * Optional: true while another server node shares this database without a bus in common, so
   * neither wakes the other's devices (PostgreSQL's node registry). `/healthz` answers 503.
   */
  clusterConflict?(): boolean;

  /**
   * Optional: the log tails of a node of a cluster, fed by the bus (PostgreSQL with tails; see
   * `LogFeed`). The server hands it to the hub.
   */
  readonly logFeed?: LogFeed;

  /** Accounts and their devices. */
  readonly accounts: AccountStore;
  /** Chunked uploads (media attachments) and their bytes. */
  readonly uploads: UploadStore;
  /** Web Push: the VAPID keys and the devices' subscriptions. */
  readonly push: PushStore;

  /**
   * Store a message and append its `message` event to both users' logs, unless
   * (deviceId, key) was used before: then return that first result and write nothing.
   */
  insertMessage(input: InsertInput): Promise<InsertOutcome>;
  /**
   * The message verbs. Each is one transaction: find the message (and, when there is none, its
   * tombstone), with the lock the engine needs; ask burn-rules.ts what to do (`decideOpen`, …);
   * perform that effect. The decisions are never made here. `take` reads the content, deletes it
   * and its queued events, writes the tombstone and both `burned` events; `receipt` adds it once.
   */
  openMessage(input: OpenInput): Promise<OpenOutcome>;
  revokeMessage(input: ActInput): Promise<ActOutcome>;
  readMessage(input: ReadInput): Promise<ActOutcome>;
  /**
   * Recall a normal message (`decideRecall`): delete it, its blob, its queued copies and receipts,
   * and append `recalled` to both users' logs, in one transaction.
   */
  recallMessage(input: RecallInput): Promise<ActOutcome>;
  /**
   * Delete account `userId` and everything of it, in one transaction: its live burn messages burn
   * as `decideAccountDeletion` says (the other side's logs get `burned`, as for any burn), its
   * other messages go with their blobs, queued copies and receipts, and so do its devices, push
   * subscriptions, uploads, send keys, blocks (both ways), settings, tombstones and its own log.
   * Nothing happens for an unknown user.
   */
  deleteAccount(userId: string, at: number): Promise<AccountDeletion>;
  /** `decideDelivered` for each id; a request for many ids never fails for one of them. */
  markDelivered(input: { ids: readonly string[]; recipient: Party; at: number }): Promise<Changed>;
  /** Up to `limit` burn messages due at `now` (`decideExpiry`), oldest deadline first. */
  expireDue(now: number, limit: number): Promise<Changed>;

  /**
   * Scan up to `limit` entries of a user's log after `after`, in seq order. Message events of
   * burned messages never appear. `last` is the highest seq scanned (`after` when none) and
   * `more` says the scan stopped at `limit`.
   */
  readEvents(userId: string, after: number, limit: number): Promise<EventPage>;
  logBounds(): Promise<LogBounds>;
  /**
   * Live messages of a user's conversations for a resync, in send order, `limit` at a time after
   * the page token `after` (null for the first page). Burn messages are sealed (no text or ext).
   */
  listLiveMessages(
    userId: string,
    after: number | null,
    limit: number,
  ): Promise<{ messages: MessageView[]; next: number | null }>;
  /** Delete events, tombstones and send keys older than `before`, raising the log floor. */
  prune(before: number): Promise<PruneOutcome>;
}

/**
 * What one commit appended to one user's log, as the nodes of a cluster carry it to each other:
 * `head` is the seq of the user's last event before these (null: none), read under the user's
 * log lock, so a node's tail takes them only if it ends there (postgres/log-mirror.ts).
 */
export interface Appended {
  head: number | null;
  events: LoggedEvent[];
}

/**
 * Log tails that other nodes' appends reach through the bus (the hub carries them with the
 * wake-ups). A tail exists only for a user the hub hears, so that no append can pass it unseen.
 */
export interface LogFeed {
  /**
   * Hear what this node's commits append: per user, the appended events, or null when they
   * cannot be carried (a normal message, whose content the bus never carries; a transaction
   * that failed, which may or may not have committed).
   */
  onAppend(listener: (userId: string, appended: Appended | null) => void): void;
  /** Keep tails only for users `hears` says this node hears on the bus. */
  hearsOnly(hears: (userId: string) => boolean): void;
  /** Another node appended these to the user's log. */
  remote(userId: string, appended: Appended): void;
  /** The user's log changed in a way this node cannot follow (a bare wake-up, no longer heard). */
  lost(userId: string): void;
  /** The bus lost messages (it reconnected): every tail starts over. */
  reset(): void;
}

/** The logging a storage may do (a subset of pino's Logger). Never pass content. */
export interface StorageLogger {
  debug(fields: Record<string, unknown>, msg: string): void;
  warn(fields: Record<string, unknown>, msg: string): void;
}
