import { request } from 'node:http';
import { ErrorBody, SessionResponse } from '@cinder/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { RawClient, register, testServer, username } from '../../../test/kit/index.ts';
import { MemoryBucketStore } from '../src/core/limits/bucket-store.ts';
import { RedisBucketStore } from '../src/core/limits/redis-bucket-store.ts';
import { parseServerArgs } from '../src/index.ts';
import {
  describeWithServices,
  dropSchema,
  TEST_DATABASE_URL,
  TEST_REDIS_URL,
  uniquePrefix,
  uniqueSchema,
} from './services.ts';

const PASSWORD = 'correct horse battery';

/**
 * POST JSON from a given local address: on Linux all of 127.0.0.0/8 is loopback, so each test
 * client can be a different address to the server.
 */
function postFrom(
  from: string,
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: unknown; retryAfter: string | undefined }> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        localAddress: from,
        agent: false,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
          ...headers,
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: text ? JSON.parse(text) : null,
            retryAfter: res.headers['retry-after'],
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

const loginFrom = (from: string, server: { url: string }, name: string, password = PASSWORD) =>
  postFrom(from, `${server.url}/v1/sessions`, { username: name, password });

const registerFrom = (from: string, server: { url: string }, name = username('rl')) =>
  postFrom(from, `${server.url}/v1/accounts`, { username: name, password: PASSWORD });

/** Statuses of `count` logins with a wrong password, one after another. */
async function guesses(
  from: string,
  server: { url: string },
  name: string,
  count: number,
): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < count; i++)
    statuses.push((await loginFrom(from, server, name, `wrong guess ${i}`)).status);
  return statuses;
}

function expectRateLimited(answer: { status: number; body: unknown }): void {
  expect(answer.status).toBe(429);
  expect(ErrorBody.parse(answer.body).error.code).toBe('RATE_LIMITED');
}

describe('sign-in rate limits (defaults, one node)', () => {
  it('stops a guesser at one account without locking the owner out from another address', async () => {
    await using server = await testServer();
    const owner = username('own');
    expect((await registerFrom('127.0.0.2', server, owner)).status).toBe(201);

    const statuses = await guesses('127.0.0.3', server, owner, 35);
    // 20 failures per account and address in 10 minutes, then nothing more is checked.
    expect(statuses.slice(0, 20)).toEqual(Array(20).fill(401));
    expect(statuses.slice(20)).toEqual(Array(15).fill(429));
    // A correct password from the guesser's address is refused too: it cannot tell them apart.
    const refused = await loginFrom('127.0.0.3', server, owner);
    expectRateLimited(refused);
    // One failure comes back every 30 s (20 per 10 minutes).
    expect(Number(refused.retryAfter)).toBeGreaterThan(0);
    expect(Number(refused.retryAfter)).toBeLessThanOrEqual(30);

    // The owner, from another address (known or new), signs in, and again and again.
    for (const from of ['127.0.0.2', '127.0.0.4']) {
      for (let i = 0; i < 3; i++) {
        const ok = await loginFrom(from, server, owner);
        expect(ok.status).toBe(200);
        expect(SessionResponse.parse(ok.body).user.username).toBe(owner);
      }
    }
  }, 60_000);

  it("never counts the owner's successful logins: more than 20 a minute from one address", async () => {
    await using server = await testServer();
    const owner = username('own');
    expect((await registerFrom('127.0.0.5', server, owner)).status).toBe(201);
    for (let i = 0; i < 30; i++) expect((await loginFrom('127.0.0.5', server, owner)).status).toBe(200);
    // Mistakes still leave the full allowance of failures.
    expect(await guesses('127.0.0.5', server, owner, 3)).toEqual([401, 401, 401]);
    expect((await loginFrom('127.0.0.5', server, owner)).status).toBe(200);
  }, 60_000);

  it('limits spraying one guess over many accounts from one address', async () => {
    await using server = await testServer();
    const statuses: number[] = [];
    // Accounts that do not exist fail the same way (and cost the same decoy hash).
    for (let i = 0; i < 52; i++)
      statuses.push((await loginFrom('127.0.0.6', server, username('spray'))).status);
    expect(statuses.slice(0, 50)).toEqual(Array(50).fill(401));
    expect(statuses.slice(50)).toEqual([429, 429]);
    // Another address is not affected.
    expect((await loginFrom('127.0.0.7', server, username('spray'))).status).toBe(401);
  }, 60_000);

  it('limits registrations per address', async () => {
    await using server = await testServer();
    const statuses: number[] = [];
    for (let i = 0; i < 21; i++) statuses.push((await registerFrom('127.0.0.8', server)).status);
    expect(statuses.slice(0, 20)).toEqual(Array(20).fill(201));
    expectRateLimited(await registerFrom('127.0.0.8', server));
    expect((await registerFrom('127.0.0.9', server)).status).toBe(201);
  }, 60_000);
});

