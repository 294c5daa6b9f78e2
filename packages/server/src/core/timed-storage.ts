import type { MessageView } from '@cinder/protocol';
import type {
  AccountStore,
  ActInput,
  ActOutcome,
  Changed,
  DeviceAuth,
  DeviceRecord,
  EventPage,
  InsertInput,
  InsertOutcome,
  LogBounds,
  OpenOutcome,
  Party,
  PruneOutcome,
  Storage,
  UserRecord,
} from '../storage/storage.ts';
import type { Metrics } from './metrics.ts';

/** Times one call: `verb` names it in `cinder_storage_duration_seconds`. */
function timed<T>(metrics: Metrics, verb: string, call: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const done = () => metrics.storage(verb, (performance.now() - started) / 1000);
  let pending: Promise<T>;
  try {
    pending = call();
  } catch (error) {
    done();
    throw error;
  }
  return pending.then(
    (value) => {
      done();
      return value;
    },
    (error: unknown) => {
      done();
      throw error;
    },
  );
}

/**
 * A storage whose verbs are timed into `cinder_storage_duration_seconds` by verb. It only
 * measures: every call goes to `inner` as it is. Written out verb by verb, so a verb added to
 * `Storage` does not compile until it is timed here.
 */
export class TimedStorage implements Storage {
  readonly accounts: AccountStore;
  readonly #inner: Storage;
  readonly #metrics: Metrics;

  constructor(inner: Storage, metrics: Metrics) {
    this.#inner = inner;
    this.#metrics = metrics;
    this.accounts = new TimedAccounts(inner.accounts, metrics);
  }

  init(): Promise<void> {
    return this.#inner.init();
  }

  close(): Promise<void> {
    return this.#inner.close();
  }

  ping(): Promise<void> {
    return timed(this.#metrics, 'ping', () => this.#inner.ping());
  }

  clusterConflict(): boolean {
    return this.#inner.clusterConflict?.() ?? false;
  }

  insertMessage(input: InsertInput): Promise<InsertOutcome> {
    return timed(this.#metrics, 'insertMessage', () => this.#inner.insertMessage(input));
  }

  openMessage(input: ActInput): Promise<OpenOutcome> {
    return timed(this.#metrics, 'openMessage', () => this.#inner.openMessage(input));
  }

  revokeMessage(input: ActInput): Promise<ActOutcome> {
    return timed(this.#metrics, 'revokeMessage', () => this.#inner.revokeMessage(input));
  }

  readMessage(input: { id: string; reader: Party; at: number }): Promise<ActOutcome> {
    return timed(this.#metrics, 'readMessage', () => this.#inner.readMessage(input));
  }

  markDelivered(input: { ids: readonly string[]; recipient: Party; at: number }): Promise<Changed> {
    return timed(this.#metrics, 'markDelivered', () => this.#inner.markDelivered(input));
  }

  expireDue(now: number, limit: number): Promise<Changed> {
    return timed(this.#metrics, 'expireDue', () => this.#inner.expireDue(now, limit));
  }

  readEvents(userId: string, after: number, limit: number): Promise<EventPage> {
    return timed(this.#metrics, 'readEvents', () => this.#inner.readEvents(userId, after, limit));
  }

  logBounds(): Promise<LogBounds> {
    return timed(this.#metrics, 'logBounds', () => this.#inner.logBounds());
  }

  listLiveMessages(
    userId: string,
    after: number | null,
    limit: number,
  ): Promise<{ messages: MessageView[]; next: number | null }> {
    return timed(this.#metrics, 'listLiveMessages', () => this.#inner.listLiveMessages(userId, after, limit));
  }

  prune(before: number): Promise<PruneOutcome> {
    return timed(this.#metrics, 'prune', () => this.#inner.prune(before));
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
    return timed(this.#metrics, 'createUser', () => this.#inner.createUser(user));
  }

  findUserByUsername(username: string): Promise<UserRecord | null> {
    return timed(this.#metrics, 'findUserByUsername', () => this.#inner.findUserByUsername(username));
  }

  createDevice(device: DeviceRecord & { tokenHash: string }): Promise<void> {
    return timed(this.#metrics, 'createDevice', () => this.#inner.createDevice(device));
  }

  findDeviceByTokenHash(tokenHash: string): Promise<DeviceAuth | null> {
    return timed(this.#metrics, 'findDeviceByTokenHash', () => this.#inner.findDeviceByTokenHash(tokenHash));
  }

  listDevices(userId: string): Promise<DeviceRecord[]> {
    return timed(this.#metrics, 'listDevices', () => this.#inner.listDevices(userId));
  }

  deleteDevice(userId: string, deviceId: string): Promise<boolean> {
    return timed(this.#metrics, 'deleteDevice', () => this.#inner.deleteDevice(userId, deviceId));
  }

  touchDevice(deviceId: string, at: number): Promise<void> {
    return timed(this.#metrics, 'touchDevice', () => this.#inner.touchDevice(deviceId, at));
  }

  setDeviceCursor(deviceId: string, cursor: number): Promise<void> {
    return timed(this.#metrics, 'setDeviceCursor', () => this.#inner.setDeviceCursor(deviceId, cursor));
  }
}
