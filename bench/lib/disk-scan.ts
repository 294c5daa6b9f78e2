import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** What a search of the data directory for message content found. */
export interface DiskScan {
  /** No file under the data directory holds the marker. */
  clean: boolean;
  /** Files holding the marker, with how many times. */
  hits: Array<{ file: string; count: number }>;
  bytesScanned: number;
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return filesUnder(path);
      return Promise.resolve(entry.isFile() ? [path] : []);
    }),
  );
  return nested.flat();
}

function countOccurrences(haystack: Buffer, needle: Buffer): number {
  let count = 0;
  for (let at = haystack.indexOf(needle); at >= 0; at = haystack.indexOf(needle, at + needle.length)) count++;
  return count;
}

/**
 * Search every file under `dir` (database, WAL, journal, anything else) for `marker`, the token in
 * every benchmark message text. After the run every message has burned, so any hit is content that
 * outlived its burn.
 */
export async function scanForMarker(dir: string, marker: string): Promise<DiskScan> {
  const needle = Buffer.from(marker);
  const hits: DiskScan['hits'] = [];
  let bytesScanned = 0;
  for (const file of await filesUnder(dir)) {
    const info = await stat(file).catch(() => undefined);
    if (info === undefined) continue; // Removed while we looked (a checkpointed WAL, a journal).
    const bytes = await readFile(file).catch(() => Buffer.alloc(0));
    bytesScanned += bytes.length;
    const count = countOccurrences(bytes, needle);
    if (count > 0) hits.push({ file: file.slice(dir.length + 1), count });
  }
  return { clean: hits.length === 0, hits, bytesScanned };
}

/**
 * Scan until clean or until `withinMs` has passed: the contract gives a server 5 s after a burn
 * to get the bytes off the disk. Returns the last scan and how long it took to come clean.
 */
export async function waitForCleanDisk(
  dir: string,
  marker: string,
  withinMs: number,
): Promise<DiskScan & { cleanAfterMs: number | null }> {
  const started = performance.now();
  for (;;) {
    const scan = await scanForMarker(dir, marker);
    const elapsed = performance.now() - started;
    if (scan.clean) return { ...scan, cleanAfterMs: elapsed };
    if (elapsed >= withinMs) return { ...scan, cleanAfterMs: null };
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** What the data directory's `blobs/` (Cinder on SQLite: one file per upload) held after the run. */
export interface BlobCheck {
  /** Burned messages' uploads looked for (every completed attachment cycle's). */
  burned: number;
  /** Files of burned messages' blobs still there at the last look: must be none. */
  left: string[];
  /** Other files (live messages' blobs or unattached uploads). */
  others: number;
  /** Time from the first look to the first look with none left; null if some stayed. */
  cleanAfterMs: number | null;
}

/** The names in `files` that belong to a burned message's upload. */
export function burnedBlobsLeft(files: readonly string[], burned: ReadonlySet<string>): string[] {
  return files.filter((name) => burned.has(name));
}

async function namesIn(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return [];
    throw error;
  }
}

/**
 * Look in `blobsDir` until no file of a `burned` upload is left, or until `withinMs` has passed:
 * the contract gives the server 5 s after a burn to delete the blob.
 */
export async function waitForBurnedBlobsGone(
  blobsDir: string,
  burned: readonly string[],
  withinMs: number,
): Promise<BlobCheck> {
  const set = new Set(burned);
  const started = performance.now();
  for (;;) {
    const files = await namesIn(blobsDir);
    const left = burnedBlobsLeft(files, set);
    const elapsed = performance.now() - started;
    const check = { burned: set.size, left, others: files.length - left.length };
    if (left.length === 0) return { ...check, cleanAfterMs: elapsed };
    if (elapsed >= withinMs) return { ...check, cleanAfterMs: null };
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
