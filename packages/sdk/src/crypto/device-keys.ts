import { fromBase64Url, toBase64Url } from './base64url.ts';

/**
 * A device's X25519 key pair (docs/crypto.md). `privateKey` is a WebCrypto key, non-extractable
 * where the store can keep a `CryptoKey` (IndexedDB, memory); a store that writes JSON keeps
 * `pkcs8` instead (FileStore), and the key is imported when it is used.
 */
export type DeviceKeys = {
  /** The raw 32-byte public key, base64url: what the server publishes in the key directory. */
  publicKey: string;
  privateKey?: CryptoKey;
  /** The private key as PKCS#8, base64url, for stores that can only write bytes. */
  pkcs8?: string;
};

const X25519 = { name: 'X25519' } as const;

/** A new device key pair; `asBytes` for a store that keeps the private key as PKCS#8. */
export async function generateDeviceKeys(asBytes: boolean): Promise<DeviceKeys> {
  const pair = (await crypto.subtle.generateKey(X25519, asBytes, ['deriveBits'])) as CryptoKeyPair;
  const publicKey = toBase64Url(new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey)));
  if (!asBytes) return { publicKey, privateKey: pair.privateKey };
  const pkcs8 = toBase64Url(new Uint8Array(await crypto.subtle.exportKey('pkcs8', pair.privateKey)));
  return { publicKey, pkcs8 };
}

/** The device's key pair as HPKE opens with it (the private key imported if the store kept bytes). */
export async function deviceKeyPair(keys: DeviceKeys): Promise<CryptoKeyPair> {
  const privateKey =
    keys.privateKey ??
    (keys.pkcs8 !== undefined
      ? await crypto.subtle.importKey('pkcs8', fromBase64Url(keys.pkcs8), X25519, false, ['deriveBits'])
      : undefined);
  if (!privateKey) throw new TypeError('the device has no private key');
  const publicKey = await crypto.subtle.importKey('raw', fromBase64Url(keys.publicKey), X25519, true, []);
  return { privateKey, publicKey };
}
