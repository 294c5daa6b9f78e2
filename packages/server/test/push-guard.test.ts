import { createECDH, randomBytes } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { createServer as createHttpServer } from 'node:http';
import { type AddressInfo, createServer, type Server } from 'node:net';
import { hostname } from 'node:os';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type Device,
  device,
  metrics,
  passwordOf,
  type TestServer,
  testServer,
  username,
  waitFor,
} from '../../../test/kit/index.ts';
import { endpointProblem, guardedFetch, isPublicAddress, PRIVATE_ADDRESS } from '../src/core/push-guard.ts';

/** Keys a browser would give with a subscription: a P-256 public key and a 16-byte secret. */
function subscriptionKeys(): { p256dh: string; auth: string } {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  return { p256dh: ecdh.getPublicKey().toString('base64url'), auth: randomBytes(16).toString('base64url') };
}

/** A TCP listener on every local address that counts the connections it is offered. */
let trap: Server;
let trapPort = 0;
let trapConnections = 0;
beforeAll(async () => {
  trap = createServer((socket) => {
    trapConnections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => trap.listen(0, resolve));
  trapPort = (trap.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => trap.close(() => resolve())));

const post = {
  method: 'POST',
  headers: { ttl: '60' },
  body: new Uint8Array([1, 2, 3]),
  redirect: 'manual' as const,
};

describe('push endpoint addresses', () => {
  it('counts only public unicast addresses as public, whatever form the address takes', () => {
    const refused = [
      '127.0.0.1',
      '127.1.2.3',
      '10.0.0.1',
      '172.16.5.4',
      '192.168.1.1',
      '169.254.169.254', // cloud metadata
      '100.64.0.1',
      '0.0.0.0',
      '224.0.0.1',
      '255.255.255.255',
      '::',
      '::1',
      'fe80::1',
      'fc00::1',
      'fd12:3456::1',
      'ff02::1',
      '::ffff:127.0.0.1',
      '::ffff:a00:1', // 10.0.0.1, mapped
      '2002:7f00:1::1', // 6to4 around 127.0.0.1
      '64:ff9b::a9fe:a9fe', // NAT64 around 169.254.169.254
      '2001:db8::1',
      'not an address',
    ];
    for (const address of refused) expect([address, isPublicAddress(address)]).toEqual([address, false]);
    for (const address of ['8.8.8.8', '142.250.74.110', '2001:4860:4860::8888', '2a00:1450:4001::200e']) {
      expect([address, isPublicAddress(address)]).toEqual([address, true]);
    }
  });

  it('refuses at subscribe time what is plainly not a public https: endpoint, and lets the operator allow it', () => {
    const refused = {
      'http://push.example.com/x': 'https:',
      'https://127.0.0.1/x': 'public',
      'https://0x7f.1/x': 'public', // the URL parser makes it 127.0.0.1
      'https://2130706433/x': 'public', // so is this
      'https://[::1]:8443/x': 'public',
      'https://[::ffff:169.254.169.254]/x': 'public',
      'https://10.1.2.3/x': 'public',
      'https://localhost/x': 'public',
      'https://LOCALHOST./x': 'public',
      'https://api.localhost/x': 'public',
      'https://user:pass@push.example.com/x': 'user name',
      'ftp://push.example.com/x': 'https:',
    };
    for (const [endpoint, reason] of Object.entries(refused)) {
      expect([endpoint, endpointProblem(endpoint, false)]).toEqual([
        endpoint,
        expect.stringContaining(reason),
      ]);
    }
    for (const endpoint of [
      'https://fcm.googleapis.com/fcm/send/abc',
      'https://8.8.8.8/x',
      'https://[2001:4860::1]/x',
    ]) {
      expect([endpoint, endpointProblem(endpoint, false)]).toEqual([endpoint, null]);
    }
    expect(endpointProblem('http://localhost:8080/x', true)).toBeNull();
    expect(endpointProblem('https://10.1.2.3/x', true)).toBeNull();
    expect(endpointProblem('ftp://10.1.2.3/x', true)).toContain('https:');
  });

  it('never connects to a name that resolves to private addresses only, and does when the operator allows it', async () => {
    // `localhost` resolves through the hosts file to loopback: the lookup the socket connects
    // with refuses it, as it would refuse a public-looking name that resolves (or later
    // rebinds) to a private address.
    const before = trapConnections;
    const refusal = guardedFetch(false)(`https://localhost:${trapPort}/push`, {
      ...post,
      signal: AbortSignal.timeout(30_000),
    });
    await expect(refusal).rejects.toMatchObject({ code: PRIVATE_ADDRESS });
    await expect(
      guardedFetch(false)(`http://127.0.0.1:${trapPort}/push`, {
        ...post,
        signal: AbortSignal.timeout(30_000),
      }),
    ).rejects.toMatchObject({ code: PRIVATE_ADDRESS });
    expect(trapConnections).toBe(before);

    // Allowed: the same request reaches the listener (so the refusal above was the guard's).
    const allowed = guardedFetch(true)(`https://localhost:${trapPort}/push`, {
      ...post,
      signal: AbortSignal.timeout(30_000),
    });
    await expect(allowed).rejects.toBeDefined(); // the trap hangs up: no TLS
    expect(trapConnections).toBeGreaterThan(before);
  });

  it('answers with the push service’s status, posting the body as given', async () => {
    let body = '';
    const service = createHttpServer((req, res) => {
      req.setEncoding('latin1');
      req.on('data', (chunk: string) => {
        body += chunk;
      });
      req.on('end', () => {
        res.writeHead(201).end('x'.repeat(200_000)); // a long answer is read and dropped
      });
    });
    await new Promise<void>((resolve) => service.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = service.address() as AddressInfo;
      const answer = await guardedFetch(true)(`http://127.0.0.1:${port}/push`, {
        ...post,
        signal: AbortSignal.timeout(30_000),
      });
      expect(answer.status).toBe(201);
      expect(body).toBe('\x01\x02\x03');
    } finally {
      service.closeAllConnections();
      await new Promise((resolve) => service.close(resolve));
    }
  });
});

describe('a server with the default push settings', () => {
  let server: TestServer;
  const devices: Device[] = [];
  beforeAll(async () => {
    server = await testServer();
  });
  afterEach(async () => {
    await Promise.allSettled(devices.splice(0).map((d) => d.client.close()));
  });
  afterAll(async () => {
    await server?.close();
  });
  const signUp = async (name: string): Promise<Device> => {
    const d = device(server.url);
    devices.push(d);
    await d.client.register(name, passwordOf(name));
    d.name = name;
    return d;
  };

  it('refuses to subscribe a device to a loopback, private or link-local endpoint, with the reason', async () => {
    const bob = await signUp(username('bob'));
    for (const endpoint of [
      `https://127.0.0.1:${trapPort}/push`,
      `https://[::1]:${trapPort}/push`,
      'https://169.254.169.254/latest/meta-data',
      'https://192.168.0.1/push',
      `https://localhost:${trapPort}/push`,
      `http://push.example.com/push`,
    ]) {
      await expect(bob.client.subscribePush({ endpoint, keys: subscriptionKeys() })).rejects.toMatchObject({
        code: 'BAD_REQUEST',
      });
    }
    expect(await bob.client.pushStatus()).toEqual({ subscribed: false, previews: false });
  });

  it('never pushes to a name that resolves to this machine, though the name was accepted', async () => {
    // This machine's own name is not an IP literal, so the subscription is accepted; it resolves
    // to a private address (the hosts file), so every push is refused when it would connect.
    const own = hostname();
    const addresses = await lookup(own, { all: true });
    expect(
      addresses.every((a) => !isPublicAddress(a.address)),
      `${own} resolves to ${addresses.map((a) => a.address).join(', ')}: this test needs a host name that resolves to a private address`,
    ).toBe(true);

    const alice = await signUp(username('alice'));
    const bob = await signUp(username('bob'));
    const status = await bob.client.subscribePush({
      endpoint: `https://${own}:${trapPort}/push/${'a'.repeat(20)}`,
      keys: subscriptionKeys(),
    });
    expect(status).toEqual({ subscribed: true, previews: false });
    await bob.client.close();
    await waitFor(async () => (await metrics(server)).value('cinder_devices_online') === 1, {
      what: 'bob offline',
    });

    const before = trapConnections;
    const failedBefore = (await metrics(server)).value('cinder_pushes_total', { outcome: 'failed' });
    await alice.client.send(bob.name, 'hello');
    await waitFor(
      async () => (await metrics(server)).value('cinder_pushes_total', { outcome: 'failed' }) > failedBefore,
      { what: 'the push refused' },
    );
    expect(trapConnections).toBe(before);
  });
});
