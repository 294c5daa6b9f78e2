import { MAX_EXT_BYTES, MAX_TEXT_LENGTH } from '@cinder/protocol';
import { describe, expect, it } from 'vitest';
import { codeOf, Harness, holdFirstSend, passwordOf, username, waitFor } from '../../../test/kit/index.ts';
import { CinderClient, MemoryStore } from '../src/index.ts';

describe('CinderClient: end-to-end encrypted burn messages', () => {
  it('seals again when the recipient adds a device between reading the directory and the send', async () => {
    await using h = await Harness.start();
    const bob = await h.user();
    const aliceName = username();
    // The wire holds alice's first sealed send until bob's new device has signed in, so the
    // envelope lacks that device: the server answers KEYS_CHANGED and the SDK seals again.
    const { WebSocket: HoldingWebSocket, sends, release } = holdFirstSend();
    const alice = new CinderClient({ url: h.url, store: new MemoryStore(), WebSocket: HoldingWebSocket });
    try {
      await alice.register(aliceName, passwordOf(aliceName));
      const sending = alice.send(bob.name, 'sealed twice', { burn: true });
      await waitFor(() => sends.length === 1, { what: 'the first sealed send on the wire' });
      const bob2 = await h.device(bob.name);
      release();
      const sent = await sending;
      expect(sends).toHaveLength(2);
      const [first, second] = sends.map(
        (s) => JSON.parse(s) as { key: string; sealed: { keys: { device: string }[] } },
      );
      expect(second?.key).toBe(first?.key);
      expect(first?.sealed.keys.map((k) => k.device)).not.toContain(bob2.client.me?.deviceId);
      expect(second?.sealed.keys.map((k) => k.device)).toContain(bob2.client.me?.deviceId);
      // The device that appeared during the send can be the one to open it.
      expect(await bob2.client.open(sent.id)).toMatchObject({ text: 'sealed twice' });
      expect(await codeOf(bob.client.open(sent.id))).toBe('BURNED');
    } finally {
      await alice.close();
    }
  });

  it('a burn message to a user without keyed devices is refused before anything is stored', async () => {
    await using h = await Harness.start();
    const alice = await h.user();
    // An account whose only device signed in without a key (an older client).
    const name = username();
    const res = await fetch(new URL('/v1/accounts', h.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: name, password: passwordOf(name) }),
    });
    expect(res.status).toBe(201);
    expect(await codeOf(alice.client.send(name, 'x', { burn: true }))).toBe('BAD_REQUEST');
    expect(await alice.client.messages(name)).toEqual([]);
    // Normal messages still reach it.
    await alice.client.send(name, 'plain');
  });

  it('keyChange fires once per change of a peer’s keys, and drops the verified mark', async () => {
    await using h = await Harness.start();
    const alice = await h.user();
    const bob = await h.user();
    const number = await alice.client.safetyNumber(bob.name);
    expect(await bob.client.safetyNumber(alice.name)).toBe(number);
    await alice.client.markVerified(bob.name, number);
    expect(await alice.client.keyStatus(bob.name)).toMatchObject({ safetyNumber: number, verified: true });
    expect(alice.events.keyChange).toEqual([]);

    await h.device(bob.name);
    await alice.client.send(bob.name, 'after the new device', { burn: true });
    expect(alice.events.keyChange).toEqual([{ username: bob.name, at: expect.any(Number), verified: true }]);
    const status = await alice.client.keyStatus(bob.name);
    expect(status.safetyNumber).not.toBe(number);
    expect(status.verified).toBe(false);
    expect(status.devices).toHaveLength(2);
    expect(alice.events.keyChange).toHaveLength(1);
    // An outdated number is not marked verified.
    expect(await codeOf(alice.client.markVerified(bob.name, number))).toBe('CONFLICT');
    await alice.client.markVerified(bob.name, status.safetyNumber);
    expect((await alice.client.keyStatus(bob.name)).verified).toBe(true);
  });

  it('the longest text in 3-byte characters, with the largest ext, is sealed, sent and opened', async () => {
    await using h = await Harness.start();
    const alice = await h.user();
    const bob = await h.user();
    await h.device(bob.name);
    const text = '€'.repeat(MAX_TEXT_LENGTH);
    const ext = { pad: 'x'.repeat(MAX_EXT_BYTES - 20) };
    const sent = await alice.client.send(bob.name, text, { burn: true, ext });
    expect(await bob.client.open(sent.id)).toMatchObject({ text, ext });
  });
});
