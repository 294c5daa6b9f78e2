import { PROTOCOL_VERSION } from '@cinder/protocol';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { RawClient, register, testServer } from './helpers.ts';
import { describeWithServices, dropSchema, TEST_DATABASE_URL, uniqueSchema } from './services.ts';

/**
 * Real storage failures during `hello`, on PostgreSQL: the `users` table is renamed away (every
 * token lookup then fails, as with a database that cannot answer), either before the hello or
 * from a trigger on the device's "last seen" update, i.e. between the token check and the
 * re-check after joining the hub.
 */
await describeWithServices('hello while storage fails', ['postgres'], () => {
  let admin: pg.Client;
  const schemas: string[] = [];

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
  });
  afterAll(async () => {
    await admin.end();
    for (const schema of schemas) await dropSchema(schema);
  });

  async function server() {
    const schema = uniqueSchema('cinder_hello');
    schemas.push(schema);
    const started = await testServer({ databaseUrl: TEST_DATABASE_URL, databaseSchema: schema });
    return { server: started, schema };
  }

  const users = (schema: string) => `"${schema}".users`;

  async function breakUsers(schema: string): Promise<void> {
    await admin.query(`ALTER TABLE ${users(schema)} RENAME TO users_away`);
  }

  /** The table goes away inside the transaction that marks the device seen. */
  async function breakUsersOnTouch(schema: string): Promise<void> {
    await admin.query(`
      CREATE FUNCTION "${schema}".break_users() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN EXECUTE 'ALTER TABLE ${users(schema).replaceAll("'", "''")} RENAME TO users_away'; RETURN NULL; END $$`);
    await admin.query(`
      CREATE TRIGGER break_users AFTER UPDATE OF last_seen_at ON "${schema}".devices
      FOR EACH STATEMENT EXECUTE FUNCTION "${schema}".break_users()`);
  }

  async function repair(schema: string): Promise<void> {
    await admin.query(`DROP TRIGGER IF EXISTS break_users ON "${schema}".devices`);
    await admin.query(`ALTER TABLE "${schema}".users_away RENAME TO users`);
  }

  async function hello(url: string, token: string) {
    const client = await RawClient.open(url);
    client.send({ type: 'hello', protocol: PROTOCOL_VERSION, token, cursor: null });
    const closed = await client.closed;
    const errors = client.frames.filter((f) => f.type === 'error');
    return { closed, errors };
  }

  it('answers 1013 (try again), not 4001, when the re-check after joining the hub fails', async () => {
    const { server: s, schema } = await server();
    await using _ = s;
    const alice = await register(s);
    await breakUsersOnTouch(schema);
    const { closed, errors } = await hello(s.url, alice.token);
    expect(closed.code).toBe(1013);
    expect(errors).toEqual([expect.objectContaining({ rid: null, code: 'UNAVAILABLE' })]);
    await repair(schema);
    // The device was never signed out: once storage answers, it connects as before.
    const again = await RawClient.connect(s.url, alice.token);
    expect(again.frames.find((f) => f.type === 'welcome')).toBeDefined();
    again.close();
  });

  it('answers 1013 when the token cannot be looked up at all', async () => {
    const { server: s, schema } = await server();
    await using _ = s;
    const alice = await register(s);
    await breakUsers(schema);
    const { closed, errors } = await hello(s.url, alice.token);
    expect(closed.code).toBe(1013);
    expect(errors).toEqual([expect.objectContaining({ rid: null, code: 'UNAVAILABLE' })]);
    await repair(schema);
    const again = await RawClient.connect(s.url, alice.token);
    again.close();
  });

  it('still answers 4001 for a token that is unknown or signed out', async () => {
    const { server: s } = await server();
    await using _ = s;
    const unknown = await hello(s.url, 'not-a-token-of-anyone-here');
    expect(unknown.closed.code).toBe(4001);
    expect(unknown.errors).toEqual([expect.objectContaining({ code: 'UNAUTHORIZED' })]);
    const alice = await register(s);
    const res = await fetch(`${s.url}/v1/devices/${alice.device.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${alice.token}` },
    });
    expect(res.status).toBeLessThan(300);
    expect((await hello(s.url, alice.token)).closed.code).toBe(4001);
  });
});
