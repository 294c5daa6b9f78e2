/**
 * View-once media (issue 12, docs/media.md) on a cluster: two server processes on one PostgreSQL
 * schema and one Redis prefix, Alice on one node and Bob on the other. A 1 MB photo sent as a
 * burn message never reaches the servers readable (their data dirs at any time, PostgreSQL's
 * whole data directory, both logs at trace, what they receive over HTTP and WebSocket), its
 * ciphertext is in PostgreSQL until the open and gone from the rows, a dump and the
 * `upload_chunks` table's files 5 s after it, it opens once, and its blob then answers on both
 * nodes as an id that never existed. The SQLite case is media-burn.test.ts.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, expect, it } from 'vitest';
import { locate, sql, tableFiles } from '../../packages/server/test/postgres-files.ts';
import {
  describeWithServices,
  dropSchema,
  TEST_DATABASE_URL,
  TEST_REDIS_URL,
  uniquePrefix,
  uniqueSchema,
} from '../../packages/server/test/services.ts';
import {
  type ChildServer,
  codeOf,
  type Device,
  device,
  marker,
  passwordOf,
  type RecordingProxy,
  recordingProxy,
  sleep,
  spawnServer,
  tempDir,
  username,
  waitFor,
} from '../kit/index.ts';
import {
  captureOutput,
  envelopeSent,
  type Form,
  formsIn,
  formsOf,
  pgDump,
  postgresRows,
  scanDir,
  watchDir,
} from './e2e-evidence.ts';
import {
  blobAnswer,
  bytesForms,
  formsInAny,
  madeUpLike,
  markedPhoto,
  namesIn,
  sendFrameOf,
  sliceForms,
  slicesOf,
  tokenOf,
  uploadedParts,
} from './media-evidence.ts';

// Starting two server processes and reading PostgreSQL's files a few times takes minutes at a
// load average of 20.
const SLOW_MS = 300_000;
/** How long after the open the burned blob may still exist (docs/media.md: "within 5 s"). */
const BLOB_GONE_MS = 5_000;

/**
 * The PostgreSQL data directory and this database's folder in it, when this process can read
 * them (the tests run as root beside the cluster). Elsewhere the file-level checks cannot run:
 * the tests then search rows and pg_dump only, and say so once.
 */
const located = await locate();
const pg = located !== null && typeof located === 'object' ? located : null;
if (typeof located === 'string') {
  console.warn(
    `\n${'!'.repeat(78)}\n!! media-burn-cluster: ${located}; searching rows and pg_dump only.\n${'!'.repeat(78)}\n`,
  );
}

interface Node {
  server: ChildServer;
  /** What clients reach the node through (see the first test). */
  proxy: RecordingProxy;
  dataDir: string;
  /** Everything the process logged since it listened. */
  output: () => string;
}

