import { type AddressInfo, createServer } from 'node:net';
import type { Envelope, OpenResult } from '@cinder/protocol';
import { startServer } from '@cinder/server';
import { describe, expect, it } from 'vitest';
import {
  type Exposition,
  marker,
  metrics,
  openedContent,
  RawClient,
  register,
  sealedSendFrame,
  sendFrame,
  spawnServer,
  sweptAfter,
  tempDir,
  testServer,
} from '../../../test/kit/index.ts';
import { describeWithServices, dropSchema, TEST_DATABASE_URL, uniqueSchema } from './services.ts';

/** Every family the server exposes, with its Prometheus type. */
const FAMILIES = {
  cinder_ws_connections: 'gauge',
  cinder_devices_online: 'gauge',
  cinder_ws_frames_received_total: 'counter',
  cinder_messages_sent_total: 'counter',
  cinder_opens_total: 'counter',
  cinder_burns_total: 'counter',
  cinder_pushes_total: 'counter',
  cinder_push_jobs_total: 'counter',
  cinder_expiry_lag_seconds: 'histogram',
  cinder_sweeper_runs_total: 'counter',
  cinder_sweeper_failures_total: 'counter',
  cinder_sweeper_burned_total: 'counter',
  cinder_sweeper_run_duration_seconds: 'histogram',
  cinder_ws_request_duration_seconds: 'histogram',
  cinder_http_request_duration_seconds: 'histogram',
  cinder_errors_total: 'counter',
  cinder_storage_duration_seconds: 'histogram',
  cinder_bus_connected: 'gauge',
  cinder_bus_reconnects_total: 'counter',
  cinder_bus_publish_failures_total: 'counter',
  cinder_postgres_queries_total: 'counter',
  // Process defaults (prom-client), under their usual names.
  process_cpu_seconds_total: 'counter',
  process_resident_memory_bytes: 'gauge',
  nodejs_heap_size_used_bytes: 'gauge',
  nodejs_eventloop_lag_seconds: 'gauge',
} as const;

/** Families are declared with a HELP line and their TYPE. */
function expectFamilies(scrape: Exposition): void {
  for (const [name, type] of Object.entries(FAMILIES)) {
    expect(scrape.types.get(name), `TYPE of ${name}`).toBe(type);
    expect(scrape.help.get(name), `HELP of ${name}`).toMatch(/\w/);
  }
  for (const name of scrape.types.keys()) {
    if (name.startsWith('cinder_')) expect(Object.keys(FAMILIES), 'a family this test knows').toContain(name);
  }
}

async function get(url: string, init: RequestInit = {}): Promise<{ status: number; text: string }> {
  const res = await fetch(url, init);
  return { status: res.status, text: await res.text() };
}

