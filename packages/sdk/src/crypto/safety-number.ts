import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { fromBase64Url, toBase64Url } from './base64url.ts';

/**
 * Safety numbers (docs/crypto.md, "Verification"): 30 digits per user from an iterated SHA-512
 * of the username and its device public keys, the two halves ordered by username, shown as 12
 * groups of 5 digits. Both users compute the same number.
 */

const ITERATIONS = 5200;
const encoder = new TextEncoder();

/** A user and the public keys of its current devices (base64url). */
export interface KeyOwner {
  username: string;
  publicKeys: readonly string[];
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The user's keys, sorted bytewise and concatenated. */
function keyBytes(owner: KeyOwner): Uint8Array {
  return concat(...owner.publicKeys.map(fromBase64Url).sort(compareBytes));
}

/** One user's 30 digits. */
function half(owner: KeyOwner): string {
  const keys = keyBytes(owner);
  let hash = concat(encoder.encode(`cinder/safety/v1\u0000${owner.username}\u0000`), keys);
  for (let i = 0; i < ITERATIONS; i++) hash = sha512(concat(hash, keys));
  let digits = '';
  for (let chunk = 0; chunk < 6; chunk++) {
    let value = 0;
    for (let i = 0; i < 5; i++) value = value * 256 + (hash[chunk * 5 + i] ?? 0);
    digits += String(value % 100_000).padStart(5, '0');
  }
  return digits;
}

/** The conversation's safety number: 60 digits in 12 groups of 5, separated by spaces. */
export function safetyNumber(a: KeyOwner, b: KeyOwner): string {
  const [first, second] = a.username < b.username ? [a, b] : [b, a];
  const digits = half(first) + half(second);
  return (digits.match(/.{5}/g) ?? []).join(' ');
}

/** A short, stable name of one key set (sorted keys), to tell whether a user's keys changed. */
export function keySetId(publicKeys: readonly string[]): string {
  return toBase64Url(sha256(keyBytes({ username: '', publicKeys })));
}

/** A device key's fingerprint for people to compare: SHA-256 of the key, 16 bytes, as 8 groups of 4 hex digits. */
export function keyFingerprint(publicKey: string): string {
  const hex = Array.from(sha256(fromBase64Url(publicKey)).subarray(0, 16), (b) =>
    b.toString(16).padStart(2, '0'),
  ).join('');
  return (hex.match(/.{4}/g) ?? []).join(' ');
}
