import type { MessageView } from '@cinder/protocol';
import type {
  AccountDeletion,
  AccountStore,
  ActInput,
  ActOutcome,
  AppendOutcome,
  BlobSource,
  BlockRecord,
  Changed,
  DeviceAuth,
  DeviceRecord,
  EventPage,
  InsertInput,
  InsertOutcome,
  LogBounds,
  OpenInput,
  OpenOutcome,
  Party,
  PeerRecord,
  PruneOutcome,
  PushStore,
  PushSubscriptionRecord,
  ReadInput,
  RecallInput,
  Storage,
  UploadRecord,
  UploadStore,
  UserRecord,
  VapidKeys,
} from '../storage/storage.ts';
import type { Metrics } from './metrics.ts';

/**
 * Times one call into `cinder_storage_duration_seconds` under `verb`: `started` is read before the
 * call (arguments are evaluated in order). The caller gets the storage's own promise: the timing
 * hangs off it, so it adds no step to the caller's chain and never turns a rejection unhandled.
 */
function timed<T>(metrics: Metrics, verb: string, started: number, pending: Promise<T>): Promise<T> {
  const done = () => metrics.storage(verb, (performance.now() - started) / 1000);
  pending.then(done, done);
  return pending;
}

/**
 * A storage whose verbs are timed into `cinder_storage_duration_seconds` by verb. It only
 * measures: every call goes to `inner` as it is. Written out verb by verb, so a verb added to
 * `Storage` does not compile until it is timed here.
 */
export class TimedStorage implements Storage {
  readonly accounts: AccountStore;
  readonly uploads: UploadStore;
  readonly push: PushStore;
  readonly #inner: Storage;
  readonly #metrics: Metrics;

  constructor(inner: Storage, metrics: Metrics) {
    this.#inner = inner;
    this.#metrics = metrics;
    this.accounts = new TimedAccounts(inner.accounts, metrics);
    this.uploads = new TimedUploads(inner.uploads, metrics);
    this.push = new TimedPush(inner.push, metrics);
  }

  init(): Promise<void> {
    return this.#inner.init();
  }

  close(): Promise<void> {
    return this.#inner.close();
  }

