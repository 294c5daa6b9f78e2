import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { register, testServer } from '../../../test/kit/index.ts';
import type { ServerOptions } from '../src/index.ts';
import { describeWithServices, dropSchema, TEST_DATABASE_URL, uniqueSchema } from './services.ts';

// Two answers the HTTP fuzz found: a device id in the URL that no device can have, and the
// connection a refused oversized body leaves behind.

/** One request on its own keep-alive agentless socket, then a second one on the same socket. */
function twoRequestsOnOneSocket(
  url: string,
  first: { method: string; path: string; body: Buffer },
): Promise<{ first: number; second: number | 'reset' | 'closed' }> {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(url);
    const req = request({
      host: hostname,
      port,
      method: first.method,
      path: first.path,
      headers: { 'content-type': 'application/json', 'content-length': first.body.length },
      agent: false,
    });
    req.on('error', reject);
    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      res.resume();
      res.on('end', () => {
        const socket = req.socket;
        if (!socket || socket.destroyed || !socket.writable || res.headers.connection === 'close') {
          resolve({ first: status, second: 'closed' });
          return;
        }
        socket.once('error', () => resolve({ first: status, second: 'reset' }));
        socket.once('data', (data) => resolve({ first: status, second: Number(String(data).split(' ')[1]) }));
        socket.write(`GET /healthz HTTP/1.1\r\nHost: ${hostname}\r\n\r\n`);
      });
    });
    req.end(first.body);
  });
}

function edgeSuite(storage: () => { options: ServerOptions; release?: () => Promise<void> }): void {
  let server: Awaited<ReturnType<typeof testServer>>;
  let release: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    const chosen = storage();
    release = chosen.release;
    server = await testServer(chosen.options);
  });
  afterAll(async () => {
    await server?.[Symbol.asyncDispose]();
    await release?.();
  });

  it('answers a device id no device can have (NUL, lone surrogate, too long) with 404', async () => {
    const alice = await register(server);
    for (const id of ['%00', 'd%00x', '%ED%A0%80', 'x'.repeat(300)]) {
      const res = await fetch(`${server.url}/v1/devices/${id}`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${alice.token}` },
      });
      expect(res.status, id).toBe(404);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
    }
    // The account's own device is untouched.
    const list = await fetch(`${server.url}/v1/devices`, {
      headers: { authorization: `Bearer ${alice.token}` },
    });
    expect(list.status).toBe(200);
  });

  it('closes the connection after refusing an oversized body, so the next request is not reset', async () => {
    const answer = await twoRequestsOnOneSocket(server.url, {
      method: 'POST',
      path: '/v1/sessions',
      body: Buffer.alloc(200_000, 0x61),
    });
    expect(answer.first).toBe(413);
    expect(answer.second).toBe('closed');
  });
}

describe('HTTP edges (SQLite)', () => edgeSuite(() => ({ options: {} })));

await describeWithServices('HTTP edges (PostgreSQL)', ['postgres'], () =>
  edgeSuite(() => {
    const schema = uniqueSchema();
    return {
      options: { databaseUrl: TEST_DATABASE_URL, databaseSchema: schema },
      release: () => dropSchema(schema),
    };
  }),
);