await describeWithServices('media burn on two nodes (PostgreSQL + Redis)', ['postgres', 'redis'], () => {
  const schema = uniqueSchema('cinder_media');
  const prefix = uniquePrefix();
  const chunksTable = `"${schema}".upload_chunks`;
  const release: Array<() => unknown> = [];

  afterEach(async () => {
    for (const step of release.splice(0).reverse()) await step();
  });

  afterAll(async () => {
    await dropSchema(schema);
  });

  /**
   * Two nodes with data dirs under `root` (a temp dir removed after them), logging at trace, each
   * behind a recording proxy.
   */
  async function cluster(): Promise<{ root: string; nodes: [Node, Node] }> {
    const dir = tempDir('cinder-media-cluster-');
    release.push(() => dir.remove());
    const root = dir.path;
    const start = async (i: number): Promise<Node> => {
      const dataDir = join(root, `node-${i}`);
      mkdirSync(dataDir);
      // Trace: the most the server ever logs, so content logged at any level would show.
      const server = await spawnServer([
        '--port',
        '0',
        '--host',
        '127.0.0.1',
        '--data-dir',
        dataDir,
        '--database-url',
        TEST_DATABASE_URL,
        '--database-schema',
        schema,
        '--redis-url',
        TEST_REDIS_URL,
        '--redis-prefix',
        prefix,
        '--log-level',
        'trace',
      ]);
      release.push(() => server[Symbol.asyncDispose]());
      const output = captureOutput(server);
      const proxy = await recordingProxy(server.url);
      release.push(() => proxy.close());
      return { server, proxy, dataDir, output };
    };
    // One after the other: both would migrate the same new schema at once.
    const first = await start(0);
    return { root, nodes: [first, await start(1)] };
  }

  /** Stop a node as an operator does (SIGTERM) and wait for it to exit. */
  async function stop(node: Node): Promise<void> {
    if (node.server.child.exitCode === null && node.server.child.signalCode === null) {
      node.server.child.kill('SIGTERM');
    }
    await node.server.exited;
  }

  /** An SDK client reaching `on` through its proxy, registering a new account (or signing in to `existing`). */
  async function sdk(on: Node, existing?: string): Promise<Device> {
    const d = device(on.proxy.url);
    release.push(() => d.client.close());
    const name = existing ?? username('media');
    if (existing) await d.client.login(name, passwordOf(name));
    else await d.client.register(name, passwordOf(name));
    d.name = name;
    return d;
  }

  /**
   * Which of `forms` (by name) PostgreSQL holds of the cluster, after a checkpoint wrote its
   * buffers to the files: in the schema's rows (as JSON: bytea as hex), in a pg_dump of it, in
   * the files of `upload_chunks` (heap and TOAST, by `pg_relation_filepath`) and in any file of
   * the database's folder (every table and index).
   */
  async function inDatabase(forms: readonly Form[]): Promise<Record<string, string[]>> {
    const found: Record<string, string[]> = {
      rows: namesIn(formsIn((await postgresRows(TEST_DATABASE_URL, schema)).join('\n'), forms)),
      dump: namesIn(formsIn(pgDump(TEST_DATABASE_URL, schema), forms)),
    };
    if (pg) {
      await sql('CHECKPOINT');
      // A scrub's VACUUM FULL gives the table new files: list them again after reading, and read
      // again if they changed meanwhile rather than take a truncated old file for an empty table.
      for (;;) {
        const files = await tableFiles(pg.dataDir, chunksTable);
        const hits = files.flatMap((f) => formsIn(readFileSync(f), forms));
        if ((await tableFiles(pg.dataDir, chunksTable)).join() !== files.join()) continue;
        found.chunkFiles = namesIn(hits);
        break;
      }
      const db = scanDir(pg.dbDir, forms);
      expect(db.files).toBeGreaterThan(0);
      found.dbFiles = namesIn(db.hits);
    }
    return found;
  }

  /** `names` in each place `inDatabase` searches (the file places only when the files are readable). */
  const inEvery = (names: string[], places = ['rows', 'dump', 'chunkFiles', 'dbFiles']) =>
    Object.fromEntries(places.filter((p) => pg || !p.endsWith('Files')).map((p) => [p, names]));

  it(
    'a 1 MB burn photo’s marker is never in the nodes’ data dirs (at any time), PostgreSQL’s files (pg_wal too), the logs at trace, or any HTTP body or WebSocket message the nodes receive; its ciphertext and key share are in PostgreSQL until the open and gone from rows, dump and table files 5 s after',
    async () => {
      const { root, nodes } = await cluster();
      const [a, b] = nodes;
      // Every client reaches a node only through its proxy, which records each HTTP body and each
      // WebSocket message after it has undone HTTP framing and WebSocket masking: the bytes the
      // node's parsers read, from every client of the test, not what one client meant to send.
      const proxies = [a.proxy, b.proxy];
      const alice = await sdk(a);
      const bob = await sdk(b);
      const burn = markedPhoto();
      const normal = markedPhoto();
      const secret = bytesForms(burn.marker, 'burn');
      // The normal photo's marker and a normal text do reach the servers: each place searched
      // below finds them, so a search that finds nothing there means it.
      const plain = bytesForms(normal.marker, 'normal');
      const text = marker();
      // Both nodes' data dirs, from before the send to after both nodes stop.
      const watcher = watchDir(root, secret);
      try {
        const normalSent = await alice.client.sendFile(bob.name, normal.bytes, {
          name: 'normal.png',
          type: 'image/png',
        });
        const sent = await alice.client.sendFile(bob.name, burn.bytes, {
          name: 'view-once.png',
          type: 'image/png',
          burn: true,
        });
        await alice.client.send(bob.name, text);
        for (const m of [normalSent, sent]) {
          await waitFor(() => bob.events.message.find((x) => x.id === m.id), { what: 'the photos at Bob' });
        }

        // What the nodes received: no body and no message holds the burn photo's marker.
        const bodies = proxies.flatMap((p) => p.requests.map((r) => r.body));
        expect(formsInAny(bodies, secret)).toEqual([]);
        expect(formsInAny(bodies, plain)).toContain('normal raw');
        const messages = proxies.flatMap((p) => p.messages);
        for (const p of proxies) expect(p.unreadable).toEqual([]);
        expect(formsInAny(messages, secret)).toEqual([]);
        expect(formsInAny(messages, formsOf(text))).not.toEqual([]);

        // The ciphertext as uploaded, slices of it, and the envelope's key share K2.
        const frame = sendFrameOf(alice, sent.id);
        const parts = uploadedParts(proxies, frame.attachment.upload);
        expect(Buffer.concat(parts).length).toBe(frame.attachment.size);
        const slices = sliceForms(slicesOf(parts));
        const everySlice = namesIn(slices.map((s) => s.name));
        const k2 = bytesForms(Buffer.from(envelopeSent(alice, sent.id).k2, 'base64url'), 'k2');
        const everyK2 = (found: string[]) => found.filter((n) => n.startsWith('k2 '));

        // Before the open: every slice is in every place (so the search finds ciphertext), K2 is
        // in the rows and a dump, the normal photo's marker is stored, the burn photo's is not.
        const before = await inDatabase([...slices, ...plain, ...secret, ...k2]);
        const sliceHits = (found: Record<string, string[]>) =>
          Object.fromEntries(
            Object.entries(found).map(([p, n]) => [p, n.filter((x) => x.startsWith('slice '))]),
          );
        expect(sliceHits(before)).toEqual(inEvery(everySlice));
        for (const place of ['rows', 'dump']) {
          expect(before[place]).toContain('normal hex');
          expect(everyK2(before[place] ?? [])).not.toEqual([]);
        }
        if (pg) {
          expect(before.chunkFiles).toContain('normal raw');
          expect(everyK2(before.dbFiles ?? [])).not.toEqual([]);
        }
        for (const names of Object.values(before))
          expect(names.filter((n) => n.startsWith('burn '))).toEqual([]);

        const opened = await bob.client.open(sent.id);
        const openedAt = Date.now();
        expect(opened.attachment).toMatchObject({ kind: 'image', name: 'view-once.png', type: 'image/png' });
        expect(Buffer.from(opened.attachment?.data ?? []).equals(Buffer.from(burn.bytes))).toBe(true);
        await waitFor(() => alice.events.burned.find((x) => x.messageId === sent.id), {
          what: 'the burn at Alice',
        });

        // The contract is about elapsed time: the blob is gone within 5 s of the open (the burn
        // deletes its chunk rows in its transaction, a scrub rewrites the table about a second
        // later). Wait out those 5 s, then look.
        await sleep(Math.max(0, openedAt + BLOB_GONE_MS - Date.now()));
        const after = await inDatabase([...slices, ...plain, ...secret, ...k2]);
        expect(sliceHits(after)).toEqual(inEvery([]));
        for (const [place, names] of Object.entries(after)) {
          expect(everyK2(names), `K2 in ${place}`).toEqual([]);
          expect(
            names.filter((n) => n.startsWith('burn ')),
            `the marker in ${place}`,
          ).toEqual([]);
        }
        // The normal photo is still stored: the same searches still find what is there.
        expect(after.rows).toContain('normal hex');
        if (pg) expect(after.chunkFiles).toContain('normal raw');
        expect(scanDir(root, slices).hits).toEqual([]);

        // pg_wal is not searched for the ciphertext or K2: the upload and the send wrote them
        // there, and PostgreSQL offers no way to scrub its write-ahead log
        // (packages/server/docs/postgres.md), so they stay until the segments are recycled. They
        // are useless there: K = K1 xor K2 needs K1, which the server never had (it holds only
        // copies sealed to the recipient's device keys), and the blob key is derived from K. The
        // plaintext never reached the server, so for the marker the whole data directory, pg_wal
        // included, is searched.
        if (pg) expect(scanDir(pg.dataDir, secret).hits).toEqual([]);

        // Both nodes logged the message (stored on Alice's, opened on Bob's), never its content.
        await waitFor(() => [a, b].every((n) => n.output().includes(sent.id)), {
          what: 'both nodes’ log lines',
        });
        const logs = [a, b].map((n) => n.output()).join('\n');
        expect(formsIn(logs, secret)).toEqual([]);
        expect(formsIn(logs, slices)).toEqual([]);

        // To after the stop: the watcher runs until both nodes have exited.
        await Promise.all([stop(a), stop(b)]);
        const watched = await watcher.stop();
        expect(watched.scans).toBeGreaterThan(1);
        expect(watched.hits).toEqual([]);
        expect(scanDir(root, [...secret, ...slices]).hits).toEqual([]);
        if (pg) expect(scanDir(pg.dataDir, secret).hits).toEqual([]);
      } finally {
        await watcher.stop();
      }
    },
    SLOW_MS,
  );

  it(
    'a burn photo sent on one node opens once on the other with its exact bytes, name and type; a second open is BURNED on both nodes; its blob then answers on both nodes as a made-up id, for recipient and sender',
    async () => {
      const {
        nodes: [a, b],
      } = await cluster();
      const alice = await sdk(a);
      const bob = await sdk(b);
      const bobOnA = await sdk(a, bob.name);
      const photo = markedPhoto();
      const sent = await alice.client.sendFile(bob.name, photo.bytes, {
        name: 'holiday.png',
        type: 'image/png',
        burn: true,
      });
      for (const d of [bob, bobOnA]) {
        await waitFor(() => d.events.message.find((m) => m.id === sent.id), { what: 'the photo at Bob' });
      }
      const tokens = { recipient: await tokenOf(bob), sender: await tokenOf(alice) };
      // Before the open both nodes serve the blob (ciphertext, the size the sealed bubble shows):
      // the answers compared after the burn are about a blob that existed.
      for (const n of [a, b]) {
        const live = await blobAnswer(n.server.url, tokens.recipient, sent.id);
        expect(live.status).toBe(200);
        expect(Buffer.from(live.body, 'base64').length).toBe(sent.attachment?.size);
      }

      const opened = await bob.client.open(sent.id);
      expect(opened.attachment).toMatchObject({ kind: 'image', name: 'holiday.png', type: 'image/png' });
      expect(Buffer.from(opened.attachment?.data ?? []).equals(Buffer.from(photo.bytes))).toBe(true);
      expect(await codeOf(bob.client.open(sent.id))).toBe('BURNED');
      expect(await codeOf(bobOnA.client.open(sent.id))).toBe('BURNED');

      for (const n of [a, b]) {
        for (const [who, token] of Object.entries(tokens)) {
          for (const range of [undefined, 'bytes=0-99']) {
            const burned = await blobAnswer(n.server.url, token, sent.id, range);
            expect(burned.status, `${who}, range ${range}`).toBe(404);
            for (const madeUp of [madeUpLike(sent.id), 'm_never_existed']) {
              expect(burned, `${who} on ${n.server.url}, range ${range}, ${madeUp}`).toEqual(
                await blobAnswer(n.server.url, token, madeUp, range),
              );
            }
          }
        }
      }
      expect(await codeOf(alice.client.attachment(sent.id))).toBe('NOT_FOUND');
    },
    SLOW_MS,
  );
});
