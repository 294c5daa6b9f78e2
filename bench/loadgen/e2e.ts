import type { DirectoryDevice, Envelope, OpenedEnvelope } from '@cinder/protocol';
import { type DeviceKeys, openEnvelope, sealEnvelope } from '@cinder/sdk';
import type { DeviceCreds } from '../lib/jobs.ts';
import { mapPool } from '../lib/pool.ts';

/**
 * The load generator's side of end-to-end encryption (docs/crypto.md), through the SDK's own
 * `sealEnvelope` and `openEnvelope`: what a Cinder client's CPU does for every burn message.
 */

/** Seals or decryptions run at once in a batch: enough to keep libuv's pool (WebCrypto) busy. */
const BATCH_CONCURRENCY = 32;
/** A batch reports progress after this many items. */
const PROGRESS_EVERY = 1_000;

/** Map `list` through `fn` a few at a time, calling `onProgress` every `PROGRESS_EVERY` items. */
function batch<T, R>(list: readonly T[], fn: (item: T) => Promise<R>, onProgress: () => void): Promise<R[]> {
  let done = 0;
  return mapPool(list, BATCH_CONCURRENCY, async (item) => {
    const result = await fn(item);
    if (++done % PROGRESS_EVERY === 0) onProgress();
    return result;
  });
}

/** A Cinder device as the recipient of sealed messages: its id and key pair. */
export interface Identity {
  username: string;
  deviceId: string;
  keys: DeviceKeys;
}

/**
 * Import a device's private key once, non-extractable, as the SDK's `MemoryStore` keeps it; the
 * baselines' devices have none.
 */
export async function importIdentity(creds: DeviceCreds): Promise<Identity | undefined> {
  if (creds.e2e === undefined) return undefined;
  const privateKey = await crypto.subtle.importKey(
    'pkcs8',
    Buffer.from(creds.e2e.pkcs8, 'base64url'),
    { name: 'X25519' },
    false,
    ['deriveBits'],
  );
  return {
    username: creds.username,
    deviceId: creds.e2e.deviceId,
    keys: { publicKey: creds.e2e.publicKey, privateKey },
  };
}

/** One message Alice sends: its number, idempotency key, text and, on Cinder, its envelope. */
export interface Outgoing {
  n: number;
  key: string;
  text: string;
  sealed?: Envelope;
}

/**
 * Numbers the messages of one load generator: texts and idempotency keys never repeat across its
 * jobs, whether a message was sealed ahead for a later job or made when sent.
 */
export class MessageTexts {
  private next = 0;

  /**
   * @param tag per-process token, so that keys and texts never repeat across load generator runs.
   * @param length texts are padded to this many characters (a typical chat message).
   */
  constructor(
    private readonly tag: string,
    private readonly length = 64,
  ) {}

  /** The next message's text, carrying the run's `marker` (the disk check searches for it). */
  take(marker: string): Outgoing {
    const n = this.next++;
    return { n, key: `${this.tag}-${n}`, text: `${marker}:${this.tag}:${n}:`.padEnd(this.length, '.') };
  }
}

/** A Cinder pair's encryption state: Bob's identity, his directory as Alice read it, the stock. */
export interface PairE2e {
  bob: Identity;
  /** Bob's key directory as Alice last read it; undefined until she reads it. */
  directory: DirectoryDevice[] | undefined;
  /** Messages sealed ahead for `directory`, sent in order. */
  stock: Outgoing[];
  /** The marker the stock's texts carry. */
  stockMarker: string;
}

/** Seal `message` from `from` to Bob's `directory`, as the SDK seals a burn message. */
export async function seal(
  message: Outgoing,
  from: string,
  to: string,
  directory: readonly DirectoryDevice[],
): Promise<Outgoing> {
  return { ...message, sealed: await sealEnvelope({ from, to, text: message.text, devices: directory }) };
}

/** True when two reads of a directory list the same devices with the same keys. */
export function sameDirectory(a: readonly DirectoryDevice[], b: readonly DirectoryDevice[]): boolean {
  const ids = (list: readonly DirectoryDevice[]): string =>
    list
      .map((d) => `${d.id}:${d.publicKey}`)
      .sort()
      .join(',');
  return ids(a) === ids(b);
}

/** What an `open` released for a sealed message, with what is needed to decrypt and check it. */
export interface Released {
  messageId: string;
  /** The sender the server named; bound in the envelope, so a wrong one fails to decrypt. */
  from: string;
  sealed: OpenedEnvelope;
  /** The device that opened it. */
  bob: Identity;
  /** The text Alice sealed, when known at release (checked by `decryptAll`). */
  expected?: string;
}

/** Decrypt a released envelope with the opening device's key; throws `DECRYPT_FAILED` (CinderError). */
export async function decrypt(released: Released): Promise<string> {
  const { text } = await openEnvelope({
    messageId: released.messageId,
    from: released.from,
    to: released.bob.username,
    deviceId: released.bob.deviceId,
    keys: released.bob.keys,
    sealed: released.sealed,
  });
  return text;
}

/** CPU the load generator spent on a batch of seals or decryptions. */
export interface Batch {
  count: number;
  /** User + system CPU of the whole process (WebCrypto work runs on libuv's threads), µs. */
  cpuUs: number;
}

/** Run `fn` and measure the process's CPU time (all threads) it took, µs. */
export async function cpuOf<T>(fn: () => Promise<T>): Promise<{ value: T; cpuUs: number }> {
  const before = process.cpuUsage();
  const value = await fn();
  const used = process.cpuUsage(before);
  return { value, cpuUs: used.user + used.system };
}

/**
 * Decrypt every released envelope, a few at a time, and compare each text with `expected`.
 * `onResult` hears of each: `'ok'`, `'mismatch'` or `'failed'` (did not decrypt).
 */
export async function decryptAll(
  list: readonly Released[],
  onResult: (outcome: 'ok' | 'mismatch' | 'failed', released: Released) => void,
  onProgress: () => void = () => {},
): Promise<Batch> {
  const { cpuUs } = await cpuOf(() =>
    batch(
      list,
      async (released) => {
        let text: string;
        try {
          text = await decrypt(released);
        } catch {
          onResult('failed', released);
          return;
        }
        onResult(text === released.expected ? 'ok' : 'mismatch', released);
      },
      onProgress,
    ),
  );
  return { count: list.length, cpuUs };
}

/** A message to seal: what, from whom, to whom, for which devices. */
export interface ToSeal {
  message: Outgoing;
  from: string;
  to: string;
  directory: readonly DirectoryDevice[];
}

/** Seal a batch of messages, a few at a time, in order. */
export async function sealAll(
  list: readonly ToSeal[],
  onProgress: () => void = () => {},
): Promise<{ sealed: Outgoing[]; batch: Batch }> {
  const { value, cpuUs } = await cpuOf(() =>
    batch(list, (item) => seal(item.message, item.from, item.to, item.directory), onProgress),
  );
  return { sealed: value, batch: { count: list.length, cpuUs } };
}
