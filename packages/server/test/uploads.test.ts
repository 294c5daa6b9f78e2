import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { ErrorBody, MAX_UPLOAD_PUT_BYTES, UPLOAD_CHUNK_BYTES, UploadStatus } from '@cinder/protocol';
import { afterEach, expect, it } from 'vitest';
import {
  Exposition,
  login,
  register,
  spawnServer,
  type TestServer,
  testServer,
  waitFor,
} from '../../../test/kit/index.ts';
import type { ServerOptions } from '../src/config.ts';
import { sql } from './postgres-files.ts';
import { describeOnStorages, storageBackends } from './services.ts';
import { readDatabase } from './storage-fixtures.ts';

/** What a storage holds of an upload: its row's `received` and its bytes (null: no row, no bytes). */
interface Stored {
  received: number | null;
  bytes: Buffer | null;
}

/** A look at what the storage under test holds. */
interface Readers {
  stored(server: { dataDir: string }, id: string): Promise<Stored>;
  /** Rows in `uploads` (and, on SQLite, files in blobs/). */
  count(server: { dataDir: string }): Promise<number>;
}

// Each test runs one server (a test server, or one spawned with `flags()`), on the storage made last.
const backends = storageBackends<Readers>('cinder_uploads', {
  sqlite: (backend) => ({
    stored: async (server, id) => {
      const file = join(server.dataDir || backend.dataDir, 'blobs', id);
      const row = readDatabase(
        server.dataDir || backend.dataDir,
        (db) =>
          db.prepare('SELECT received FROM uploads WHERE id = ?').get(id) as { received: number } | undefined,
      );
      return { received: row?.received ?? null, bytes: existsSync(file) ? readFileSync(file) : null };
    },
    count: async (server) => {
      const dir = server.dataDir || backend.dataDir;
      const rows = readDatabase(
        dir,
        (db) => (db.prepare('SELECT count(*) AS n FROM uploads').get() as { n: number }).n,
      );
      return rows + readdirSync(join(dir, 'blobs')).length;
    },
  }),
  postgres: (backend) => ({
    stored: async (_server, id) => {
      const schema = backend.schema;
      const row = await sql(`SELECT received FROM "${schema}".uploads WHERE id = $1`, undefined, [id]);
      const chunks = await sql(
        `SELECT bytes FROM "${schema}".upload_chunks WHERE upload_id = $1 ORDER BY "offset"`,
        undefined,
        [id],
      );
      const received = row.rows[0] ? Number((row.rows[0] as { received: string }).received) : null;
      const bytes =
        chunks.rows.length > 0 ? Buffer.concat(chunks.rows.map((r) => (r as { bytes: Buffer }).bytes)) : null;
      return { received, bytes };
    },
    count: async () => {
      const schema = backend.schema;
      const { rows } = await sql(
        `SELECT (SELECT count(*) FROM "${schema}".uploads) + (SELECT count(*) FROM "${schema}".upload_chunks) AS n`,
      );
      return Number((rows[0] as { n: string }).n);
    },
  }),
});

