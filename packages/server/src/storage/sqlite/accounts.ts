import { CinderError } from '@cinder/protocol';
import type { CursorWriter } from '../cursor-writer.ts';
import type {
  AccountStore,
  BlockRecord,
  DeviceAuth,
  DeviceKey,
  DeviceRecord,
  PeerRecord,
  UserRecord,
} from '../storage.ts';
import type { DeviceRow, Statements } from './statements.ts';

/** Accounts kept in the username cache; the oldest is dropped beyond this. */
const CACHED_USERS = 100_000;

/** What the accounts need of the SQLite storage they belong to (each throws once it is closed). */
export interface SqliteAccountsDeps {
  statements(): Statements;
  /** Queue a write in the storage's group commit (write-queue.ts). */
  write<T>(run: () => T): Promise<T>;
  cursors(): CursorWriter;
}

/** Accounts and devices on SQLite. */
export class SqliteAccounts implements AccountStore {
  readonly #deps: SqliteAccountsDeps;
  /** Accounts found by username (never negative answers: the name may be registered later). */
  readonly #users = new Map<string, UserRecord>();
  /**
   * The key directory by user id: every burn send reads its recipient's. This process is the only
   * writer of the data dir, and each device write drops its user's entry inside its transaction
   * (reads are synchronous, so none can slip between the write and the drop).
   */
  readonly #deviceKeys = new Map<string, DeviceKey[]>();

  constructor(deps: SqliteAccountsDeps) {
    this.#deps = deps;
  }

