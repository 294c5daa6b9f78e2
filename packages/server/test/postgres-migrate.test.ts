import { afterEach, expect, it } from 'vitest';
import { PostgresStorage } from '../src/storage/postgres/postgres-storage.ts';
import { SCHEMA_VERSION } from '../src/storage/postgres/schema.ts';
import { sql } from './postgres-files.ts';
import { describeWithServices, dropSchema, TEST_DATABASE_URL, uniqueSchema } from './services.ts';
import {
  addUsers,
  alice,
  bob,
  expectMigratedStorageWorks,
  hourBurn,
  newMessage,
} from './storage-fixtures.ts';

/** Each table's columns in order (names only: a dropped column leaves a gap in the numbering). */
async function columnsOf(schema: string): Promise<Record<string, string[]>> {
  const { rows } = await sql(
    `SELECT table_name, column_name FROM information_schema.columns
     WHERE table_schema = $1 ORDER BY table_name, ordinal_position`,
    undefined,
    [schema],
  );
  const columns: Record<string, string[]> = {};
  for (const row of rows as { table_name: string; column_name: string }[]) {
    columns[row.table_name] = [...(columns[row.table_name] ?? []), row.column_name];
  }
  return columns;
}

async function versionOf(schema: string): Promise<number> {
  const { rows } = await sql(`SELECT value FROM "${schema}".meta WHERE key = 'version'`);
  return Number((rows[0] as { value: string } | undefined)?.value);
}

