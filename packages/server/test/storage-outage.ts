import pg from 'pg';
import { TEST_DATABASE_URL } from './services.ts';

/**
 * A real PostgreSQL storage failure for one schema: its `users` table is renamed away, so every
 * token lookup fails as with a database that cannot answer. `onDeviceSeen` does it from a trigger
 * on the devices' "last seen" update instead, i.e. in the middle of a `hello` (after the token
 * was found, before it is checked again). `repair` puts everything back.
 */
export class StorageOutage {
  readonly #schema: string;
  readonly #admin: pg.Client;

  private constructor(schema: string, admin: pg.Client) {
    this.#schema = schema;
    this.#admin = admin;
  }

  static async of(schema: string): Promise<StorageOutage> {
    const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
    return new StorageOutage(schema, admin);
  }

  get #users(): string {
    return `"${this.#schema}".users`;
  }

  /** The users table goes away now. */
  async now(): Promise<void> {
    await this.#admin.query(`ALTER TABLE ${this.#users} RENAME TO users_away`);
  }

  /** The users table goes away inside the next transaction that marks a device seen. */
  async onDeviceSeen(): Promise<void> {
    const s = this.#schema;
    await this.#admin.query(`
      CREATE FUNCTION "${s}".break_users() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN EXECUTE 'ALTER TABLE ${this.#users.replaceAll("'", "''")} RENAME TO users_away'; RETURN NULL; END $$`);
    await this.#admin.query(`
      CREATE TRIGGER break_users AFTER UPDATE OF last_seen_at ON "${s}".devices
      FOR EACH STATEMENT EXECUTE FUNCTION "${s}".break_users()`);
  }

  /** Storage answers again. */
  async repair(): Promise<void> {
    const s = this.#schema;
    await this.#admin.query(`DROP TRIGGER IF EXISTS break_users ON "${s}".devices`);
    await this.#admin.query(`DROP FUNCTION IF EXISTS "${s}".break_users()`);
    await this.#admin.query(`ALTER TABLE "${s}".users_away RENAME TO users`);
  }

  async close(): Promise<void> {
    await this.#admin.end();
  }
}
