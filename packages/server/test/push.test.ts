import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { PushPayload } from '@cinder/protocol';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import {
  type Device,
  device,
  marker,
  metrics,
  passwordOf,
  type TestServer,
  tempDir,
  testServer,
  username,
  waitFor,
} from '../../../test/kit/index.ts';
import { type PushReceiver, type ReceiverSubscription, startPushReceiver } from './push-receiver.ts';
import { describeOnStorages, storageBackends } from './services.ts';

let receiver: PushReceiver;
beforeAll(async () => {
  receiver = await startPushReceiver();
});
afterAll(async () => {
  await receiver?.close();
});

/** Stored messages whose pushes have all settled, on that server. */
async function pushJobs(server: TestServer): Promise<number> {
  return (await metrics(server)).value('cinder_push_jobs_total');
}

/** Run `send`, then wait until the server has settled the pushes of the `count` messages it stored. */
async function afterPushes(server: TestServer, count: number, send: () => Promise<unknown>): Promise<void> {
  const before = await pushJobs(server);
  await send();
  await waitFor(async () => (await pushJobs(server)) >= before + count, {
    what: `the pushes of ${count} message(s)`,
  });
}

/** Wait until exactly `n` devices are connected to the server (a closed client's socket is gone). */
async function onlineDevices(server: TestServer, n: number): Promise<void> {
  await waitFor(async () => (await metrics(server)).value('cinder_devices_online') === n, {
    what: `${n} device(s) online`,
  });
}

