import { PUSH_SUBSCRIPTION_COLUMNS, type PushSubscriptionRow, pushSubscriptionOf } from '../rows.ts';
import type { PushStore, PushSubscriptionRecord, VapidKeys } from '../storage.ts';
import type { PostgresQueryable } from './postgres-pool.ts';

/**
 * Web Push on PostgreSQL: subscriptions in `push_subscriptions`; the VAPID key pair in
 * `push_vapid`, one row shared by every node of the schema. The first node to start inserts its
 * pair and the others' inserts do nothing (`ON CONFLICT DO NOTHING`), then each reads the row
 * back: the whole cluster signs with one key, the one browsers subscribed with.
 */
export class PostgresPush implements PushStore {
  readonly #pool: () => PostgresQueryable;
  readonly #schema: string;

  /** `pool` throws once the storage is closed; `schema` is quoted already. */
  constructor(pool: () => PostgresQueryable, schema: string) {
    this.#pool = pool;
    this.#schema = schema;
  }

  async vapidKeys(generate: () => VapidKeys): Promise<VapidKeys> {
    const s = this.#schema;
    const read = async () =>
      (
        await this.#pool().query<{ public_key: string; private_key: string }>(
          `SELECT public_key, private_key FROM ${s}.push_vapid WHERE id = 1`,
        )
      ).rows[0];
    let row = await read();
    if (!row) {
      const keys = generate();
      await this.#pool().query(
        `INSERT INTO ${s}.push_vapid (id, public_key, private_key) VALUES (1, $1, $2)
         ON CONFLICT (id) DO NOTHING`,
        [keys.publicKey, keys.privateKey],
      );
      row = await read();
    }
    if (!row) throw new Error('The VAPID key pair was not kept');
    return { publicKey: row.public_key, privateKey: row.private_key };
  }

  async saveSubscription(
    sub: Omit<PushSubscriptionRecord, 'previews'> & { previews: boolean | null },
  ): Promise<PushSubscriptionRecord | null> {
    const s = this.#schema;
    // Only for a device that is signed in: a sign-out that committed first leaves no subscription.
    const { rows } = await this.#pool().query<PushSubscriptionRow>(
      `INSERT INTO ${s}.push_subscriptions (${PUSH_SUBSCRIPTION_COLUMNS})
       SELECT $1, $2, $3, $4, $5,
         coalesce($6::boolean, (SELECT previews FROM ${s}.push_subscriptions WHERE device_id = $1), false), $7
       WHERE EXISTS (SELECT 1 FROM ${s}.devices WHERE id = $1 AND user_id = $2)
       ON CONFLICT (device_id) DO UPDATE SET endpoint = excluded.endpoint, p256dh = excluded.p256dh,
         auth = excluded.auth, previews = excluded.previews, created_at = excluded.created_at
       RETURNING ${PUSH_SUBSCRIPTION_COLUMNS}`,
      [sub.deviceId, sub.userId, sub.endpoint, sub.p256dh, sub.auth, sub.previews, sub.createdAt],
    );
    const row = rows[0];
    return row ? pushSubscriptionOf(row) : null;
  }

  async subscription(deviceId: string): Promise<PushSubscriptionRecord | null> {
    const { rows } = await this.#pool().query<PushSubscriptionRow>(
      `SELECT ${PUSH_SUBSCRIPTION_COLUMNS} FROM ${this.#schema}.push_subscriptions WHERE device_id = $1`,
      [deviceId],
    );
    const row = rows[0];
    return row ? pushSubscriptionOf(row) : null;
  }

  async setPreviews(deviceId: string, previews: boolean): Promise<boolean> {
    const { rowCount } = await this.#pool().query(
      `UPDATE ${this.#schema}.push_subscriptions SET previews = $1 WHERE device_id = $2`,
      [previews, deviceId],
    );
    return (rowCount ?? 0) > 0;
  }

  async deleteSubscription(deviceId: string, endpoint?: string): Promise<boolean> {
    const { rowCount } =
      endpoint === undefined
        ? await this.#pool().query(`DELETE FROM ${this.#schema}.push_subscriptions WHERE device_id = $1`, [
            deviceId,
          ])
        : await this.#pool().query(
            `DELETE FROM ${this.#schema}.push_subscriptions WHERE device_id = $1 AND endpoint = $2`,
            [deviceId, endpoint],
          );
    return (rowCount ?? 0) > 0;
  }

  async listSubscriptions(userId: string): Promise<PushSubscriptionRecord[]> {
    const s = this.#schema;
    const { rows } = await this.#pool().query<PushSubscriptionRow>(
      `SELECT p.device_id, p.user_id, p.endpoint, p.p256dh, p.auth, p.previews, p.created_at
       FROM ${s}.push_subscriptions p JOIN ${s}.devices d ON d.id = p.device_id
       WHERE p.user_id = $1 ORDER BY p.created_at, p.device_id`,
      [userId],
    );
    return rows.map(pushSubscriptionOf);
  }
}
