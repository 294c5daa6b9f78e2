import { randomBytes } from 'node:crypto';
import { generateDeviceKeys } from '@cinder/sdk';
import { describe, expect, it } from 'vitest';
import type { DeviceCreds } from '../lib/jobs.ts';
import { errorCode, fileBytes, sameBytes } from './attachment.ts';
import { decrypt, importIdentity, matches, type Released, seal } from './e2e.ts';

const body = new Uint8Array(randomBytes(64 * 1024));

describe('fileBytes', () => {
  it('writes the text over the head of the body and keeps the rest', () => {
    const file = fileBytes('burnmark:abc:1:', body);
    expect(file.length).toBe(body.length);
    expect(Buffer.from(file.subarray(0, 15)).toString()).toBe('burnmark:abc:1:');
    expect(sameBytes(file.subarray(15), body.subarray(15))).toBe(true);
    expect(sameBytes(fileBytes('burnmark:abc:2:', body), file)).toBe(false);
    // The body itself is left alone.
    const before = new Uint8Array(body);
    fileBytes('overwrite?', body);
    expect(sameBytes(body, before)).toBe(true);
  });

  it('cuts a text longer than the body', () => {
    expect(Buffer.from(fileBytes('abcdef', new Uint8Array(3))).toString()).toBe('abc');
  });
});

describe('errorCode', () => {
  it("takes the server's code from an error body, else the status", () => {
    expect(errorCode(404, '{"error":{"code":"NOT_FOUND","message":"x"}}')).toBe('NOT_FOUND');
    expect(errorCode(502, '<html>bad gateway</html>')).toBe('HTTP_502');
    expect(errorCode(500, '{"error":{}}')).toBe('HTTP_500');
  });
});

/** A recipient device with a key pair, as the orchestrator hands it to the load generator. */
async function bobDevice(): Promise<DeviceCreds> {
  const keys = await generateDeviceKeys(true);
  return {
    username: 'bob',
    token: 'unused',
    e2e: { deviceId: 'd_bob', publicKey: keys.publicKey, pkcs8: keys.pkcs8 ?? '' },
  };
}

/** What Bob's open would release of a message sealed with a file, with the blob he downloaded. */
async function sealedWithFile(text: string): Promise<Released> {
  const creds = await bobDevice();
  const bob = await importIdentity(creds);
  if (bob === undefined || creds.e2e === undefined) throw new Error('no identity');
  const directory = [{ id: creds.e2e.deviceId, publicKey: creds.e2e.publicKey, createdAt: 0 }];
  const out = await seal({ n: 0, key: 'k0', text }, 'alice', 'bob', directory, body);
  if (out.sealed === undefined || out.blob === undefined) throw new Error('nothing sealed');
  const { keys, ...envelope } = out.sealed;
  return {
    messageId: `m_${out.sealed.id}`,
    from: 'alice',
    sealed: { ...envelope, key: keys[0]! },
    bob,
    expected: text,
    blob: out.blob,
    fileBody: body,
  };
}

describe('a message sealed with a file, as the SDK seals a burn file', () => {
  it('decrypts to the text and the file, which match what was sent', async () => {
    const released = await sealedWithFile('burnmark:t:1:');
    // Only ciphertext is uploaded: the file's head (its text) is not in the blob.
    expect(Buffer.from(released.blob ?? []).includes(Buffer.from('burnmark:t:1:'))).toBe(false);
    const decrypted = await decrypt(released);
    expect(decrypted.text).toBe('burnmark:t:1:');
    expect(matches(decrypted, 'burnmark:t:1:', body)).toBe(true);
    expect(matches(decrypted, 'burnmark:t:2:', body)).toBe(false);
    // The text alone is not enough when a file was expected, and a file is not expected without a body.
    expect(matches({ text: decrypted.text }, 'burnmark:t:1:', body)).toBe(false);
    expect(matches(decrypted, 'burnmark:t:1:')).toBe(false);
  });

  it('finds a changed byte of the file', async () => {
    const released = await sealedWithFile('burnmark:t:3:');
    const decrypted = await decrypt(released);
    const file = new Uint8Array(decrypted.file ?? []);
    file[1000] = (file[1000] ?? 0) ^ 1;
    expect(matches({ text: decrypted.text, file }, 'burnmark:t:3:', body)).toBe(false);
  });

  it('refuses a blob changed on the way (DECRYPT_FAILED)', async () => {
    const released = await sealedWithFile('burnmark:t:4:');
    const blob = new Uint8Array(released.blob ?? []);
    blob[10] = (blob[10] ?? 0) ^ 1;
    await expect(decrypt({ ...released, blob })).rejects.toMatchObject({ code: 'DECRYPT_FAILED' });
  });
});
