import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { PUSH_SUBSCRIPTION_COLUMNS, type PushSubscriptionRow, pushSubscriptionOf } from '../rows.ts';
import type { PushStore, PushSubscriptionRecord, VapidKeys } from '../storage.ts';
import { PRIVATE_FILE_MODE } from './private-files.ts';
import type { SqliteDatabase } from './sqlite-database.ts';

/** The file of the VAPID key pair, in the data directory (mode 600, like every file there). */
export const VAPID_FILE = 'vapid.json';

/** What the push store needs of the SQLite storage it belongs to (each throws once it is closed). */
export interface SqlitePushDeps {
  db(): SqliteDatabase;
  /** Queue a write in the storage's group commit (write-queue.ts). */
  write<T>(run: () => T): Promise<T>;
  /** The data directory, where `vapid.json` is kept. */
  dataDir(): string;
}

function isVapidKeys(value: unknown): value is VapidKeys {
  const v = value as Partial<VapidKeys> | null;
  return typeof v?.publicKey === 'string' && typeof v.privateKey === 'string';
}

/**
 * Web Push on SQLite: subscriptions in `push_subscriptions`, the VAPID keys in `vapid.json`
 * beside the database (created exclusively, mode 600). A file rather than a row so that the
 * operator can see, back up or replace the key like any secret; the server is the data
 * directory's only writer, so no other process races the first start.
 */
export class SqlitePush implements PushStore {
  readonly #deps: SqlitePushDeps;

  constructor(deps: SqlitePushDeps) {
    this.#deps = deps;
  }

  async vapidKeys(generate: () => VapidKeys): Promise<VapidKeys> {
    const path = join(this.#deps.dataDir(), VAPID_FILE);
    try {
      const kept: unknown = JSON.parse(readFileSync(path, 'utf8'));
      if (!isVapidKeys(kept)) throw new Error(`${path} does not hold a VAPID key pair`);
      return { publicKey: kept.publicKey, privateKey: kept.privateKey };
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'ENOENT') throw error;
    }
    const keys = generate();
    // 'wx': created here or not at all, with the private mode from its first byte.
    const fd = openSync(path, 'wx', PRIVATE_FILE_MODE);
    try {
      writeSync(fd, `${JSON.stringify({ publicKey: keys.publicKey, privateKey: keys.privateKey })}\n`);
    } finally {
      closeSync(fd);
    }
    return keys;
  }

  async saveSubscription(
    s: Omit<PushSubscriptionRecord, 'previews'> & { previews: boolean | null },
  ): Promise<PushSubscriptionRecord | null> {
    return this.#deps.write(() => {
      const db = this.#deps.db();
      // Only for a device that is signed in: a sign-out that raced this leaves no subscription.
      const row = db
        .prepare<PushSubscriptionRow>(
          `INSERT INTO push_subscriptions (${PUSH_SUBSCRIPTION_COLUMNS})
          SELECT ?, ?, ?, ?, ?, coalesce(?, (SELECT previews FROM push_subscriptions WHERE device_id = ?), 0), ?
          WHERE EXISTS (SELECT 1 FROM devices WHERE id = ? AND user_id = ?)
          ON CONFLICT (device_id) DO UPDATE SET endpoint = excluded.endpoint, p256dh = excluded.p256dh,
            auth = excluded.auth, previews = excluded.previews, created_at = excluded.created_at
          RETURNING ${PUSH_SUBSCRIPTION_COLUMNS}`,
        )
        .get(
          s.deviceId,
          s.userId,
          s.endpoint,
          s.p256dh,
          s.auth,
          s.previews === null ? null : Number(s.previews),
          s.deviceId,
          s.createdAt,
          s.deviceId,
          s.userId,
        );
      return row ? pushSubscriptionOf(row) : null;
    });
  }

  async subscription(deviceId: string): Promise<PushSubscriptionRecord | null> {
    const row = this.#deps
      .db()
      .prepare<PushSubscriptionRow>(
        `SELECT ${PUSH_SUBSCRIPTION_COLUMNS} FROM push_subscriptions WHERE device_id = ?`,
      )
      .get(deviceId);
    return row ? pushSubscriptionOf(row) : null;
  }

  async setPreviews(deviceId: string, previews: boolean): Promise<boolean> {
    return this.#deps.write(
      () =>
        this.#deps
          .db()
          .prepare('UPDATE push_subscriptions SET previews = ? WHERE device_id = ?')
          .run(Number(previews), deviceId).changes > 0,
    );
  }

  async deleteSubscription(deviceId: string, endpoint?: string): Promise<boolean> {
    return this.#deps.write(() => {
      const db = this.#deps.db();
      const result =
        endpoint === undefined
          ? db.prepare('DELETE FROM push_subscriptions WHERE device_id = ?').run(deviceId)
          : db
              .prepare('DELETE FROM push_subscriptions WHERE device_id = ? AND endpoint = ?')
              .run(deviceId, endpoint);
      return result.changes > 0;
    });
  }

  async listSubscriptions(userId: string): Promise<PushSubscriptionRecord[]> {
    return this.#deps
      .db()
      .prepare<PushSubscriptionRow>(
        `SELECT ${PUSH_SUBSCRIPTION_COLUMNS.split(', ')
          .map((c) => `p.${c}`)
          .join(', ')} FROM push_subscriptions p JOIN devices d ON d.id = p.device_id
        WHERE p.user_id = ? ORDER BY p.created_at, p.device_id`,
      )
      .all(userId)
      .map(pushSubscriptionOf);
  }
}
