import { PROTOCOL_VERSION } from '@cinder/protocol';
import { afterAll, expect, it } from 'vitest';
import { RawClient, register, sendFrame, testServer } from '../../../test/kit/index.ts';
import { describeWithServices, dropSchema, TEST_DATABASE_URL, uniqueSchema } from './services.ts';
import { StorageOutage } from './storage-outage.ts';

/** Real storage failures during `hello`, on PostgreSQL (see StorageOutage). */
await describeWithServices('hello while storage fails', ['postgres'], () => {
  const schemas: string[] = [];
  afterAll(async () => {
    for (const schema of schemas) await dropSchema(schema);
  });

  /** A server on its own PostgreSQL schema, and the outage that schema can suffer. */
  async function server() {
    const schema = uniqueSchema('cinder_hello');
    schemas.push(schema);
    const started = await testServer({ databaseUrl: TEST_DATABASE_URL, databaseSchema: schema });
    const outage = await StorageOutage.of(schema);
    return {
      server: started,
      outage,
      async [Symbol.asyncDispose]() {
        await outage.close();
        await started[Symbol.asyncDispose]();
      },
    };
  }

  async function hello(url: string, token: string) {
    const client = await RawClient.open(url);
    client.send({ type: 'hello', protocol: PROTOCOL_VERSION, token, cursor: null });
    const closed = await client.closed;
    const errors = client.frames.filter((f) => f.type === 'error');
    return { closed, errors };
  }

  it('answers 1013 (try again), not 4001, when the re-check after joining the hub fails', async () => {
    await using setup = await server();
    const { server: s, outage } = setup;
    const alice = await register(s);
    await outage.onDeviceSeen();
    const { closed, errors } = await hello(s.url, alice.token);
    expect(closed.code).toBe(1013);
    expect(errors).toEqual([expect.objectContaining({ rid: null, code: 'UNAVAILABLE' })]);
    await outage.repair();
    // The device was never signed out: once storage answers, it connects as before.
    const again = await RawClient.connect(s.url, alice.token);
    expect(again.frames.find((f) => f.type === 'welcome')).toBeDefined();
    again.close();
  });

  it('answers 1013 when the token cannot be looked up at all', async () => {
    await using setup = await server();
    const { server: s, outage } = setup;
    const alice = await register(s);
    await outage.now();
    const { closed, errors } = await hello(s.url, alice.token);
    expect(closed.code).toBe(1013);
    expect(errors).toEqual([expect.objectContaining({ rid: null, code: 'UNAVAILABLE' })]);
    await outage.repair();
    const again = await RawClient.connect(s.url, alice.token);
    again.close();
  });

  it('still answers 4001 for a token that is unknown or signed out', async () => {
    await using setup = await server();
    const { server: s } = setup;
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

  it('answers requests and closes sockets typed while storage fails under traffic, then serves again', async () => {
    await using setup = await server();
    const { server: s, outage } = setup;
    const alice = await register(s);
    const bob = await register(s);
    const a = await RawClient.connect(s.url, alice.token);
    const b = await RawClient.connect(s.url, bob.token);
    await outage.now();
    // Every request gets one answer (a typed error, as storage cannot answer), or its socket
    // closes with a code the SDK retries; no exception reaches the process.
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        a.request(sendFrame(bob.user.username, `during ${i}`)).catch((error: Error) => error.message),
      ),
    );
    for (const answer of answers) {
      if (typeof answer === 'string') expect(answer).toMatch(/closed/);
      else expect(answer).toEqual(expect.objectContaining({ type: 'error', code: 'INTERNAL' }));
    }
    await outage.repair();
    const a2 = a.ws.readyState === a.ws.OPEN ? a : await RawClient.connect(s.url, alice.token);
    const sent = await a2.ok<{ id: string }>(sendFrame(bob.user.username, 'after'));
    const b2 = b.ws.readyState === b.ws.OPEN ? b : await RawClient.connect(s.url, bob.token);
    await b2.waitForEvent((e) => e.kind === 'message' && e.message.id === sent.id, 30_000);
    for (const client of new Set([a, a2, b, b2])) client.close();
  });
});
