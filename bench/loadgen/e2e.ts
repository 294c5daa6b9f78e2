import type { DirectoryDevice, Envelope, OpenedEnvelope } from '@cinder/protocol';
import { type DeviceKeys, openEnvelope, sealEnvelope } from '@cinder/sdk';
import type { DeviceCreds } from '../lib/jobs.ts';
import { mapPool } from '../lib/pool.ts';
import { fileBytes, openFile, sameBytes, sealFile } from './attachment.ts';

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
  /** The attachment's sealed blob, to upload before the send (attachment cycles). */
  blob?: Uint8Array<ArrayBuffer>;
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
  /** Messages with an attachment sealed ahead for `directory` (attachment cycles), sent in order. */
  fileStock: Outgoing[];
  /** The marker the stock's texts carry. */
  stockMarker: string;
}

/**
 * Seal `message` from `from` to Bob's `directory`, as the SDK seals a burn message. With
 * `fileBody`, the message carries a file (`fileBytes(text, fileBody)`) sealed as `sendFile` seals
 * one: the blob first, with a content key and envelope id the envelope then takes.
 */
export async function seal(
  message: Outgoing,
  from: string,
  to: string,
  directory: readonly DirectoryDevice[],
  fileBody?: Uint8Array,
): Promise<Outgoing> {
  const base = { from, to, text: message.text, devices: directory };
  if (fileBody === undefined) return { ...message, sealed: await sealEnvelope(base) };
  const file = await sealFile(fileBytes(message.text, fileBody));
  const sealed = await sealEnvelope({
    ...base,
    contentKey: file.contentKey,
    envelopeId: file.envelopeId,
    attachment: file.attachment,
  });
  return { ...message, sealed, blob: file.blob };
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
  /** The attachment's blob as Bob downloaded it before the open (attachment cycles). */
  blob?: Uint8Array<ArrayBuffer>;
  /** The body Alice's file was made of (`fileBytes`), to check the decrypted file against. */
  fileBody?: Uint8Array;
}

/** What a released envelope decrypted to: its text and, with a blob, the file. */
export interface Decrypted {
  text: string;
  file?: Uint8Array<ArrayBuffer>;
}

/**
 * Decrypt a released envelope with the opening device's key, and its blob with the blob key the
 * envelope gives, as the SDK's `open` does; throws `DECRYPT_FAILED` (CinderError).
 */
export async function decrypt(released: Released): Promise<Decrypted> {
  const content = await openEnvelope({
    messageId: released.messageId,
    from: released.from,
    to: released.bob.username,
    deviceId: released.bob.deviceId,
    keys: released.bob.keys,
    sealed: released.sealed,
  });
  if (released.blob === undefined) return { text: content.text };
  if (content.attachment === undefined || content.blobKey === undefined) return { text: content.text };
  const file = await openFile(content.blobKey, released.sealed.id, released.blob, content.attachment);
  return { text: content.text, file };
}

/**
 * True when what Bob decrypted is what Alice sent: the text, and with a file body, the file
 * rebuilt from text and body byte for byte.
 */
export function matches(decrypted: Decrypted, text: string | undefined, fileBody?: Uint8Array): boolean {
  if (decrypted.text !== text) return false;
  if (fileBody === undefined) return decrypted.file === undefined;
  return decrypted.file !== undefined && sameBytes(decrypted.file, fileBytes(decrypted.text, fileBody));
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
        let decrypted: Decrypted;
        try {
          decrypted = await decrypt(released);
        } catch {
          onResult('failed', released);
          return;
        }
        onResult(matches(decrypted, released.expected, released.fileBody) ? 'ok' : 'mismatch', released);
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
  /** The body of the message's file, for a message with an attachment. */
  fileBody?: Uint8Array;
}

/** Seal a batch of messages, a few at a time, in order. */
export async function sealAll(
  list: readonly ToSeal[],
  onProgress: () => void = () => {},
): Promise<{ sealed: Outgoing[]; batch: Batch }> {
  const { value, cpuUs } = await cpuOf(() =>
    batch(list, (item) => seal(item.message, item.from, item.to, item.directory, item.fileBody), onProgress),
  );
  return { sealed: value, batch: { count: list.length, cpuUs } };
}
