import { createHash, randomBytes, randomFillSync } from 'node:crypto';

const ID_BYTES = 16;
// One CSPRNG call per 256 ids instead of one per id: ids are minted on the hot path (every send).
const pool = Buffer.alloc(ID_BYTES * 256);
let poolOffset = pool.length;

/**
 * A random, unguessable id (128 bits) with a kind prefix (`u_`, `d_`, `m_`, `f_` for an upload). Message ids start
 * with the time and a counter in fixed-width hex, so they sort by creation: every index keyed by
 * a message id (messages, events, tombstones, receipts) grows at its right edge, where a batch of
 * sends dirties a few pages instead of one per message in each index, and messages sent in the
 * same millisecond keep their order where views sort by time, then id. Senders and recipients
 * see the send time anyway, and nobody else ever sees a message id.
 */
export function newId(prefix: 'u' | 'd' | 'm' | 'f'): string {
  if (poolOffset + ID_BYTES > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const id = pool.toString('base64url', poolOffset, poolOffset + ID_BYTES);
  poolOffset += ID_BYTES;
  if (prefix === 'm') return `m_${timeOrder()}${id}`;
  return `${prefix}_${id}`;
}

/**
 * The id of a sealed burn message: the time order as `newId('m')`, then the sender's envelope id
 * (16 random bytes, base64url) instead of the server's random part. The recipient checks it, so
 * the server cannot move an envelope to another message (docs/crypto.md).
 */
export function sealedMessageId(envelopeId: string): string {
  return `m_${timeOrder()}${envelopeId}`;
}

let lastMs = 0;
let inMs = 0;

/** The time in ms (12 hex digits) and a counter within the ms (6 hex digits): ids sort by creation. */
function timeOrder(): string {
  const ms = Date.now();
  if (ms === lastMs) inMs += 1;
  else {
    lastMs = ms;
    inMs = 0;
  }
  return ms.toString(16).padStart(12, '0') + inMs.toString(16).padStart(6, '0');
}

/** A new device token: 32 random bytes, base64url. Shown once; only its hash is stored. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** SHA-256 of a token, hex: what storage keeps and looks tokens up by. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
