import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { OpenResult } from '@cinder/protocol';
import { afterEach, expect, it } from 'vitest';
import {
  type ChildServer,
  marker,
  openedContent,
  RawClient,
  register,
  sealedSend,
  spawnServer,
  tempDir,
  testServer,
  waitFor,
} from '../../../test/kit/index.ts';
import { PostgresStorage } from '../src/storage/postgres/postgres-storage.ts';
import type { ScrubMode } from '../src/storage/postgres/scrubber.ts';
import type { NewMessage } from '../src/storage/storage.ts';
import { EnvelopeSearch } from './envelope-residue.ts';
import { filesContaining, freshDatabase, locate, markersIn, sql, tableFiles } from './postgres-files.ts';
import {
  describeWithServices,
  dropSchema,
  TEST_DATABASE_URL,
  TEST_REDIS_URL,
  uniqueSchema,
} from './services.ts';
import { bob, hourBurn, newMessage } from './storage-fixtures.ts';

/**
 * Where a burned message's bytes remain in a PostgreSQL cluster's files (SPEC contract 9: "for
 * PostgreSQL, document what holds and measure it"). Needs the cluster's data directory on this
 * machine, readable (root), and a superuser (SHOW data_directory, CHECKPOINT). The measurements
 * behind docs/postgres.md print with CINDER_PG_DISK_REPORT=1.
 */

const REPORT = process.env.CINDER_PG_DISK_REPORT === '1';
// Tests that spawn servers or walk the whole data directory at every stage: at a load average of
// 20 they take minutes, not the suite default of two.
const SLOW_TEST_MS = 300_000;

/**
 * The check of a wait for burned envelopes to leave every file under `dir`: true once they have,
 * else it throws naming the messages whose envelopes are still there.
 */
function scrubbed(dir: string, envelopes: EnvelopeSearch<string>): true {
  const left = envelopes.inDir(dir);
  if (left.size > 0) throw new Error(`envelopes still there: ${[...left].join(', ')}`);
  return true;
}

const located = await locate();

