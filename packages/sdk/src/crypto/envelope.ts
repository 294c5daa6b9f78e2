import {
  CinderError,
  type DirectoryDevice,
  type Envelope,
  type Ext,
  type OpenedEnvelope,
  SEALED_OVERHEAD_BYTES,
} from '@cinder/protocol';
import { Aes256Gcm, CipherSuite, DhkemX25519HkdfSha256, HkdfSha256 } from '@hpke/core';
import { fromBase64Url, toBase64Url } from './base64url.ts';
import { blobKey } from './blob.ts';
import { type DeviceKeys, deviceKeyPair } from './device-keys.ts';

/**
 * Sealing and opening burn messages (docs/crypto.md, "Sending" and "Opening"). The primitives are
 * WebCrypto's AES-256-GCM and `@hpke/core`'s HPKE base mode with DHKEM(X25519, HKDF-SHA256),
 * HKDF-SHA256 and AES-256-GCM; nothing here is a primitive of its own.
 */

const suite = new CipherSuite({
  kem: new DhkemX25519HkdfSha256(),
  kdf: new HkdfSha256(),
  aead: new Aes256Gcm(),
});

const encoder = new TextEncoder();
const K1_INFO = encoder.encode('cinder/k1/v1');

/** Associated data: a label and the fields it binds, joined by NUL (usernames and ids hold no NUL). */
function bound(label: string, ...fields: string[]): Uint8Array<ArrayBuffer> {
  return encoder.encode([label, ...fields].join('\u0000'));
}

function random(length: number): Uint8Array<ArrayBuffer> {
  return crypto.getRandomValues(new Uint8Array(length));
}

/** `a xor b`, for the two-share split of the content key (not a cipher: a one-time pad of a random key). */
function xor(a: Uint8Array, b: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = (a[i] ?? 0) ^ (b[i] ?? 0);
  return out;
}

export interface SealInput {
  from: string;
  to: string;
  text: string;
  ext?: Ext | undefined;
  /** The recipient's key directory: every current device with a key. */
  devices: readonly DirectoryDevice[];
  /**
   * The content key K, when the caller made it first to seal an attachment with (`blobKey`);
   * otherwise a fresh one. Either way it exists only in memory for the duration of the send.
   */
  contentKey?: Uint8Array<ArrayBuffer>;
  /** The envelope id, when the caller made it first to bind an attachment's blob to. */
  envelopeId?: string;
  /** What the recipient needs of an attachment: sealed with the text, never seen by the server. */
  attachment?: SealedAttachment;
}

/** A burn attachment's details inside the envelope (docs/media.md). */
export interface SealedAttachment {
  name: string;
  type: string;
  size: number;
  /** The chunk size its blob was sealed with. */
  chunkBytes: number;
}

/** Seal a burn message's text and ext for the recipient's devices. */
export async function sealEnvelope(input: SealInput): Promise<Envelope> {
  const id = input.envelopeId ?? newEnvelopeId();
  const k = input.contentKey ?? random(32);
  if (k.length !== 32) throw new TypeError('a content key is 32 bytes');
  const k2 = random(32);
  const k1 = xor(k, k2);
  const nonce = random(12);
  const aead = await crypto.subtle.importKey('raw', k, 'AES-GCM', false, ['encrypt']);
  const payload = encoder.encode(
    JSON.stringify(
      input.attachment
        ? { text: input.text, ext: input.ext ?? {}, attachment: input.attachment }
        : { text: input.text, ext: input.ext ?? {} },
    ),
  );
  const sealed = new Uint8Array(
    await crypto.subtle.encrypt(
      { name: 'AES-GCM', iv: nonce, additionalData: bound('cinder/burn/v1', id, input.from, input.to) },
      aead,
      payload,
    ),
  );
  const ct = new Uint8Array(nonce.length + sealed.length);
  ct.set(nonce);
  ct.set(sealed, nonce.length);
  const keys = await Promise.all(
    input.devices.map(async (device) => {
      const recipientPublicKey = await suite.kem.deserializePublicKey(fromBase64Url(device.publicKey));
      const out = await suite.seal(
        { recipientPublicKey, info: K1_INFO },
        k1,
        bound('cinder/k1/v1', id, input.from, input.to, device.id),
      );
      return {
        device: device.id,
        enc: toBase64Url(new Uint8Array(out.enc)),
        ct: toBase64Url(new Uint8Array(out.ct)),
      };
    }),
  );
  return { v: 1, id, ct: toBase64Url(ct), k2: toBase64Url(k2), keys };
}

