import { execFileSync } from 'node:child_process';
import { copyFileSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Envelope, SealedKey } from '@cinder/protocol';
import type { DeviceKeys } from '@cinder/sdk';
import { Aes256Gcm, CipherSuite, DhkemX25519HkdfSha256, HkdfSha256 } from '@hpke/core';
import Database from 'better-sqlite3';
import pg from 'pg';
import { type ChildServer, type Device, filesUnder } from '../kit/index.ts';

/**
 * What the end-to-end encryption tests look through, and how they try to decrypt with it: the
 * forms a plaintext marker could take, every file of a data directory, the rows of a database,
 * the frames on a wire, and an attacker's decryption of whatever envelope pieces those hold,
 * following docs/crypto.md with the same audited primitives (`@hpke/core`, WebCrypto).
 */

// ---------------------------------------------------------------------------
// Markers and where they could show
// ---------------------------------------------------------------------------

/** One way a marker's bytes could be written: its name (for failure messages) and its bytes. */
export interface Form {
  name: string;
  bytes: Buffer;
}

/**
 * The forms a plaintext marker could take in a frame, a row, a file or a log line: as it is
 * (UTF-8), hex of its UTF-8, UTF-16LE, and base64 / base64url at each of the three byte
 * alignments (only the characters that depend on the marker's bytes alone). `label` starts
 * each form's name, so a scan for several markers at once tells which one it found.
 */
export function formsOf(marker: string, label = 'marker'): Form[] {
  const utf8 = Buffer.from(marker, 'utf8');
  const forms: Form[] = [
    { name: `${label} utf8`, bytes: utf8 },
    { name: `${label} hex`, bytes: Buffer.from(utf8.toString('hex'), 'latin1') },
    { name: `${label} utf16le`, bytes: Buffer.from(marker, 'utf16le') },
    ...base64Forms(utf8, label),
  ];
  return forms;
}

/**
 * `bytes` in base64 and base64url at each of the three alignments it can have inside a longer
 * encoded string (the edge characters, which depend on the neighbours, left out).
 */
export function base64Forms(bytes: Buffer, label: string): Form[] {
  const forms: Form[] = [];
  for (const shift of [0, 1, 2]) {
    const aligned = Buffer.concat([Buffer.alloc(shift), bytes]);
    for (const encoding of ['base64', 'base64url'] as const) {
      const text = aligned.toString(encoding);
      forms.push({
        name: `${label} ${encoding}@${shift}`,
        bytes: Buffer.from(text.slice(shift === 0 ? 0 : 4, -4), 'latin1'),
      });
    }
  }
  return forms;
}

/** The names of the forms `haystack` holds (empty when none). */
export function formsIn(haystack: string | Buffer, forms: readonly Form[]): string[] {
  const bytes = typeof haystack === 'string' ? Buffer.from(haystack, 'utf8') : haystack;
  return forms.filter((f) => bytes.includes(f.bytes)).map((f) => f.name);
}

/**
 * Every file under `dir` (SQLite's `-wal` and `-shm` included) that holds one of `forms`, as
 * `file: form` lines; `files` counts the files read, so a caller can tell the scan read something.
 */
export function scanDir(dir: string, forms: readonly Form[]): { hits: string[]; files: number } {
  const hits: string[] = [];
  let files = 0;
  for (const path of filesUnder(dir)) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(path);
    } catch {
      continue; // unlinked between the walk and the read
    }
    files += 1;
    for (const name of formsIn(bytes, forms)) hits.push(`${relative(dir, path)}: ${name}`);
  }
  return { hits, files };
}

/**
 * Scans `dir` over and over, as fast as it can, until stopped: whatever any scan found, with the
 * number of scans made, so "never, at any time" is checked between the test's own checkpoints
 * too. Yields to the event loop between scans: a server in this process keeps running.
 */
export function watchDir(
  dir: string,
  forms: readonly Form[],
): { stop(): Promise<{ hits: string[]; scans: number }> } {
  const hits = new Set<string>();
  let scans = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      for (const hit of scanDir(dir, forms).hits) hits.add(hit);
      scans += 1;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { hits: [...hits], scans };
    },
  };
}

/** Everything a child server writes to stdout and stderr from now on (its log lines). */
export function captureOutput(server: ChildServer): () => string {
  let out = '';
  server.child.stdout?.on('data', (d) => {
    out += String(d);
  });
  server.child.stderr?.on('data', (d) => {
    out += String(d);
  });
  return () => out;
}

