import { describe, expect, it } from 'vitest';
import { Harness, passwordOf, username, waitFor } from '../../../test/kit/index.ts';
import { CinderError, MemoryStore } from '../src/index.ts';

describe('CinderClient: accounts, messages, receipts', () => {
  it('registers, connects and reports its state', async () => {
    await using h = await Harness.start();
    const alice = h.client({ deviceName: 'Alice laptop' });
    expect(alice.client.state).toBe('idle');
    expect(alice.client.me).toBeNull();
    const name = username('alice');
    const me = await alice.client.register(name, passwordOf(name));
    expect(alice.client.state).toBe('connected');
    expect(alice.events.state).toEqual(['connecting', 'connected']);
    expect(me).toEqual(alice.client.me);
    expect(me).toMatchObject({ username: name, deviceName: 'Alice laptop' });
    const list = await alice.client.devices();
    expect(list).toEqual([expect.objectContaining({ id: me.deviceId, name: 'Alice laptop', current: true })]);
  });

  it('maps HTTP errors to CinderError codes', async () => {
    await using h = await Harness.start();
    const alice = await h.user();
    const again = h.client();
    await expect(again.client.register(alice.name, passwordOf(alice.name))).rejects.toMatchObject({
      code: 'CONFLICT',
    });
    await expect(again.client.login(alice.name, 'wrong-password')).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
    });
    await expect(again.client.register('X', passwordOf('X'))).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    expect(again.client.state).toBe('idle');
  });

  it('connect() without a saved device is UNAUTHORIZED', async () => {
    await using h = await Harness.start();
    const d = h.client();
    const error = await d.client.connect().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CinderError);
    expect((error as CinderError).code).toBe('UNAUTHORIZED');
    expect(d.client.state).toBe('idle');
  });

  it('sends, delivers, and reports delivered and read receipts', async () => {
    await using h = await Harness.start();
    const alice = await h.user();
    const bob = await h.user();
    const sent = await alice.client.send(bob.name, 'hello bob', { ext: { mood: 'happy' } });
    expect(sent).toMatchObject({
      from: alice.name,
      to: bob.name,
      text: 'hello bob',
      mine: true,
      status: 'sent',
    });

    const got = await waitFor(() => bob.events.message.find((m) => m.id === sent.id), { what: 'delivery' });
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
    await waitFor(() => alice.events.receipt.find((r) => r.type === 'delivered'), {
      what: 'delivered receipt',
    });
    expect((await alice.client.messages(bob.name))[0]?.status).toBe('delivered');

    const [summary] = await bob.client.conversations();
    expect(summary).toMatchObject({ peer: alice.name, unread: 1, sealed: 0, lastActivityAt: sent.sentAt });
    expect(summary?.lastMessage?.text).toBe('hello bob');

    await bob.client.markRead(sent.id);
    expect((await bob.client.messages(alice.name))[0]?.readAt).toEqual(expect.any(Number));
    expect((await bob.client.conversations())[0]?.unread).toBe(0);
    const read = await waitFor(() => alice.events.receipt.find((r) => r.type === 'read'), {
      what: 'read receipt',
    });
    expect(read).toMatchObject({ messageId: sent.id, conversation: sent.conversation, by: bob.name });
    expect((await alice.client.messages(bob.name))[0]?.status).toBe('read');
    // The sender's own device emits no message event for its own send.
    expect(alice.events.message).toEqual([]);
  });

  it('sends the delivered receipt before the read receipt when the app reads at once', async () => {
    await using h = await Harness.start();
    const alice = await h.user();
    const bob = await h.user();
    bob.client.on('message', (m) => {
      void bob.client.markRead(m.id);
    });
    await alice.client.send(bob.name, 'read me now');
    await waitFor(() => alice.events.receipt.length === 2, { what: 'both receipts' });
    expect(alice.events.receipt.map((r) => r.type)).toEqual(['delivered', 'read']);
  });

  it('open() of a normal message returns it and marks it read', async () => {
    await using h = await Harness.start();
    const alice = await h.user();
    const bob = await h.user();
    const sent = await alice.client.send(bob.name, 'plain', { ext: { a: 1 } });
    await waitFor(() => bob.events.message.length === 1, { what: 'delivery' });
    expect(await bob.client.open(sent.id)).toEqual({ id: sent.id, text: 'plain', ext: { a: 1 } });
    expect((await bob.client.messages(alice.name))[0]?.readAt).toEqual(expect.any(Number));
    await waitFor(() => alice.events.receipt.find((r) => r.type === 'read'), { what: 'read receipt' });
  });

  it('lists conversations newest first and removes messages locally only', async () => {
    await using h = await Harness.start();
    const alice = await h.user();
    const bob = await h.user();
    const carol = await h.user();
    const first = await alice.client.send(bob.name, 'to bob');
    const second = await alice.client.send(carol.name, 'to carol');
    expect((await alice.client.conversations()).map((c) => c.peer)).toEqual([carol.name, bob.name]);
    await waitFor(() => bob.events.message.length === 1, { what: 'delivery' });

    await alice.client.removeMessage(first.id);
    expect(await alice.client.messages(bob.name)).toEqual([]);
    expect((await bob.client.messages(alice.name)).map((m) => m.id)).toEqual([first.id]);
    expect((await alice.client.messages(carol.name)).map((m) => m.id)).toEqual([second.id]);
  });

  it('shows a send to the sender’s other devices, and each device has its own store', async () => {
    await using h = await Harness.start();
    const alice = await h.user();
    const alice2 = await h.device(alice.name);
    const bob = await h.user();
    const sent = await alice.client.send(bob.name, 'from laptop');
    const echoed = await waitFor(() => alice2.events.message.find((m) => m.id === sent.id), { what: 'echo' });
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
    await using h = await Harness.start();
    const store = new MemoryStore();
    const alice = await h.user();
    const bob = h.client({ store });
    const bobName = username('bob');
    await bob.client.register(bobName, passwordOf(bobName));
    const m1 = await alice.client.send(bobName, 'one');
    await waitFor(() => bob.events.message.length === 1, { what: 'first delivery' });
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
    const again = h.client({ store });
    await again.client.connect();
    expect(again.client.me?.deviceId).toBe(deviceId);
    expect(again.events.message).toEqual([]);
    expect((await again.client.messages(alice.name)).map((m) => m.text)).toEqual(['one', 'two']);
  });

  it('refuses requests before connect() and after close()', async () => {
    await using h = await Harness.start();
    const d = h.client();
    await expect(d.client.send('someone', 'x')).rejects.toMatchObject({ code: 'DISCONNECTED' });
    const alice = await h.user();
    await alice.client.close();
    await expect(alice.client.open('x')).rejects.toMatchObject({ code: 'DISCONNECTED' });
    await expect(alice.client.send('someone', 'x')).rejects.toMatchObject({ code: 'DISCONNECTED' });
  });

  it('validates a send locally without echoing its content', async () => {
    await using h = await Harness.start();
    const alice = await h.user();
    const error = await alice.client
      .send('bob-the-recipient', 'x'.repeat(20_000))
      .catch((e: unknown) => e as CinderError);
    expect(error).toMatchObject({ code: 'BAD_REQUEST' });
    expect((error as CinderError).message).not.toContain('xxxx');
    await expect(alice.client.send('NOT A NAME', 'hi')).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('signOut() revokes the device on the server and clears the store', async () => {
    await using h = await Harness.start();
    const store = new MemoryStore();
    const alice = h.client({ store });
    const name = username('alice');
    await alice.client.register(name, passwordOf(name));
    const other = await h.device(name);
    const bob = await h.user();
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
