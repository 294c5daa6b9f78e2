import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Event, UploadStatus } from '@cinder/protocol';
import { afterEach, expect, it } from 'vitest';
import {
  filesUnder,
  type KeyedSession,
  RawClient,
  register,
  sealedSendFrame,
  sendFrame,
  type TestServer,
  tempDir,
  testServer,
  waitFor,
} from '../../../test/kit/index.ts';
import type { ServerOptions } from '../src/config.ts';
import { sql } from './postgres-files.ts';
import { describeOnStorages, storageBackends } from './services.ts';
import { readDatabase } from './storage-fixtures.ts';

/** An upload's row as stored: null when there is none. */
interface UploadRow {
  received: number;
  messageId: string | null;
}

/** A look at the storage under test. */
interface Readers {
  upload(server: TestServer, id: string): Promise<UploadRow | null>;
  /** Whether any file of the data dir (SQLite) or any chunk row (PostgreSQL) holds `slice`. */
  holds(server: TestServer, slice: Buffer): Promise<boolean>;
}

// Each test runs one server, on the storage made last.
const backends = storageBackends<Readers>('cinder_attach', {
  sqlite: () => ({
    upload: async (server, id) => {
      const row = readDatabase(
        server.dataDir,
        (db) =>
          db.prepare('SELECT received, message_id FROM uploads WHERE id = ?').get(id) as
            | { received: number; message_id: string | null }
            | undefined,
      );
      return row ? { received: row.received, messageId: row.message_id } : null;
    },
    holds: async (server, slice) =>
      filesUnder(server.dataDir).some((file) => {
        try {
          return readFileSync(file).includes(slice);
        } catch {
          return false; // removed while the search ran
        }
      }),
  }),
  postgres: (backend) => ({
    upload: async (_server, id) => {
      const { rows } = await sql(
        `SELECT received, message_id FROM "${backend.schema}".uploads WHERE id = $1`,
        undefined,
        [id],
      );
      const row = rows[0] as { received: string; message_id: string | null } | undefined;
      return row ? { received: Number(row.received), messageId: row.message_id } : null;
    },
    holds: async (_server, slice) => {
      const { rows } = await sql(
        `SELECT count(*) AS n FROM "${backend.schema}".upload_chunks WHERE position($1::bytea in bytes) > 0`,
        undefined,
        [slice],
      );
      return Number((rows[0] as { n: string }).n) > 0;
    },
  }),
});

/** An HTTP call with a device token; the status and the body's text. */
async function call(
  server: { url: string },
  token: string,
  method: string,
  path: string,
  body?: Uint8Array | Record<string, unknown>,
): Promise<{ status: number; text: string }> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  let payload: BodyInit | undefined;
  if (body instanceof Uint8Array) {
    headers['content-type'] = 'application/octet-stream';
    payload = new Uint8Array(body);
  } else if (body) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  const res = await fetch(`${server.url}${path}`, { method, headers, ...(payload ? { body: payload } : {}) });
  return { status: res.status, text: await res.text() };
}

/** Upload `bytes` (or only the first `upTo` of them) as `who`; the upload's id. */
async function upload(server: TestServer, who: KeyedSession, bytes: Uint8Array, upTo = bytes.length) {
  const created = await call(server, who.token, 'POST', '/v1/uploads', { size: bytes.length });
  expect(created.status).toBe(201);
  const status = UploadStatus.parse(JSON.parse(created.text));
  for (let at = 0; at < upTo; at += status.chunkBytes) {
    const chunk = bytes.subarray(at, Math.min(upTo, at + status.chunkBytes));
    const put = await call(server, who.token, 'PUT', `/v1/uploads/${status.id}?offset=${at}`, chunk);
    expect(put.status).toBe(200);
  }
  return status.id;
}

/** An error answer without its rid: what two refusals are compared by. */
function refusal(answer: { type: string } & Record<string, unknown>): Record<string, unknown> {
  const { rid: _rid, ...rest } = answer;
  return rest;
}

