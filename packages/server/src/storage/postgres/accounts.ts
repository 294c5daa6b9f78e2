import { CinderError } from '@cinder/protocol';
import { safeError } from '../../safe-error.ts';
import { CursorWriter } from '../cursor-writer.ts';
import { compareText, int } from '../rows.ts';
import type {
  AccountStore,
  BlockRecord,
  DeviceAuth,
  DeviceKey,
  DeviceRecord,
  PeerRecord,
  StorageLogger,
  UserRecord,
} from '../storage.ts';
import { Batcher } from './batcher.ts';
import type { PostgresQueryable } from './postgres-pool.ts';

/** Lookups of one kind running at once; those asked meanwhile share the next statement. */
const BATCHES = 2;
const MAX_BATCH = 256;

/**
 * Accounts and devices on PostgreSQL. The lookup every send makes (`findPeer`: the recipient,
 * whether it blocked the sender, its key directory) is one statement, batched: those asked in one
 * turn share it. Acked cursors are written behind, once a second, as on SQLite (cursor-writer.ts):
 * nothing on the hot path reads them.
 */
export class PostgresAccounts implements AccountStore {
  readonly #pool: () => PostgresQueryable;
  readonly #schema: string;
  readonly #users: Batcher<string, UserRecord | null>;
  readonly #peers: Batcher<readonly [string, string], PeerRecord | null>;
  readonly #cursors: CursorWriter;
  /** Cursor writes under way, awaited by `flush`. */
  readonly #writing = new Set<Promise<void>>();