/** An HTTP call to the upload API with a device token; the status and the parsed body. */
async function call(
  server: { url: string },
  token: string | null,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: unknown }> {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  let payload: BodyInit | undefined;
  if (body instanceof Uint8Array) {
    headers['content-type'] = 'application/octet-stream';
    payload = new Uint8Array(body);
  } else if (body !== undefined) {
    headers['content-type'] = 'application/json';
    payload = typeof body === 'string' ? body : JSON.stringify(body);
  }
  const res = await fetch(`${server.url}${path}`, { method, headers, ...(payload ? { body: payload } : {}) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

function codeOf(body: unknown): string {
  return ErrorBody.parse(body).error.code;
}

async function start(server: { url: string }, token: string, size: number): Promise<UploadStatus> {
  const res = await call(server, token, 'POST', '/v1/uploads', { size });
  expect(res.status).toBe(201);
  return UploadStatus.parse(res.body);
}

/** PUT `bytes` at `offset` over a raw socket, cut off after `sent` bytes of the body. */
async function cutPut(
  server: { port: number },
  token: string,
  id: string,
  offset: number,
  bytes: Uint8Array,
  sent: number,
): Promise<void> {
  const socket = connect(server.port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.on('error', () => {});
  const head =
    `PUT /v1/uploads/${id}?offset=${offset} HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
    `Authorization: Bearer ${token}\r\nContent-Type: application/octet-stream\r\n` +
    `Content-Length: ${bytes.length}\r\n\r\n`;
  await new Promise<void>((resolve) => socket.write(head, () => resolve()));
  await new Promise<void>((resolve) => socket.write(bytes.subarray(0, sent), () => resolve()));
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.destroy();
  await closed;
}

function madeUpId(): string {
  return `f_${randomBytes(16).toString('base64url')}`;
}

await describeOnStorages('uploads', backends, (backend) => {
  const servers: TestServer[] = [];
  const serve = async (options: ServerOptions = {}): Promise<TestServer> => {
    const server = await testServer({ ...backend.options(), ...options });
    servers.push(server);
    return server;
  };

  afterEach(async () => {
    for (const server of servers.splice(0)) await server.close();
    await backend.cleanup();
  });

  it('stores an upload sent in chunks, and GET says how much arrived', async () => {
    const server = await serve();
    const alice = await register(server);
    const source = randomBytes(2 * UPLOAD_CHUNK_BYTES + 1234);
    const created = await start(server, alice.token, source.length);
    expect(created).toMatchObject({ size: source.length, received: 0, chunkBytes: UPLOAD_CHUNK_BYTES });
    expect(created.expiresAt).toBeGreaterThan(Date.now() + 3_500_000);
    for (let at = 0; at < source.length; at += created.chunkBytes) {
      const chunk = source.subarray(at, at + created.chunkBytes);
      const put = await call(server, alice.token, 'PUT', `/v1/uploads/${created.id}?offset=${at}`, chunk);
      expect(put.status).toBe(200);
      expect(UploadStatus.parse(put.body).received).toBe(at + chunk.length);
      const got = await call(server, alice.token, 'GET', `/v1/uploads/${created.id}`);
      expect(got.body).toEqual({ ...created, received: at + chunk.length });
    }
    expect(await backend.stored(server, created.id)).toEqual({ received: source.length, bytes: source });
  });

  it('resumes after a dropped connection from the offset stored', async () => {
    const server = await serve();
    const alice = await register(server);
    const source = randomBytes(3 * UPLOAD_CHUNK_BYTES);
    const { id } = await start(server, alice.token, source.length);
    const first = source.subarray(0, UPLOAD_CHUNK_BYTES);
    expect((await call(server, alice.token, 'PUT', `/v1/uploads/${id}?offset=0`, first)).status).toBe(200);
    // The second chunk's connection drops half-way through its body.
    await cutPut(
      server,
      alice.token,
      id,
      UPLOAD_CHUNK_BYTES,
      source.subarray(UPLOAD_CHUNK_BYTES, 2 * UPLOAD_CHUNK_BYTES),
      UPLOAD_CHUNK_BYTES / 2,
    );
    // The server has given up on the cut request (answered it, to nobody, as BAD_REQUEST).
    await waitFor(
      async () =>
        new Exposition(await (await fetch(server.metricsUrl)).text()).value(
          'cinder_http_request_duration_seconds_count',
          { method: 'PUT', route: '/v1/uploads/:id', status: '400' },
        ) === 1,
      { what: 'the cut PUT answered' },
    );
    const status = UploadStatus.parse((await call(server, alice.token, 'GET', `/v1/uploads/${id}`)).body);
    expect(status.received).toBe(UPLOAD_CHUNK_BYTES);
    for (let at = status.received; at < source.length; at += UPLOAD_CHUNK_BYTES) {
      const chunk = source.subarray(at, at + UPLOAD_CHUNK_BYTES);
      expect((await call(server, alice.token, 'PUT', `/v1/uploads/${id}?offset=${at}`, chunk)).status).toBe(
        200,
      );
    }
    expect(await backend.stored(server, id)).toEqual({ received: source.length, bytes: source });
  });

  it('refuses an upload over --max-upload, and bytes past its size, storing nothing', async () => {
    const server = await serve({ maxUploadBytes: 1000 });
    const alice = await register(server);
    const over = await call(server, alice.token, 'POST', '/v1/uploads', { size: 1001 });
    expect(over.status).toBe(413);
    expect(codeOf(over.body)).toBe('PAYLOAD_TOO_LARGE');
    expect(await backend.count(server)).toBe(0);

    const { id } = await start(server, alice.token, 1000);
    const past = await call(server, alice.token, 'PUT', `/v1/uploads/${id}?offset=0`, randomBytes(1001));
    expect(past.status).toBe(413);
    expect(codeOf(past.body)).toBe('PAYLOAD_TOO_LARGE');
    expect(await backend.stored(server, id)).toEqual({ received: 0, bytes: null });
  });

  it('limits the upload bytes a device starts per second, per device, before storing anything', async () => {
    const server = await serve({ maxUploadBytes: 1000, rateLimits: { uploadBytesPerSecond: 1 } });
    const alice = await register(server);
    const bob = await register(server);
    // The budget holds one largest upload (1000 bytes; 4 × 1 is less) and refills at 1 byte/s.
    await start(server, alice.token, 1000);
    const over = await call(server, alice.token, 'POST', '/v1/uploads', { size: 600 });
    expect(over.status).toBe(429);
    expect(codeOf(over.body)).toBe('RATE_LIMITED');
    expect(await backend.count(server)).toBe(1);
    // Another device has a budget of its own.
    await start(server, bob.token, 1000);
  });

  it('refuses one PUT over the per-request cap', async () => {
    const server = await serve();
    const alice = await register(server);
    const { id } = await start(server, alice.token, 4 * MAX_UPLOAD_PUT_BYTES);
    const big = await call(
      server,
      alice.token,
      'PUT',
      `/v1/uploads/${id}?offset=0`,
      randomBytes(MAX_UPLOAD_PUT_BYTES + 1),
    );
    expect(big.status).toBe(413);
    expect(codeOf(big.body)).toBe('PAYLOAD_TOO_LARGE');
    expect((await backend.stored(server, id)).received).toBe(0);
  });

  it('answers CONFLICT with the offset to resume at, and stores nothing, for a wrong offset', async () => {
    const server = await serve();
    const alice = await register(server);
    const source = randomBytes(300);
    const { id } = await start(server, alice.token, 300);
    await call(server, alice.token, 'PUT', `/v1/uploads/${id}?offset=0`, source.subarray(0, 100));
    for (const offset of [0, 50, 200]) {
      const wrong = await call(
        server,
        alice.token,
        'PUT',
        `/v1/uploads/${id}?offset=${offset}`,
        source.subarray(100, 200),
      );
      expect(wrong.status).toBe(409);
      expect(ErrorBody.parse(wrong.body).error).toMatchObject({
        code: 'CONFLICT',
        message: expect.stringContaining('offset 100'),
      });
    }
    expect(await backend.stored(server, id)).toEqual({ received: 100, bytes: source.subarray(0, 100) });
  });

  it('is its device’s alone: any other device gets what a made-up id gets', async () => {
    const server = await serve();
    const alice = await register(server);
    const aliceElsewhere = await login(server, alice.user.username);
    const bob = await register(server);
    const { id } = await start(server, alice.token, 10);
    const made = madeUpId();
    for (const other of [bob.token, aliceElsewhere.token]) {
      for (const [method, body, query] of [
        ['GET', undefined, ''],
        ['PUT', new Uint8Array(5), '?offset=0'],
        ['DELETE', undefined, ''],
      ] as const) {
        const theirs = await call(server, other, method, `/v1/uploads/${id}${query}`, body);
        const none = await call(server, other, method, `/v1/uploads/${made}${query}`, body);
        expect(theirs.status).toBe(404);
        expect(theirs).toEqual(none);
      }
    }
    expect(await backend.stored(server, id)).toEqual({ received: 0, bytes: null });
    expect((await call(server, alice.token, 'GET', `/v1/uploads/${id}`)).status).toBe(200);
  });

  it('removes the bytes of a cancelled upload', async () => {
    const server = await serve();
    const alice = await register(server);
    const { id } = await start(server, alice.token, 100);
    await call(server, alice.token, 'PUT', `/v1/uploads/${id}?offset=0`, randomBytes(60));
    expect((await backend.stored(server, id)).received).toBe(60);
    const cancelled = await call(server, alice.token, 'DELETE', `/v1/uploads/${id}`);
    expect(cancelled.status).toBe(204);
    expect(await backend.stored(server, id)).toEqual({ received: null, bytes: null });
    expect((await call(server, alice.token, 'GET', `/v1/uploads/${id}`)).status).toBe(404);
    expect(await backend.count(server)).toBe(0);
  });

  it('removes an upload never attached once its ttl has passed', async () => {
    const server = await serve({ uploadTtlSeconds: 1, sweepIntervalMs: 50 });
    const alice = await register(server);
    const { id, expiresAt } = await start(server, alice.token, 100);
    await call(server, alice.token, 'PUT', `/v1/uploads/${id}?offset=0`, randomBytes(60));
    expect((await backend.stored(server, id)).received).toBe(60);
    await waitFor(async () => (await backend.count(server)) === 0);
    expect(Date.now()).toBeGreaterThanOrEqual(expiresAt);
    expect((await call(server, alice.token, 'GET', `/v1/uploads/${id}`)).status).toBe(404);
  });

  it('gives typed errors to bad input', async () => {
    const server = await serve();
    const alice = await register(server);
    const { id } = await start(server, alice.token, 100);
    const cases: Array<[string, string, unknown, string | null, string]> = [
      ['POST', '/v1/uploads', { size: -5 }, alice.token, 'BAD_REQUEST'],
      ['POST', '/v1/uploads', { size: 0 }, alice.token, 'BAD_REQUEST'],
      ['POST', '/v1/uploads', { size: 1.5 }, alice.token, 'BAD_REQUEST'],
      ['POST', '/v1/uploads', { size: '100' }, alice.token, 'BAD_REQUEST'],
      ['POST', '/v1/uploads', '{"size":', alice.token, 'BAD_REQUEST'],
      ['POST', '/v1/uploads', { size: 2 ** 52 }, alice.token, 'PAYLOAD_TOO_LARGE'],
      ['POST', '/v1/uploads', { size: 10 }, null, 'UNAUTHORIZED'],
      ['POST', '/v1/uploads', { size: 10 }, 'not-a-token', 'UNAUTHORIZED'],
      ['GET', `/v1/uploads/${id}`, undefined, null, 'UNAUTHORIZED'],
      ['PUT', `/v1/uploads/${id}?offset=abc`, new Uint8Array(1), alice.token, 'BAD_REQUEST'],
      ['PUT', `/v1/uploads/${id}?offset=-1`, new Uint8Array(1), alice.token, 'BAD_REQUEST'],
      ['PUT', `/v1/uploads/${id}`, new Uint8Array(1), alice.token, 'BAD_REQUEST'],
      ['PUT', `/v1/uploads/${id}?offset=0`, '"json"', alice.token, 'BAD_REQUEST'],
      ['PUT', `/v1/uploads/${id}?offset=0`, new Uint8Array(1), null, 'UNAUTHORIZED'],
      ['GET', '/v1/uploads/..%2Fcinder.db', undefined, alice.token, 'NOT_FOUND'],
      ['DELETE', `/v1/uploads/${id}`, undefined, null, 'UNAUTHORIZED'],
    ];
    for (const [method, path, body, token, code] of cases) {
      const res = await call(server, token, method, path, body);
      expect({ method, path, body, code: codeOf(res.body) }).toEqual({ method, path, body, code });
    }
    expect(await backend.stored(server, id)).toEqual({ received: 0, bytes: null });
  });

  it('leaves no orphan past its ttl after a crash mid-upload', { timeout: 120_000 }, async () => {
    const flags = backend.flags();
    const dataDir = flags[0] === '--data-dir' ? (flags[1] as string) : '';
    const first = await spawnServer(['--port', '0', '--upload-ttl', '3s', ...flags]);
    let restarted: Awaited<ReturnType<typeof spawnServer>> | null = null;
    try {
      const alice = await register(first);
      const source = randomBytes(2 * UPLOAD_CHUNK_BYTES);
      const { id, expiresAt } = await start(first, alice.token, source.length);
      await call(
        first,
        alice.token,
        'PUT',
        `/v1/uploads/${id}?offset=0`,
        source.subarray(0, UPLOAD_CHUNK_BYTES),
      );
      const cut = cutPut(
        first,
        alice.token,
        id,
        UPLOAD_CHUNK_BYTES,
        source.subarray(UPLOAD_CHUNK_BYTES),
        1000,
      );
      first.child.kill('SIGKILL');
      await first.exited;
      await cut;
      expect(Date.now()).toBeLessThan(expiresAt);
      expect((await backend.stored({ dataDir }, id)).received).toBe(UPLOAD_CHUNK_BYTES);
      // A file whose row is gone: what a crash between deleting a row and its file leaves.
      const stray = madeUpId();
      if (dataDir) writeFileSync(join(dataDir, 'blobs', stray), 'left behind');
      await waitFor(() => Date.now() > expiresAt, { timeout: 10_000, what: "the upload's deadline" });
      restarted = await spawnServer(['--port', '0', ...flags]);
      expect((await fetch(`${restarted.url}/healthz`)).status).toBe(200);
      expect(await backend.stored({ dataDir }, id)).toEqual({ received: null, bytes: null });
      expect(await backend.count({ dataDir })).toBe(0);
    } finally {
      first.child.kill('SIGKILL');
      restarted?.child.kill('SIGKILL');
      await restarted?.exited;
    }
  });
});