describe('sign-in rate limits (configured)', () => {
  it('past the per-account cap, lets only addresses the account signed in from try', async () => {
    await using server = await testServer({
      rateLimits: { loginFailuresPerAccountAndAddress: 2, loginFailuresPerAccount: 6 },
    });
    const owner = username('own');
    expect((await registerFrom('127.0.1.1', server, owner)).status).toBe(201);
    expect((await loginFrom('127.0.1.2', server, owner)).status).toBe(200);
    // A botnet: three addresses, two guesses each, drain the account's hourly allowance.
    for (const from of ['127.0.1.10', '127.0.1.11', '127.0.1.12']) {
      expect(await guesses(from, server, owner, 2)).toEqual([401, 401]);
    }
    // A fresh address is refused, even with the right password...
    expectRateLimited(await loginFrom('127.0.1.13', server, owner));
    // ...but the addresses the owner registered and signed in from still work,
    expect((await loginFrom('127.0.1.1', server, owner)).status).toBe(200);
    expect((await loginFrom('127.0.1.2', server, owner)).status).toBe(200);
    // and a known address's own failures are still limited per address.
    expect(await guesses('127.0.1.2', server, owner, 3)).toEqual([401, 401, 429]);
  }, 60_000);

  it('reads the address from X-Forwarded-For only with --trust-proxy', async () => {
    const forwarded = (address: string) => ({ 'x-forwarded-for': `203.0.113.9, ${address}` });
    {
      // Off: the header is the client's to write, so it must not buy a fresh allowance.
      await using server = await testServer({ rateLimits: { loginFailuresPerAccountAndAddress: 2 } });
      const owner = (await register(server)).user.username;
      const statuses: number[] = [];
      for (const address of ['198.51.100.1', '198.51.100.2', '198.51.100.3']) {
        const wrong = { username: owner, password: 'wrong guess' };
        statuses.push(
          (await postFrom('127.0.2.1', `${server.url}/v1/sessions`, wrong, forwarded(address))).status,
        );
      }
      expect(statuses).toEqual([401, 401, 429]);
    }
    {
      // One proxy: its entry (the rightmost) is the client; entries left of it are ignored.
      await using server = await testServer({
        rateLimits: { loginFailuresPerAccountAndAddress: 2 },
        trustProxy: 1,
      });
      const owner = (await register(server)).user.username;
      const wrong = { username: owner, password: 'wrong guess' };
      const from = (address: string) =>
        postFrom('127.0.2.1', `${server.url}/v1/sessions`, wrong, forwarded(address));
      expect([(await from('198.51.100.1')).status, (await from('198.51.100.1')).status]).toEqual([401, 401]);
      expect((await from('198.51.100.1')).status).toBe(429);
      expect((await from('198.51.100.2')).status).toBe(401);
      // IPv6 clients count by /64: another address of the same network shares the allowance.
      expect((await from('2001:db8:1:2::a')).status).toBe(401);
      expect((await from('2001:db8:1:2:ffff::b')).status).toBe(401);
      expect((await from('2001:db8:1:2::c')).status).toBe(429);
      expect((await from('2001:db8:1:3::a')).status).toBe(401);
    }
  }, 60_000);
});