await describeOnStorages('attachments', backends, (backend) => {
  const servers: TestServer[] = [];
  const clients: RawClient[] = [];
  const serve = async (options: ServerOptions = {}): Promise<TestServer> => {
    const server = await testServer({ ...backend.options(), ...options });
    servers.push(server);
    return server;
  };
  const connect = async (server: TestServer, who: KeyedSession): Promise<RawClient> => {
    const client = await RawClient.connect(server.url, who.token);
    clients.push(client);
    return client;
  };

  afterEach(async () => {
    for (const client of clients.splice(0)) await client[Symbol.asyncDispose]();
    for (const server of servers.splice(0)) await server.close();
    await backend.cleanup();
  });

  it('attaches a complete upload to a normal message, once, and it stops expiring', async () => {
    const server = await serve({ uploadTtlSeconds: 1, sweepIntervalMs: 50 });
    const alice = await register(server);
    const bob = await register(server);
    const bytes = randomBytes(300_000);
    const id = await upload(server, alice, bytes);
    const a = await connect(server, alice);
    const b = await connect(server, bob);
    const attachment = {
      upload: id,
      kind: 'file',
      size: bytes.length,
      name: 'notes.txt',
      type: 'text/plain',
    };
    const frame = sendFrame(bob.user.username, '', { attachment });
    const sent = await a.ok<{ id: string }>(frame);
    const event = (await b.waitForEvent((e) => e.kind === 'message' && e.message.id === sent.id)) as Extract<
      Event,
      { kind: 'message' }
    >;
    expect(event.message.attachment).toEqual({
      kind: 'file',
      size: bytes.length,
      name: 'notes.txt',
      type: 'text/plain',
    });
    expect(event.message.text).toBe('');
    expect(await backend.upload(server, id)).toEqual({ received: bytes.length, messageId: sent.id });
    // The upload is the message's blob now: not an upload its device can see, append to or cancel.
    expect((await call(server, alice.token, 'GET', `/v1/uploads/${id}`)).status).toBe(404);
    expect((await call(server, alice.token, 'DELETE', `/v1/uploads/${id}`)).status).toBe(404);
    // A retry of the same key answers the first result and attaches nothing again.
    const retried = await a.ok<{ id: string }>({ ...frame, rid: 'retry' });
    expect(retried.id).toBe(sent.id);
    // Another send of the same upload is refused: it is a blob of one message only.
    const twice = await a.request(sendFrame(bob.user.username, '', { attachment }));
    expect(twice).toMatchObject({ type: 'error', code: 'BAD_REQUEST' });
    // Past the upload's deadline the sweeper removes an unattached upload, not the blob.
    const orphan = await upload(server, alice, randomBytes(10));
    await waitFor(async () => (await backend.upload(server, orphan)) === null, {
      what: 'the sweeper to remove the unattached upload',
    });
    expect(await backend.upload(server, id)).toEqual({ received: bytes.length, messageId: sent.id });
  });

  it("serves a normal message's blob to both users, and the same 404 to anyone else", async () => {
    const server = await serve();
    const alice = await register(server);
    const bob = await register(server);
    const carol = await register(server);
    const bytes = randomBytes(1024 * 1024);
    randomBytes(32).copy(bytes, 400_000);
    const id = await upload(server, alice, bytes);
    const a = await connect(server, alice);
    const attachment = { upload: id, kind: 'image', size: bytes.length, type: 'image/png' };
    const sent = await a.ok<{ id: string }>(sendFrame(bob.user.username, 'look', { attachment }));
    const plain = await a.ok<{ id: string }>(sendFrame(bob.user.username, 'no attachment'));
    const blob = (messageId: string) => `/v1/messages/${messageId}/blob`;
    for (const who of [alice, bob]) {
      const res = await fetch(`${server.url}${blob(sent.id)}`, {
        headers: { authorization: `Bearer ${who.token}` },
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/octet-stream');
      expect(res.headers.get('content-length')).toBe(String(bytes.length));
      expect(Buffer.from(await res.arrayBuffer()).equals(bytes)).toBe(true);
    }
    const ranged = await fetch(`${server.url}${blob(sent.id)}`, {
      headers: { authorization: `Bearer ${bob.token}`, range: 'bytes=399990-400041' },
    });
    expect(ranged.status).toBe(206);
    expect(ranged.headers.get('content-range')).toBe(`bytes 399990-400041/${bytes.length}`);
    expect(Buffer.from(await ranged.arrayBuffer()).equals(bytes.subarray(399_990, 400_042))).toBe(true);
    const tail = await fetch(`${server.url}${blob(sent.id)}`, {
      headers: { authorization: `Bearer ${bob.token}`, range: 'bytes=-10' },
    });
    expect(Buffer.from(await tail.arrayBuffer()).equals(bytes.subarray(bytes.length - 10))).toBe(true);
    const past = await fetch(`${server.url}${blob(sent.id)}`, {
      headers: { authorization: `Bearer ${bob.token}`, range: `bytes=${bytes.length}-` },
    });
    expect(past.status).toBe(416);
    // Another user, a made-up id, a message without an attachment: one answer, byte for byte.
    const madeUp = await call(server, bob.token, 'GET', blob(`m_${randomBytes(12).toString('base64url')}`));
    expect(madeUp.status).toBe(404);
    expect(JSON.parse(madeUp.text)).toMatchObject({ error: { code: 'NOT_FOUND' } });
    expect(await call(server, carol.token, 'GET', blob(sent.id))).toEqual(madeUp);
    expect(await call(server, bob.token, 'GET', blob(plain.id))).toEqual(madeUp);
    const anonymous = await fetch(`${server.url}${blob(sent.id)}`);
    expect(anonymous.status).toBe(401);
  });

  for (const reason of ['opened', 'revoked', 'expired'] as const) {
    it(`a burn message's blob: downloadable before, gone at once and its bytes within 5 s when ${reason}`, async () => {
      const server = await serve({ sweepIntervalMs: 50 });
      const alice = await register(server);
      const bob = await register(server);
      // The client's ciphertext: random bytes, as the server sees them.
      const bytes = randomBytes(300_000);
      const slice = bytes.subarray(150_000, 150_064);
      const id = await upload(server, alice, bytes);
      const a = await connect(server, alice);
      const b = await connect(server, bob);
      const attachment = { upload: id, kind: 'image', size: bytes.length };
      const burn = reason === 'expired' ? { ttlSeconds: 2 } : {};
      const frame = await sealedSendFrame(a, alice.user.username, bob.user.username, '', {
        attachment,
        burn,
      });
      const sent = await a.ok<{ id: string }>(frame);
      const event = (await b.waitForEvent(
        (e) => e.kind === 'message' && e.message.id === sent.id,
      )) as Extract<Event, { kind: 'message' }>;
      expect(event.message.attachment).toEqual({ kind: 'image', size: bytes.length });
      const path = `/v1/messages/${sent.id}/blob`;
      const before = await fetch(`${server.url}${path}`, {
        headers: { authorization: `Bearer ${bob.token}` },
      });
      expect(Buffer.from(await before.arrayBuffer()).equals(bytes)).toBe(true);
      expect(await backend.holds(server, slice)).toBe(true);
      const madeUp = await call(
        server,
        bob.token,
        'GET',
        `/v1/messages/m_${randomBytes(12).toString('base64url')}/blob`,
      );
      if (reason === 'opened') await b.ok({ type: 'open', id: sent.id });
      if (reason === 'revoked') await a.ok({ type: 'revoke', id: sent.id });
      await b.waitForEvent((e) => e.kind === 'burned' && e.messageId === sent.id, { timeout: 10_000 });
      const burnedAt = Date.now();
      for (const who of [alice, bob]) expect(await call(server, who.token, 'GET', path)).toEqual(madeUp);
      await waitFor(async () => !(await backend.holds(server, slice)), {
        timeout: 5_000,
        what: "the burned blob's bytes to be deleted",
      });
      expect(Date.now() - burnedAt).toBeLessThan(5_000);
      expect(await backend.upload(server, id)).toBeNull();
    });
  }

  // SQLite only: PostgreSQL deletes the chunk rows in the burn's transaction itself.
  if (backend.name === 'sqlite') {
    it('leaves no burned blob past start-up when the file outlived its row (a crash before the unlink)', async () => {
      const dir = tempDir('cinder-attach-crash-');
      try {
        const server = await serve({ dataDir: dir.path });
        const alice = await register(server);
        const bob = await register(server);
        const bytes = randomBytes(100_000);
        const id = await upload(server, alice, bytes);
        const a = await connect(server, alice);
        const b = await connect(server, bob);
        const attachment = { upload: id, kind: 'voice', size: bytes.length };
        const frame = await sealedSendFrame(a, alice.user.username, bob.user.username, '', {
          attachment,
        });
        const sent = await a.ok<{ id: string }>(frame);
        await b.ok({ type: 'open', id: sent.id });
        const file = join(dir.path, 'blobs', id);
        await waitFor(() => !existsSync(file), { timeout: 5_000, what: 'the unlink after the burn' });
        await server.close();
        // What a crash between the burn's commit and the unlink leaves: the file, with no row.
        writeFileSync(file, bytes, { mode: 0o600 });
        const restarted = await serve({ dataDir: dir.path });
        expect((await fetch(`${restarted.url}/healthz`)).status).toBe(200);
        expect(existsSync(file)).toBe(false);
        expect(await backend.holds(restarted, bytes.subarray(50_000, 50_064))).toBe(false);
      } finally {
        for (const server of servers.splice(0)) await server.close();
        dir.remove();
      }
    });
  }

  it('refuses an incomplete upload, another size, a foreign upload and a made-up id, and leaves them as they were', async () => {
    const server = await serve();
    const alice = await register(server);
    const bob = await register(server);
    const carol = await register(server);
    const bytes = randomBytes(1000);
    const partial = await upload(server, alice, bytes, 600);
    const whole = await upload(server, alice, bytes);
    const carols = await upload(server, carol, bytes);
    const a = await connect(server, alice);
    const send = (attachment: Record<string, unknown>) =>
      a.request(
        sendFrame(bob.user.username, 'hi', { attachment: { kind: 'image', size: 1000, ...attachment } }),
      );
    expect(await send({ upload: partial })).toMatchObject({ type: 'error', code: 'BAD_REQUEST' });
    expect(await send({ upload: whole, size: 999 })).toMatchObject({
      type: 'error',
      code: 'BAD_REQUEST',
    });
    const foreign = await send({ upload: carols });
    const madeUp = await send({ upload: `f_${randomBytes(16).toString('base64url')}` });
    expect(foreign).toMatchObject({ type: 'error', code: 'NOT_FOUND' });
    expect(refusal(foreign)).toEqual(refusal(madeUp));
    expect(await backend.upload(server, partial)).toEqual({ received: 600, messageId: null });
    expect(await backend.upload(server, whole)).toEqual({ received: 1000, messageId: null });
    expect(await backend.upload(server, carols)).toEqual({ received: 1000, messageId: null });
    // A burn message's attachment carries no name or type (they travel inside the envelope).
    const named = await a.request(
      await sealedSendFrame(a, alice.user.username, bob.user.username, 'x', {
        attachment: { upload: whole, kind: 'image', size: 1000, name: 'photo.jpg' },
      }),
    );
    expect(named).toMatchObject({ type: 'error', code: 'BAD_REQUEST' });
    expect(await backend.upload(server, whole)).toEqual({ received: 1000, messageId: null });
  });
});
