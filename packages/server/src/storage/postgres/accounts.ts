import { CinderError } from '@cinder/protocol';
import { int } from '../rows.ts';
import type { AccountStore, DeviceAuth, DeviceRecord, UserRecord } from '../storage.ts';
import type { PostgresQueryable } from './postgres-pool.ts';

/** Accounts and devices on PostgreSQL. */
export class PostgresAccounts implements AccountStore {
  readonly #pool: () => PostgresQueryable;
  readonly #schema: string;

  /** `pool` throws once the storage is closed; `schema` is quoted already. */
  constructor(pool: () => PostgresQueryable, schema: string) {
    this.#pool = pool;
    this.#schema = schema;
  }

  async createUser(user: UserRecord): Promise<void> {
    try {
      await this.#pool().query(
        `INSERT INTO ${this.#schema}.users (id, username, password_hash, created_at) VALUES ($1, $2, $3, $4)`,
        [user.id, user.username, user.passwordHash, user.createdAt],
      );
    } catch (error) {
      if ((error as { code?: unknown }).code === '23505') {
        throw new CinderError('CONFLICT', 'This username is taken');
      }
      throw error;
    }
  }

  async findUserByUsername(username: string): Promise<UserRecord | null> {
    const { rows } = await this.#pool().query<{
      id: string;
      username: string;
      password_hash: string;
      created_at: string;
    }>(`SELECT id, username, password_hash, created_at FROM ${this.#schema}.users WHERE username = $1`, [
      username,
    ]);
    const row = rows[0];
    return row
      ? {
          id: row.id,
          username: row.username,
          passwordHash: row.password_hash,
          createdAt: int(row.created_at),
        }
      : null;
  }

  async createDevice(device: DeviceRecord & { tokenHash: string }): Promise<void> {
    await this.#pool().query(
      `INSERT INTO ${this.#schema}.devices (id, user_id, name, token_hash, created_at, last_seen_at, public_key)
       VALUES ($1, $2, $3, $4, $5, NULL, $6)`,
      [device.id, device.userId, device.name, device.tokenHash, device.createdAt, device.publicKey],
    );
  }

  async listDeviceKeys(userId: string): Promise<Array<{ id: string; publicKey: string; createdAt: number }>> {
    const { rows } = await this.#pool().query<{ id: string; public_key: string; created_at: string }>(
      `SELECT id, public_key, created_at FROM ${this.#schema}.devices
       WHERE user_id = $1 AND public_key IS NOT NULL ORDER BY created_at, id`,
      [userId],
    );
    return rows.map((row) => ({ id: row.id, publicKey: row.public_key, createdAt: int(row.created_at) }));
  }

  async findDeviceByTokenHash(tokenHash: string): Promise<DeviceAuth | null> {
    const { rows } = await this.#pool().query<DeviceRow & { username: string }>(
      `SELECT d.id, d.user_id, d.name, d.created_at, d.last_seen_at, d.public_key, u.username
       FROM ${this.#schema}.devices d JOIN ${this.#schema}.users u ON u.id = d.user_id WHERE d.token_hash = $1`,
      [tokenHash],
    );
    const row = rows[0];
    return row ? { device: deviceOf(row), user: { id: row.user_id, username: row.username } } : null;
  }

  async listDevices(userId: string): Promise<DeviceRecord[]> {
    const { rows } = await this.#pool().query<DeviceRow>(
      `SELECT id, user_id, name, created_at, last_seen_at, public_key FROM ${this.#schema}.devices
       WHERE user_id = $1 ORDER BY created_at, id`,
      [userId],
    );
    return rows.map(deviceOf);
  }

  async deleteDevice(userId: string, deviceId: string): Promise<boolean> {
    const { rowCount } = await this.#pool().query(
      `DELETE FROM ${this.#schema}.devices WHERE id = $1 AND user_id = $2`,
      [deviceId, userId],
    );
    return (rowCount ?? 0) > 0;
  }

  async touchDevice(deviceId: string, at: number): Promise<void> {
    await this.#pool().query(`UPDATE ${this.#schema}.devices SET last_seen_at = $1 WHERE id = $2`, [
      at,
      deviceId,
    ]);
  }

  async setDeviceCursor(deviceId: string, cursor: number): Promise<void> {
    await this.#pool().query(
      `UPDATE ${this.#schema}.devices SET cursor = greatest(coalesce(cursor, 0), $1) WHERE id = $2`,
      [cursor, deviceId],
    );
  }
}

interface DeviceRow {
  id: string;
  user_id: string;
  name: string;
  created_at: string;
  last_seen_at: string | null;
  public_key: string | null;
}

function deviceOf(row: DeviceRow): DeviceRecord {
  return {
    id: row.id,
    userId: row.user_id,
    name: row.name,
    createdAt: int(row.created_at),
    lastSeenAt: row.last_seen_at === null ? null : int(row.last_seen_at),
    publicKey: row.public_key,
  };
}
