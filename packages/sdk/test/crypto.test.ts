import type { DirectoryDevice } from '@cinder/protocol';
import { describe, expect, it } from 'vitest';
import { fromBase64Url, toBase64Url } from '../src/crypto/base64url.ts';
import { blobKey, openBlob, sealBlob } from '../src/crypto/blob.ts';
import { type DeviceKeys, generateDeviceKeys } from '../src/crypto/device-keys.ts';
import { openEnvelope, sealEnvelope, sealedSize } from '../src/crypto/envelope.ts';
import { keyFingerprint, keySetId, safetyNumber } from '../src/crypto/safety-number.ts';

async function deviceOf(
  id: string,
  asBytes = false,
): Promise<{ id: string; keys: DeviceKeys; dir: DirectoryDevice }> {
  const keys = await generateDeviceKeys(asBytes);
  return { id, keys, dir: { id, publicKey: keys.publicKey, createdAt: 1 } };
}

/** A message id as the server gives a sealed message: time order, then the envelope id. */
const idFor = (envelopeId: string) => `m_0000000000000000000${envelopeId}`;

describe('envelopes (docs/crypto.md)', () => {
  it('seal to every device; each device opens its own copy; the payload is not in the envelope', async () => {
    const [d1, d2] = await Promise.all([deviceOf('d1'), deviceOf('d2', true)]);
    const text = `secret ${'x'.repeat(40)} 秘密`;
    const envelope = await sealEnvelope({
      from: 'alice',
      to: 'bob',
      text,
      ext: { fire: 'yes' },
      devices: [d1.dir, d2.dir],
    });
    expect(envelope.keys.map((k) => k.device)).toEqual(['d1', 'd2']);
    expect(JSON.stringify(envelope)).not.toContain('secret');
    expect(JSON.stringify(envelope)).not.toContain('fire');
    expect(sealedSize(envelope)).toBe(
      new TextEncoder().encode(JSON.stringify({ text, ext: { fire: 'yes' } })).length,
    );
    for (const d of [d1, d2]) {
      const key = envelope.keys.find((k) => k.device === d.id);
      if (!key) throw new Error('no key');
      const opened = await openEnvelope({
        messageId: idFor(envelope.id),
        from: 'alice',
        to: 'bob',
        deviceId: d.id,
        keys: d.keys,
        sealed: { v: 1, id: envelope.id, ct: envelope.ct, k2: envelope.k2, key },
      });
      expect(opened).toEqual({ text, ext: { fire: 'yes' } });
    }
  });

  it('refuses (DECRYPT_FAILED) a wrong key, a changed share, a moved envelope or a wrong sender', async () => {
    const [d1, other] = await Promise.all([deviceOf('d1'), deviceOf('d1')]);
    const envelope = await sealEnvelope({ from: 'alice', to: 'bob', text: 'hi', devices: [d1.dir] });
    const key = envelope.keys[0];
    if (!key) throw new Error('no key');
    const sealed = { v: 1 as const, id: envelope.id, ct: envelope.ct, k2: envelope.k2, key };
    const base = {
      messageId: idFor(envelope.id),
      from: 'alice',
      to: 'bob',
      deviceId: 'd1',
      keys: d1.keys,
      sealed,
    };
    await expect(openEnvelope(base)).resolves.toEqual({ text: 'hi', ext: {} });
    const k2 = fromBase64Url(envelope.k2);
    k2[0] = (k2[0] ?? 0) ^ 1;
    const attempts = [
      { ...base, keys: other.keys },
      { ...base, sealed: { ...sealed, k2: toBase64Url(k2) } },
      { ...base, messageId: idFor(toBase64Url(new Uint8Array(16))) },
      { ...base, from: 'mallory' },
      { ...base, to: 'carol' },
    ];
    for (const attempt of attempts) {
      await expect(openEnvelope(attempt)).rejects.toMatchObject({ code: 'DECRYPT_FAILED' });
    }
  });
});