/** A fresh envelope id: 16 random bytes, base64url. */
export function newEnvelopeId(): string {
  return toBase64Url(random(16));
}

/** A fresh content key K: 32 random bytes. */
export function newContentKey(): Uint8Array<ArrayBuffer> {
  return random(32);
}

export interface OpenInput {
  /** The message id the server gave; a sealed message's id ends with its envelope id. */
  messageId: string;
  from: string;
  to: string;
  /** This device: its id and key pair. */
  deviceId: string;
  keys: DeviceKeys;
  sealed: OpenedEnvelope;
}

/** What an envelope holds. `blobKey` is present when it carries an attachment: it opens the blob. */
export interface OpenedContent {
  text: string;
  ext: Ext;
  attachment?: SealedAttachment;
  blobKey?: CryptoKey;
}

function isSealedAttachment(value: unknown): value is SealedAttachment {
  const a = value as Partial<SealedAttachment> | null;
  return (
    typeof a === 'object' &&
    a !== null &&
    typeof a.name === 'string' &&
    typeof a.type === 'string' &&
    Number.isSafeInteger(a.size) &&
    Number.isSafeInteger(a.chunkBytes) &&
    (a.chunkBytes ?? 0) > 0
  );
}

/** Decrypt what the atomic open released; `DECRYPT_FAILED` if any check fails. */
export async function openEnvelope(input: OpenInput): Promise<OpenedContent> {
  const { sealed } = input;
  try {
    if (!input.messageId.endsWith(sealed.id)) throw new Error('envelope of another message');
    if (sealed.key.device !== input.deviceId) throw new Error('key sealed for another device');
    const recipientKey = await deviceKeyPair(input.keys);
    const k1 = new Uint8Array(
      await suite.open(
        { recipientKey, enc: fromBase64Url(sealed.key.enc), info: K1_INFO },
        fromBase64Url(sealed.key.ct),
        bound('cinder/k1/v1', sealed.id, input.from, input.to, input.deviceId),
      ),
    );
    const k = xor(k1, fromBase64Url(sealed.k2));
    const aead = await crypto.subtle.importKey('raw', k, 'AES-GCM', false, ['decrypt']);
    const ct = fromBase64Url(sealed.ct);
    const plain = await crypto.subtle.decrypt(
      {
        name: 'AES-GCM',
        iv: ct.subarray(0, 12),
        additionalData: bound('cinder/burn/v1', sealed.id, input.from, input.to),
      },
      aead,
      ct.subarray(12),
    );
    const payload = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(plain)) as {
      text?: unknown;
      ext?: unknown;
      attachment?: unknown;
    };
    if (typeof payload.text !== 'string' || typeof payload.ext !== 'object' || payload.ext === null) {
      throw new Error('payload is not a message');
    }
    const content: OpenedContent = { text: payload.text, ext: payload.ext as Ext };
    if (payload.attachment !== undefined) {
      if (!isSealedAttachment(payload.attachment)) throw new Error('payload attachment is not valid');
      content.attachment = payload.attachment;
      content.blobKey = await blobKey(k);
    }
    return content;
  } catch (error) {
    throw new CinderError('DECRYPT_FAILED', undefined, { cause: error });
  }
}

/** The payload size the server reports for an envelope (ciphertext less nonce and tag). */
export function sealedSize(envelope: Envelope): number {
  return fromBase64Url(envelope.ct).length - SEALED_OVERHEAD_BYTES;
}
