/**
 * End-to-end encryption of burn messages (docs/crypto.md), through public surfaces only, on a
 * real server with SQLite: what the sender writes, what the server's files and log hold, what a
 * recipient device gets before the open, what a copy of the database taken before the open and
 * everything seen after the burn can decrypt, safety numbers and key changes, and which devices
 * can open. The PostgreSQL and two-node cases are in e2e-encryption-cluster.test.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Envelope, OpenResult } from '@cinder/protocol';
import { generateDeviceKeys } from '@cinder/sdk';
import { describe, expect, it } from 'vitest';
import {
  failure,
  filesUnder,
  Harness,
  login,
  marker,
  openedContent,
  RawClient,
  register,
  sealedSendFrame,
  tempDir,
  waitFor,
} from '../kit/index.ts';
import {
  attack,
  copyFiles,
  count,
  decryptAsDevice,
  envelopeSent,
  formsIn,
  formsOf,
  harvest,
  merge,
  piecesOf,
  scanDir,
  sqliteRows,
  watchDir,
} from './e2e-evidence.ts';

describe('e2e encryption (SQLite): the server never holds a burn message’s plaintext', () => {
  it('the sender’s frames, every file of the data dir at any time, and the server’s log never hold the text or ext', async () => {
    using data = tempDir('cinder-e2e-data-');
    using logs = tempDir('cinder-e2e-log-');
    const logFile = join(logs.path, 'server.log');
    const h = await Harness.start({ dataDir: data.path, logLevel: 'trace', logFile });
    let open = true;
    let watcher: ReturnType<typeof watchDir> | null = null;
    try {
      const alice = await h.user();
      const bob = await h.user();
      const text = marker();
      const extValue = marker();
      const secret = [...formsOf(text), ...formsOf(extValue)];
      // A normal message's text does reach the server: the places searched below are where
      // content would be, and each search finds that text, so a search that finds nothing means it.
      const plain = marker();
      const plainForms = formsOf(plain);
      watcher = watchDir(data.path, secret);

      const normal = await alice.client.send(bob.name, plain);
      const sent = await alice.client.send(bob.name, text, {
        burn: { ttlSeconds: 600, viewSeconds: 0 },
        ext: { secret: extValue },
      });

      // What the sender's socket wrote: the burn send is sealed, with no text and no ext.
      const frame = alice.net.sent.find((f) => f.type === 'send' && f.burn !== undefined);
      expect(frame).toMatchObject({ type: 'send', to: bob.name, sealed: { v: 1 } });
      expect(frame).not.toHaveProperty('text');
      expect(frame).not.toHaveProperty('ext');
      expect(sent.id.endsWith((frame?.sealed as Envelope | undefined)?.id ?? 'none')).toBe(true);
      const written = alice.net.sent.map((f) => JSON.stringify(f)).join('\n');
      expect(formsIn(written, secret)).toEqual([]);
      expect(formsIn(written, plainForms)).not.toEqual([]);

      // Every file of the data dir, right after the send (the WAL holds the newest writes).
      const afterSend = scanDir(data.path, secret);
      expect(afterSend.files).toBeGreaterThan(0);
      expect(afterSend.hits).toEqual([]);
      expect(scanDir(data.path, plainForms).hits).not.toEqual([]);
      expect(filesUnder(data.path).map((f) => f.slice(data.path.length + 1))).toEqual(
        expect.arrayContaining([expect.stringMatching(/-wal$/)]),
      );

      await waitFor(() => bob.events.message.find((m) => m.id === sent.id), {
        what: 'the sealed message at Bob',
      });
      await waitFor(() => bob.events.message.find((m) => m.id === normal.id), {
        what: 'the normal message at Bob',
      });
      expect(scanDir(data.path, secret).hits).toEqual([]);

      const opened = await bob.client.open(sent.id);
      expect(opened).toMatchObject({ text, ext: { secret: extValue } });
      for (const d of [alice, bob]) {
        await waitFor(() => d.events.burned.find((b) => b.messageId === sent.id), { what: 'the burn' });
      }
      expect(scanDir(data.path, secret).hits).toEqual([]);
      // Nothing the server sent either device held it (Bob decrypted it himself).
      for (const d of [alice, bob]) expect(formsIn(d.net.raw.join('\n'), secret)).toEqual([]);

      const watched = await watcher.stop();
      expect(watched.scans).toBeGreaterThan(1);
      expect(watched.hits).toEqual([]);

      // At rest after a clean stop (checkpointed, scrubbed), and the whole log.
      await h.close();
      open = false;
      expect(scanDir(data.path, secret).hits).toEqual([]);
      const log = readFileSync(logFile, 'utf8');
      expect(log).toContain(sent.id);
      expect(formsIn(log, secret)).toEqual([]);
    } finally {
      await watcher?.stop();
      if (open) await h.close();
    }
  });
});

describe('e2e encryption (SQLite): a recipient device before the open', () => {
  it('gets no envelope piece and no plaintext in any frame before the open; the opening device decrypts once', async () => {
    await using h = await Harness.start();
    const alice = await h.user();
    const bob = await register(h);
    const bobName = bob.user.username;
    await using live = await RawClient.connect(h.url, bob.token);
    const text = marker();
    const extValue = marker();
    const secret = [...formsOf(text), ...formsOf(extValue)];

    const sent = await alice.client.send(bobName, text, {
      burn: { ttlSeconds: 600, viewSeconds: 0 },
      ext: { secret: extValue },
    });
    const envelope = envelopeSent(alice, sent.id);
    expect(envelope.keys.map((k) => k.device)).toEqual([bob.device.id]);

    // Every way the server sends this device something before the open: the live event, a
    // full resync, a resume from the start of the log, the key directory, receipts, a refused read.
    await live.waitForEvent((e) => e.kind === 'message' && e.message.id === sent.id);
    await using resynced = await RawClient.connect(h.url, bob.token, null);
    await using resumed = await RawClient.connect(h.url, bob.token, 0);
    expect(resynced.frames.some((f) => f.type === 'resync')).toBe(true);
    await waitFor(() => resumed.raw.some((r) => r.includes(sent.id)), { what: 'the message after a resume' });
    await live.ok({ type: 'keys', username: alice.name });
    await live.ok({ type: 'keys', username: bobName });
    await live.ok({ type: 'delivered', ids: [sent.id] });
    expect(await live.request({ type: 'read', id: sent.id })).toMatchObject({ type: 'error' });
    for (const c of [live, resynced, resumed]) await c.settle();

    const before = [...live.raw, ...resynced.raw, ...resumed.raw];
    // The message itself was there (metadata), so the frames are the right ones.
    expect(count(before, sent.id)).toBeGreaterThanOrEqual(3);
    expect(formsIn(before.join('\n'), secret)).toEqual([]);
    for (const piece of piecesOf(envelope)) expect(count(before, piece)).toBe(0);
    // Its private key would open its sealed K1, but no frame carries anything of the envelope.
    expect(harvest(before).envelopes).toEqual([]);
    for (const c of [live, resynced, resumed]) expect(c.invalid).toEqual([]);

    // The open releases K1, K2 and ct to this device, once; it decrypts them.
    const from = live.raw.length;
    const reply = await live.request({ type: 'open', id: sent.id });
    expect(reply.type).toBe('reply');
    const result = (reply as { result: OpenResult }).result;
    expect(result).not.toHaveProperty('text');
    expect(result.sealed).toMatchObject({ id: envelope.id, ct: envelope.ct, k2: envelope.k2 });
    expect(result.sealed?.key.device).toBe(bob.device.id);
    expect(await openedContent(result, bob)).toEqual({ text, ext: { secret: extValue } });
    expect(formsIn(live.raw.slice(from).join('\n'), secret)).toEqual([]);

    expect(await live.request({ type: 'open', id: sent.id })).toMatchObject({
      type: 'error',
      code: 'BURNED',
    });
    expect(await resynced.request({ type: 'open', id: sent.id })).toMatchObject({
      type: 'error',
      code: 'BURNED',
    });
    await waitFor(() => alice.events.burned.find((b) => b.messageId === sent.id), {
      what: 'the burn at Alice',
    });
    for (const c of [live, resynced, resumed]) await c.settle();
    const all = [...live.raw, ...resynced.raw, ...resumed.raw];
    // K2 and ct crossed the wire once: in the reply to the open (checked above to carry them).
    expect(count(all, envelope.k2)).toBe(1);
    expect(count(all, envelope.ct)).toBe(1);
  });
});

describe('e2e encryption (SQLite): a database copy taken before the open', () => {
  it('plus the data dir and every frame after the burn does not decrypt without a recipient device’s private key', async () => {
    using data = tempDir('cinder-e2e-data-');
    using copy = tempDir('cinder-e2e-copy-');
    using after = tempDir('cinder-e2e-after-');
    await using h = await Harness.start({ dataDir: data.path });
    const aliceS = await register(h);
    const bob1S = await register(h);
    const bobName = bob1S.user.username;
    const bob2S = await login(h, bobName);
    const carolS = await register(h);
    const parties = { from: aliceS.user.username, to: bobName };
    // A network observer: every frame on every socket, both ways (outbound ones recorded here).
    const outbound: string[] = [];
    await using alice = await RawClient.connect(h.url, aliceS.token);
    await using bob1 = await RawClient.connect(h.url, bob1S.token);
    await using bob2 = await RawClient.connect(h.url, bob2S.token);
    await using carol = await RawClient.connect(h.url, carolS.token);

    const text = marker();
    const extValue = marker();
    const frame = await sealedSendFrame(alice, parties.from, bobName, text, {
      burn: { ttlSeconds: 600 },
      ext: { secret: extValue },
    });
    outbound.push(JSON.stringify(frame));
    const envelope = frame.sealed as Envelope;
    expect(envelope.keys.map((k) => k.device).sort()).toEqual([bob1S.device.id, bob2S.device.id].sort());
    const sent = await alice.ok<{ id: string }>(frame);
    await bob1.waitForEvent((e) => e.kind === 'message' && e.message.id === sent.id);

    // The copy, while the server runs: every file of the data dir, the WAL with the newest commits.
    const copyRows = await waitFor(
      () => {
        copyFiles(data.path, copy.path);
        return sqliteRows(copy.path);
      },
      { what: 'a readable copy of the database' },
    );
    const copied = harvest([...copyRows, ...filesUnder(copy.path).map((f) => readFileSync(f))]);
    // The copy holds the envelope, every sealed copy of K1 with it (else this test could not fail).
    const inCopy = copied.envelopes.find((e) => e.k2 === envelope.k2);
    expect(inCopy).toMatchObject({ id: envelope.id, ct: envelope.ct });
    expect(inCopy?.keys.map((k) => k.device).sort()).toEqual([bob1S.device.id, bob2S.device.id].sort());

    // Bob signs in a third device (after the send); his first device opens, and the message burns.
    const bob3S = await login(h, bobName);
    const openFrame = { type: 'open', rid: 'the-open', id: sent.id };
    outbound.push(JSON.stringify(openFrame));
    const reply = await bob1.request(openFrame);
    expect(reply.type).toBe('reply');
    expect(await openedContent((reply as { result: OpenResult }).result, bob1S)).toEqual({
      text,
      ext: { secret: extValue },
    });
    for (const c of [alice, bob2])
      await c.waitForEvent((e) => e.kind === 'burned' && e.messageId === sent.id);
    for (const c of [alice, bob1, bob2, carol]) await c.settle();

    // After the burn: the rows hold no envelope any more; the files and frames are what they are.
    const afterRows = await waitFor(
      () => {
        copyFiles(data.path, after.path);
        return sqliteRows(after.path);
      },
      { what: 'a readable copy of the database after the burn' },
    );
    expect(harvest(afterRows).envelopes).toEqual([]);
    expect(count(afterRows, envelope.k2)).toBe(0);
    const frames = [...outbound, ...alice.raw, ...bob1.raw, ...bob2.raw, ...carol.raw];
    const everything = merge(
      copied,
      harvest(afterRows),
      harvest(filesUnder(data.path).map((f) => readFileSync(f))),
      harvest(frames),
    );
    const found = everything.envelopes.find((e) => e.k2 === envelope.k2);
    expect(found?.keys.length).toBe(2);

    // The attack: every 32-byte string as K or as K1 with K2, K2 alone, and each sealed K1 opened
    // with the key of another user, another of Bob's devices (added after the send), and a stranger.
    const stranger = await generateDeviceKeys(false);
    const tried = await attack(everything, parties, [stranger, aliceS.keys, carolS.keys, bob3S.keys]);
    expect(tried.recovered).toEqual([]);
    expect(tried.shareAloneTries).toBeGreaterThanOrEqual(1);
    expect(tried.hpkeTries).toBeGreaterThanOrEqual(2 * 4);
    expect(tried.aesTries).toBeGreaterThan(tried.shareAloneTries);

    // The same decryption with a recipient device's private key works: from the copy alone with
    // Bob's second device's key, and from the observer's frames with the opening device's key.
    const payload = JSON.stringify({ text, ext: { secret: extValue } });
    expect(await decryptAsDevice(copied, parties, { id: bob2S.device.id, keys: bob2S.keys })).toEqual([
      payload,
    ]);
    expect(
      await decryptAsDevice(harvest(frames), parties, { id: bob1S.device.id, keys: bob1S.keys }),
    ).toContain(payload);
  });
});

describe('e2e encryption (SQLite): safety numbers and key changes', () => {
  it('match on both sides, change when a device is added, and the change reaches the sender as keyChange', async () => {
    await using h = await Harness.start();
    const alice = await h.user();
    const bob = await h.user();
    const carol = await h.user();
    const format = /^\d{5}( \d{5}){11}$/;

    const first = await alice.client.safetyNumber(bob.name);
    expect(first).toMatch(format);
    expect(await bob.client.safetyNumber(alice.name)).toBe(first);
    expect(await alice.client.safetyNumber(carol.name)).not.toBe(first);
    // Seeing a peer's keys for the first time is not a change; a send with the same keys neither.
    await alice.client.send(bob.name, marker(), { burn: true });
    expect(alice.events.keyChange).toEqual([]);
    await alice.client.markVerified(bob.name, first);
    expect(await alice.client.keyStatus(bob.name)).toMatchObject({ safetyNumber: first, verified: true });

    // Bob adds a device: his view changes at once; Alice learns it when she next looks.
    const bob2 = await h.device(bob.name);
    const second = await bob.client.safetyNumber(alice.name);
    expect(second).toMatch(format);
    expect(second).not.toBe(first);
    expect(await bob2.client.safetyNumber(alice.name)).toBe(second);
    expect(alice.events.keyChange).toEqual([]);

    // Her next burn send: the key change is emitted before the send frame goes out.
    const sendsBefore = alice.net.sent.filter((f) => f.type === 'send').length;
    let sendsAtChange = -1;
    const off = alice.client.on('keyChange', () => {
      sendsAtChange = alice.net.sent.filter((f) => f.type === 'send').length;
    });
    const text = marker();
    const sent = await alice.client.send(bob.name, text, { burn: true });
    off();
    expect(alice.events.keyChange).toEqual([{ username: bob.name, at: expect.any(Number), verified: true }]);
    expect(sendsAtChange).toBe(sendsBefore);
    expect(await alice.client.keyStatus(bob.name)).toMatchObject({ safetyNumber: second, verified: false });
    expect(await failure(alice.client.markVerified(bob.name, first))).toMatchObject({ code: 'CONFLICT' });
    // Sealed to the new device too: it can be the one to open.
    await waitFor(() => bob2.events.message.find((m) => m.id === sent.id), {
      what: 'the message at Bob’s new device',
    });
    expect((await bob2.client.open(sent.id)).text).toBe(text);

    // safetyNumber alone notices a change too.
    await alice.client.markVerified(bob.name, second);
    const bob3 = await h.device(bob.name);
    const third = await alice.client.safetyNumber(bob.name);
    expect(third).not.toBe(second);
    expect(await bob3.client.safetyNumber(alice.name)).toBe(third);
    expect(alice.events.keyChange).toHaveLength(2);
    expect(alice.events.keyChange[1]).toMatchObject({ username: bob.name, verified: true });
    expect((await alice.client.keyStatus(bob.name)).verified).toBe(false);
    expect(alice.events.keyChange).toHaveLength(2);

    // Either side's devices count: Alice adding one changes the number Bob sees.
    await h.device(alice.name);
    const fourth = await bob.client.safetyNumber(alice.name);
    expect(fourth).not.toBe(third);
    expect(await alice.client.safetyNumber(bob.name)).toBe(fourth);
    expect(bob.events.keyChange.map((k) => k.username)).toEqual([alice.name]);
    expect(alice.events.keyChange).toHaveLength(2);
  });
});

describe('e2e encryption (SQLite): multi-device', () => {
  it('every device that existed at the send can be the one to open; a later one cannot, and does not burn it', async () => {
    await using h = await Harness.start();
    const alice = await h.user();
    const b1 = await h.user();
    const bob = b1.name;
    const b2 = await h.device(bob);
    const first = { text: marker(), ext: { n: marker() } };
    const second = { text: marker(), ext: { n: marker() } };
    const m1 = await alice.client.send(bob, first.text, { burn: true, ext: first.ext });
    const m2 = await alice.client.send(bob, second.text, { burn: true, ext: second.ext });
    for (const m of [m1, m2]) expect(envelopeSent(alice, m.id).keys).toHaveLength(2);

    const b3 = await h.device(bob);
    for (const d of [b1, b2, b3]) {
      for (const m of [m1, m2]) {
        await waitFor(() => d.events.message.find((x) => x.id === m.id), { what: `${m.id} at every device` });
      }
    }
    for (const m of [m1, m2]) {
      const refused = await failure(b3.client.open(m.id));
      expect(refused.code).toBe('SEALED_FOR_OTHER_DEVICES');
      expect(refused.message).toContain('open it on a device that existed when it was sent');
    }
    // Refused before anything was taken: nothing burned, nothing of the envelopes reached B3.
    await alice.settle();
    expect(alice.events.burned).toEqual([]);
    const b3wire = b3.net.raw;
    for (const m of [m1, m2]) {
      for (const piece of piecesOf(envelopeSent(alice, m.id))) expect(count(b3wire, piece)).toBe(0);
    }

    expect(await b1.client.open(m1.id)).toMatchObject(first);
    expect(await b2.client.open(m2.id)).toMatchObject(second);
    for (const m of [m1, m2]) {
      for (const d of [alice, b1, b2, b3]) {
        await waitFor(() => d.events.burned.find((b) => b.messageId === m.id), {
          what: 'the burn everywhere',
        });
      }
    }
    expect((await failure(b2.client.open(m1.id))).code).toBe('BURNED');
    expect((await failure(b1.client.open(m2.id))).code).toBe('BURNED');
  });
});
