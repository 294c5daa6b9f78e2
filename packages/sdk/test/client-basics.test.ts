import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CinderError, MemoryStore } from '../src/index.ts';
import {
  type Device,
  device,
  PASSWORD,
  type TestServer,
  testServer,
  uniqueName,
  waitFor,
} from './helpers.ts';

describe('CinderClient: accounts, messages, receipts', () => {
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

  async function user(name = uniqueName('u')): Promise<Device & { name: string }> {
    const d = device(server.url, {}, devices);
    await d.client.register(name, PASSWORD);
    return { ...d, name };
  }

  it('registers, connects and reports its state', async () => {
    const alice = device(server.url, { deviceName: 'Alice laptop' }, devices);
    expect(alice.client.state).toBe('idle');
    expect(alice.client.me).toBeNull();
    const name = uniqueName('alice');
    const me = await alice.client.register(name, PASSWORD);
    expect(alice.client.state).toBe('connected');
    expect(alice.events.state).toEqual(['connecting', 'connected']);
    expect(me).toEqual(alice.client.me);
    expect(me).toMatchObject({ username: name, deviceName: 'Alice laptop' });
    const list = await alice.client.devices();
    expect(list).toEqual([expect.objectContaining({ id: me.deviceId, name: 'Alice laptop', current: true })]);
  });

  it('maps HTTP errors to CinderError codes', async () => {
    const alice = await user();
    const again = device(server.url, {}, devices);
    await expect(again.client.register(alice.name, PASSWORD)).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(again.client.login(alice.name, 'wrong-password')).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
    });
    await expect(again.client.register('X', PASSWORD)).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    expect(again.client.state).toBe('idle');
  });

  it('connect() without a saved device is UNAUTHORIZED', async () => {
    const d = device(server.url, {}, devices);
    const error = await d.client.connect().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CinderError);
    expect((error as CinderError).code).toBe('UNAUTHORIZED');
    expect(d.client.state).toBe('idle');
  });

  it('sends, delivers, and reports delivered and read receipts', async () => {
    const alice = await user();
    const bob = await user();
    const sent = await alice.client.send(bob.name, 'hello bob', { ext: { mood: 'happy' } });
    expect(sent).toMatchObject({
      from: alice.name,
      to: bob.name,
      text: 'hello bob',
      mine: true,
      status: 'sent',
    });

    const got = await waitFor(() => bob.events.message.find((m) => m.id === sent.id), 'delivery');
    expect(got).toEqual({
      id: sent.id,
      conversation: sent.conversation,
      from: alice.name,
      to: bob.name,
      sentAt: sent.sentAt,
      size: sent.size,
      text: 'hello bob',
      ext: { mood: 'happy' },
    });
    await waitFor(() => alice.events.receipt.find((r) => r.type === 'delivered'), 'delivered receipt');
    expect((await alice.client.messages(bob.name))[0]?.status).toBe('delivered');

    const [summary] = await bob.client.conversations();
    expect(summary).toMatchObject({ peer: alice.name, unread: 1, sealed: 0, lastActivityAt: sent.sentAt });
    expect(summary?.lastMessage?.text).toBe('hello bob');

    await bob.client.markRead(sent.id);
    expect((await bob.client.messages(alice.name))[0]?.readAt).toEqual(expect.any(Number));
    expect((await bob.client.conversations())[0]?.unread).toBe(0);
    const read = await waitFor(() => alice.events.receipt.find((r) => r.type === 'read'), 'read receipt');
    expect(read).toMatchObject({ messageId: sent.id, conversation: sent.conversation, by: bob.name });
    expect((await alice.client.messages(bob.name))[0]?.status).toBe('read');
    // The sender's own device emits no message event for its own send.
    expect(alice.events.message).toEqual([]);
  });

  it('sends the delivered receipt before the read receipt when the app reads at once', async () => {
    const alice = await user();
    const bob = await user();
    bob.client.on('message', (m) => {
      void bob.client.markRead(m.id);
    });
    await alice.client.send(bob.name, 'read me now');
    await waitFor(() => alice.events.receipt.length === 2, 'both receipts');
    expect(alice.events.receipt.map((r) => r.type)).toEqual(['delivered', 'read']);
  });

  it('open() of a normal message returns it and marks it read', async () => {
    const alice = await user();
    const bob = await user();
    const sent = await alice.client.send(bob.name, 'plain', { ext: { a: 1 } });
    await waitFor(() => bob.events.message.length === 1, 'delivery');
    expect(await bob.client.open(sent.id)).toEqual({ id: sent.id, text: 'plain', ext: { a: 1 } });
    expect((await bob.client.messages(alice.name))[0]?.readAt).toEqual(expect.any(Number));
    await waitFor(() => alice.events.receipt.find((r) => r.type === 'read'), 'read receipt');
  });

  it('lists conversations newest first and removes messages locally only', async () => {
    const alice = await user();
    const bob = await user();
    const carol = await user();
    const first = await alice.client.send(bob.name, 'to bob');
    const second = await alice.client.send(carol.name, 'to carol');
    expect((await alice.client.conversations()).map((c) => c.peer)).toEqual([carol.name, bob.name]);
    await waitFor(() => bob.events.message.length === 1, 'delivery');

    await alice.client.removeMessage(first.id);
    expect(await alice.client.messages(bob.name)).toEqual([]);
    expect((await bob.client.messages(alice.name)).map((m) => m.id)).toEqual([first.id]);
    expect((await alice.client.messages(carol.name)).map((m) => m.id)).toEqual([second.id]);
  });

  it('shows a send to the sender’s other devices, and each device has its own store', async () => {
    const alice = await user();
    const alice2 = device(server.url, {}, devices);
    await alice2.client.login(alice.name, PASSWORD);
    const bob = await user();
    const sent = await alice.client.send(bob.name, 'from laptop');
    const echoed = await waitFor(() => alice2.events.message.find((m) => m.id === sent.id), 'echo');
    expect(echoed.text).toBe('from laptop');
    expect((await alice2.client.messages(bob.name))[0]).toMatchObject({
      id: sent.id,
      mine: true,
      status: 'sent',
    });
    expect(alice.events.message).toEqual([]);
    expect((await alice.client.devices()).length).toBe(2);
  });

  it('close() keeps the device: connect() resumes it and catches up without repeating events', async () => {
    const store = new MemoryStore();
    const alice = await user();
    const bob = device(server.url, { store }, devices);
    const bobName = uniqueName('bob');
    await bob.client.register(bobName, PASSWORD);
    const m1 = await alice.client.send(bobName, 'one');
    await waitFor(() => bob.events.message.length === 1, 'first delivery');
    const deviceId = bob.client.me?.deviceId;

    await bob.client.close();
    expect(bob.client.state).toBe('closed');
    const m2 = await alice.client.send(bobName, 'two');
    await bob.client.connect();
    // The backlog is applied before connect() resolves.
    expect(bob.events.message.map((m) => m.id)).toEqual([m1.id, m2.id]);
    expect(bob.client.me?.deviceId).toBe(deviceId);
    expect((await bob.client.messages(alice.name)).map((m) => m.text)).toEqual(['one', 'two']);

    // A second client over the same store (after the first is gone) resumes the same device.
    await bob.client.close();
    const again = device(server.url, { store }, devices);
    await again.client.connect();
    expect(again.client.me?.deviceId).toBe(deviceId);
    expect(again.events.message).toEqual([]);
    expect((await again.client.messages(alice.name)).map((m) => m.text)).toEqual(['one', 'two']);
  });

  it('refuses requests before connect() and after close()', async () => {
    const d = device(server.url, {}, devices);
    await expect(d.client.send('someone', 'x')).rejects.toMatchObject({ code: 'DISCONNECTED' });
    const alice = await user();
    await alice.client.close();
    await expect(alice.client.open('x')).rejects.toMatchObject({ code: 'DISCONNECTED' });
    await expect(alice.client.send('someone', 'x')).rejects.toMatchObject({ code: 'DISCONNECTED' });
  });

  it('validates a send locally without echoing its content', async () => {
    const alice = await user();
    const error = await alice.client
      .send('bob-the-recipient', 'x'.repeat(20_000))
      .catch((e: unknown) => e as CinderError);
    expect(error).toMatchObject({ code: 'BAD_REQUEST' });
    expect((error as CinderError).message).not.toContain('xxxx');
    await expect(alice.client.send('NOT A NAME', 'hi')).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('signOut() revokes the device on the server and clears the store', async () => {
    const store = new MemoryStore();
    const alice = device(server.url, { store }, devices);
    const name = uniqueName('alice');
    await alice.client.register(name, PASSWORD);
    const other = device(server.url, {}, devices);
    await other.client.login(name, PASSWORD);
    const bob = await user();
    await alice.client.send(bob.name, 'something');

    await alice.client.signOut();
    expect(alice.client.state).toBe('closed');
    expect(alice.client.me).toBeNull();
    expect(await store.getIdentity()).toBeNull();
    expect(await store.listMessages()).toEqual([]);
    expect((await other.client.devices()).map((d) => d.id)).toEqual([other.client.me?.deviceId]);
    await expect(alice.client.connect()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });
});