await describeWithServices('postgres: burned bytes on disk', ['postgres'], () => {
  if (located === null) {
    it.skip('needs PostgreSQL', () => {});
    return;
  }
  if (typeof located === 'string') {
    it.skip(`needs the data directory: ${located}`, () => {});
    console.warn(
      `\n${'!'.repeat(78)}\n!! SKIPPED suite "postgres: burned bytes on disk": ${located}.\n${'!'.repeat(78)}\n`,
    );
    return;
  }
  const { dataDir, dbDir } = located;
  const release: Array<() => unknown> = [];
  afterEach(async () => {
    for (const step of release.splice(0).reverse()) await step();
  });

  // Burn messages reach the server sealed: what a burn leaves is its envelope (k2 and the
  // ciphertext), and the plain text is never in any file of the cluster, WAL included.
  // The server scrubs 1 s after a burn, so the envelopes go within about 1 s of an idle machine.
  // The test waits up to a minute (the time a busy machine can take), asserting no duration.
  it('removes a burned message’s envelope from the database files shortly after the open', async () => {
    const schema = uniqueSchema();
    release.push(() => dropSchema(schema));
    await using server = await testServer({ databaseUrl: TEST_DATABASE_URL, databaseSchema: schema });
    const marker = randomBytes(24).toString('hex');
    const extMarker = randomBytes(24).toString('hex');
    // Long and random, so PostgreSQL stores its envelope out of line (TOAST) and uncompressed.
    const longMarker = randomBytes(24).toString('hex');
    const longText = `${longMarker}${randomBytes(4000).toString('hex')}`;
    const alice = await register(server);
    const bob = await register(server);
    const a = await RawClient.connect(server.url, alice.token);
    release.push(() => a.close());
    const b = await RawClient.connect(server.url, bob.token);
    release.push(() => b.close());
    const [from, to] = [alice.user.username, bob.user.username];
    const short = await sealedSend(a, from, to, marker, { ext: { m: extMarker } });
    const long = await sealedSend(a, from, to, longText);
    const envelopes = new EnvelopeSearch<string>().add(short.envelope, short.id).add(long.envelope, long.id);
    // While the messages live their envelopes are in the files (after a checkpoint): otherwise
    // this test could not fail.
    await sql('CHECKPOINT');
    expect([...envelopes.inDir(dbDir)].sort()).toEqual([short.id, long.id].sort());

    for (const [id, text] of [
      [short.id, marker],
      [long.id, longText],
    ] as const) {
      const opened = await b.ok<OpenResult>({ type: 'open', id });
      expect((await openedContent(opened, bob)).text).toBe(text);
    }
    // Every poll reads the whole database folder: not too often.
    await waitFor(() => scrubbed(dbDir, envelopes), {
      timeout: 60_000,
      interval: 250,
      what: 'the burned envelopes gone from the database files',
    });
    // And they stay gone once the cluster writes out its buffers.
    await sql('CHECKPOINT');
    expect([...envelopes.inDir(dbDir)]).toEqual([]);
    // The plain text never reached the cluster: no file of it holds any of it, WAL included.
    expect(filesContaining(dataDir, [marker, extMarker, longMarker])).toEqual([]);
  });

  it(
    'after a crash right after a burn, scrubs before /healthz answers again',
    async () => {
      // The server has no schema flag: the child gets a database of its own.
      const database = await freshDatabase('cinder_crash');
      release.push(() => database.drop());
      const url = new URL(database.url);
      const where = await locate(url.href);
      if (typeof where === 'string' || where === null)
        throw new Error(`cannot locate ${url.pathname}: ${where}`);
      const dir = tempDir();
      release.push(() => dir.remove());
      const children: ChildServer[] = [];
      release.push(async () => {
        for (const c of children) {
          if (c.child.exitCode === null && c.child.signalCode === null) {
            c.child.kill('SIGKILL');
            await c.exited;
          }
        }
      });
      const args = ['--port', '0', '--data-dir', dir.path, '--database-url', url.href, '--log-level', 'info'];
      const first = await spawnServer(args);
      children.push(first);
      const marker = randomBytes(24).toString('hex');
      const alice = await register(first);
      const bob = await register(first);
      const a = await RawClient.connect(first.url, alice.token);
      const b = await RawClient.connect(first.url, bob.token);
      const sent = await sealedSend(a, alice.user.username, bob.user.username, marker);
      const envelopes = new EnvelopeSearch<string>().add(sent.envelope, sent.id);
      await sql('CHECKPOINT');
      expect([...envelopes.inDir(where.dbDir)]).toEqual([sent.id]);
      expect(await b.request({ type: 'open', id: sent.id })).toMatchObject({ type: 'reply' });
      // Killed before its scrub (1 s after the burn) could run.
      first.child.kill('SIGKILL');
      await first.exited;
      a.close();
      b.close();
      // The dead row's envelope is still in the heap file: the case the restart must handle.
      await sql('CHECKPOINT');
      expect([...envelopes.inDir(where.dbDir)]).toEqual([sent.id]);

      const second = await spawnServer(args);
      children.push(second);
      expect([...envelopes.inDir(where.dbDir)]).toEqual([]);
      expect((await fetch(`${second.url}/healthz`)).status).toBe(200);
      // The plain text was never in any file of the cluster.
      expect(filesContaining(dataDir, [marker])).toEqual([]);
    },
    SLOW_TEST_MS,
  );

  it(
    'measures where the bytes remain: heap, WAL, after scrub and checkpoint',
    async () => {
      const rows: string[][] = [];
      const modes: ScrubMode[] = ['rewrite', 'vacuum', 'off'];
      for (const mode of modes) {
        const schema = uniqueSchema();
        release.push(() => dropSchema(schema));
        const storage = new PostgresStorage({
          url: TEST_DATABASE_URL,
          schema,
          scrub: mode,
          scrubDelayMs: 60_000,
        });
        await storage.init();
        release.push(() => storage.close());
        const at = Date.now();
        const burn = { ttlSeconds: 600, viewSeconds: 0, expiresAt: at + 600_000 };
        const message = (text: string): NewMessage => ({
          id: `m_${randomBytes(8).toString('hex')}`,
          conversation: 'dm:alice:bob',
          from: { id: 'u_alice', username: 'alice' },
          to: { id: 'u_bob', username: 'bob' },
          sentAt: at,
          burn,
          size: text.length,
          text,
          ext: null,
        });
        // Other live messages share the page; the marker is the newest row on it (the worst case
        // for a plain VACUUM, whose compaction moves only older rows).
        for (let i = 0; i < 20; i++) {
          await storage.insertMessage({ deviceId: 'd', key: `k${i}`, message: message(`filler ${i}`), at });
        }
        const marker = randomBytes(24).toString('hex');
        const m = message(marker);
        await storage.insertMessage({ deviceId: 'd', key: 'marker', message: m, at });
        // One walk of the whole data directory per stage (it is read again at every stage).
        const where = () => {
          const found = filesContaining(dataDir, [marker]);
          const inDb = found.some((f) => join(dataDir, f).startsWith(dbDir));
          const inWal = found.filter((f) => f.startsWith('pg_wal')).length;
          const elsewhere = found.filter(
            (f) => !f.startsWith('pg_wal') && !join(dataDir, f).startsWith(dbDir),
          );
          return { inDb, inWal, elsewhere };
        };
        const record = (stage: string) => {
          const w = where();
          rows.push([mode, stage, w.inDb ? 'yes' : 'no', String(w.inWal), w.elsewhere.join(' ') || '-']);
          return w;
        };
        // Written ahead before anything else: the WAL has it from the insert on.
        expect(record('sent').inWal).toBeGreaterThan(0);
        await sql('CHECKPOINT');
        expect(record('sent, CHECKPOINT').inDb).toBe(true);
        const opened = await storage.openMessage({
          id: m.id,
          userId: 'u_bob',
          deviceId: 'd_bob',
          at: at + 1,
        });
        expect(opened.kind).toBe('taken');
        record('opened (row deleted)');
        await sql('CHECKPOINT');
        record('opened, CHECKPOINT');
        await storage.scrub();
        const scrubbed = record(`server scrub (${mode})`);
        if (mode === 'rewrite') expect(scrubbed.inDb).toBe(false);
        await sql('CHECKPOINT');
        const settled = record('scrub, CHECKPOINT');
        if (mode === 'rewrite') expect(settled.inDb).toBe(false);
        if (REPORT) {
          // Forces WAL segment switches on the shared test cluster: only when measuring.
          for (let i = 0; i < 2; i++) {
            await sql('SELECT pg_switch_wal()');
            await sql('CHECKPOINT');
          }
          record('2 x (pg_switch_wal, CHECKPOINT)');
        }
      }
      if (REPORT) {
        const settings = await sql(
          `SELECT name, setting FROM pg_settings WHERE name IN
         ('server_version', 'wal_recycle', 'min_wal_size', 'max_wal_size', 'wal_keep_size', 'full_page_writes',
          'wal_compression', 'checkpoint_timeout', 'archive_mode') ORDER BY name`,
        );
        const table = [
          '| scrub | stage | in database files | WAL segments holding it | elsewhere |',
          '| --- | --- | --- | --- | --- |',
          ...rows.map((r) => `| ${r.join(' | ')} |`),
        ];
        console.info(
          `\nPostgreSQL ${settings.rows.map((r) => `${r.name}=${r.setting}`).join(' ')}\n${table.join('\n')}\n`,
        );
      }
    },
    SLOW_TEST_MS,
  );
});

