import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  codeOf,
  Harness,
  holdFirstSend,
  passwordOf,
  tempDir,
  username,
  waitFor,
} from '../../../test/kit/index.ts';
import { CinderClient, type FetchLike, MemoryStore } from '../src/index.ts';
import { FileStore, fileFrom } from '../src/node.ts';

/** A file of `size` random bytes with a 32-byte marker in the middle (what a search looks for). */
function photo(size = 300_000): { bytes: Uint8Array<ArrayBuffer>; marker: Buffer } {
  const bytes = new Uint8Array(randomBytes(size));
  const marker = randomBytes(32);
  bytes.set(marker, Math.floor(size / 2));
  return { bytes, marker };
}

/** Real fetch, keeping every request body it sent, so a test can search what left the device. */
function recordingFetch(): { fetch: FetchLike; bodies: Buffer[]; gets: string[] } {
  const bodies: Buffer[] = [];
  const gets: string[] = [];
  const fetch: FetchLike = (url, init) => {
    if (init.body !== undefined) bodies.push(Buffer.from(init.body));
    if (init.method === 'GET') gets.push(new URL(url).pathname);
    return globalThis.fetch(url, init);
  };
  return { fetch, bodies, gets };
}

describe('sendFile and open with attachments (docs/media.md)', () => {
  it('a normal message carries a file with its name and type; the recipient gets it from open and again from attachment', async () => {
    await using h = await Harness.start();
    const bob = await h.user();
    const alice = await h.user();
    const { bytes } = photo(70_000);
    const sent = await alice.client.sendFile(bob.name, bytes, {
      name: 'cat.png',
      type: 'image/png',
      text: 'look',
    });
    expect(sent.attachment).toEqual({
      kind: 'image',
      size: bytes.length,
      name: 'cat.png',
      type: 'image/png',
    });
    const received = await waitFor(() => bob.events.message.find((m) => m.id === sent.id), {
      what: 'the message',
    });
    expect(received.attachment).toEqual({
      kind: 'image',
      size: bytes.length,
      name: 'cat.png',
      type: 'image/png',
    });
    const opened = await bob.client.open(sent.id);
    expect(opened.text).toBe('look');
    expect(opened.attachment).toMatchObject({ kind: 'image', name: 'cat.png', type: 'image/png' });
    expect(Buffer.from(opened.attachment?.data ?? []).equals(Buffer.from(bytes))).toBe(true);
    const again = await bob.client.attachment(sent.id);
    expect(Buffer.from(again.data).equals(Buffer.from(bytes))).toBe(true);
    // The sender's other view of it too.
    expect(Buffer.from((await alice.client.attachment(sent.id)).data).equals(Buffer.from(bytes))).toBe(true);
  });

  it('a burn file leaves the device only as ciphertext, shows kind and size only, opens once and its blob is then gone', async () => {
    await using h = await Harness.start();
    const bob = await h.user();
    const wire = recordingFetch();
    const alice = await h.user(undefined, { fetch: wire.fetch });
    const { bytes, marker } = photo(600_000);
    const sent = await alice.client.sendFile(bob.name, bytes, {
      name: 'secret-plan.jpg',
      type: 'image/jpeg',
      text: 'caption',
      burn: true,
    });
    expect(sent.attachment).toEqual({ kind: 'image', size: expect.any(Number) });
    // Every HTTP body and every WebSocket frame alice sent: no marker, no name.
    const sentFrames = alice.net.sent.join('\n');
    expect(wire.bodies.length).toBeGreaterThan(1);
    for (const body of wire.bodies) expect(body.includes(marker)).toBe(false);
    expect(sentFrames).not.toContain('secret-plan');
    for (const body of wire.bodies) expect(body.toString('latin1')).not.toContain('secret-plan');
    const received = await waitFor(() => bob.events.message.find((m) => m.id === sent.id), {
      what: 'the message',
    });
    expect(received.attachment).toEqual({ kind: 'image', size: sent.attachment?.size });
    expect(received.text).toBeUndefined();

    const opened = await bob.client.open(sent.id);
    expect(opened).toMatchObject({
      text: 'caption',
      attachment: { kind: 'image', name: 'secret-plan.jpg', type: 'image/jpeg' },
    });
    expect(Buffer.from(opened.attachment?.data ?? []).equals(Buffer.from(bytes))).toBe(true);
    expect(await codeOf(bob.client.open(sent.id))).toBe('BURNED');
    // After the burn the blob answers as an id that never existed, for both sides.
    const identity = await bob.store.getIdentity();
    const blobStatus = async (id: string) =>
      (
        await fetch(`${h.url}/v1/messages/${id}/blob`, {
          headers: { authorization: `Bearer ${identity?.token}` },
        })
      ).status;
    expect(await blobStatus(sent.id)).toBe(404);
    expect(await blobStatus('m_never_existed')).toBe(404);
    expect(await codeOf(alice.client.attachment(sent.id))).toBe('NOT_FOUND');
  });

  it('progress comes after each stored chunk, as events and to onProgress, up to the whole file', async () => {
    await using h = await Harness.start();
    const bob = await h.user();
    const alice = await h.user();
    const { bytes } = photo(700_000);
    const seen: number[] = [];
    const sent = await alice.client.sendFile(bob.name, bytes, {
      type: 'application/pdf',
      burn: true,
      onProgress: (p) => seen.push(p.sent),
    });
    expect(sent.attachment?.kind).toBe('file');
    const events = alice.events.upload;
    expect(events.length).toBeGreaterThan(1);
    expect(events.map((e) => e.sent)).toEqual(seen);
    expect(new Set(events.map((e) => e.key)).size).toBe(1);
    expect(events.every((e) => e.to === bob.name)).toBe(true);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(events.at(-1)?.sent).toBe(events.at(-1)?.total);
    expect(events.at(-1)?.total).toBe(sent.attachment?.size);
  });

  it('a cancelled upload fails with CANCELLED and sends nothing', async () => {
    await using h = await Harness.start();
    const bob = await h.user();
    const alice = await h.user();
    const abort = new AbortController();
    alice.client.on('upload', () => abort.abort());
    const sending = alice.client.sendFile(bob.name, photo(900_000).bytes, {
      burn: true,
      signal: abort.signal,
    });
    expect(await codeOf(sending)).toBe('CANCELLED');
    await alice.client.send(bob.name, 'after');
    await waitFor(() => bob.events.message.some((m) => m.text === 'after'), { what: 'the next message' });
    expect(bob.events.message.filter((m) => m.attachment)).toEqual([]);
  });

  it('a cancel while the last chunk is stored, or while a chunk hangs on the network, still sends nothing', async () => {
    await using h = await Harness.start();
    const bob = await h.user();
    const alice = await h.user();
    const last = new AbortController();
    const atLast = alice.client.sendFile(bob.name, photo(300_000).bytes, {
      burn: true,
      signal: last.signal,
      onProgress: (p) => p.sent === p.total && last.abort(),
    });
    expect(await codeOf(atLast)).toBe('CANCELLED');

    // A PUT that never gets an answer until its request is aborted: the cancel reaches it.
    let puts = 0;
    const hanging: FetchLike = (url, init) => {
      if (init.method !== 'PUT') return globalThis.fetch(url, init);
      puts++;
      return new Promise((_resolve, reject) => {
        init.signal?.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
      });
    };
    const carol = await h.user(undefined, { fetch: hanging });
    const stuck = new AbortController();
    const sending = carol.client.sendFile(bob.name, photo(300_000).bytes, { signal: stuck.signal });
    await waitFor(() => puts === 1, { what: 'the first chunk on its way' });
    stuck.abort();
    expect(await codeOf(sending)).toBe('CANCELLED');

    await alice.client.send(bob.name, 'after');
    await waitFor(() => bob.events.message.some((m) => m.text === 'after'), { what: 'the next message' });
    expect(bob.events.message.filter((m) => m.attachment)).toEqual([]);
  });

  it('over the server limit: PAYLOAD_TOO_LARGE before any byte goes up', async () => {
    await using h = await Harness.start({ maxUploadBytes: 100_000 });
    const bob = await h.user();
    const wire = recordingFetch();
    const alice = await h.user(undefined, { fetch: wire.fetch });
    const before = wire.bodies.length;
    expect(await codeOf(alice.client.sendFile(bob.name, photo(100_001).bytes))).toBe('PAYLOAD_TOO_LARGE');
    // Only the POST with the size: no bytes.
    expect(wire.bodies.slice(before).every((b) => b.length < 100)).toBe(true);
    expect(await codeOf(alice.client.sendFile(bob.name, new Uint8Array(0)))).toBe('BAD_REQUEST');
    expect(await codeOf(alice.client.sendFile(bob.name, photo(100).bytes, { type: 'jpeg' }))).toBe(
      'BAD_REQUEST',
    );
  });

  it('prefetch downloads the ciphertext ahead; the open then needs no download', async () => {
    await using h = await Harness.start();
    const wire = recordingFetch();
    const bob = await h.user(undefined, { fetch: wire.fetch });
    const alice = await h.user();
    const { bytes } = photo(200_000);
    const sent = await alice.client.sendFile(bob.name, bytes, { type: 'video/mp4', burn: true });
    await waitFor(() => bob.events.message.some((m) => m.id === sent.id), { what: 'the message' });
    await bob.client.prefetch(sent.id);
    expect(wire.gets.filter((p) => p.endsWith('/blob'))).toHaveLength(1);
    const opened = await bob.client.open(sent.id);
    expect(opened.attachment?.kind).toBe('video');
    expect(Buffer.from(opened.attachment?.data ?? []).equals(Buffer.from(bytes))).toBe(true);
    expect(wire.gets.filter((p) => p.endsWith('/blob'))).toHaveLength(1);
  });

  it('a device whose store is a file never writes a burn attachment to it, and sends a file from a path', async () => {
    await using h = await Harness.start();
    using dir = tempDir();
    const bobName = username();
    const bob = new CinderClient({ url: h.url, store: new FileStore(join(dir.path, 'bob.json')) });
    try {
      await bob.register(bobName, passwordOf(bobName));
      const alice = await h.user();
      const { bytes, marker } = photo(120_000);
      const path = join(dir.path, 'holiday.jpg');
      writeFileSync(path, bytes);
      const file = await fileFrom(path);
      expect(file.name).toBe('holiday.jpg');
      expect(file.type).toBe('image/jpeg');
      const sent = await alice.client.sendFile(bobName, file, { burn: true });
      const opened = await waitFor(
        async () => {
          if (!(await bob.messages(alice.name)).some((m) => m.id === sent.id)) return null;
          return bob.open(sent.id);
        },
        { what: 'bob opened it' },
      );
      expect(opened.attachment?.name).toBe('holiday.jpg');
      expect(Buffer.from(opened.attachment?.data ?? []).equals(Buffer.from(bytes))).toBe(true);
      const stored = readFileSync(join(dir.path, 'bob.json'));
      expect(stored.includes(marker)).toBe(false);
      expect(stored.includes(Buffer.from(marker).toString('base64'))).toBe(false);
      expect(stored.toString()).not.toContain('holiday');
    } finally {
      await bob.close();
    }
  });

  it('a burn file re-sealed after the recipient added a device keeps its blob key: the new device opens it', async () => {
    await using h = await Harness.start();
    const bob = await h.user();
    const aliceName = username();
    const { WebSocket: HoldingWebSocket, sends, release } = holdFirstSend();
    const alice = new CinderClient({ url: h.url, store: new MemoryStore(), WebSocket: HoldingWebSocket });
    try {
      await alice.register(aliceName, passwordOf(aliceName));
      const { bytes } = photo(50_000);
      const sending = alice.sendFile(bob.name, bytes, { type: 'audio/ogg', burn: true });
      await waitFor(() => sends.length === 1, { what: 'the first sealed send on the wire' });
      const bob2 = await h.device(bob.name);
      release();
      const sent = await sending;
      expect(sends).toHaveLength(2);
      const [first, second] = sends.map((s) => JSON.parse(s) as { sealed: { id: string } });
      expect(second?.sealed.id).toBe(first?.sealed.id);
      await waitFor(() => bob2.events.message.some((m) => m.id === sent.id), {
        what: 'the message on the new device',
      });
      const opened = await bob2.client.open(sent.id);
      expect(opened.attachment?.kind).toBe('voice');
      expect(Buffer.from(opened.attachment?.data ?? []).equals(Buffer.from(bytes))).toBe(true);
    } finally {
      await alice.close();
    }
  });
});
