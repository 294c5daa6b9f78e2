import { createHash, randomBytes, randomFillSync } from 'node:crypto';

const ID_BYTES = 16;
// One CSPRNG call per 256 ids instead of one per id: ids are minted on the hot path (every send).
const pool = Buffer.alloc(ID_BYTES * 256);
let poolOffset = pool.length;

/**
 * A random, unguessable id (128 bits) with a kind prefix (`u_`, `d_`, `m_`). Message ids start
 * with the time in fixed-width hex so that they sort roughly by creation: every index keyed by a
 * message id (messages, events, tombstones, receipts) then grows at its right edge, and a batch
 * of sends dirties a few pages instead of one per message in each index. Senders and recipients
 * see the send time anyway, and nobody else ever sees a message id.
 */
export function newId(prefix: 'u' | 'd' | 'm'): string {
  if (poolOffset + ID_BYTES > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const id = pool.toString('base64url', poolOffset, poolOffset + ID_BYTES);
  poolOffset += ID_BYTES;
  if (prefix === 'm') return `m_${Date.now().toString(16).padStart(12, '0')}${id}`;
  return `${prefix}_${id}`;
}

/** A new device token: 32 random bytes, base64url. Shown once; only its hash is stored. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** SHA-256 of a token, hex: what storage keeps and looks tokens up by. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