describe('metrics', () => {
  it('counts a burn flow in Prometheus text on the metrics listener, with no user data in any label', async () => {
    let now = Date.now();
    await using server = await testServer({ now: () => now });
    const alice = await register(server);
    const bob = await register(server);
    await using a = await RawClient.connect(server.url, alice.token);
    await using b = await RawClient.connect(server.url, bob.token);
    const text = marker();

    // A burn message opened (burn: opened), then opened again (error BURNED).
    const sealed = await sealedSendFrame(a, alice.user.username, bob.user.username, text, {
      burn: { ttlSeconds: 3600 },
    });
    const envelope = sealed.sealed as Envelope;
    const opened = await a.ok<{ id: string }>(sealed);
    const result = await b.ok<OpenResult>({ type: 'open', id: opened.id });
    expect(result).toMatchObject({ burned: true });
    expect((await openedContent(result, bob)).text).toBe(text);
    expect(await b.request({ type: 'open', id: opened.id })).toMatchObject({ type: 'error', code: 'BURNED' });
    // A burn message left to expire (burn: expired), by the server's clock.
    const expiring = await a.ok<{ id: string; burn: { expiresAt: number } }>(
      await sealedSendFrame(a, alice.user.username, bob.user.username, `${text}-expiring`, {
        burn: { ttlSeconds: 60 },
      }),
    );
    now = expiring.burn.expiresAt + 250;
    await b.waitForEvent((e) => e.kind === 'burned' && e.messageId === expiring.id);
    await sweptAfter(server);
    // A normal message, a device signed out by id, and paths that carry the marker.
    await a.ok(sendFrame(bob.user.username, `${text}-normal`));
    const extra = await register(server);
    const revoked = await fetch(`${server.url}/v1/devices/${extra.device.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${extra.token}` },
    });
    expect(revoked.status).toBe(204);
    expect((await get(`${server.url}/v1/${text}`, { method: 'POST' })).status).toBe(404);
    expect((await get(`${server.url}/${text}`)).status).toBe(200);

    const scrape = await metrics(server);
    expectFamilies(scrape);
    expect(scrape.value('cinder_messages_sent_total', { kind: 'burn' })).toBe(2);
    expect(scrape.value('cinder_messages_sent_total', { kind: 'normal' })).toBe(1);
    expect(scrape.value('cinder_opens_total', { kind: 'burn' })).toBe(1);
    expect(scrape.value('cinder_burns_total', { reason: 'opened' })).toBe(1);
    expect(scrape.value('cinder_burns_total', { reason: 'expired' })).toBe(1);
    expect(scrape.value('cinder_burns_total', { reason: 'revoked' })).toBe(0);
    expect(scrape.value('cinder_sweeper_burned_total')).toBe(1);
    expect(scrape.value('cinder_sweeper_runs_total')).toBeGreaterThanOrEqual(2);
    expect(scrape.value('cinder_sweeper_failures_total')).toBe(0);
    // The clock jumped 250 ms past the deadline: the burn was at most that late (and at least
    // 0), so it lands in the buckets from 0.25 s up.
    expect(scrape.value('cinder_expiry_lag_seconds_count')).toBe(1);
    expect(scrape.value('cinder_expiry_lag_seconds_bucket', { le: '0.1' })).toBe(0);
    expect(scrape.value('cinder_expiry_lag_seconds_bucket', { le: '0.25' })).toBe(1);
    expect(scrape.value('cinder_ws_request_duration_seconds_count', { type: 'send' })).toBe(3);
    expect(scrape.value('cinder_ws_request_duration_seconds_count', { type: 'open' })).toBe(2);
    // Each sealed send read the recipient's key directory first.
    expect(scrape.value('cinder_ws_request_duration_seconds_count', { type: 'keys' })).toBe(2);
    expect(scrape.value('cinder_errors_total', { code: 'BURNED', transport: 'ws' })).toBe(1);
    expect(scrape.value('cinder_errors_total', { code: 'NOT_FOUND', transport: 'http' })).toBe(1);
    const http = (labels: Record<string, string>) =>
      scrape.value('cinder_http_request_duration_seconds_count', labels);
    expect(http({ method: 'POST', route: '/v1/accounts', status: '201' })).toBe(3);
    expect(http({ method: 'DELETE', route: '/v1/devices/:id', status: '204' })).toBe(1);
    expect(http({ method: 'POST', route: '/v1/*', status: '404' })).toBe(1);
    expect(http({ method: 'GET', route: '/*', status: '200' })).toBe(1);
    for (const verb of ['insertMessage', 'openMessage', 'expireDue', 'createUser', 'readEvents']) {
      expect(scrape.value('cinder_storage_duration_seconds_count', { verb }), verb).toBeGreaterThan(0);
    }
    expect(scrape.value('cinder_ws_connections')).toBe(2);
    expect(scrape.value('cinder_devices_online')).toBe(2);
    expect(scrape.value('cinder_bus_connected')).toBe(1);
    expect(scrape.value('process_cpu_seconds_total')).toBeGreaterThan(0);

    // Nothing a user chose or was given appears anywhere in the scrape, labels included.
    const secrets = [
      text,
      alice.user.username,
      bob.user.username,
      extra.user.username,
      alice.user.id,
      bob.user.id,
      alice.device.id,
      bob.device.id,
      extra.device.id,
      alice.token,
      opened.id,
      expiring.id,
      envelope.ct,
      envelope.k2,
    ];
    for (const secret of secrets) expect(scrape.text).not.toContain(secret);
    for (const value of scrape.labelValues()) {
      for (const secret of secrets) expect(value).not.toContain(secret);
    }
  });

  it('is not on the public port, and the listener serves /metrics only', async () => {
    await using server = await testServer();
    for (const method of ['GET', 'POST']) {
      const res = await fetch(`${server.url}/metrics`, { method });
      expect(res.status, method).toBe(404);
      expect(await res.json(), method).toEqual({ error: { code: 'NOT_FOUND', message: 'No such route' } });
    }
    const listener = new URL(server.metricsUrl);
    expect(listener.port).not.toBe(String(server.port));
    expect((await get(new URL('/healthz', listener).href)).status).toBe(404);
    expect((await get(server.metricsUrl, { method: 'POST' })).status).toBe(405);
    const scrape = await fetch(server.metricsUrl);
    expect(scrape.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  });

  it('binds 127.0.0.1 by default, another interface when told, and stops with the server', async () => {
    const dir = tempDir('cinder-metrics-');
    try {
      const base = { port: 0, dataDir: dir.path, logLevel: 'silent' } as const;
      const off = await startServer(base);
      expect(off.metricsUrl).toBeNull();
      await off.close();

      const local = await startServer({ ...base, metricsPort: 0 });
      const url = new URL(local.metricsUrl ?? '');
      expect(url.hostname).toBe('127.0.0.1');
      expect((await fetch(url)).status).toBe(200);
      // Bound to 127.0.0.1 itself, not every interface: another loopback address is refused.
      const elsewhere = new URL(url);
      elsewhere.hostname = '127.0.0.2';
      await expect(fetch(elsewhere)).rejects.toThrow();
      await local.close();
      await expect(fetch(url)).rejects.toThrow();

      const other = await startServer({ ...base, metricsPort: 0, metricsHost: '127.0.0.2' });
      expect(new URL(other.metricsUrl ?? '').hostname).toBe('127.0.0.2');
      expect((await fetch(other.metricsUrl ?? '')).status).toBe(200);
      await other.close();
    } finally {
      dir.remove();
    }
  });

  it('refuses to start when the metrics port is taken', async () => {
    using dir = tempDir('cinder-metrics-');
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = taken.address() as AddressInfo;
      await expect(
        startServer({ port: 0, dataDir: dir.path, logLevel: 'silent', metricsPort: port }),
      ).rejects.toThrow(/EADDRINUSE/);
      // Nothing of the failed start stands in the way: a server starts on the same data directory.
      await using again = await startServer({ port: 0, dataDir: dir.path, logLevel: 'silent' });
      expect((await fetch(`${again.url}/readyz`)).status).toBe(200);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  it('is served by the process started with --metrics-port', async () => {
    using dir = tempDir('cinder-metrics-');
    await using child = await spawnServer(['--port', '0', '--metrics-port', '0', '--data-dir', dir.path]);
    expect(child.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    expect((await fetch(`${child.url}/metrics`)).status).toBe(404);
    expectFamilies(await metrics(child));
  });
});

await describeWithServices('metrics on PostgreSQL', ['postgres'], () => {
  it('counts every statement sent to PostgreSQL, one round trip each', async () => {
    const schema = uniqueSchema('cinder_metrics');
    try {
      await using server = await testServer({
        databaseUrl: TEST_DATABASE_URL,
        databaseSchema: schema,
        bus: 'memory',
      });
      const before = (await metrics(server)).value('cinder_postgres_queries_total');
      // The migration ran through the pool before the server listened.
      expect(before).toBeGreaterThan(0);
      await register(server);
      expect((await metrics(server)).value('cinder_postgres_queries_total')).toBeGreaterThan(before);
    } finally {
      await dropSchema(schema);
    }
  });
});