await describeOnStorages('web push', storageBackends('cinder_push'), (backend) => {
  const servers: TestServer[] = [];
  const devices: Device[] = [];
  const logs = tempDir('cinder-push-logs-');
  let logFile = '';

  const serve = async (): Promise<TestServer> => {
    logFile = join(logs.path, `${servers.length}.log`);
    const server = await testServer({
      ...backend.options(),
      pushInsecureEndpoints: true,
      logLevel: 'debug',
      logFile,
    });
    servers.push(server);
    return server;
  };
  /** A device that registers `name` (a new account) or logs in to it. */
  const signIn = async (server: TestServer, name: string, how: 'register' | 'login'): Promise<Device> => {
    const d = device(server.url);
    devices.push(d);
    await d.client[how](name, passwordOf(name));
    d.name = name;
    return d;
  };
  /** Subscribe `d` with a new subscription of the receiver; returns it. */
  const subscribe = async (d: Device, previews?: boolean): Promise<ReceiverSubscription> => {
    const sub = await receiver.subscribe(await d.client.pushKey());
    const status = await d.client.subscribePush(
      { endpoint: sub.endpoint, keys: sub.keys },
      previews === undefined ? {} : { previews },
    );
    expect(status).toEqual({ subscribed: true, previews: previews ?? false });
    return sub;
  };

  afterEach(async () => {
    await Promise.allSettled(devices.splice(0).map((d) => d.client.close()));
    for (const s of servers.splice(0)) await s.close();
    await backend.cleanup();
  });
  afterAll(() => logs.remove());

  it('pushes who sent a burn message and never any content; a normal message’s text only with previews on', async () => {
    const server = await serve();
    const alice = await signIn(server, username('alice'), 'register');
    const bob = await signIn(server, username('bob'), 'register');

    // The key: public, 65 bytes, the same on every read.
    const key = await bob.client.pushKey();
    expect(Buffer.from(key, 'base64url')).toHaveLength(65);
    const raw = await fetch(`${server.url}/v1/push/key`);
    expect(await raw.json()).toEqual({ publicKey: key });

    const sub = await subscribe(bob);
    expect(await bob.client.pushStatus()).toEqual({ subscribed: true, previews: false });
    // Bob's phone is in his pocket: no connection, so the pushes are its only news.
    await bob.client.close();
    await onlineDevices(server, 1);

    const mark = marker();
    await afterPushes(server, 4, async () => {
      await alice.client.send(bob.name, `burn text ${mark}`, {
        burn: { ttlSeconds: 600 },
        ext: { note: `burn ext ${mark}` },
      });
      await alice.client.sendFile(bob.name, new TextEncoder().encode(`bytes ${mark}`), {
        name: `burn-${mark}.txt`,
        type: 'text/plain',
        text: `burn caption ${mark}`,
        burn: true,
      });
      await alice.client.send(bob.name, `normal text ${mark}`, { ext: { note: `normal ext ${mark}` } });
      await alice.client.sendFile(bob.name, new TextEncoder().encode(`bytes ${mark}`), {
        name: `normal-${mark}.txt`,
        type: 'text/plain',
        text: `normal caption ${mark}`,
      });
    });
    const received = await waitFor(async () => {
      const got = await receiver.received(sub);
      return got.length >= 4 && got;
    });
    expect(received).toHaveLength(4);
    for (const payload of received) expect(payload).not.toContain(mark);
    const parsed = received.map((p) => PushPayload.parse(JSON.parse(p)));
    // Sends are sequential and each push is queued as its send is stored, but pushes may
    // arrive in any order: compare as a multiset.
    const byKind = (kind: string) => parsed.filter((p) => p.kind === kind);
    expect(byKind('burn')).toEqual([
      { v: 1, kind: 'burn', from: alice.name },
      { v: 1, kind: 'burn', from: alice.name },
    ]);
    expect(byKind('message')).toEqual([
      { v: 1, kind: 'message', from: alice.name },
      { v: 1, kind: 'message', from: alice.name },
    ]);

    // Previews on: a normal message's push carries the start of its text; a burn message's
    // still says only who sent it.
    expect(await bob.client.setPushPreviews(true)).toEqual({ subscribed: true, previews: true });
    const shown = marker();
    await afterPushes(server, 2, async () => {
      await alice.client.send(bob.name, `see ${shown}`, { ext: { note: `ext ${mark}` } });
      await alice.client.send(bob.name, `burn ${mark}`, { burn: true, ext: { note: mark } });
    });
    const more = await waitFor(async () => {
      const got = await receiver.received(sub);
      return got.length >= 6 && got.slice(4);
    });
    for (const payload of more) expect(payload).not.toContain(mark);
    expect(more.map((p) => PushPayload.parse(JSON.parse(p)))).toEqual(
      expect.arrayContaining([
        { v: 1, kind: 'message', from: alice.name, preview: `see ${shown}` },
        { v: 1, kind: 'burn', from: alice.name },
      ]),
    );

    // Nothing of any message reached the server's log, at debug level.
    await server.close();
    const log = readFileSync(logFile, 'utf8');
    expect(log).toContain('push sent');
    expect(log).not.toContain(mark);
    expect(log).not.toContain(shown);
    expect(log).not.toContain(sub.clientHash);
  });

  it('removes a subscription the push service answers 410 Gone', async () => {
    const server = await serve();
    const alice = await signIn(server, username('alice'), 'register');
    const bob = await signIn(server, username('bob'), 'register');
    const sub = await subscribe(bob);
    await bob.client.close();
    await onlineDevices(server, 1);
    await afterPushes(server, 1, () => alice.client.send(bob.name, 'first'));
    expect(await receiver.received(sub)).toHaveLength(1);

    await receiver.expire(sub);
    const gone = (await metrics(server)).value('cinder_pushes_total', { outcome: 'gone' });
    await afterPushes(server, 1, () => alice.client.send(bob.name, 'to a gone subscription'));
    expect((await metrics(server)).value('cinder_pushes_total', { outcome: 'gone' })).toBe(gone + 1);
    expect(await bob.client.pushStatus()).toEqual({ subscribed: false, previews: false });
    // No more pushes are tried for it.
    await afterPushes(server, 1, () => alice.client.send(bob.name, 'after'));
    expect((await metrics(server)).value('cinder_pushes_total', { outcome: 'gone' })).toBe(gone + 1);
    expect(await receiver.received(sub)).toHaveLength(1);
  });

  it('pushes only to the recipient’s devices that are not connected; sign-out removes a subscription', async () => {
    const server = await serve();
    const alice = await signIn(server, username('alice'), 'register');
    const alicePhone = await signIn(server, alice.name, 'login');
    const bob = await signIn(server, username('bob'), 'register');
    const bobPhone = await signIn(server, bob.name, 'login');
    const bobTablet = await signIn(server, bob.name, 'login');
    const subs = {
      alicePhone: await subscribe(alicePhone),
      bob: await subscribe(bob),
      bobPhone: await subscribe(bobPhone),
      bobTablet: await subscribe(bobTablet),
    };
    // Bob's laptop stays connected (it hears the message on its socket); the rest sleep.
    await alicePhone.client.close();
    await bobPhone.client.close();
    await bobTablet.client.close();
    await onlineDevices(server, 2);

    await afterPushes(server, 1, () => alice.client.send(bob.name, 'one'));
    await waitFor(async () => (await receiver.received(subs.bobTablet)).length === 1);
    await waitFor(async () => (await receiver.received(subs.bobPhone)).length === 1);
    // Not the connected device, not the sender's own devices.
    expect(await receiver.received(subs.bob)).toEqual([]);
    expect(await receiver.received(subs.alicePhone)).toEqual([]);

    // The phone signs out: its subscription goes with it, and no push reaches it after.
    await bobPhone.client.signOut();
    await afterPushes(server, 1, () => alice.client.send(bob.name, 'two', { burn: true }));
    await waitFor(async () => (await receiver.received(subs.bobTablet)).length === 2);
    expect(await receiver.received(subs.bobPhone)).toHaveLength(1);
    expect(await receiver.received(subs.bob)).toEqual([]);

    // A device unsubscribes: no push after; unsubscribing again is no error.
    await bobTablet.client.unsubscribePush();
    await bobTablet.client.unsubscribePush();
    expect(await bobTablet.client.pushStatus()).toEqual({ subscribed: false, previews: false });
    await afterPushes(server, 1, () => alice.client.send(bob.name, 'three'));
    expect(await receiver.received(subs.bobTablet)).toHaveLength(2);
    // Previews need a subscription.
    await expect(bobTablet.client.setPushPreviews(true)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('never holds a send for a push service that does not answer, and cuts such pushes at shutdown', async () => {
    // A push service that takes requests and never answers them.
    const held: IncomingMessage[] = [];
    let cut = 0;
    const stuck = createServer((req) => {
      held.push(req);
      req.socket.once('close', () => cut++);
    });
    await new Promise<void>((resolve) => stuck.listen(0, '127.0.0.1', resolve));
    try {
      const server = await serve();
      const alice = await signIn(server, username('alice'), 'register');
      const bob = await signIn(server, username('bob'), 'register');
      const { keys } = await receiver.subscribe(await bob.client.pushKey());
      const { port } = stuck.address() as AddressInfo;
      await bob.client.subscribePush({ endpoint: `http://127.0.0.1:${port}/push/bob`, keys });
      await bob.client.close();
      await onlineDevices(server, 1);

      await alice.client.send(bob.name, 'one');
      await waitFor(() => held.length === 1, { what: 'the push at the push service' });
      // Its push is still unanswered, and the next sends are stored all the same.
      await alice.client.send(bob.name, 'two', { burn: true });
      await alice.client.send(bob.name, 'three');
      await waitFor(() => held.length === 3, { what: 'three pushes held' });
      expect(held.every((req) => req.method === 'POST' && req.url === '/push/bob')).toBe(true);
      // Had a send waited for its push, that push would have timed out (and been cut) first.
      expect(cut).toBe(0);
      expect((await metrics(server)).value('cinder_pushes_total', { outcome: 'sent' })).toBe(0);
      // Stopping does not wait for the push service: it cuts the pushes under way.
      await server.close();
      await waitFor(() => cut >= 1, { what: 'the held pushes cut' });
    } finally {
      stuck.closeAllConnections();
      await new Promise((resolve) => stuck.close(resolve));
    }
  });

  it('keeps one VAPID key across restarts, and refuses http: endpoints unless allowed', async () => {
    const dir = tempDir('cinder-push-');
    const options = { ...backend.options(), dataDir: dir.path };
    try {
      const first = await testServer(options);
      const key = (await (await fetch(`${first.url}/v1/push/key`)).json()) as { publicKey: string };
      await first.close();
      const second = await testServer(options);
      servers.push(second);
      expect(await (await fetch(`${second.url}/v1/push/key`)).json()).toEqual(key);
      if (backend.name === 'sqlite') {
        const { statSync } = await import('node:fs');
        expect(statSync(join(dir.path, 'vapid.json')).mode & 0o777).toBe(0o600);
      }
      // This server takes https: endpoints only.
      const bob = await signIn(second, username('bob'), 'register');
      const sub = await receiver.subscribe(key.publicKey);
      await expect(
        bob.client.subscribePush({ endpoint: sub.endpoint, keys: sub.keys }),
      ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
      await expect(bob.client.subscribePush({ endpoint: 'https://x/y' })).rejects.toMatchObject({
        code: 'BAD_REQUEST',
      });
      expect(await bob.client.pushStatus()).toEqual({ subscribed: false, previews: false });
    } finally {
      for (const s of servers.splice(0)) await s.close();
      dir.remove();
    }
  });
});
