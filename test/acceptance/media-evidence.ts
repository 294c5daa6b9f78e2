import { randomBytes } from 'node:crypto';
import type { Envelope } from '@cinder/protocol';
import type { Device, RecordingProxy } from '../kit/index.ts';
import { base64Forms, type Form, formsIn } from './e2e-evidence.ts';

/**
 * What the view-once media tests (issue 12, docs/media.md) look for and how: a photo carrying a
 * binary marker and the forms that marker could take, the ciphertext the sender uploaded and
 * slices of it to find in files and rows, and a blob download's whole answer. The search
 * primitives (`formsIn`, `scanDir`, `watchDir`, rows, dumps) are e2e-evidence.ts's.
 */

/** PNG's signature and the start of an IHDR chunk (13 bytes: 1024 × 1024, 8-bit RGBA). */
const PNG_HEAD = Buffer.from('89504e470d0a1a0a0000000d49484452000004000000040008060000001f15c4', 'hex');

/** A 1 MB PNG (a real signature and header, then random bytes) with a random 32-byte marker inside. */
export function markedPhoto(size = 1024 * 1024): { bytes: Uint8Array<ArrayBuffer>; marker: Buffer } {
  const bytes = new Uint8Array(randomBytes(size));
  bytes.set(PNG_HEAD, 0);
  const marker = randomBytes(32);
  bytes.set(marker, Math.floor(size / 3));
  return { bytes, marker };
}

/**
 * The forms binary bytes could take in a body, a frame, a row, a file or a log line: as they
 * are, hex (either case: PostgreSQL's bytea text is lower case), and base64 / base64url at each
 * of the three byte alignments (only the characters that depend on these bytes alone).
 */
export function bytesForms(bytes: Buffer, label: string): Form[] {
  const hex = bytes.toString('hex');
  const forms: Form[] = [
    { name: `${label} raw`, bytes },
    { name: `${label} hex`, bytes: Buffer.from(hex, 'latin1') },
    { name: `${label} HEX`, bytes: Buffer.from(hex.toUpperCase(), 'latin1') },
    ...base64Forms(bytes, label),
  ];
  return forms;
}

/** The names of `forms` found in any one of `sources` (each searched on its own). */
export function formsInAny(sources: Iterable<Buffer | string>, forms: readonly Form[]): string[] {
  const found = new Set<string>();
  for (const source of sources) for (const name of formsIn(source, forms)) found.add(name);
  return [...found];
}

/** The `send` frame a device wrote for message `messageId` (a burn one: its envelope id ends the id). */
export function sendFrameOf(
  device: Device,
  messageId: string,
): { attachment: { upload: string; size: number }; sealed?: Envelope } {
  const frame = device.net.sent.find((f) => {
    const sealed = f.sealed as Envelope | undefined;
    return (
      f.type === 'send' && f.attachment !== undefined && sealed !== undefined && messageId.endsWith(sealed.id)
    );
  });
  if (!frame) throw new Error(`no sealed send frame with an attachment for ${messageId}`);
  return frame as unknown as { attachment: { upload: string; size: number }; sealed?: Envelope };
}

/**
 * The bodies of the `PUT`s that uploaded `upload`, in offset order, as the server received them
 * through `proxies`: the stored blob is their concatenation. Each offset once (a retried `PUT`
 * carries the same bytes).
 */
export function uploadedParts(proxies: readonly RecordingProxy[], upload: string): Buffer[] {
  const byOffset = new Map<number, Buffer>();
  for (const proxy of proxies) {
    for (const r of proxy.requests) {
      const url = new URL(r.path, 'http://proxy');
      if (r.method !== 'PUT' || !url.pathname.endsWith(`/${upload}`)) continue;
      byOffset.set(Number(url.searchParams.get('offset')), r.body);
    }
  }
  return [...byOffset.entries()].sort(([a], [b]) => a - b).map(([, body]) => body);
}

/** Bytes of a value PostgreSQL moves out of line (TOAST) per chunk row, with 8 kB pages. */
const TOAST_CHUNK = 1996;
/** Length of a slice: random ciphertext, so any slice this long is found only where it was written. */
const SLICE = 48;

/**
 * Distinctive slices of uploaded ciphertext, three per part (its first, middle and last TOAST
 * chunk): each lies inside one part (PostgreSQL stores a part per row) and inside one TOAST chunk
 * of it (an incompressible `bytea` is cut into chunks of `TOAST_CHUNK` bytes, stored as they
 * are), so each is contiguous in a `blobs/` file, in a row and in a table's file alike.
 */
export function slicesOf(parts: readonly Buffer[]): Buffer[] {
  const slices: Buffer[] = [];
  for (const part of parts) {
    const chunks = Math.floor(part.length / TOAST_CHUNK);
    if (chunks === 0) {
      // Small enough to stay in the row (or one TOAST chunk): contiguous wherever it is.
      if (part.length >= SLICE) slices.push(Buffer.from(part.subarray(0, SLICE)));
      continue;
    }
    for (const chunk of new Set([0, Math.floor(chunks / 2), chunks - 1])) {
      const at = chunk * TOAST_CHUNK + 200;
      slices.push(Buffer.from(part.subarray(at, at + SLICE)));
    }
  }
  return slices;
}

/**
 * Each slice as bytes (a file, a log) and as PostgreSQL's bytea text (lower-case hex: rows as
 * JSON, a dump), both named `slice <i>`.
 */
export function sliceForms(slices: readonly Buffer[]): Form[] {
  return slices.flatMap((bytes, i) => [
    { name: `slice ${i}`, bytes },
    { name: `slice ${i}`, bytes: Buffer.from(bytes.toString('hex'), 'latin1') },
  ]);
}

/** The distinct form names in `hits`, sorted: `file: name` lines (what `scanDir` reports) or bare names. */
export function namesIn(hits: readonly string[]): string[] {
  return [...new Set(hits.map((h) => h.slice(h.lastIndexOf(': ') + 1).trim()))].sort();
}

/** A blob download's whole answer, to compare: status, headers (but `date`, which is the clock's), body. */
export interface BlobAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** `GET /v1/messages/:id/blob` at `url` with `token` (and a `Range`, if given): its whole answer. */
export async function blobAnswer(
  url: string,
  token: string,
  id: string,
  range?: string,
): Promise<BlobAnswer> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (range) headers.range = range;
  const res = await fetch(`${url}/v1/messages/${encodeURIComponent(id)}/blob`, { headers });
  const kept = Object.fromEntries([...res.headers.entries()].filter(([name]) => name !== 'date'));
  return { status: res.status, headers: kept, body: Buffer.from(await res.arrayBuffer()).toString('base64') };
}

/** A message id of the same shape and length as `id` (`m_` and base64url characters) that no message has. */
export function madeUpLike(id: string): string {
  const tail = randomBytes(id.length)
    .toString('base64url')
    .slice(0, id.length - 2);
  return `m_${tail}`;
}

/** A device's bearer token (from its store). */
export async function tokenOf(device: Device): Promise<string> {
  const identity = await device.store.getIdentity();
  if (!identity) throw new Error('the device is not signed in');
  return identity.token;
}
