import { createHash, randomBytes } from 'node:crypto';

/** A random, unguessable id with a kind prefix (`u_`, `d_`, `m_`). */
export function newId(prefix: 'u' | 'd' | 'm'): string {
  return `${prefix}_${randomBytes(16).toString('base64url')}`;
}

/** A new device token: 32 random bytes, base64url. Shown once; only its hash is stored. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** SHA-256 of a token, hex: what storage keeps and looks tokens up by. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