  ping(): Promise<void> {
    return timed(this.#metrics, 'ping', performance.now(), this.#inner.ping());
  }

  clusterConflict(): boolean {
    return this.#inner.clusterConflict?.() ?? false;
  }

  insertMessage(input: InsertInput): Promise<InsertOutcome> {
    return timed(this.#metrics, 'insertMessage', performance.now(), this.#inner.insertMessage(input));
  }

  openMessage(input: OpenInput): Promise<OpenOutcome> {
    return timed(this.#metrics, 'openMessage', performance.now(), this.#inner.openMessage(input));
  }

  revokeMessage(input: ActInput): Promise<ActOutcome> {
    return timed(this.#metrics, 'revokeMessage', performance.now(), this.#inner.revokeMessage(input));
  }

  readMessage(input: ReadInput): Promise<ActOutcome> {
    return timed(this.#metrics, 'readMessage', performance.now(), this.#inner.readMessage(input));
  }

  deleteAccount(userId: string, at: number): Promise<AccountDeletion> {
    return timed(this.#metrics, 'deleteAccount', performance.now(), this.#inner.deleteAccount(userId, at));
  }

  recallMessage(input: RecallInput): Promise<ActOutcome> {
    return timed(this.#metrics, 'recallMessage', performance.now(), this.#inner.recallMessage(input));
  }

  markDelivered(input: { ids: readonly string[]; recipient: Party; at: number }): Promise<Changed> {
    return timed(this.#metrics, 'markDelivered', performance.now(), this.#inner.markDelivered(input));
  }

  expireDue(now: number, limit: number): Promise<Changed> {
    return timed(this.#metrics, 'expireDue', performance.now(), this.#inner.expireDue(now, limit));
  }

  readEvents(userId: string, after: number, limit: number): Promise<EventPage> {
    return timed(
      this.#metrics,
      'readEvents',
      performance.now(),
      this.#inner.readEvents(userId, after, limit),
    );
  }

  logBounds(): Promise<LogBounds> {
    return timed(this.#metrics, 'logBounds', performance.now(), this.#inner.logBounds());
  }

  listLiveMessages(
    userId: string,
    after: number | null,
    limit: number,
  ): Promise<{ messages: MessageView[]; next: number | null }> {
    return timed(
      this.#metrics,
      'listLiveMessages',
      performance.now(),
      this.#inner.listLiveMessages(userId, after, limit),
    );
  }

  prune(before: number): Promise<PruneOutcome> {
    return timed(this.#metrics, 'prune', performance.now(), this.#inner.prune(before));
  }
}

/** The account verbs of a {@link TimedStorage}. */
class TimedAccounts implements AccountStore {
  readonly #inner: AccountStore;
  readonly #metrics: Metrics;

  constructor(inner: AccountStore, metrics: Metrics) {
    this.#inner = inner;
    this.#metrics = metrics;
  }

  createUser(user: UserRecord): Promise<void> {
    return timed(this.#metrics, 'createUser', performance.now(), this.#inner.createUser(user));
  }

  findUserByUsername(username: string): Promise<UserRecord | null> {
    return timed(
      this.#metrics,
      'findUserByUsername',
      performance.now(),
      this.#inner.findUserByUsername(username),
    );
  }

  createDevice(device: DeviceRecord & { tokenHash: string }): Promise<void> {
    return timed(this.#metrics, 'createDevice', performance.now(), this.#inner.createDevice(device));
  }

  findDeviceByTokenHash(tokenHash: string): Promise<DeviceAuth | null> {
    return timed(
      this.#metrics,
      'findDeviceByTokenHash',
      performance.now(),
      this.#inner.findDeviceByTokenHash(tokenHash),
    );
  }

  listDevices(userId: string): Promise<DeviceRecord[]> {
    return timed(this.#metrics, 'listDevices', performance.now(), this.#inner.listDevices(userId));
  }

  deleteDevice(userId: string, deviceId: string): Promise<boolean> {
    return timed(
      this.#metrics,
      'deleteDevice',
      performance.now(),
      this.#inner.deleteDevice(userId, deviceId),
    );
  }

  changePassword(userId: string, passwordHash: string, keepDeviceId: string): Promise<string[]> {
    return timed(
      this.#metrics,
      'changePassword',
      performance.now(),
      this.#inner.changePassword(userId, passwordHash, keepDeviceId),
    );
  }

  block(userId: string, blockedId: string, at: number): Promise<void> {
    return timed(this.#metrics, 'block', performance.now(), this.#inner.block(userId, blockedId, at));
  }

  unblock(userId: string, blockedId: string): Promise<boolean> {
    return timed(this.#metrics, 'unblock', performance.now(), this.#inner.unblock(userId, blockedId));
  }

  listBlocked(userId: string): Promise<BlockRecord[]> {
    return timed(this.#metrics, 'listBlocked', performance.now(), this.#inner.listBlocked(userId));
  }

  findPeer(username: string, askerId: string): Promise<PeerRecord | null> {
    return timed(this.#metrics, 'findPeer', performance.now(), this.#inner.findPeer(username, askerId));
  }

  setDisplayName(userId: string, displayName: string | null): Promise<void> {
    return timed(
      this.#metrics,
      'setDisplayName',
      performance.now(),
      this.#inner.setDisplayName(userId, displayName),
    );
  }

  readReceipts(userId: string): Promise<boolean> {
    return timed(this.#metrics, 'readReceipts', performance.now(), this.#inner.readReceipts(userId));
  }

  setReadReceipts(userId: string, on: boolean): Promise<void> {
    return timed(
      this.#metrics,
      'setReadReceipts',
      performance.now(),
      this.#inner.setReadReceipts(userId, on),
    );
  }

  touchDevice(deviceId: string, at: number): Promise<void> {
    return timed(this.#metrics, 'touchDevice', performance.now(), this.#inner.touchDevice(deviceId, at));
  }

  setDeviceCursor(deviceId: string, cursor: number): Promise<void> {
    return timed(
      this.#metrics,
      'setDeviceCursor',
      performance.now(),
      this.#inner.setDeviceCursor(deviceId, cursor),
    );
  }
}

/** The upload verbs of a {@link TimedStorage}. */
class TimedUploads implements UploadStore {
  readonly #inner: UploadStore;
  readonly #metrics: Metrics;

  constructor(inner: UploadStore, metrics: Metrics) {
    this.#inner = inner;
    this.#metrics = metrics;
  }

  create(upload: Omit<UploadRecord, 'received' | 'messageId'>): Promise<void> {
    return timed(this.#metrics, 'createUpload', performance.now(), this.#inner.create(upload));
  }

  get(id: string): Promise<UploadRecord | null> {
    return timed(this.#metrics, 'getUpload', performance.now(), this.#inner.get(id));
  }

  append(id: string, offset: number, bytes: Uint8Array): Promise<AppendOutcome> {
    return timed(this.#metrics, 'appendUpload', performance.now(), this.#inner.append(id, offset, bytes));
  }

  read(id: string): Promise<Uint8Array | null> {
    return timed(this.#metrics, 'readUpload', performance.now(), this.#inner.read(id));
  }

  delete(id: string): Promise<boolean> {
    return timed(this.#metrics, 'deleteUpload', performance.now(), this.#inner.delete(id));
  }

  expire(now: number): Promise<number> {
    return timed(this.#metrics, 'expireUploads', performance.now(), this.#inner.expire(now));
  }

  blob(messageId: string, userId: string): Promise<BlobSource | null> {
    return timed(this.#metrics, 'findBlob', performance.now(), this.#inner.blob(messageId, userId));
  }
}

/** The Web Push verbs of a {@link TimedStorage}. */
class TimedPush implements PushStore {
  readonly #inner: PushStore;
  readonly #metrics: Metrics;

  constructor(inner: PushStore, metrics: Metrics) {
    this.#inner = inner;
    this.#metrics = metrics;
  }

  vapidKeys(generate: () => VapidKeys): Promise<VapidKeys> {
    return timed(this.#metrics, 'vapidKeys', performance.now(), this.#inner.vapidKeys(generate));
  }

  saveSubscription(
    subscription: Omit<PushSubscriptionRecord, 'previews'> & { previews: boolean | null },
  ): Promise<PushSubscriptionRecord | null> {
    return timed(
      this.#metrics,
      'savePushSubscription',
      performance.now(),
      this.#inner.saveSubscription(subscription),
    );
  }

  subscription(deviceId: string): Promise<PushSubscriptionRecord | null> {
    return timed(this.#metrics, 'pushSubscription', performance.now(), this.#inner.subscription(deviceId));
  }

  setPreviews(deviceId: string, previews: boolean): Promise<boolean> {
    return timed(
      this.#metrics,
      'setPushPreviews',
      performance.now(),
      this.#inner.setPreviews(deviceId, previews),
    );
  }

  deleteSubscription(deviceId: string, endpoint?: string): Promise<boolean> {
    return timed(
      this.#metrics,
      'deletePushSubscription',
      performance.now(),
      this.#inner.deleteSubscription(deviceId, endpoint),
    );
  }

  listSubscriptions(userId: string): Promise<PushSubscriptionRecord[]> {
    return timed(
      this.#metrics,
      'listPushSubscriptions',
      performance.now(),
      this.#inner.listSubscriptions(userId),
    );
  }
}
