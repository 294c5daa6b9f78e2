import 'fake-indexeddb/auto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Harness, tempDir, waitFor } from '../../../test/kit/index.ts';
import { IndexedDbStore } from '../src/index.ts';
import { FileStore } from '../src/node.ts';

let dbCount = 0;

describe('CinderClient: recall placeholders', () => {
  it('publishes the server’s recall window after connect', async () => {
    await using h = await Harness.start({ recallWindowSeconds: 90 });
    const fresh = h.client();
    expect(fresh.client.recallWindowMs).toBeNull();
    await fresh.client.register('recall_window', 'a-long-password');
    expect(fresh.client.recallWindowMs).toBe(90_000);
  });

  it('keeps a placeholder on both users’ devices, without content, across a restart', async () => {
    using dir = tempDir('cinder-sdk-recall-');
    await using h = await Harness.start();
    const alicePath = join(dir.path, 'alice.json');
    const bobDb = `cinder-recall-${++dbCount}`;
    const alice = await h.user(undefined, { store: new FileStore(alicePath) });
    const bob = await h.user(undefined, { store: new IndexedDbStore(bobDb) });
    const bob2 = await h.device(bob.name);
    expect(alice.client.recallWindowMs).toBe(120_000);

    const text = `recall me ${Math.random()}`;
    const sent = await alice.client.send(bob.name, text, { ext: { note: text } });
    await waitFor(() => bob.events.message.length === 1 && bob2.events.message.length === 1, {
      what: 'delivery to both of Bob’s devices',
    });
    await bob2.client.close(); // had it, offline during the recall

    await alice.client.recall(sent.id);
    // The recalling device: gone, its placeholder stored and `recalled` heard by the time it resolves.
    expect(await alice.client.messages(bob.name)).toEqual([]);
    expect(alice.events.recalled).toEqual([
      { messageId: sent.id, conversation: sent.conversation, by: alice.name, at: expect.any(Number) },
    ]);
    const placeholder = {
      id: sent.id,
      conversation: sent.conversation,
      from: alice.name,
      to: bob.name,
      sentAt: sent.sentAt,
      reason: 'recalled',
      by: alice.name,
    };
    expect(await alice.client.recalledMessages(bob.name)).toEqual([
      { ...placeholder, at: expect.any(Number) },
    ]);

    const heard = await waitFor(() => bob.events.recalled[0], { what: 'recalled at Bob' });
    expect(await bob.client.messages(alice.name)).toEqual([]);
    expect(await bob.client.recalledMessages(alice.name)).toEqual([{ ...placeholder, at: heard.at }]);
    // The server's event reaches Alice too: it corrects her placeholder's time, and she heard once.
    await waitFor(async () => (await alice.client.recalledMessages(bob.name))[0]?.at === heard.at, {
      what: 'the server’s time on Alice’s placeholder',
    });
    await alice.settle();
    expect(alice.events.recalled).toHaveLength(1);

    // A recall is no burn, and it is activity in the conversation list.
    expect(await alice.client.burnedMessages(bob.name)).toEqual([]);
    expect(await bob.client.burnedMessages(alice.name)).toEqual([]);
    expect((await bob.client.conversations())[0]).toMatchObject({
      peer: alice.name,
      lastActivityAt: heard.at,
      unread: 0,
    });

    // The device that was offline learns of it on reconnect, with the message's details.
    await bob2.client.connect();
    expect(await bob2.client.recalledMessages(alice.name)).toEqual([{ ...placeholder, at: heard.at }]);
    expect(bob2.events.recalled).toEqual([
      { messageId: sent.id, conversation: sent.conversation, by: alice.name, at: heard.at },
    ]);

    // The placeholders hold no content: not in Alice's file, not in Bob's database.
    expect(await readFile(alicePath, 'utf8')).toContain(sent.id);
    expect(await readFile(alicePath, 'utf8')).not.toContain(text);
    const bobStore = new IndexedDbStore(bobDb);
    expect(JSON.stringify(await bobStore.listTombstones())).toContain(sent.id);
    expect(JSON.stringify([await bobStore.listTombstones(), await bobStore.listMessages()])).not.toContain(
      text,
    );
    await bobStore.close();

    // New clients on the same stores (the app restarted): the placeholders are still there, and
    // nothing is announced again.
    await alice.client.close();
    await bob.client.close();
    const alice2 = h.client({ store: new FileStore(alicePath) });
    const bob3 = h.client({ store: new IndexedDbStore(bobDb) });
    await alice2.client.connect();
    await bob3.client.connect();
    expect(await alice2.client.recalledMessages(bob.name)).toEqual([{ ...placeholder, at: heard.at }]);
    expect(await bob3.client.recalledMessages(alice.name)).toEqual([{ ...placeholder, at: heard.at }]);
    expect(await alice2.client.messages(bob.name)).toEqual([]);
    await alice2.settle();
    await bob3.settle();
    expect(alice2.events.recalled).toEqual([]);
    expect(bob3.events.recalled).toEqual([]);
  });

  it('a device signed in after the recall has no placeholder and never sees the message', async () => {
    await using h = await Harness.start();
    const alice = await h.user();
    const bob = await h.user();
    const sent = await alice.client.send(bob.name, 'gone before you came');
    await alice.client.recall(sent.id);
    await waitFor(() => bob.events.recalled.length === 1, { what: 'recalled at Bob' });
    const late = await h.device(bob.name);
    await late.settle();
    expect(await late.client.messages(alice.name)).toEqual([]);
    expect(late.events.message).toEqual([]);
    // A full resync lists live messages only: nothing says a recalled one ever existed.
    expect(await late.client.recalledMessages(alice.name)).toEqual([]);
  });
});
