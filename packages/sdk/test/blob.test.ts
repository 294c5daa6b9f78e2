import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BLOB_TAG_BYTES, blobKey, openBlob, sealBlob, sealedBlobSize } from '../src/crypto/blob.ts';

const CHUNK = 1024;
const random = (n: number) => new Uint8Array(randomBytes(n));

describe('sealed blobs (docs/media.md)', () => {
  it('round-trips any size, the last chunk short or full, and hides the bytes', async () => {
    const key = await blobKey(random(32));
    for (const size of [1, CHUNK - 1, CHUNK, CHUNK + 1, 5 * CHUNK, 5 * CHUNK + 300]) {
      const data = random(size);
      const sealed = await sealBlob(key, 'env-1', data, CHUNK);
      expect(sealed.length).toBe(sealedBlobSize(size, CHUNK));
      // A slice long enough not to turn up in random ciphertext by chance (one byte would).
      if (size >= 16) {
        expect(Buffer.from(sealed).includes(Buffer.from(data.subarray(0, Math.min(size, 64))))).toBe(false);
      }
      expect(await openBlob(key, 'env-1', sealed, CHUNK)).toEqual(data);
    }
  });

  it('refuses (DECRYPT_FAILED) another key, another message, reordered, dropped, cut off or changed chunks', async () => {
    const k = random(32);
    const key = await blobKey(k);
    const data = random(3 * CHUNK + 10);
    const sealed = await sealBlob(key, 'env-1', data, CHUNK);
    const step = CHUNK + BLOB_TAG_BYTES;
    const chunks = [0, 1, 2, 3].map((i) => sealed.slice(i * step, (i + 1) * step));
    const join = (...parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));
    const flipped = sealed.slice();
    flipped[5] = (flipped[5] ?? 0) ^ 1;
    const otherK = random(32);
    const attempts: Array<[CryptoKey, string, Uint8Array<ArrayBuffer>]> = [
      [await blobKey(otherK), 'env-1', sealed],
      [key, 'env-2', sealed],
      [
        key,
        'env-1',
        join(
          chunks[1] as Uint8Array,
          chunks[0] as Uint8Array,
          chunks[2] as Uint8Array,
          chunks[3] as Uint8Array,
        ),
      ],
      [key, 'env-1', join(chunks[0] as Uint8Array, chunks[2] as Uint8Array, chunks[3] as Uint8Array)],
      [key, 'env-1', join(chunks[0] as Uint8Array, chunks[1] as Uint8Array, chunks[2] as Uint8Array)],
      [key, 'env-1', flipped],
      [key, 'env-1', sealed.slice(0, sealed.length - 1)],
    ];
    for (const [k2, id, bytes] of attempts) {
      await expect(openBlob(k2, id, bytes, CHUNK)).rejects.toMatchObject({ code: 'DECRYPT_FAILED' });
    }
    expect(await openBlob(key, 'env-1', sealed, CHUNK)).toEqual(data);
  });
});
