import { afterEach, expect, it } from 'vitest';
import { waitFor } from '../../../test/kit/index.ts';
import { PostgresStorage } from '../src/storage/postgres/postgres-storage.ts';
import { sql } from './postgres-files.ts';
import { describeWithServices, dropSchema, TEST_DATABASE_URL, uniqueSchema } from './services.ts';
import { addDevices, addUsers, alice, bob, hourBurn, newMessage } from './storage-fixtures.ts';

// A scrub rewrites (`VACUUM FULL`) the tables that deletes left dead rows in, and only those: a
// text burn rewrites `burn_contents`, not `upload_chunks`, whose live uploads can be megabytes.
// A rewrite gives a table a new file, so `pg_relation_filenode` tells which tables a run rewrote.
// Every statement that deletes chunks (a burned blob, a recalled attachment, a cancelled upload,
// a deleted account's uploads) must ask for `upload_chunks` itself, or its bytes would wait for
// the next scrub that happened to ask for it.

await describeWithServices('postgres scrub: the tables each delete asks for', ['postgres'], () => {
  const release: Array<() => unknown> = [];
  afterEach(async () => {
    for (const step of release.splice(0).reverse()) await step();
  });

  /** A storage on its own schema that scrubs 50 ms after a delete, and never adopts (no second runs). */
  async function open() {
    const schema = uniqueSchema();
    release.push(() => dropSchema(schema));
    const storage = new PostgresStorage({
      url: TEST_DATABASE_URL,
      schema,
      scrub: 'rewrite',
      scrubDelayMs: 50,
      scrubCheckMs: 3_600_000,
    });
    await storage.init();
    release.push(() => storage.close());
    await addUsers(storage);
    await addDevices(storage, alice.id, ['d_a']);
    const files = async () => {
      const { rows } = await sql(
        `SELECT pg_relation_filenode('"${schema}".burn_contents') AS contents,
                pg_relation_filenode('"${schema}".upload_chunks') AS chunks`,
      );
      return rows[0] as { contents: string; chunks: string };
    };
    /** Wait for the scrub that `change` queues to finish; which tables it rewrote. */
    const rewrittenBy = async (change: () => Promise<unknown>) => {
      const before = await files();
      await change();
      await waitFor(
        async () => {
          const { rows } = await sql(`SELECT count(*)::int AS n FROM "${schema}".scrub_queue`);
          return (rows[0] as { n: number }).n === 0;
        },
        { timeout: 60_000, interval: 50, what: 'the queued scrub done' },
      );
      const after = await files();
      return { contents: after.contents !== before.contents, chunks: after.chunks !== before.chunks };
    };
    let uploads = 0;
    const upload = async () => {
      const id = `f_scrub_${++uploads}`;
      await storage.uploads.create({ id, deviceId: 'd_a', size: 3, createdAt: 1, expiresAt: 3_600_000 });
      expect((await storage.uploads.append(id, 0, new Uint8Array([1, 2, 3]))).kind).toBe('appended');
      return id;
    };
    let keys = 0;
    const send = async (message: ReturnType<typeof newMessage>) => {
      const sent = await storage.insertMessage({ deviceId: 'd_a', key: `k${++keys}`, message, at: 1_000 });
      expect(sent.created).toBe(true);
      return message;
    };
    return { storage, rewrittenBy, upload, send };
  }

  it('rewrites burn_contents alone after a text burn, and upload_chunks too when a burn took a blob', async () => {
    const { storage, rewrittenBy, upload, send } = await open();
    // A live upload in upload_chunks, as a busy server has: the text burn must not rewrite it.
    await upload();
    const text = await send(newMessage({ text: '{"v":1}', burn: hourBurn }));
    expect(
      await rewrittenBy(() =>
        storage.openMessage({ id: text.id, userId: bob.id, deviceId: 'd_b', at: 2_000 }),
      ),
    ).toEqual({ contents: true, chunks: false });

    const blob = await upload();
    const withBlob = await send(
      newMessage({
        text: '{"v":1}',
        burn: hourBurn,
        attachment: { upload: blob, view: { kind: 'image', size: 3 } },
      }),
    );
    expect(
      await rewrittenBy(() =>
        storage.openMessage({ id: withBlob.id, userId: bob.id, deviceId: 'd_b', at: 2_000 }),
      ),
    ).toEqual({ contents: true, chunks: true });
  });

  it('rewrites upload_chunks alone after a cancelled upload, a recalled attachment and a deleted account’s uploads', async () => {
    const { storage, rewrittenBy, upload, send } = await open();
    const cancelled = await upload();
    expect(await rewrittenBy(() => storage.uploads.delete(cancelled))).toEqual({
      contents: false,
      chunks: true,
    });

    const attached = await upload();
    const normal = await send(
      newMessage({ text: 'see this', attachment: { upload: attached, view: { kind: 'image', size: 3 } } }),
    );
    expect(
      await rewrittenBy(async () =>
        expect(
          await storage.recallMessage({ id: normal.id, userId: alice.id, at: 2_000, windowMs: 120_000 }),
        ).toMatchObject({ kind: 'done' }),
      ),
    ).toEqual({ contents: false, chunks: true });

    // Alice's own upload, not attached to anything, goes with her account.
    await upload();
    expect(await rewrittenBy(() => storage.deleteAccount(alice.id, 3_000))).toEqual({
      contents: false,
      chunks: true,
    });
  });
});