await describeWithServices('postgres: a scrub left by a dead node', ['postgres', 'redis'], () => {
  if (typeof located === 'string' || located === null) {
    it.skip(`needs the data directory: ${located ?? 'PostgreSQL unreachable'}`, () => {});
    return;
  }
  const release: Array<() => unknown> = [];
  afterEach(async () => {
    for (const step of release.splice(0).reverse()) await step();
  });

  it(
    'is finished by another live node when the node that burned is killed before its scrub',
    async () => {
      const database = await freshDatabase('cinder_orphan');
      release.push(() => database.drop());
      const where = await locate(database.url);
      if (typeof where === 'string' || where === null) throw new Error(`cannot locate it: ${where}`);
      const children: ChildServer[] = [];
      release.push(async () => {
        for (const c of children) {
          if (c.child.exitCode === null && c.child.signalCode === null) {
            c.child.kill('SIGKILL');
            await c.exited;
          }
        }
      });
      const dirA = tempDir();
      const dirB = tempDir();
      release.push(() => {
        dirA.remove();
        dirB.remove();
      });
      // Two nodes of one cluster: one database, one Redis.
      const node = async (dir: string) => {
        const child = await spawnServer([
          '--port',
          '0',
          '--data-dir',
          dir,
          '--database-url',
          database.url,
          '--redis-url',
          TEST_REDIS_URL,
          '--log-level',
          'info',
        ]);
        children.push(child);
        return child;
      };
      const a = await node(dirA.path);
      const b = await node(dirB.path);
      const alice = await register(a);
      const bob = await register(a);
      const aliceA = await RawClient.connect(a.url, alice.token);
      const bobA = await RawClient.connect(a.url, bob.token);
      release.push(() => aliceA.close());
      release.push(() => bobA.close());
      const marker = randomBytes(24).toString('hex');
      const sent = await sealedSend(aliceA, alice.user.username, bob.user.username, marker);
      const envelopes = new EnvelopeSearch<string>().add(sent.envelope, sent.id);
      // In the heap file before the burn, so its bytes are on disk whatever the timing after it.
      await sql('CHECKPOINT');
      expect([...envelopes.inDir(where.dbDir)]).toEqual([sent.id]);
      expect(await bobA.request({ type: 'open', id: sent.id })).toMatchObject({ type: 'reply' });
      // Killed right after the burn: its own scrub (1 s later) never runs.
      a.child.kill('SIGKILL');
      await a.exited;
      expect([...envelopes.inDir(where.dbDir)], 'node A scrubbed before it died').toEqual([sent.id]);

      // Node B finds the pending scrub (older than 2 s, checked every 2 s): a few seconds when idle.
      await waitFor(() => scrubbed(where.dbDir, envelopes), {
        timeout: 60_000,
        interval: 250,
        what: 'the burned envelope gone from the database files',
      });
      expect((await fetch(`${b.url}/healthz`)).status).toBe(200);
      // The plain text was never in any file of the cluster.
      expect(filesContaining(located.dataDir, [marker])).toEqual([]);
    },
    SLOW_TEST_MS,
  );
});

