import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DevicesResponse,
  ErrorBody,
  HealthResponse,
  PROTOCOL_VERSION,
  SessionResponse,
} from '@cinder/protocol';
import { describe, expect, it } from 'vitest';
import {
  login,
  postJson,
  RawClient,
  register,
  tempDir,
  testServer,
  username,
} from '../../../test/kit/index.ts';

const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

describe('HTTP API', () => {
  it('registers, refuses a taken name, logs in with a new device, refuses a wrong password', async () => {
    await using server = await testServer();
    const name = username('reg');
    const created = await postJson(`${server.url}/v1/accounts`, {
      username: name,
      password: 'long enough',
      deviceName: 'Laptop',
    });
    expect(created.status).toBe(201);
    const session = SessionResponse.parse(created.body);
    expect(session.user.username).toBe(name);
    expect(session.device.name).toBe('Laptop');
    expect(Buffer.from(session.token, 'base64url')).toHaveLength(32);

    const taken = await postJson(`${server.url}/v1/accounts`, { username: name, password: 'another one' });
    expect(taken.status).toBe(409);
    expect(ErrorBody.parse(taken.body).error.code).toBe('CONFLICT');

    const second = await login(server, name, 'long enough');
    expect(second.user.id).toBe(session.user.id);
    expect(second.device.id).not.toBe(session.device.id);
    expect(second.token).not.toBe(session.token);

    const wrong = await postJson(`${server.url}/v1/sessions`, { username: name, password: 'wrong password' });
    expect(wrong.status).toBe(401);
    expect(ErrorBody.parse(wrong.body).error.code).toBe('UNAUTHORIZED');
    const unknown = await postJson(`${server.url}/v1/sessions`, {
      username: username('nobody'),
      password: 'whatever1',
    });
    expect(unknown.status).toBe(401);
    expect(unknown.body).toEqual(wrong.body);
  });

  it('validates bodies without echoing them', async () => {
    await using server = await testServer();
    const marker = 'zz-secret-marker-zz';
    const bad = await postJson(`${server.url}/v1/accounts`, {
      username: 'Bad Name!',
      password: marker.slice(0, 5),
    });
    expect(bad.status).toBe(400);
    const body = ErrorBody.parse(bad.body);
    expect(body.error.code).toBe('BAD_REQUEST');
    expect(JSON.stringify(body)).not.toContain('Bad Name');

    const notJson = await fetch(`${server.url}/v1/sessions`, { method: 'POST', body: `{${marker}` });
    expect(notJson.status).toBe(400);
    expect(await notJson.text()).not.toContain(marker);

    const huge = await fetch(`${server.url}/v1/accounts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'abc', password: 'x'.repeat(100_000) }),
    });
    expect(huge.status).toBe(413);
    expect(ErrorBody.parse(await huge.json()).error.code).toBe('PAYLOAD_TOO_LARGE');

    const noRoute = await fetch(`${server.url}/v1/nothing`);
    expect(noRoute.status).toBe(404);
    expect(ErrorBody.parse(await noRoute.json()).error.code).toBe('NOT_FOUND');
  });

  it('lists devices and revokes one: its token stops working and its sockets close with 4001', async () => {
    await using server = await testServer();
    const name = username('dev');
    const first = await register(server, name);
    const second = await login(server, name);
    const stranger = await register(server);
    const auth = (token: string) => ({ authorization: `Bearer ${token}` });

    const listed = await fetch(`${server.url}/v1/devices`, { headers: auth(first.token) });
    expect(listed.status).toBe(200);
    const { devices } = DevicesResponse.parse(await listed.json());
    expect(devices.map((d) => [d.id, d.current]).sort()).toEqual(
      [
        [first.device.id, true],
        [second.device.id, false],
      ].sort(),
    );

    expect((await fetch(`${server.url}/v1/devices`)).status).toBe(401);
    expect((await fetch(`${server.url}/v1/devices`, { headers: auth('nope') })).status).toBe(401);

    // Another account's device id: 404, and that device is untouched.
    const foreign = await fetch(`${server.url}/v1/devices/${stranger.device.id}`, {
      method: 'DELETE',
      headers: auth(first.token),
    });
    expect(foreign.status).toBe(404);

    const socket = await RawClient.connect(server.url, second.token);
    const revoked = await fetch(`${server.url}/v1/devices/${second.device.id}`, {
      method: 'DELETE',
      headers: auth(first.token),
    });
    expect(revoked.status).toBe(204);
    expect((await socket.closed).code).toBe(4001);
    expect((await fetch(`${server.url}/v1/devices`, { headers: auth(second.token) })).status).toBe(401);

    const again = await RawClient.open(server.url);
    again.send({ type: 'hello', protocol: PROTOCOL_VERSION, token: second.token, cursor: null });
    expect(await again.waitFor((f) => f.type === 'error')).toMatchObject({ code: 'UNAUTHORIZED', rid: null });
    expect((await again.closed).code).toBe(4001);

    const after = DevicesResponse.parse(
      await (await fetch(`${server.url}/v1/devices`, { headers: auth(first.token) })).json(),
    );
    expect(after.devices.map((d) => d.id)).toEqual([first.device.id]);
    const strangerDevices = DevicesResponse.parse(
      await (await fetch(`${server.url}/v1/devices`, { headers: auth(stranger.token) })).json(),
    );
    expect(strangerDevices.devices).toHaveLength(1);
  });

  it('keeps tokens and account data out of caches: no-store on every API response', async () => {
    await using server = await testServer();
    const name = username('cache');
    const expectNoStore = (res: Response) => {
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('pragma')).toBe('no-cache');
    };
    const post = (path: string, body: unknown) =>
      fetch(`${server.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const created = await post('/v1/accounts', { username: name, password: 'long enough' });
    expect(created.status).toBe(201);
    expectNoStore(created);
    const { token } = SessionResponse.parse(await created.json());
    const signedIn = await post('/v1/sessions', { username: name, password: 'long enough' });
    expect(signedIn.status).toBe(200);
    expectNoStore(signedIn);
    const devices = await fetch(`${server.url}/v1/devices`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(devices.status).toBe(200);
    expectNoStore(devices);
    // Refusals too: nothing of the API is worth caching.
    expectNoStore(await post('/v1/sessions', { username: name, password: 'wrong password' }));
    expectNoStore(await fetch(`${server.url}/v1/devices`));
  });

  it('lets the page connect only to its own origin and the configured CORS origin', async () => {
    await using server = await testServer({ corsOrigin: 'https://app.example.com' });
    const csp = (await fetch(`${server.url}/`)).headers.get('content-security-policy') ?? '';
    const connect = /connect-src ([^;]*);/.exec(csp)?.[1];
    expect(connect?.split(' ')).toEqual(["'self'", 'https://app.example.com', 'wss://app.example.com']);
    // Same origin only: no scheme-wide ws: / wss: that would reach any host.
    await using plain = await testServer();
    const own = (await fetch(`${plain.url}/`)).headers.get('content-security-policy') ?? '';
    expect(/connect-src ([^;]*);/.exec(own)?.[1]).toBe("'self'");
  });

  it('answers /healthz, /readyz and /livez with the state of storage, bus and cluster', async () => {
    await using server = await testServer();
    const state = { protocol: PROTOCOL_VERSION, status: 'ok', storage: 'ok', bus: 'ok', cluster: 'ok' };
    for (const path of ['/healthz', '/readyz', '/livez']) {
      const res = await fetch(`${server.url}${path}`);
      expect(res.status, path).toBe(200);
      expect(HealthResponse.parse(await res.json()), path).toEqual({ ok: true, ...state });
    }
  });

  it('serves the web app with security headers and an SPA fallback', async () => {
    const web = tempDir('cinder-web-');
    const root = join(web.path, 'root');
    mkdirSync(join(root, 'assets'), { recursive: true });
    writeFileSync(join(root, 'index.html'), '<!doctype html><title>app</title>');
    writeFileSync(join(root, 'assets', 'app-123.js'), 'console.log(1)');
    writeFileSync(join(web.path, 'outside.txt'), 'no');
    try {
      await using server = await testServer({ webRoot: root });
      const index = await fetch(`${server.url}/`);
      expect(index.status).toBe(200);
      expect(await index.text()).toContain('<title>app</title>');
      expect(index.headers.get('content-security-policy')).toBe(CSP);
      expect(index.headers.get('x-content-type-options')).toBe('nosniff');
      expect(index.headers.get('referrer-policy')).toBe('no-referrer');

      const asset = await fetch(`${server.url}/assets/app-123.js`);
      expect(asset.headers.get('content-type')).toContain('javascript');
      expect(await asset.text()).toBe('console.log(1)');

      const route = await fetch(`${server.url}/chat/bob`);
      expect(route.status).toBe(200);
      expect(await route.text()).toContain('<title>app</title>');

      expect((await fetch(`${server.url}/missing.js`)).status).toBe(404);
      expect((await fetch(`${server.url}/..%2Foutside.txt`)).status).toBe(404);

      const api = await fetch(`${server.url}/v1/devices`);
      expect(api.headers.get('content-security-policy')).toBe(CSP);
    } finally {
      web.remove();
    }
  });

  it('serves a page saying to build the web app when it is missing', async () => {
    const empty = tempDir('cinder-noweb-');
    try {
      await using server = await testServer({ webRoot: join(empty.path, 'nope') });
      const res = await fetch(`${server.url}/`);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('npm run build');
    } finally {
      empty.remove();
    }
  });
});
