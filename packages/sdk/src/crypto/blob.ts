import { CinderError } from '@cinder/protocol';

/**
 * A burn attachment's bytes, encrypted with a key derived from the message's content key K
 * (docs/media.md, "Encrypting a burn attachment"): HKDF-SHA256 (info `cinder/blob/v1`) gives an
 * AES-256-GCM key; the file is cut into chunks of `chunkBytes`, and chunk `i` is sealed with
 * nonce `i` (12 bytes, big-endian) and associated data binding the envelope id, `i` and whether
 * it is the last chunk, so chunks cannot be reordered, dropped, swapped between messages or cut
 * off unnoticed. The sealed blob is the sealed chunks one after the other (each 16 bytes longer).
 * WebCrypto only; nothing here is a primitive of its own.
 */

/** The chunk size the SDK seals blobs with (the envelope records it, so a reader follows any). */
export const BLOB_CHUNK_BYTES = 256 * 1024;

/** The AEAD tag each sealed chunk adds. */
export const BLOB_TAG_BYTES = 16;

const encoder = new TextEncoder();

/** The blob key of a message's content key `k` (32 bytes): usable only to encrypt and decrypt blobs. */
export async function blobKey(k: Uint8Array<ArrayBuffer>): Promise<CryptoKey> {
  const base = await crypto.subtle.importKey('raw', k, 'HKDF', false, ['deriveKey']);
  return crypto.subtle.deriveKey(
    { name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: encoder.encode('cinder/blob/v1') },
    base,
    { name: 'AES-GCM', length: 256 },
    false,
    ['encrypt', 'decrypt'],
  );
}

function nonce(index: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(12);
  new DataView(out.buffer).setUint32(8, index);
  new DataView(out.buffer).setUint32(4, Math.floor(index / 2 ** 32));
  return out;
}

function chunkData(envelopeId: string, index: number, last: boolean): Uint8Array<ArrayBuffer> {
  return encoder.encode(`cinder/blob/v1\u0000${envelopeId}\u0000${index}\u0000${last ? 1 : 0}`);
}

/** The size of `size` bytes once sealed in chunks of `chunkBytes`. */
export function sealedBlobSize(size: number, chunkBytes: number): number {
  return size + Math.max(1, Math.ceil(size / chunkBytes)) * BLOB_TAG_BYTES;
}

/** Seal `data` for the message whose envelope id is `envelopeId`. */
export async function sealBlob(
  key: CryptoKey,
  envelopeId: string,
  data: Uint8Array<ArrayBuffer>,
  chunkBytes: number,
): Promise<Uint8Array<ArrayBuffer>> {
  const count = Math.max(1, Math.ceil(data.length / chunkBytes));
  const out = new Uint8Array(sealedBlobSize(data.length, chunkBytes));
  for (let i = 0, at = 0; i < count; i++) {
    const plain = data.subarray(i * chunkBytes, Math.min(data.length, (i + 1) * chunkBytes));
    const sealed = new Uint8Array(
      await crypto.subtle.encrypt(
        { name: 'AES-GCM', iv: nonce(i), additionalData: chunkData(envelopeId, i, i === count - 1) },
        key,
        plain,
      ),
    );
    out.set(sealed, at);
    at += sealed.length;
  }
  return out;
}

/** Open a sealed blob; `DECRYPT_FAILED` if any chunk was changed, moved, swapped or cut off. */
export async function openBlob(
  key: CryptoKey,
  envelopeId: string,
  sealed: Uint8Array<ArrayBuffer>,
  chunkBytes: number,
): Promise<Uint8Array<ArrayBuffer>> {
  const step = chunkBytes + BLOB_TAG_BYTES;
  const count = Math.max(1, Math.ceil(sealed.length / step));
  if (sealed.length < BLOB_TAG_BYTES || sealed.length - (count - 1) * step < BLOB_TAG_BYTES) {
    throw new CinderError('DECRYPT_FAILED', 'The attachment is cut off');
  }
  const out = new Uint8Array(sealed.length - count * BLOB_TAG_BYTES);
  try {
    for (let i = 0, at = 0; i < count; i++) {
      const chunk = sealed.subarray(i * step, Math.min(sealed.length, (i + 1) * step));
      const plain = new Uint8Array(
        await crypto.subtle.decrypt(
          { name: 'AES-GCM', iv: nonce(i), additionalData: chunkData(envelopeId, i, i === count - 1) },
          key,
          chunk,
        ),
      );
      out.set(plain, at);
      at += plain.length;
    }
  } catch (error) {
    throw new CinderError('DECRYPT_FAILED', 'The attachment could not be decrypted', { cause: error });
  }
  return out;
}