await describeWithServices('postgres: attachment bytes on disk', ['postgres'], () => {
  if (typeof located === 'string' || located === null) {
    it.skip(`needs the data directory: ${located ?? 'PostgreSQL unreachable'}`, () => {});
    return;
  }
  const { dataDir, dbDir } = located;
  const release: Array<() => unknown> = [];
  afterEach(async () => {
    for (const step of release.splice(0).reverse()) await step();
  });

  /** A storage on a schema of its own, scrubbing as a server does (`auto`, 1 s after a delete). */
  const open = async () => {
    const schema = uniqueSchema();
    release.push(() => dropSchema(schema));
    const storage = new PostgresStorage({ url: TEST_DATABASE_URL, schema });
    await storage.init();
    release.push(() => storage.close());
    return { storage, chunks: `"${schema}".upload_chunks` };
  };

  /**
   * A complete upload of device `d_alice` holding two markers: one in a chunk row small enough to
   * stay in the table's heap, one at the head of a chunk of random bytes, which PostgreSQL stores
   * out of line (TOAST) and uncompressed.
   */
  const markedUpload = async (storage: PostgresStorage, expiresAt = 3_600_000) => {
    const id = `f_${randomBytes(12).toString('hex')}`;
    const markers = [marker(), marker()] as const;
    const small = randomBytes(1000);
    Buffer.from(markers[0]).copy(small, 100);
    const large = randomBytes(100_000);
    Buffer.from(markers[1]).copy(large, 0);
    const size = small.length + large.length;
    await storage.uploads.create({ id, deviceId: 'd_alice', size, createdAt: 1, expiresAt });
    expect((await storage.uploads.append(id, 0, small)).kind).toBe('appended');
    expect((await storage.uploads.append(id, small.length, large)).kind).toBe('appended');
    return { id, size, markers };
  };

  /**
   * Which of the markers `upload_chunks` holds in its rows, and in its heap and TOAST files. The
   * files are listed again after the search: when a rewrite gave the table new files meanwhile,
   * the search runs again rather than read a truncated old file as an empty table.
   */
  const residue = async (chunks: string, markers: readonly string[]) => {
    for (;;) {
      const files = await tableFiles(dataDir, chunks);
      const inFiles = markersIn(files, markers);
      if ((await tableFiles(dataDir, chunks)).join() !== files.join()) continue;
      const { rows } = await sql(
        `SELECT m FROM unnest($1::text[]) AS m
         WHERE EXISTS (SELECT 1 FROM ${chunks} WHERE position(convert_to(m, 'UTF8') in bytes) > 0)`,
        undefined,
        [markers],
      );
      return { rows: markers.filter((m) => rows.some((r) => r.m === m)), files: inFiles };
    }
  };

  /** Wait (polling, up to a minute for a loaded machine) until no row or file holds the markers. */
  const gone = (chunks: string, markers: readonly string[], what: string) =>
    waitFor(
      async () => {
        const left = await residue(chunks, markers);
        if (left.rows.length + left.files.length > 0) throw new Error(`still there: ${JSON.stringify(left)}`);
        return true;
      },
      { timeout: 60_000, interval: 250, what },
    );

  it("removes a burned blob's bytes from upload_chunks' rows, heap and TOAST files by the scrub after the open", async () => {
    const { storage, chunks } = await open();
    const burned = await markedUpload(storage);
    const live = await markedUpload(storage);
    const all = [...burned.markers, ...live.markers];
    const attached = (upload: { id: string; size: number }) =>
      newMessage({
        text: '{"v":1}',
        burn: hourBurn,
        attachment: { upload: upload.id, view: { kind: 'image', size: upload.size } },
      });
    const toBurn = attached(burned);
    const unopened = attached(live);
    for (const message of [toBurn, unopened]) {
      const inserted = await storage.insertMessage({
        deviceId: 'd_alice',
        key: message.id,
        message,
        at: 1_000,
      });
      expect(inserted.created).toBe(true);
    }
    // Both blobs are in the rows and, after a checkpoint, in the files: the search finds them.
    await sql('CHECKPOINT');
    expect(await residue(chunks, all)).toEqual({ rows: all, files: all });

    const opened = await storage.openMessage({ id: toBurn.id, userId: bob.id, deviceId: 'd_bob', at: 2_000 });
    expect(opened.kind).toBe('taken');
    // No call to storage.scrub(): the scrub the burn queued (1 s later) does it.
    await gone(chunks, burned.markers, "the burned blob's bytes gone from upload_chunks");
    // They stay gone once the cluster writes out its buffers, while the live blob's bytes are
    // in the same table's files; nothing else in the database holds the burned ones.
    await sql('CHECKPOINT');
    expect(await residue(chunks, all)).toEqual({ rows: [...live.markers], files: [...live.markers] });
    expect(filesContaining(dbDir, burned.markers)).toEqual([]);
  });

  it("removes a cancelled upload's and then an expired upload's bytes from upload_chunks' rows and files", async () => {
    const { storage, chunks } = await open();
    const cancelled = await markedUpload(storage);
    const expired = await markedUpload(storage, 5_000);
    const live = await markedUpload(storage);
    const all = [...cancelled.markers, ...expired.markers, ...live.markers];
    await sql('CHECKPOINT');
    expect(await residue(chunks, all)).toEqual({ rows: all, files: all });

    // Cancelled (DELETE /v1/uploads/:id): its own scrub, while the other two stay.
    expect(await storage.uploads.delete(cancelled.id)).toBe(true);
    await gone(chunks, cancelled.markers, "the cancelled upload's bytes gone from upload_chunks");
    await sql('CHECKPOINT');
    const left = [...expired.markers, ...live.markers];
    expect(await residue(chunks, all)).toEqual({ rows: left, files: left });

    // Past its deadline, removed by the orphan sweep: its own scrub too.
    expect(await storage.uploads.expire(10_000)).toBe(1);
    await gone(chunks, expired.markers, "the expired upload's bytes gone from upload_chunks");
    await sql('CHECKPOINT');
    expect(await residue(chunks, all)).toEqual({ rows: [...live.markers], files: [...live.markers] });
    expect(filesContaining(dbDir, [...cancelled.markers, ...expired.markers])).toEqual([]);
  });
});