await describeWithServices('postgres schema migration', ['postgres'], () => {
  const schemas: string[] = [];
  const open: PostgresStorage[] = [];

  async function storageIn(schema: string): Promise<PostgresStorage> {
    const storage = new PostgresStorage({ url: TEST_DATABASE_URL, schema, scrub: 'off' });
    open.push(storage);
    await storage.init();
    return storage;
  }

  afterEach(async () => {
    for (const storage of open.splice(0)) await storage.close();
    for (const schema of schemas.splice(0)) await dropSchema(schema);
  });

  it('brings a version 1 schema to the latest (2: device keys, sealed messages; 3: uploads; 4: attachments; 5: nodes that carry events; 6: push; 7: blocks; 8: read receipts setting; 9: display names; 10: the tables a pending scrub is for), the shape of a new one', async () => {
    const fresh = uniqueSchema();
    const schema = uniqueSchema();
    schemas.push(fresh, schema);
    await (await storageIn(fresh)).close();
    expect(await versionOf(fresh)).toBe(SCHEMA_VERSION);

    // A version 1 schema with a device and an unopened burn message: without the columns
    // version 2 added and the tables version 3 added.
    const first = await storageIn(schema);
    await addUsers(first);
    await first.accounts.createDevice({
      id: 'd_old',
      userId: bob.id,
      name: 'old',
      createdAt: 5,
      lastSeenAt: null,
      publicKey: null,
      tokenHash: 'h_old',
    });
    const old = newMessage({ text: 'from version 1', burn: hourBurn });
    await first.insertMessage({ deviceId: 'd_a', key: 'k-old', message: old, at: 1_000 });
    await first.close();
    await sql(`ALTER TABLE "${schema}".devices DROP COLUMN public_key;
      ALTER TABLE "${schema}".messages DROP COLUMN sealed_for;
      ALTER TABLE "${schema}".messages DROP COLUMN attachment;
      DROP TABLE "${schema}".uploads; DROP TABLE "${schema}".upload_chunks;
      ALTER TABLE "${schema}".nodes DROP COLUMN carries;
      DROP TABLE "${schema}".push_subscriptions; DROP TABLE "${schema}".push_vapid;
      DROP TABLE "${schema}".blocks; ALTER TABLE "${schema}".users DROP COLUMN read_receipts;
      ALTER TABLE "${schema}".users DROP COLUMN display_name;
      ALTER TABLE "${schema}".scrub_queue DROP COLUMN contents, DROP COLUMN chunks;
      UPDATE "${schema}".meta SET value = 1 WHERE key = 'version'`);
    expect((await columnsOf(schema)).devices).not.toContain('public_key');

    // Two nodes starting at once: one migrates, the other finds it done.
    const [storage] = await Promise.all([storageIn(schema), storageIn(schema)]);
    if (!storage) throw new Error('no storage');
    expect(await versionOf(schema)).toBe(SCHEMA_VERSION);
    expect(SCHEMA_VERSION).toBe(10);
    expect(await columnsOf(schema)).toEqual(await columnsOf(fresh));

    await expectMigratedStorageWorks(storage, old);
  });

  it('brings a version 3 schema to 4 (attachments), 5 (nodes that carry events), 6 (push), 7 (blocks), 8 (read receipts setting), 9 (display names) and 10 (scrubs by table), keeping its uploads unattached', async () => {
    const fresh = uniqueSchema();
    const schema = uniqueSchema();
    schemas.push(fresh, schema);
    await (await storageIn(fresh)).close();
    const first = await storageIn(schema);
    await addUsers(first);
    await first.uploads.create({ id: 'f_3', deviceId: 'd_a', size: 2, createdAt: 1, expiresAt: 9 });
    await first.uploads.append('f_3', 0, new Uint8Array([7, 8]));
    await first.close();
    await sql(`ALTER TABLE "${schema}".messages DROP COLUMN attachment;
      ALTER TABLE "${schema}".uploads DROP COLUMN message_id;
      ALTER TABLE "${schema}".nodes DROP COLUMN carries;
      DROP TABLE "${schema}".push_subscriptions; DROP TABLE "${schema}".push_vapid;
      DROP TABLE "${schema}".blocks; ALTER TABLE "${schema}".users DROP COLUMN read_receipts;
      ALTER TABLE "${schema}".users DROP COLUMN display_name;
      ALTER TABLE "${schema}".scrub_queue DROP COLUMN contents, DROP COLUMN chunks;
      UPDATE "${schema}".meta SET value = 3 WHERE key = 'version'`);
    expect((await columnsOf(schema)).uploads).not.toContain('message_id');

    const storage = await storageIn(schema);
    expect(await versionOf(schema)).toBe(SCHEMA_VERSION);
    expect(await columnsOf(schema)).toEqual(await columnsOf(fresh));
    expect(await storage.uploads.get('f_3')).toMatchObject({ received: 2, messageId: null });
    const view = { kind: 'image' as const, size: 2 };
    const withFile = newMessage({ from: alice, text: '', attachment: { upload: 'f_3', view } });
    await storage.insertMessage({ deviceId: 'd_a', key: 'k-file', message: withFile, at: 1_000 });
    expect((await storage.uploads.get('f_3'))?.messageId).toBe(withFile.id);
  });

  it('brings a version 9 schema to 10: scrubs a version 9 node left pending ask for both tables, and are done', async () => {
    const schema = uniqueSchema();
    schemas.push(schema);
    await (await storageIn(schema)).close();
    await sql(`ALTER TABLE "${schema}".scrub_queue DROP COLUMN contents, DROP COLUMN chunks;
      INSERT INTO "${schema}".scrub_queue DEFAULT VALUES;
      UPDATE "${schema}".meta SET value = 9 WHERE key = 'version'`);

    // Scrubs off here: the row stays for the check of what it asks for.
    await (await storageIn(schema)).close();
    expect(await versionOf(schema)).toBe(SCHEMA_VERSION);
    const pending = await sql(`SELECT contents, chunks FROM "${schema}".scrub_queue`);
    expect(pending.rows).toEqual([{ contents: true, chunks: true }]);

    // A node that scrubs finishes it at start-up, before it serves anything.
    const scrubbing = new PostgresStorage({ url: TEST_DATABASE_URL, schema, scrub: 'rewrite' });
    open.push(scrubbing);
    await scrubbing.init();
    expect((await sql(`SELECT count(*)::int AS n FROM "${schema}".scrub_queue`)).rows).toEqual([{ n: 0 }]);
  });

  it('refuses a schema a newer Cinder wrote, and changes nothing in it', async () => {
    const schema = uniqueSchema();
    schemas.push(schema);
    await (await storageIn(schema)).close();
    await sql(`UPDATE "${schema}".meta SET value = ${SCHEMA_VERSION + 1} WHERE key = 'version'`);
    const before = await columnsOf(schema);
    await expect(storageIn(schema)).rejects.toThrow(/written by a newer Cinder/);
    expect(await versionOf(schema)).toBe(SCHEMA_VERSION + 1);
    expect(await columnsOf(schema)).toEqual(before);
  });
});