// ---------------------------------------------------------------------------
// Frames and answers
// ---------------------------------------------------------------------------

/** The sealed envelope of the burn send whose id is `messageId`, from the frames a device wrote. */
export function envelopeSent(device: Device, messageId: string): Envelope {
  const frame = device.net.sent.find((f) => {
    const sealed = f.sealed as Envelope | undefined;
    return f.type === 'send' && sealed !== undefined && messageId.endsWith(sealed.id);
  });
  if (!frame) throw new Error(`no sealed send frame for ${messageId}`);
  return frame.sealed as Envelope;
}

/** Every piece of an envelope that must not leave the server before the open. */
export function piecesOf(envelope: Envelope): string[] {
  return [envelope.ct, envelope.k2, ...envelope.keys.flatMap((k) => [k.enc, k.ct])];
}

/** How many times `needle` occurs in the frames. */
export function count(frames: readonly string[], needle: string): number {
  return frames.reduce((n, f) => n + f.split(needle).length - 1, 0);
}

// ---------------------------------------------------------------------------
// Databases as someone holding their files or a superuser connection sees them
// ---------------------------------------------------------------------------

/** Copy every regular file of `from` (not recursive: a SQLite data dir) into `to`. */
export function copyFiles(from: string, to: string): string[] {
  const copied: string[] = [];
  for (const name of readdirSync(from)) {
    const path = join(from, name);
    if (!statSync(path).isFile()) continue;
    copyFileSync(path, join(to, name));
    copied.push(name);
  }
  return copied;
}

/**
 * Every row of every table of every SQLite database file (`*.db`) in `dir`, as JSON text. The
 * files are opened in place (write access recovers a copied WAL into the copy, not the original):
 * call it on a copy.
 */
export function sqliteRows(dir: string): string[] {
  const rows: string[] = [];
  const databases = readdirSync(dir).filter((n) => n.endsWith('.db'));
  if (databases.length === 0) throw new Error(`no SQLite database in ${dir}`);
  for (const name of databases) {
    const db = new Database(join(dir, name), { fileMustExist: true });
    try {
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{
        name: string;
      }>;
      for (const { name: table } of tables) {
        const quoted = `"${table.replaceAll('"', '""')}"`;
        for (const row of db.prepare(`SELECT * FROM ${quoted}`).all()) {
          rows.push(`${table} ${JSON.stringify(row, (_k, v) => (typeof v === 'bigint' ? String(v) : v))}`);
        }
      }
    } finally {
      db.close();
    }
  }
  return rows;
}

/** Every row of every table of PostgreSQL `schema`, as JSON text (`row_to_json`), prefixed by its table. */
export async function postgresRows(url: string, schema: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const tables = await client.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE'",
      [schema],
    );
    if (tables.rows.length === 0) throw new Error(`schema ${schema} has no tables`);
    const rows: string[] = [];
    for (const { table_name: table } of tables.rows) {
      const quoted = `"${schema.replaceAll('"', '""')}"."${table.replaceAll('"', '""')}"`;
      const result = await client.query<{ j: string }>(`SELECT row_to_json(t)::text AS j FROM ${quoted} t`);
      for (const row of result.rows) rows.push(`${table} ${row.j}`);
    }
    return rows;
  } finally {
    await client.end();
  }
}