describe('open byte budget', () => {
  /** A normal message of 16,384 three-byte characters: 48 KiB of content. */
  async function bigMessage(server: { url: string }) {
    const alice = await register(server);
    const bob = await register(server);
    const a = await RawClient.connect(server.url, alice.token);
    const b = await RawClient.connect(server.url, bob.token);
    const sent = await a.ok<{ id: string }>({
      type: 'send',
      key: `key-${Date.now()}`,
      to: bob.user.username,
      text: '€'.repeat(16_384),
    });
    a.close();
    return { b, id: sent.id };
  }

  it('stops a device re-opening a 48 KB message in a loop long before the count limit', async () => {
    const frozen = Date.now(); // no refill while the budget is measured
    await using server = await testServer({ now: () => frozen });
    const { b, id } = await bigMessage(server);
    let opened = 0;
    for (;;) {
      const answer = await b.request({ type: 'open', id });
      if (answer.type === 'error') {
        expect(answer.code).toBe('RATE_LIMITED');
        break;
      }
      opened += 1;
      if (opened > 1000) break; // the count limit's burst: the byte budget did nothing
    }
    // The 16 MiB burst of the default 8 MiB/s: 341 opens of 48 KiB (each reserves 52 KiB).
    expect(opened).toBe(341);
    b.close();
  }, 60_000);

  it('lets a person open 100 of the largest messages in a second', async () => {
    const frozen = Date.now();
    await using server = await testServer({ now: () => frozen });
    const { b, id } = await bigMessage(server);
    const answers = await Promise.all(Array.from({ length: 100 }, () => b.request({ type: 'open', id })));
    expect(answers.filter((f) => f.type === 'reply')).toHaveLength(100);
    b.close();
  }, 60_000);

  it('refills with time, per device', async () => {
    let clock = Date.now();
    await using server = await testServer({ now: () => clock, rateLimits: { openBytesPerSecond: 200_000 } });
    const { b, id } = await bigMessage(server);
    // 400,000 bytes of burst: eight opens of 49,152 bytes (each reserves 53,248 while in flight).
    const statuses: string[] = [];
    for (let i = 0; i < 9; i++) statuses.push((await b.request({ type: 'open', id })).type);
    expect(statuses).toEqual([...Array(8).fill('reply'), 'error']);
    clock += 1000;
    expect((await b.request({ type: 'open', id })).type).toBe('reply');
    b.close();
  }, 60_000);
});

describe('"no such user" answers', () => {
  it('stops an account probing names, answering found and unknown names alike once its budget is spent', async () => {
    let clock = Date.now();
    await using server = await testServer({ now: () => clock, rateLimits: { unknownUsersPer10Minutes: 3 } });
    const [prober, bob, carol] = await Promise.all([register(server), register(server), register(server)]);
    const p = await RawClient.connect(server.url, prober.token);
    const c = await RawClient.connect(server.url, carol.token);
    const code = async (client: RawClient, frame: Record<string, unknown>) => {
      const answer = await client.request(frame);
      return answer.type === 'error' ? answer.code : 'ok';
    };
    const keys = (client: RawClient, name: string) => code(client, { type: 'keys', username: name });
    const send = (client: RawClient, to: string) =>
      code(client, { type: 'send', key: `key-${Math.random().toString(36).slice(2)}`, to, text: 'hi' });

    // Lookups of users who exist cost nothing.
    for (let i = 0; i < 10; i++) expect(await keys(p, bob.user.username)).toBe('ok');
    // Three unknown names (lookups and sends alike), then nothing more is told.
    expect(await keys(p, username('nobody'))).toBe('NOT_FOUND');
    expect(await send(p, username('nobody'))).toBe('NOT_FOUND');
    expect(await keys(p, username('nobody'))).toBe('NOT_FOUND');
    expect(await keys(p, username('nobody'))).toBe('RATE_LIMITED');
    expect(await keys(p, bob.user.username)).toBe('RATE_LIMITED');
    expect(await send(p, bob.user.username)).toBe('RATE_LIMITED');
    // Another account is not affected.
    expect(await keys(c, bob.user.username)).toBe('ok');
    expect(await keys(c, username('nobody'))).toBe('NOT_FOUND');
    // The budget refills: 3 per 10 minutes is one every 200 s.
    clock += 200_000;
    expect(await send(p, bob.user.username)).toBe('ok');
    expect(await keys(p, username('nobody'))).toBe('NOT_FOUND');
    expect(await keys(p, bob.user.username)).toBe('RATE_LIMITED');
    p.close();
    c.close();
  }, 60_000);
});