  /** `pool` throws once the storage is closed; `schema` is quoted already. */
  constructor(pool: () => PostgresQueryable, schema: string, logger?: StorageLogger) {
    this.#pool = pool;
    this.#schema = schema;
    this.#users = new Batcher({
      run: (usernames) => this.#findUsers(usernames),
      concurrency: BATCHES,
      maxItems: MAX_BATCH,
    });
    this.#peers = new Batcher({
      run: (asks) => this.#findPeers(asks),
      concurrency: BATCHES,
      maxItems: MAX_BATCH,
    });
    this.#cursors = new CursorWriter((chunk) => {
      const write = this.#moveCursors(chunk)
        .catch((error: unknown) => logger?.warn({ err: safeError(error) }, 'cursor write failed'))
        .finally(() => this.#writing.delete(write));
      this.#writing.add(write);
    });
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

  findUserByUsername(username: string): Promise<UserRecord | null> {
    return this.#users.submit(username);
  }

  async #findUsers(usernames: readonly string[]): Promise<Array<UserRecord | null>> {
    const { rows } = await this.#pool().query<{
      id: string;
      username: string;
      password_hash: string;
      created_at: string;
      display_name: string | null;
    }>(
      `SELECT id, username, password_hash, created_at, display_name FROM ${this.#schema}.users
       WHERE username = ANY($1::text[])`,
      [[...new Set(usernames)]],
    );
    const byName = new Map(
      rows.map((row) => [
        row.username,
        {
          id: row.id,
          username: row.username,
          passwordHash: row.password_hash,
          createdAt: int(row.created_at),
          displayName: row.display_name,
        },
      ]),
    );
    return usernames.map((username) => byName.get(username) ?? null);
  }

  async createDevice(device: DeviceRecord & { tokenHash: string }): Promise<void> {
    await this.#pool().query(
      `INSERT INTO ${this.#schema}.devices (id, user_id, name, token_hash, created_at, last_seen_at, public_key)
       VALUES ($1, $2, $3, $4, $5, NULL, $6)`,
      [device.id, device.userId, device.name, device.tokenHash, device.createdAt, device.publicKey],
    );
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
    // One statement: the device and its push subscription go together.
    const { rows } = await this.#pool().query<{ n: string }>(
      `WITH gone AS (DELETE FROM ${this.#schema}.devices WHERE id = $1 AND user_id = $2 RETURNING id),
        push AS (DELETE FROM ${this.#schema}.push_subscriptions WHERE device_id IN (SELECT id FROM gone))
      SELECT count(*) AS n FROM gone`,
      [deviceId, userId],
    );
    return Number(rows[0]?.n ?? 0) > 0;
  }

  async changePassword(userId: string, passwordHash: string, keepDeviceId: string): Promise<string[]> {
    // One statement: the new hash, the other devices and their push subscriptions go together.
    const { rows } = await this.#pool().query<{ id: string }>(
      `WITH pw AS (UPDATE ${this.#schema}.users SET password_hash = $2 WHERE id = $1 RETURNING id),
        gone AS (DELETE FROM ${this.#schema}.devices
          WHERE user_id IN (SELECT id FROM pw) AND id <> $3 RETURNING id),
        push AS (DELETE FROM ${this.#schema}.push_subscriptions WHERE device_id IN (SELECT id FROM gone))
      SELECT id FROM gone ORDER BY id`,
      [userId, passwordHash, keepDeviceId],
    );
    return rows.map((row) => row.id);
  }

  async block(userId: string, blockedId: string, at: number): Promise<void> {
    await this.#pool().query(
      `INSERT INTO ${this.#schema}.blocks (user_id, blocked_id, created_at) VALUES ($1, $2, $3)
       ON CONFLICT (user_id, blocked_id) DO NOTHING`,
      [userId, blockedId, at],
    );
  }

  async unblock(userId: string, blockedId: string): Promise<boolean> {
    const { rowCount } = await this.#pool().query(
      `DELETE FROM ${this.#schema}.blocks WHERE user_id = $1 AND blocked_id = $2`,
      [userId, blockedId],
    );
    return (rowCount ?? 0) > 0;
  }

  async listBlocked(userId: string): Promise<BlockRecord[]> {
    const { rows } = await this.#pool().query<{ username: string; created_at: string }>(
      `SELECT u.username, b.created_at FROM ${this.#schema}.blocks b
       JOIN ${this.#schema}.users u ON u.id = b.blocked_id
       WHERE b.user_id = $1 ORDER BY b.created_at, u.username`,
      [userId],
    );
    return rows.map((row) => ({ username: row.username, at: int(row.created_at) }));
  }

  findPeer(username: string, askerId: string): Promise<PeerRecord | null> {
    return this.#peers.submit([username, askerId]);
  }

  /** One row per ask that found its user: the block and the key directory come along. */
  async #findPeers(asks: ReadonlyArray<readonly [string, string]>): Promise<Array<PeerRecord | null>> {
    const s = this.#schema;
    const { rows } = await this.#pool().query<{
      i: string;
      id: string;
      username: string;
      display_name: string | null;
      blocks_asker: boolean;
      keys: DeviceKey[] | null;
    }>(
      `SELECT a.i, u.id, u.username, u.display_name,
         EXISTS (SELECT 1 FROM ${s}.blocks b WHERE b.user_id = u.id AND b.blocked_id = a.asker) AS blocks_asker,
         (SELECT json_agg(json_build_object('id', d.id, 'publicKey', d.public_key, 'createdAt', d.created_at)
                          ORDER BY d.created_at, d.id)
            FROM ${s}.devices d WHERE d.user_id = u.id AND d.public_key IS NOT NULL) AS keys
       FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS a(name, asker, i)
       JOIN ${s}.users u ON u.username = a.name`,
      [asks.map(([name]) => name), asks.map(([, asker]) => asker)],
    );
    const found = new Map(
      rows.map((row) => [
        Number(row.i) - 1,
        {
          id: row.id,
          username: row.username,
          displayName: row.display_name,
          blocksAsker: row.blocks_asker,
          keys: row.keys ?? [],
        },
      ]),
    );
    return asks.map((_, i) => found.get(i) ?? null);
  }

  async setDisplayName(userId: string, displayName: string | null): Promise<void> {
    await this.#pool().query(`UPDATE ${this.#schema}.users SET display_name = $2 WHERE id = $1`, [
      userId,
      displayName,
    ]);
  }

  /** Read by settings only: opens and reads take the setting in their own transaction. */
  async readReceipts(userId: string): Promise<boolean> {
    return !(await usersWithoutReceipts(this.#pool(), this.#schema, [userId])).has(userId);
  }

  async setReadReceipts(userId: string, on: boolean): Promise<void> {
    await this.#pool().query(`UPDATE ${this.#schema}.users SET read_receipts = $2 WHERE id = $1`, [
      userId,
      on,
    ]);
  }

  async touchDevice(deviceId: string, at: number): Promise<void> {
    await this.#pool().query(`UPDATE ${this.#schema}.devices SET last_seen_at = $1 WHERE id = $2`, [
      at,
      deviceId,
    ]);
  }

  async setDeviceCursor(deviceId: string, cursor: number): Promise<void> {
    this.#cursors.set(deviceId, cursor);
  }

  /** Write every cursor gathered, and wait for the writes under way (the storage is closing). */
  async flush(): Promise<void> {
    this.#cursors.close();
    await Promise.allSettled([...this.#writing]);
  }

  /** Move cursors forward (never back), in id order: chunks written one after another never wait on each other. */
  async #moveCursors(chunk: ReadonlyArray<readonly [string, number]>): Promise<void> {
    const sorted = [...chunk].sort(([a], [b]) => compareText(a, b));
    await this.#pool().query(
      `UPDATE ${this.#schema}.devices d SET cursor = greatest(coalesce(d.cursor, 0), v.cursor)
       FROM unnest($1::text[], $2::bigint[]) AS v(id, cursor) WHERE d.id = v.id`,
      [sorted.map(([id]) => id), sorted.map(([, cursor]) => cursor)],
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

/** Which of `userIds` turned read receipts off (docs/accounts.md); no statement for none. */
export async function usersWithoutReceipts(
  db: PostgresQueryable,
  schema: string,
  userIds: readonly string[],
): Promise<Set<string>> {
  if (userIds.length === 0) return new Set();
  const { rows } = await db.query<{ id: string }>(
    `SELECT id FROM ${schema}.users WHERE id = ANY($1::text[]) AND NOT read_receipts`,
    [[...new Set(userIds)]],
  );
  return new Set(rows.map((row) => row.id));
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