describe('envelopes with an attachment (docs/media.md)', () => {
  it('carry its name and type sealed, and the opener gets the key of a blob sealed with the same content key', async () => {
    const d1 = await deviceOf('d1');
    const k = crypto.getRandomValues(new Uint8Array(32));
    const photo = crypto.getRandomValues(new Uint8Array(5000));
    const attachment = { name: 'secret-photo.jpg', type: 'image/jpeg', size: photo.length, chunkBytes: 1024 };
    const envelope = await sealEnvelope({
      from: 'alice',
      to: 'bob',
      text: '',
      devices: [d1.dir],
      contentKey: k,
      attachment,
    });
    expect(JSON.stringify(envelope)).not.toContain('secret-photo');
    const blob = await sealBlob(await blobKey(k), envelope.id, photo, 1024);
    const key = envelope.keys[0];
    if (!key) throw new Error('no key');
    const opened = await openEnvelope({
      messageId: idFor(envelope.id),
      from: 'alice',
      to: 'bob',
      deviceId: 'd1',
      keys: d1.keys,
      sealed: { v: 1, id: envelope.id, ct: envelope.ct, k2: envelope.k2, key },
    });
    expect(opened.attachment).toEqual(attachment);
    if (!opened.blobKey) throw new Error('no blob key');
    expect(await openBlob(opened.blobKey, envelope.id, blob, 1024)).toEqual(photo);
    // A message without an attachment gives no blob key.
    const plain = await sealEnvelope({ from: 'alice', to: 'bob', text: 'hi', devices: [d1.dir] });
    const plainKey = plain.keys[0];
    if (!plainKey) throw new Error('no key');
    const text = await openEnvelope({
      messageId: idFor(plain.id),
      from: 'alice',
      to: 'bob',
      deviceId: 'd1',
      keys: d1.keys,
      sealed: { v: 1, id: plain.id, ct: plain.ct, k2: plain.k2, key: plainKey },
    });
    expect(text.blobKey).toBeUndefined();
  });
});

describe('safety numbers', () => {
  it('are the same from both sides: 60 digits in 12 groups of 5', async () => {
    const [a1, b1] = await Promise.all([deviceOf('a1'), deviceOf('b1')]);
    const alice = { username: 'alice', publicKeys: [a1.keys.publicKey] };
    const bob = { username: 'bob', publicKeys: [b1.keys.publicKey] };
    const number = safetyNumber(alice, bob);
    expect(number).toMatch(/^(\d{5} ){11}\d{5}$/);
    expect(safetyNumber(bob, alice)).toBe(number);
  });

  it('change when a device is added or a key replaced, not when keys are listed in another order', async () => {
    const [a1, b1, b2, b3] = await Promise.all([
      deviceOf('a1'),
      deviceOf('b1'),
      deviceOf('b2'),
      deviceOf('b3'),
    ]);
    const alice = { username: 'alice', publicKeys: [a1.keys.publicKey] };
    const before = safetyNumber(alice, { username: 'bob', publicKeys: [b1.keys.publicKey] });
    const added = safetyNumber(alice, {
      username: 'bob',
      publicKeys: [b1.keys.publicKey, b2.keys.publicKey],
    });
    const reordered = safetyNumber(alice, {
      username: 'bob',
      publicKeys: [b2.keys.publicKey, b1.keys.publicKey],
    });
    const replaced = safetyNumber(alice, { username: 'bob', publicKeys: [b3.keys.publicKey] });
    expect(added).not.toBe(before);
    expect(reordered).toBe(added);
    expect(replaced).not.toBe(before);
    expect(keySetId([b1.keys.publicKey, b2.keys.publicKey])).toBe(
      keySetId([b2.keys.publicKey, b1.keys.publicKey]),
    );
    expect(keySetId([b1.keys.publicKey])).not.toBe(keySetId([b3.keys.publicKey]));
    expect(keyFingerprint(b1.keys.publicKey)).toMatch(/^([0-9a-f]{4} ){7}[0-9a-f]{4}$/);
  });
});
