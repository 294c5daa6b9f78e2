import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Device, Harness, isPending, tempDir, waitFor } from '../../../test/kit/index.ts';
import { CinderError, MemoryStore } from '../src/index.ts';
import { FileStore } from '../src/node.ts';

/**
 * The outbox in a FileStore's file, read as bytes on disk: a second FileStore on the path would
 * clean up the temp file of the client's own write in progress.
 */
async function outboxOnDisk(path: string): Promise<unknown[]> {
  const text = await readFile(path, 'utf8').catch(() => '{"outbox":[]}');
  return (JSON.parse(text) as { outbox: unknown[] }).outbox;
}

/** The rid of the first request of `type` the device sent. */
function ridOf(d: Device, type: string): unknown {
  return d.net.sent.find((f) => f.type === type)?.rid;
}

describe('CinderClient over a bad network', () => {
  it('reconnects by itself and catches up', async () => {
    await using h = await Harness.start();
    const alice = await h.user();
    const bob = await h.user();
    alice.net.offline = true;
    alice.net.cut();
    await waitFor(() => alice.client.state === 'reconnecting', { what: 'reconnecting' });
    // It keeps trying while offline (how soon and how often: connection-backoff.test.ts).
    const before = alice.net.attempts.length;
    await waitFor(() => alice.net.attempts.length >= before + 2, { what: 'two attempts while offline' });
    expect(alice.client.state).toBe('reconnecting');

    const missed = await bob.client.send(alice.name, 'while you were away');
    alice.net.offline = false;
    await waitFor(() => alice.client.state === 'connected', { what: 'back online' });
    await waitFor(() => alice.events.message.find((m) => m.id === missed.id), { what: 'missed message' });
    expect(alice.events.state).toEqual(['connecting', 'connected', 'reconnecting', 'connected']);
    expect(alice.events.error).toEqual([]);
  });

  it('send while disconnected waits for the connection, then goes out once', async () => {
    await using h = await Harness.start();
    const alice = await h.user();
    const bob = await h.user();
    alice.net.offline = true;
    alice.net.cut();
    await waitFor(() => alice.client.state === 'reconnecting', { what: 'reconnecting' });
    const sending = alice.client.send(bob.name, 'queued');
    // Still waiting, and nothing sent, after the client tried the network again.
    const tried = alice.net.attempts.length;
    await waitFor(() => alice.net.attempts.length > tried, { what: 'another attempt while offline' });
    expect(await isPending(sending)).toBe(true);
    expect(alice.net.sent.filter((f) => f.type === 'send')).toEqual([]);

    alice.net.offline = false;
    const sent = await sending;
    expect(sent.text).toBe('queued');
    await waitFor(() => bob.events.message.length === 1, { what: 'delivery' });
    await bob.settle();
    expect(bob.events.message.map((m) => m.id)).toEqual([sent.id]);
    expect(alice.net.sent.filter((f) => f.type === 'send')).toHaveLength(1);
    expect((await alice.client.messages(bob.name)).map((m) => m.id)).toEqual([sent.id]);
  });

  it('send gives up with TIMEOUT after sendTimeoutMs and forgets it', async () => {
    await using h = await Harness.start();
    const store = new MemoryStore();
    const alice = await h.user(undefined, { store, sendTimeoutMs: 300 });
    const bob = await h.user();
    alice.net.offline = true;
    alice.net.cut();
    await waitFor(() => alice.client.state === 'reconnecting', { what: 'reconnecting' });
    await expect(alice.client.send(bob.name, 'too late')).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(await store.listOutbox()).toEqual([]);
    alice.net.offline = false;
    await waitFor(() => alice.client.state === 'connected', { what: 'back online' });
    // Back online, the outbox is flushed: the send it gave up on is not in it.
    await alice.settle();
    expect(alice.net.sent.filter((f) => f.type === 'send')).toEqual([]);
    await bob.settle();
    expect(bob.events.message).toEqual([]);
  });

  it('retries a send whose reply was lost with the same key: no duplicate', async () => {
    await using h = await Harness.start();
    const alice = await h.user();
    const bob = await h.user();
    // The server stores the message and replies; the reply is lost with the socket.
    alice.net.dropWhen = (frame) => frame.type === 'reply' && frame.rid === ridOf(alice, 'send');
    const sent = await alice.client.send(bob.name, 'exactly once');
    const sends = alice.net.sent.filter((f) => f.type === 'send');
    expect(sends).toHaveLength(2);
    expect(sends[0]?.key).toBe(sends[1]?.key);
    await waitFor(() => bob.events.message.length === 1, { what: 'delivery' });
    await bob.settle();
    expect(bob.events.message.map((m) => m.id)).toEqual([sent.id]);
    expect((await bob.client.messages(alice.name)).map((m) => m.id)).toEqual([sent.id]);
    expect((await alice.client.messages(bob.name)).map((m) => m.id)).toEqual([sent.id]);
  });

  it('flushes the outbox left by a closed client when the device resumes', async () => {
    using dir = tempDir('cinder-sdk-outbox-');
    await using h = await Harness.start();
    const path = join(dir.path, 'alice.json');
    const alice = await h.user(undefined, { store: new FileStore(path) });
    const bob = await h.user();
    alice.net.offline = true;
    alice.net.cut();
    await waitFor(() => alice.client.state === 'reconnecting', { what: 'reconnecting' });
    const pending = alice.client.send(bob.name, 'survives a restart');
    await waitFor(async () => (await outboxOnDisk(path)).length === 1, {
      what: 'the send in the outbox file',
    });
    await alice.client.close();
    await expect(pending).rejects.toMatchObject({ code: 'DISCONNECTED' });

    // The app restarts: a new client over the same file resumes the device and sends it.
    const again = h.client({ store: new FileStore(path) });
    await again.client.connect();
    const got = await waitFor(() => bob.events.message[0], { what: 'delivery' });
    expect(got.text).toBe('survives a restart');
    // The send's reply empties the outbox; the echo of the message in Alice's own log may
    // store it as sent before that reply arrives, so wait for the outbox itself.
    await waitFor(async () => (await outboxOnDisk(path)).length === 0, { what: 'outbox flushed' });
    expect((await again.client.messages(bob.name)).map((m) => m.text)).toEqual(['survives a restart']);
    await bob.settle();
    expect(bob.events.message).toHaveLength(1);
  });

  it('open fails with DISCONNECTED when the reply is lost, and is not retried', async () => {
    await using h = await Harness.start();
    const alice = await h.user();
    const bob = await h.user();
    const sent = await alice.client.send(bob.name, 'lost with the reply', { burn: true });
    await waitFor(() => bob.events.message.length === 1, { what: 'delivery' });

    bob.net.dropWhen = (frame) => frame.type === 'reply' && frame.rid === ridOf(bob, 'open');
    const error = await bob.client.open(sent.id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CinderError);
    expect((error as CinderError).code).toBe('DISCONNECTED');
    expect(bob.net.sent.filter((f) => f.type === 'open')).toHaveLength(1);

    // The server burned it at open: once back, Bob learns of the burn and a retry is BURNED.
    await waitFor(() => bob.client.state === 'connected', { what: 'reconnected' });
    await waitFor(() => bob.events.burned.length === 1, { what: 'burn' });
    expect(bob.events.burned[0]).toMatchObject({ messageId: sent.id, reason: 'opened' });
    await expect(bob.client.open(sent.id)).rejects.toMatchObject({ code: 'BURNED' });
    expect(await bob.client.messages(alice.name)).toEqual([]);
  });

  it('a revoked device goes unauthorized: no reconnect, pending calls fail, the store is wiped', async () => {
    await using h = await Harness.start();
    const store = new MemoryStore();
    const alice = await h.user(undefined, { store });
    const other = await h.device(alice.name);
    const deviceId = alice.client.me!.deviceId;

    await other.client.revokeDevice(deviceId);
    // Final: the client stops reconnecting (that it never tries again: connection-backoff.test.ts).
    await waitFor(() => alice.client.state === 'unauthorized', { what: 'unauthorized' });
    expect(alice.client.me).toBeNull();
    expect(await store.getIdentity()).toBeNull();
    await expect(alice.client.send('anyone', 'x')).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await expect(alice.client.connect()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    expect((await other.client.devices()).map((d) => d.id)).not.toContain(deviceId);
  });

  it('a device revoked while offline is refused with UNAUTHORIZED on connect', async () => {
    await using h = await Harness.start();
    const store = new MemoryStore();
    const alice = await h.user(undefined, { store });
    const other = await h.device(alice.name);
    await alice.client.close();
    await other.client.revokeDevice(alice.client.me!.deviceId);
    await expect(alice.client.connect()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    expect(alice.client.state).toBe('unauthorized');
  });

  it('gives up on a socket whose server goes silent during sync, and tries again', async () => {
    await using h = await Harness.start();
    const alice = await h.user(undefined, { requestTimeoutMs: 500 });
    alice.net.blackhole = true;
    alice.net.cut();
    await waitFor(() => alice.events.error.some((e) => e.code === 'TIMEOUT'), { what: 'sync watchdog' });
    expect(alice.client.state).toBe('reconnecting');
    alice.net.blackhole = false;
    await waitFor(() => alice.client.state === 'connected', { what: 'connected again' });
  });

  it('drops an invalid frame with an error event and keeps working', async () => {
    await using h = await Harness.start();
    const alice = await h.user();
    const bob = await h.user();
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
    await waitFor(() => alice.events.error.length === 1, { what: 'error event' });
    expect(alice.events.error[0]).toMatchObject({ code: 'BAD_REQUEST' });
    expect(alice.events.message).toEqual([]);
    const second = await bob.client.send(alice.name, 'second');
    await waitFor(() => alice.events.message.find((m) => m.id === second.id), { what: 'later delivery' });
    expect(alice.client.state).toBe('connected');
  });
});
