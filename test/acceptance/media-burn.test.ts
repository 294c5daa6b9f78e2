/**
 * View-once media (issue 12, docs/media.md) on a real server with SQLite: a 1 MB photo sent as a
 * burn message never reaches the server readable (its data dir at any time, its log at trace,
 * what it receives over HTTP and WebSocket), its ciphertext is in `blobs/` until the open and
 * gone 5 s after it, it opens once with its exact bytes, and its blob then answers as an id that
 * never existed. The two-node PostgreSQL case is media-burn-cluster.test.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { codeOf, Harness, marker, recordingProxy, sleep, tempDir, waitFor } from '../kit/index.ts';
import { formsIn, formsOf, scanDir, watchDir } from './e2e-evidence.ts';
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

/** How long after the open the burned blob may still exist (docs/media.md: "within 5 s"). */
const BLOB_GONE_MS = 5_000;

describe('media burn (SQLite): a 1 MB burn photo', () => {
  it('never shows its marker in the data dir (at any time), the trace log, or any HTTP body or WebSocket message the server receives; its ciphertext is on disk until the open and gone 5 s after', async () => {
    using data = tempDir('cinder-media-data-');
    using logs = tempDir('cinder-media-log-');
    const logFile = join(logs.path, 'server.log');
    // Trace: the most the server ever logs, so content logged at any level would show.
    const h = await Harness.start({ dataDir: data.path, logLevel: 'trace', logFile });
    let running = true;
    let watcher: ReturnType<typeof watchDir> | null = null;
    try {
      // Every client reaches the server only through this proxy, which records each HTTP body and
      // each WebSocket message after it has undone HTTP framing and WebSocket masking: the bytes
      // the server's parsers read, from every client of the test, not what one client meant to send.
      await using proxy = await recordingProxy(h.url);
      const alice = await h.user(undefined, { url: proxy.url });
      const bob = await h.user(undefined, { url: proxy.url });
      const burn = markedPhoto();
      const normal = markedPhoto();
      const secret = bytesForms(burn.marker, 'burn');
      // The normal photo's marker and a normal text do reach the server: each place searched below
      // finds them, so a search that finds nothing there means it.
      const plain = bytesForms(normal.marker, 'normal');
      const text = marker();
      watcher = watchDir(data.path, secret);

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

      // What the server received: no body and no message holds the burn photo's marker.
      const bodies = proxy.requests.map((r) => r.body);
      expect(proxy.requests.filter((r) => r.method === 'PUT').length).toBeGreaterThanOrEqual(2);
      expect(formsInAny(bodies, secret)).toEqual([]);
      expect(formsInAny(bodies, plain)).toContain('normal raw');
      expect(proxy.unreadable).toEqual([]);
      expect(formsInAny(proxy.messages, secret)).toEqual([]);
      expect(formsInAny(proxy.messages, formsOf(text))).not.toEqual([]);
      expect(proxy.messages.filter((m) => m.includes('"type":"send"')).length).toBeGreaterThanOrEqual(3);

      // The ciphertext as uploaded, and slices of it to find wherever it is stored.
      const frame = sendFrameOf(alice, sent.id);
      const parts = uploadedParts([proxy], frame.attachment.upload);
      expect(Buffer.concat(parts).length).toBe(frame.attachment.size);
      expect(frame.attachment.size).toBeGreaterThan(burn.bytes.length);
      const slices = sliceForms(slicesOf(parts));
      const everySlice = namesIn(slices.map((s) => s.name));

      // Before the open: the blob file holds every slice (so the search finds ciphertext), the
      // normal photo's marker is on disk, the burn photo's marker is not.
      const beforeOpen = scanDir(data.path, slices);
      expect(beforeOpen.files).toBeGreaterThan(0);
      expect(namesIn(beforeOpen.hits)).toEqual(everySlice);
      expect(beforeOpen.hits.every((hit) => hit.startsWith('blobs/'))).toBe(true);
      expect(scanDir(data.path, plain).hits).not.toEqual([]);
      expect(scanDir(data.path, secret).hits).toEqual([]);

      const opened = await bob.client.open(sent.id);
      const openedAt = Date.now();
      expect(opened.attachment).toMatchObject({ kind: 'image', name: 'view-once.png', type: 'image/png' });
      expect(Buffer.from(opened.attachment?.data ?? []).equals(Buffer.from(burn.bytes))).toBe(true);
      await waitFor(() => alice.events.burned.find((b) => b.messageId === sent.id), { what: 'the burn' });

      // The contract is about elapsed time: the blob is gone within 5 s of the open. Wait out
      // those 5 s, then no file of the data dir holds any slice of the ciphertext.
      await sleep(Math.max(0, openedAt + BLOB_GONE_MS - Date.now()));
      const afterOpen = scanDir(data.path, slices);
      expect(afterOpen.files).toBeGreaterThan(0);
      expect(afterOpen.hits).toEqual([]);
      expect(scanDir(data.path, plain).hits).not.toEqual([]);

      // To after the stop: the watcher runs through the server's close.
      await h.close();
      running = false;
      const watched = await watcher.stop();
      expect(watched.scans).toBeGreaterThan(1);
      expect(watched.hits).toEqual([]);
      expect(scanDir(data.path, [...secret, ...slices]).hits).toEqual([]);

      // The whole log at trace: it names the message, never the photo's marker or its ciphertext.
      const log = readFileSync(logFile);
      expect(log.includes(sent.id)).toBe(true);
      expect(formsIn(log, secret)).toEqual([]);
      expect(formsIn(log, slices)).toEqual([]);
    } finally {
      await watcher?.stop();
      if (running) await h.close();
    }
  });

  it('opens once with its exact bytes, name and type; a second open is BURNED on the same and another device; its blob then answers byte for byte as a made-up id, for recipient and sender', async () => {
    await using h = await Harness.start();
    const alice = await h.user();
    const bob = await h.user();
    const bob2 = await h.device(bob.name);
    const photo = markedPhoto();
    const sent = await alice.client.sendFile(bob.name, photo.bytes, {
      name: 'holiday.png',
      type: 'image/png',
      burn: true,
    });
    for (const d of [bob, bob2]) {
      await waitFor(() => d.events.message.find((m) => m.id === sent.id), { what: 'the photo at Bob' });
    }
    const tokens = { recipient: await tokenOf(bob), sender: await tokenOf(alice) };
    // Before the open the blob is served (ciphertext, the size the sealed bubble shows): the
    // answers compared after the burn are about a blob that existed.
    const live = await blobAnswer(h.url, tokens.recipient, sent.id);
    expect(live.status).toBe(200);
    expect(Buffer.from(live.body, 'base64').length).toBe(sent.attachment?.size);

    const opened = await bob.client.open(sent.id);
    expect(opened.attachment).toMatchObject({ kind: 'image', name: 'holiday.png', type: 'image/png' });
    expect(Buffer.from(opened.attachment?.data ?? []).equals(Buffer.from(photo.bytes))).toBe(true);
    expect(await codeOf(bob.client.open(sent.id))).toBe('BURNED');
    expect(await codeOf(bob2.client.open(sent.id))).toBe('BURNED');

    for (const [who, token] of Object.entries(tokens)) {
      for (const range of [undefined, 'bytes=0-99']) {
        const burned = await blobAnswer(h.url, token, sent.id, range);
        expect(burned.status, `${who}, range ${range}`).toBe(404);
        for (const madeUp of [madeUpLike(sent.id), 'm_never_existed']) {
          expect(burned, `${who}, range ${range}, ${madeUp}`).toEqual(
            await blobAnswer(h.url, token, madeUp, range),
          );
        }
      }
    }
    expect(await codeOf(alice.client.attachment(sent.id))).toBe('NOT_FOUND');
  });
});