describe('rate-limit flags', () => {
  it('reads --trust-proxy, --registrations-per-hour and --login-failures-per-address', () => {
    expect(
      parseServerArgs(['--trust-proxy', '2', '--registrations-per-hour', '5'], {
        CINDER_LOGIN_FAILURES_PER_ADDRESS: '80',
      }),
    ).toEqual({ trustProxy: 2, rateLimits: { registrationsPerHour: 5, loginFailuresPerAddress: 80 } });
    expect(() => parseServerArgs(['--trust-proxy', 'yes'], {})).toThrow(/hop count/);
    expect(() => parseServerArgs(['--registrations-per-hour', '0'], {})).toThrow(/count/);
  });

  it('reads --upload-rate as a size', () => {
    expect(parseServerArgs(['--upload-rate', '2m'], {})).toEqual({
      rateLimits: { uploadBytesPerSecond: 2 * 1024 * 1024 },
    });
    expect(parseServerArgs([], { CINDER_UPLOAD_RATE: '512k' })).toEqual({
      rateLimits: { uploadBytesPerSecond: 512 * 1024 },
    });
  });
});

describe('bucket stores', () => {
  it('falls back to counting on this node when Redis cannot be reached', async () => {
    const warnings: string[] = [];
    const store = new RedisBucketStore({
      url: 'redis://127.0.0.1:1',
      prefix: uniquePrefix(),
      now: Date.now,
      logger: { warn: (_fields, msg) => warnings.push(msg) },
    });
    try {
      const bucket = { key: 'b', capacity: 2, perSecond: 0.001 };
      const takes = [];
      for (let i = 0; i < 3; i++) takes.push((await store.take([bucket])).ok);
      expect(takes).toEqual([true, true, false]);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/Redis/);
    } finally {
      await store.close();
    }
  });

  it('takes from every bucket or from none', async () => {
    const store = new MemoryBucketStore(() => 0);
    const one = { key: 'one', capacity: 1, perSecond: 1 };
    const two = { key: 'two', capacity: 5, perSecond: 1 };
    expect((await store.take([one, two])).ok).toBe(true);
    expect((await store.take([one, two])).ok).toBe(false);
    // `two` lost only the first token: four are left.
    const left = [];
    for (let i = 0; i < 5; i++) left.push((await store.take([two])).ok);
    expect(left).toEqual([true, true, true, true, false]);
  });
});

await describeWithServices('sign-in rate limits across a cluster', ['postgres', 'redis'], () => {
  const release: Array<() => unknown> = [];
  afterEach(async () => {
    for (const step of release.splice(0).reverse()) await step();
  });

  it('shares the counts of two nodes: both together allow what one node allows', async () => {
    const schema = uniqueSchema();
    const shared = {
      databaseUrl: TEST_DATABASE_URL,
      databaseSchema: schema,
      redisUrl: TEST_REDIS_URL,
      redisPrefix: uniquePrefix(),
      rateLimits: {
        loginFailuresPerAccountAndAddress: 6,
        loginFailuresPerAccount: 8,
        registrationsPerHour: 3,
      },
    };
    release.push(() => dropSchema(schema));
    const a = await testServer(shared);
    release.push(() => a[Symbol.asyncDispose]());
    const b = await testServer(shared);
    release.push(() => b[Symbol.asyncDispose]());

    const owner = username('own');
    expect((await registerFrom('127.0.3.1', a, owner)).status).toBe(201);
    // Alternate nodes: 6 failures in all, then 429 from either node.
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      statuses.push(
        ...(await guesses('127.0.3.2', a, owner, 1)),
        ...(await guesses('127.0.3.2', b, owner, 1)),
      );
    }
    expect(statuses.filter((s) => s === 401)).toHaveLength(6);
    expect(statuses.slice(6)).toEqual([429, 429, 429, 429]);
    // The owner signs in on both nodes from elsewhere.
    expect((await loginFrom('127.0.3.3', a, owner)).status).toBe(200);
    expect((await loginFrom('127.0.3.3', b, owner)).status).toBe(200);
    // Two more failures from another address drain the account's allowance (8) on both nodes:
    expect(await guesses('127.0.3.5', b, owner, 2)).toEqual([401, 401]);
    expectRateLimited(await loginFrom('127.0.3.6', a, owner));
    // the address the owner registered from on node A is known to node B as well.
    expect((await loginFrom('127.0.3.1', b, owner)).status).toBe(200);
    // Registrations too: three per address in all.
    const registered = [
      (await registerFrom('127.0.3.4', a)).status,
      (await registerFrom('127.0.3.4', b)).status,
      (await registerFrom('127.0.3.4', a)).status,
      (await registerFrom('127.0.3.4', b)).status,
      (await registerFrom('127.0.3.4', a)).status,
    ];
    expect(registered).toEqual([201, 201, 201, 429, 429]);
  }, 60_000);
});
