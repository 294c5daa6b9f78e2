import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CinderError, FileStore, MemoryStore } from '../src/index.ts';
import {
  type Device,
  device,
  isPending,
  PASSWORD,
  sleep,
  type TestServer,
  testServer,
  uniqueName,
  waitFor,
} from './helpers.ts';

/** The rid of the first request of `type` the device sent. */
function ridOf(d: Device, type: string): unknown {
  return d.net.sent.find((f) => f.type === type)?.rid;
}

describe('CinderClient over a bad network', () => {
  let server: TestServer;
  let devices: Device[];
  beforeEach(async () => {
    server = await testServer();
    devices = [];
  });
  afterEach(async () => {
    await Promise.allSettled(devices.map((d) => d.client.close()));
    await server.close();
  });

  async function user(options: Parameters<typeof device>[1] = {}): Promise<Device & { name: string }> {
    const d = device(server.url, options, devices);
    const name = uniqueName('u');
    await d.client.register(name, PASSWORD);
    return { ...d, name };
  }

  it('reconnects by itself with capped backoff and catches up', async () => {
    const alice = await user({ maxReconnectDelayMs: 400 });
    const bob = await user();
    alice.net.offline = true;
    alice.net.cut();
    await waitFor(() => alice.client.state === 'reconnecting', 'reconnecting');
    const before = alice.net.attempts.length;
    await sleep(1500);
    const tries = alice.net.attempts.slice(before);
    // It keeps trying while offline, and never faster than the backoff floor (250 ms).
    expect(tries.length).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < tries.length; i++) expect(tries[i]! - tries[i - 1]!).toBeGreaterThanOrEqual(240);
    expect(alice.client.state).toBe('reconnecting');

    const missed = await bob.client.send(alice.name, 'while you were away');
    alice.net.offline = false;
    await waitFor(() => alice.client.state === 'connected', 'back online');
    await waitFor(() => alice.events.message.find((m) => m.id === missed.id), 'missed message');
    expect(alice.events.state).toEqual(['connecting', 'connected', 'reconnecting', 'connected']);
    expect(alice.events.error).toEqual([]);
  });

  it('send while disconnected waits for the connection, then goes out once', async () => {
    const alice = await user();
    const bob = await user();
    alice.net.offline = true;
    alice.net.cut();
    await waitFor(() => alice.client.state === 'reconnecting', 'reconnecting');
    const sending = alice.client.send(bob.name, 'queued');
    await sleep(400);
    expect(await isPending(sending)).toBe(true);

    alice.net.offline = false;
    const sent = await sending;
    expect(sent.text).toBe('queued');
    await waitFor(() => bob.events.message.length === 1, 'delivery');
    await sleep(200);
    expect(bob.events.message.map((m) => m.id)).toEqual([sent.id]);
    expect((await alice.client.messages(bob.name)).map((m) => m.id)).toEqual([sent.id]);
  });

  it('send gives up with TIMEOUT after sendTimeoutMs and forgets it', async () => {
    const store = new MemoryStore();
    const alice = await user({ store, sendTimeoutMs: 300 });
    const bob = await user();
    alice.net.offline = true;
    alice.net.cut();
    await waitFor(() => alice.client.state === 'reconnecting', 'reconnecting');
    await expect(alice.client.send(bob.name, 'too late')).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(await store.listOutbox()).toEqual([]);
    alice.net.offline = false;
    await waitFor(() => alice.client.state === 'connected', 'back online');
    await sleep(200);
    expect(bob.events.message).toEqual([]);
  });

  it('retries a send whose reply was lost with the same key: no duplicate', async () => {
    const alice = await user();
    const bob = await user();
    // The server stores the message and replies; the reply is lost with the socket.
    alice.net.dropWhen = (frame) => frame.type === 'reply' && frame.rid === ridOf(alice, 'send');
    const sent = await alice.client.send(bob.name, 'exactly once');
    const sends = alice.net.sent.filter((f) => f.type === 'send');
    expect(sends).toHaveLength(2);
    expect(sends[0]?.key).toBe(sends[1]?.key);
    await waitFor(() => bob.events.message.length === 1, 'delivery');
    await sleep(300);
    expect(bob.events.message.map((m) => m.id)).toEqual([sent.id]);
    expect((await bob.client.messages(alice.name)).map((m) => m.id)).toEqual([sent.id]);
    expect((await alice.client.messages(bob.name)).map((m) => m.id)).toEqual([sent.id]);
  });

  it('flushes the outbox left by a closed client when the device resumes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cinder-sdk-outbox-'));
    try {
      const path = join(dir, 'alice.json');
      const alice = await user({ store: new FileStore(path) });
      const bob = await user();
      alice.net.offline = true;
      alice.net.cut();
      await waitFor(() => alice.client.state === 'reconnecting', 'reconnecting');
      const pending = alice.client.send(bob.name, 'survives a restart');
      await sleep(100);
      await alice.client.close();
      await expect(pending).rejects.toMatchObject({ code: 'DISCONNECTED' });

      // The app restarts: a new client over the same file resumes the device and sends it.
      const again = device(server.url, { store: new FileStore(path) }, devices);
      await again.client.connect();
      const got = await waitFor(() => bob.events.message[0], 'delivery');
      expect(got.text).toBe('survives a restart');
      // The send's reply empties the outbox; the echo of the message in Alice's own log may
      // store it as sent before that reply arrives, so wait for the outbox itself.
      await waitFor(async () => (await new FileStore(path).listOutbox()).length === 0, 'outbox flushed');
      expect((await again.client.messages(bob.name)).map((m) => m.text)).toEqual(['survives a restart']);
      await sleep(200);
      expect(bob.events.message).toHaveLength(1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('open fails with DISCONNECTED when the reply is lost, and is not retried', async () => {
    const alice = await user();
    const bob = await user();
    const sent = await alice.client.send(bob.name, 'lost with the reply', { burn: true });
    await waitFor(() => bob.events.message.length === 1, 'delivery');

    bob.net.dropWhen = (frame) => frame.type === 'reply' && frame.rid === ridOf(bob, 'open');
    const error = await bob.client.open(sent.id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CinderError);
    expect((error as CinderError).code).toBe('DISCONNECTED');
    expect(bob.net.sent.filter((f) => f.type === 'open')).toHaveLength(1);

    // The server burned it at open: once back, Bob learns of the burn and a retry is BURNED.
    await waitFor(() => bob.client.state === 'connected', 'reconnected');
    await waitFor(() => bob.events.burned.length === 1, 'burn');
    expect(bob.events.burned[0]).toMatchObject({ messageId: sent.id, reason: 'opened' });
    await expect(bob.client.open(sent.id)).rejects.toMatchObject({ code: 'BURNED' });
    expect(await bob.client.messages(alice.name)).toEqual([]);
  });

  it('a revoked device goes unauthorized: no reconnect, pending calls fail, the store is wiped', async () => {
    const store = new MemoryStore();
    const alice = await user({ store });
    const other = device(server.url, {}, devices);
    await other.client.login(alice.name, PASSWORD);
    const deviceId = alice.client.me!.deviceId;

    await other.client.revokeDevice(deviceId);
    await waitFor(() => alice.client.state === 'unauthorized', 'unauthorized');
    const attempts = alice.net.attempts.length;
    await sleep(800);
    expect(alice.net.attempts.length).toBe(attempts);
    expect(alice.client.me).toBeNull();
    expect(await store.getIdentity()).toBeNull();
    await expect(alice.client.send('anyone', 'x')).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await expect(alice.client.connect()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    expect((await other.client.devices()).map((d) => d.id)).not.toContain(deviceId);
  });

  it('a device revoked while offline is refused with UNAUTHORIZED on connect', async () => {
    const store = new MemoryStore();
    const alice = await user({ store });
    const other = device(server.url, {}, devices);
    await other.client.login(alice.name, PASSWORD);
    await alice.client.close();
    await other.client.revokeDevice(alice.client.me!.deviceId);
    await expect(alice.client.connect()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    expect(alice.client.state).toBe('unauthorized');
  });

  it('gives up on a socket whose server goes silent during sync, and tries again', async () => {
    const alice = await user({ requestTimeoutMs: 500 });
    alice.net.blackhole = true;
    alice.net.cut();
    await waitFor(() => alice.events.error.some((e) => e.code === 'TIMEOUT'), 'sync watchdog');
    expect(alice.client.state).toBe('reconnecting');
    alice.net.blackhole = false;
    await waitFor(() => alice.client.state === 'connected', 'connected again');
  });

  it('drops an invalid frame with an error event and keeps working', async () => {
    const alice = await user();
    const bob = await user();
    // Corrupt one inbound events frame on the wire: the SDK must reject it, not apply it.
    let corrupted = false;
    const socketEmit = alice.net.WebSocket.prototype.emit;
    alice.net.WebSocket.prototype.emit = function (
      this: unknown,
      event: string | symbol,
      ...args: unknown[]
    ) {
      if (event === 'message' && !corrupted && String(args[0]).includes('"events"')) {
        corrupted = true;
        return socketEmit.call(
          this,
          event,
          Buffer.from('{"type":"events","events":"nope","cursor":-1}'),
          false,
        );
      }
      return socketEmit.call(this, event, ...args);
    };
    await bob.client.send(alice.name, 'first');
    await waitFor(() => alice.events.error.length === 1, 'error event');
    expect(alice.events.error[0]).toMatchObject({ code: 'BAD_REQUEST' });
    expect(alice.events.message).toEqual([]);
    const second = await bob.client.send(alice.name, 'second');
    await waitFor(() => alice.events.message.find((m) => m.id === second.id), 'later delivery');
    expect(alice.client.state).toBe('connected');
  });
});