/** `pg_dump` of one schema (a backup as an operator takes it). */
export function pgDump(url: string, schema: string): string {
  return execFileSync('pg_dump', ['--schema', schema, '--no-owner', url], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
}

// ---------------------------------------------------------------------------
// Envelope pieces, wherever they are
// ---------------------------------------------------------------------------

/** An envelope's pieces as found: a stored or sent envelope (every sealed copy) or an opened one (one copy). */
export interface FoundEnvelope {
  id: string;
  ct: string;
  k2: string;
  keys: SealedKey[];
}

/** What an attacker holds: every envelope piece found, and every 32-byte base64url string (a key share?). */
export interface Material {
  envelopes: FoundEnvelope[];
  shares: Set<string>;
}

const TOKEN_32 = /(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/g;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isSealedKey(v: unknown): v is SealedKey {
  return isRecord(v) && typeof v.device === 'string' && typeof v.enc === 'string' && typeof v.ct === 'string';
}

/** Walk parsed JSON (and JSON held in its strings) for envelope-shaped objects. */
function walk(value: unknown, out: FoundEnvelope[], depth = 0): void {
  if (depth > 20) return;
  if (typeof value === 'string') {
    const t = value.trim();
    if (t.startsWith('{') || t.startsWith('[')) {
      try {
        walk(JSON.parse(t), out, depth + 1);
      } catch {
        // not JSON
      }
    }
    return;
  }
  if (Array.isArray(value)) {
    for (const v of value) walk(v, out, depth + 1);
    return;
  }
  if (!isRecord(value)) return;
  if (typeof value.id === 'string' && typeof value.ct === 'string' && typeof value.k2 === 'string') {
    const keys = Array.isArray(value.keys)
      ? value.keys.filter(isSealedKey)
      : isSealedKey(value.key)
        ? [value.key]
        : [];
    out.push({ id: value.id, ct: value.ct, k2: value.k2, keys });
  }
  for (const v of Object.values(value)) walk(v, out, depth + 1);
}

/** JSON objects starting with `{"v":` in a text that is not JSON itself (a file, a dump, a row). */
function embeddedObjects(text: string): unknown[] {
  const found: unknown[] = [];
  let at = text.indexOf('{"v":');
  while (at !== -1) {
    let depth = 0;
    for (let i = at; i < Math.min(text.length, at + 4 * 1024 * 1024); i++) {
      const c = text[i];
      if (c === '{') depth += 1;
      else if (c === '}') {
        depth -= 1;
        if (depth === 0) {
          try {
            found.push(JSON.parse(text.slice(at, i + 1)));
          } catch {
            // torn or not JSON
          }
          break;
        }
      }
    }
    at = text.indexOf('{"v":', at + 1);
  }
  return found;
}

/**
 * Gather the material in `sources` (frame texts, rows as JSON text, dumps, files' bytes): every
 * envelope (JSON anywhere in them, also embedded in other text) and every 32-byte base64url string.
 */
export function harvest(sources: Iterable<string | Buffer>): Material {
  const envelopes: FoundEnvelope[] = [];
  const shares = new Set<string>();
  for (const source of sources) {
    const text = typeof source === 'string' ? source : source.toString('latin1');
    try {
      walk(JSON.parse(text), envelopes);
    } catch {
      // not JSON as a whole: a row with its table name, a dump, a file
    }
    const space = text.indexOf(' ');
    if (space > 0 && text[space + 1] === '{') {
      try {
        walk(JSON.parse(text.slice(space + 1)), envelopes);
      } catch {
        // not a row line
      }
    }
    for (const o of embeddedObjects(text)) walk(o, envelopes);
    for (const match of text.matchAll(TOKEN_32)) {
      if (Buffer.from(match[0], 'base64url').length === 32) shares.add(match[0]);
    }
  }
  return { envelopes: dedupe(envelopes), shares };
}

/** Several harvests as one. */
export function merge(...parts: Material[]): Material {
  const shares = new Set<string>();
  for (const p of parts) for (const s of p.shares) shares.add(s);
  return { envelopes: dedupe(parts.flatMap((p) => p.envelopes)), shares };
}

function dedupe(envelopes: FoundEnvelope[]): FoundEnvelope[] {
  const unique = new Map<string, FoundEnvelope>();
  for (const e of envelopes) {
    const key = `${e.id}|${e.ct}|${e.k2}`;
    const seen = unique.get(key);
    if (seen) {
      for (const k of e.keys) if (!seen.keys.some((s) => s.enc === k.enc)) seen.keys.push(k);
    } else unique.set(key, { ...e, keys: [...e.keys] });
  }
  return [...unique.values()];
}

// ---------------------------------------------------------------------------
// Decryption as docs/crypto.md defines it
// ---------------------------------------------------------------------------

const suite = new CipherSuite({
  kem: new DhkemX25519HkdfSha256(),
  kdf: new HkdfSha256(),
  aead: new Aes256Gcm(),
});
const encoder = new TextEncoder();

function bound(label: string, ...fields: string[]): Uint8Array<ArrayBuffer> {
  return encoder.encode([label, ...fields].join('\u0000'));
}

function bytes(base64url: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(Buffer.from(base64url, 'base64url'));
}

function xor(a: Uint8Array, b: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(Math.max(a.length, b.length));
  for (let i = 0; i < out.length; i++) out[i] = (a[i] ?? 0) ^ (b[i] ?? 0);
  return out;
}

/** The sender and recipient of a message: the usernames bound in its envelope. */
export interface Parties {
  from: string;
  to: string;
}

/** AES-256-GCM open of an envelope's `ct` (nonce ‖ ciphertext ‖ tag) under `key`: the payload text, or null. */
export async function decryptPayload(
  key: Uint8Array<ArrayBuffer>,
  envelope: FoundEnvelope,
  parties: Parties,
): Promise<string | null> {
  if (key.length !== 32) return null;
  const ct = bytes(envelope.ct);
  try {
    const aead = await crypto.subtle.importKey('raw', key, 'AES-GCM', false, ['decrypt']);
    const plain = await crypto.subtle.decrypt(
      {
        name: 'AES-GCM',
        iv: ct.subarray(0, 12),
        additionalData: bound('cinder/burn/v1', envelope.id, parties.from, parties.to),
      },
      aead,
      ct.subarray(12),
    );
    return new TextDecoder().decode(plain);
  } catch {
    return null;
  }
}

/** HPKE base-mode open of one sealed `K1` with `keys`' private key: `K1`, or null. */
export async function openShare(
  keys: DeviceKeys,
  sealed: SealedKey,
  envelope: FoundEnvelope,
  parties: Parties,
): Promise<Uint8Array<ArrayBuffer> | null> {
  if (!keys.privateKey) throw new Error('these keys have no private key');
  try {
    const publicKey = await crypto.subtle.importKey(
      'raw',
      bytes(keys.publicKey),
      { name: 'X25519' },
      true,
      [],
    );
    const k1 = await suite.open(
      {
        recipientKey: { privateKey: keys.privateKey, publicKey },
        enc: bytes(sealed.enc),
        info: encoder.encode('cinder/k1/v1'),
      },
      bytes(sealed.ct),
      bound('cinder/k1/v1', envelope.id, parties.from, parties.to, sealed.device),
    );
    return new Uint8Array(k1);
  } catch {
    return null;
  }
}

/** What one attack run tried and what it got. */
export interface Attempt {
  /** Plaintexts recovered (the test expects none). */
  recovered: string[];
  /** AES-GCM opens of a `ct` tried. */
  aesTries: number;
  /** HPKE opens of a sealed `K1` tried. */
  hpkeTries: number;
  /** Envelopes on which `K2` alone was tried as the content key. */
  shareAloneTries: number;
}

/**
 * Try to decrypt every envelope in `material` without a recipient device's private key: each
 * 32-byte string found as the content key, and as `K1` with the envelope's `K2`; `K2` alone; and
 * every sealed `K1` opened with each of `wrongKeys` (key pairs of other devices and users).
 */
export async function attack(
  material: Material,
  parties: Parties,
  wrongKeys: DeviceKeys[],
): Promise<Attempt> {
  const result: Attempt = { recovered: [], aesTries: 0, hpkeTries: 0, shareAloneTries: 0 };
  for (const envelope of material.envelopes) {
    const k2 = bytes(envelope.k2);
    // K2 is always among the candidates: the share the server holds, tried alone.
    const candidates = new Set([...material.shares, envelope.k2]);
    result.shareAloneTries += 1;
    for (const candidate of candidates) {
      for (const key of [bytes(candidate), xor(bytes(candidate), k2)]) {
        result.aesTries += 1;
        const plain = await decryptPayload(key, envelope, parties);
        if (plain !== null) result.recovered.push(plain);
      }
    }
    for (const sealed of envelope.keys) {
      for (const keys of wrongKeys) {
        result.hpkeTries += 1;
        const k1 = await openShare(keys, sealed, envelope, parties);
        if (k1 === null) continue;
        result.aesTries += 1;
        const plain = await decryptPayload(xor(k1, k2), envelope, parties);
        if (plain !== null) result.recovered.push(plain);
      }
    }
  }
  return result;
}

/**
 * The same decryption with a recipient device's private key, from `material` alone: the test's
 * proof that its attack decrypts what it finds when the key is right.
 */
export async function decryptAsDevice(
  material: Material,
  parties: Parties,
  device: { id: string; keys: DeviceKeys },
): Promise<string[]> {
  const plaintexts: string[] = [];
  for (const envelope of material.envelopes) {
    for (const sealed of envelope.keys.filter((k) => k.device === device.id)) {
      const k1 = await openShare(device.keys, sealed, envelope, parties);
      if (k1 === null) continue;
      const plain = await decryptPayload(xor(k1, bytes(envelope.k2)), envelope, parties);
      if (plain !== null) plaintexts.push(plain);
    }
  }
  return plaintexts;
}
