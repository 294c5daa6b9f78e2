import { readFileSync } from 'node:fs';
import type { Envelope } from '@cinder/protocol';
import { filesUnder } from '../../../test/kit/index.ts';

/**
 * Finding what sealed burn messages leave in files: each envelope's `k2` and pieces of its `ct`
 * (the start, the end, and one every `CT_PIECE_EVERY` characters, so that a `ct` spread over
 * several pages has a piece on each), both as the wire carries them (base64url) and as the bytes
 * they encode, for thousands of envelopes in one pass over each file.
 *
 * Every needle is at least `NEEDLE` bytes long, and the search reads a file only at every
 * `STRIDE`-th offset, looking up the `WINDOW` bytes there among the windows that start at each
 * needle's first `STRIDE` offsets. A needle anywhere in a file has one of those offsets on the
 * stride, and the window there lies inside the needle (`WINDOW + STRIDE - 1 = NEEDLE`): so one
 * pass costs a file's length / `STRIDE` lookups however many envelopes are searched. The needles
 * are random bytes (or their base64url), so a window found is that envelope's.
 */
const STRIDE = 8;
const WINDOW = 24;
const NEEDLE = WINDOW + STRIDE - 1;
/** A piece of `ct` every this many characters of base64url (and 3/4 as many bytes). */
const CT_PIECE_EVERY = 1024;

/** Needles of `text` (latin1: one character per byte): its start, its end, and one every `every`. */
function pieces(text: string, every: number): string[] {
  const out = [text.slice(0, NEEDLE), text.slice(-NEEDLE)];
  for (let at = every; at + NEEDLE <= text.length; at += every) out.push(text.slice(at, at + NEEDLE));
  return out;
}

/** What is searched for one envelope: `k2` and pieces of `ct`, as base64url and as bytes. */
export function envelopeNeedles(envelope: Pick<Envelope, 'ct' | 'k2'>): string[] {
  const bytes = (base64url: string) => Buffer.from(base64url, 'base64url').toString('latin1');
  return [
    envelope.k2,
    bytes(envelope.k2),
    ...pieces(envelope.ct, CT_PIECE_EVERY),
    ...pieces(bytes(envelope.ct), (CT_PIECE_EVERY * 3) / 4),
  ];
}

/** Bits of the prefilter: one per hash of a window's first 8 bytes (16 MiB). */
const FILTER_BITS = 27;

/** The prefilter's index for a window whose first 8 bytes read as the little-endian words `a`, `b`. */
function hash(a: number, b: number): number {
  return Math.imul(a ^ Math.imul(b, 0x9e3779b1), 0x85ebca6b) >>> (32 - FILTER_BITS);
}

/** `hash` of a window given as latin1 text. */
function hashOf(window: string): number {
  const word = (at: number) =>
    window.charCodeAt(at) |
    (window.charCodeAt(at + 1) << 8) |
    (window.charCodeAt(at + 2) << 16) |
    (window.charCodeAt(at + 3) << 24);
  return hash(word(0), word(4));
}

/** The envelopes of many messages, each under a tag (its message id, its text's marker), to find in files. */
export class EnvelopeSearch<T> {
  readonly #windows = new Map<string, T>();
  /** A bit per window hash: most offsets of a file are ruled out without building a string. */
  readonly #filter = new Uint32Array((1 << FILTER_BITS) / 32);

  /** Search for `envelope` too, reporting it as `tag`. */
  add(envelope: Pick<Envelope, 'ct' | 'k2'>, tag: T): this {
    for (const needle of envelopeNeedles(envelope)) {
      if (needle.length < NEEDLE) throw new Error('an envelope piece is shorter than a needle');
      for (let d = 0; d < STRIDE; d++) {
        const window = needle.slice(d, d + WINDOW);
        const h = hashOf(window);
        this.#filter[h >>> 5] = (this.#filter[h >>> 5] ?? 0) | (1 << (h & 31));
        this.#windows.set(window, tag);
      }
    }
    return this;
  }

  /** Tags of the envelopes with any needle in `bytes`. */
  in(bytes: Buffer, found = new Set<T>()): Set<T> {
    // Words at every offset on the stride; a copy when the buffer does not start on a word.
    const aligned = bytes.byteOffset % 4 === 0 ? bytes : Buffer.from(new Uint8Array(bytes).buffer);
    const words = new Uint32Array(aligned.buffer, aligned.byteOffset, Math.floor(aligned.length / 4));
    const filter = this.#filter;
    for (let i = 0; i + WINDOW <= aligned.length; i += STRIDE) {
      const h = hash(words[i >>> 2] as number, words[(i >>> 2) + 1] as number);
      if ((((filter[h >>> 5] as number) >>> (h & 31)) & 1) === 0) continue;
      const tag = this.#windows.get(aligned.toString('latin1', i, i + WINDOW));
      if (tag !== undefined) found.add(tag);
    }
    return found;
  }

  /** Tags of the envelopes with any needle in any file under `dir`. */
  inDir(dir: string): Set<T> {
    const found = new Set<T>();
    for (const path of filesUnder(dir)) {
      try {
        this.in(readFileSync(path), found);
      } catch {
        // unlinked before it was read
      }
    }
    return found;
  }
}