  async createUser(user: UserRecord): Promise<void> {
    return this.#deps.write(() => {
      try {
        this.#deps.statements().insertUser.run(user.id, user.username, user.passwordHash, user.createdAt);
      } catch (error) {
        if ((error as { code?: unknown }).code === 'SQLITE_CONSTRAINT_UNIQUE') {
          throw new CinderError('CONFLICT', 'This username is taken');
        }
        throw error;
      }
    });
  }

  async findUserByUsername(username: string): Promise<UserRecord | null> {
    const cached = this.#users.get(username);
    if (cached) return { ...cached };
    const row = this.#deps.statements().userByName.get(username);
    if (!row) return null;
    const user = {
      id: row.id,
      username: row.username,
      passwordHash: row.password_hash,
      createdAt: row.created_at,
      displayName: row.display_name,
    };
    // Accounts are never renamed, so a found one stays true until a write of this process drops
    // it (a password change): every send looks its recipient up by name, and this keeps that
    // off the database.
    if (this.#users.size >= CACHED_USERS) {
      const oldest = this.#users.keys().next();
      if (!oldest.done) this.#users.delete(oldest.value);
    }
    this.#users.set(username, user);
    return { ...user };
  }

  async createDevice(device: DeviceRecord & { tokenHash: string }): Promise<void> {
    await this.#deps.write(() => {
      this.#deviceKeys.delete(device.userId);
      this.#deps
        .statements()
        .insertDevice.run(
          device.id,
          device.userId,
          device.name,
          device.tokenHash,
          device.createdAt,
          device.publicKey,
        );
    });
  }

  /** The user's key directory (`PeerRecord.keys`), cached until one of their devices is added or goes. */
  #keysOf(userId: string): DeviceKey[] {
    let keys = this.#deviceKeys.get(userId);
    if (!keys) {
      keys = this.#deps
        .statements()
        .deviceKeysOfUser.all(userId)
        .map((row) => ({ id: row.id, publicKey: row.public_key, createdAt: row.created_at }));
      if (this.#deviceKeys.size >= CACHED_USERS) this.#deviceKeys.clear();
      this.#deviceKeys.set(userId, keys);
    }
    return keys.map((k) => ({ ...k }));
  }

  async findDeviceByTokenHash(tokenHash: string): Promise<DeviceAuth | null> {
    const row = this.#deps.statements().deviceByToken.get(tokenHash);
    return row ? { device: deviceOf(row), user: { id: row.user_id, username: row.username } } : null;
  }

  async listDevices(userId: string): Promise<DeviceRecord[]> {
    return this.#deps.statements().devicesOfUser.all(userId).map(deviceOf);
  }

  async deleteDevice(userId: string, deviceId: string): Promise<boolean> {
    return this.#deps.write(() => {
      this.#deviceKeys.delete(userId);
      const s = this.#deps.statements();
      if (s.deleteDevice.run(deviceId, userId).changes === 0) return false;
      s.deletePushOfDevice.run(deviceId);
      return true;
    });
  }

  async changePassword(userId: string, passwordHash: string, keepDeviceId: string): Promise<string[]> {
    return this.#deps.write(() => {
      this.#deviceKeys.delete(userId);
      for (const [name, user] of this.#users) if (user.id === userId) this.#users.delete(name);
      const s = this.#deps.statements();
      if (s.setPasswordHash.run(passwordHash, userId).changes === 0) return [];
      const others = s.otherDevicesOfUser.all(userId, keepDeviceId).map((row) => row.id);
      for (const id of others) {
        s.deleteDevice.run(id, userId);
        s.deletePushOfDevice.run(id);
      }
      return others;
    });
  }

  async block(userId: string, blockedId: string, at: number): Promise<void> {
    await this.#deps.write(() => this.#deps.statements().insertBlock.run(userId, blockedId, at));
  }

  async unblock(userId: string, blockedId: string): Promise<boolean> {
    return this.#deps.write(() => this.#deps.statements().deleteBlock.run(userId, blockedId).changes > 0);
  }

  async listBlocked(userId: string): Promise<BlockRecord[]> {
    return this.#deps
      .statements()
      .blockedBy.all(userId)
      .map((row) => ({ username: row.username, at: row.created_at }));
  }

  async findPeer(username: string, askerId: string): Promise<PeerRecord | null> {
    const user = await this.findUserByUsername(username);
    if (!user) return null;
    return {
      id: user.id,
      username: user.username,
      displayName: user.displayName ?? null,
      blocksAsker: this.#deps.statements().isBlocked.get(user.id, askerId) !== undefined,
      keys: this.#keysOf(user.id),
    };
  }

  async setDisplayName(userId: string, displayName: string | null): Promise<void> {
    await this.#deps.write(() => {
      this.forget(userId);
      this.#deps.statements().setDisplayName.run(displayName, userId);
    });
  }

  async readReceipts(userId: string): Promise<boolean> {
    return this.sendsReadReceipts(userId);
  }

  /** `readReceipts`, synchronously: an open or a read takes it inside its own write. */
  sendsReadReceipts(userId: string): boolean {
    return this.#deps.statements().readReceiptsOf.get(userId)?.read_receipts !== 0;
  }

  async setReadReceipts(userId: string, on: boolean): Promise<void> {
    await this.#deps.write(() => this.#deps.statements().setReadReceipts.run(on ? 1 : 0, userId));
  }

  /** Drop what the caches hold of an account that changed or was deleted. Called inside its transaction. */
  forget(userId: string): void {
    this.#deviceKeys.delete(userId);
    for (const [name, user] of this.#users) if (user.id === userId) this.#users.delete(name);
  }

  async touchDevice(deviceId: string, at: number): Promise<void> {
    await this.#deps.write(() => this.#deps.statements().touchDevice.run(at, deviceId));
  }

  /** Written behind, in chunks (cursor-writer.ts): nothing on the hot path reads it back. */
  async setDeviceCursor(deviceId: string, cursor: number): Promise<void> {
    this.#deps.cursors().set(deviceId, cursor);
  }
}

function deviceOf(row: DeviceRow): DeviceRecord {
  return {
    id: row.id,
    userId: row.user_id,
    name: row.name,
    createdAt: row.created_at,
    lastSeenAt: row.last_seen_at,
    publicKey: row.public_key,
  };
}
