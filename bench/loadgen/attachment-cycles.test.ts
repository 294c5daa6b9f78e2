import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { benchUsername, registerDevices } from '../lib/accounts.ts';
import { waitForBurnedBlobsGone, waitForCleanDisk } from '../lib/disk-scan.ts';
import { type ClientCryptoOptions, type ClosedLoopJob, isCorrect, type Pair } from '../lib/jobs.ts';
import { TrafficLoadgen } from '../lib/loadgen-client.ts';
import { ServerTarget } from '../lib/server-target.ts';

/**
 * The attachment cycle against a real Cinder in its own process, over real sockets and HTTP: each
 * message carries a 256 KiB file uploaded before the send and downloaded before the open, and the
 * checks (every cycle, every decrypted file, no burned blob left in `blobs/`) hold. Tiny loads; no
 * timing is asserted.
 */

let root: string;
const started: Array<{ stop(): Promise<void> }> = [];

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'bench-attachment-test-'));
});

afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.stop()));
  await rm(root, { recursive: true, force: true });
});

const MARKER = 'burnmarkfile0001';
const FILE_BYTES = 256 * 1024;
/** A 256 KiB file sealed in 256 KiB chunks: one AEAD tag more. */
const SEALED_BYTES = FILE_BYTES + 16;
const AHEAD: ClientCryptoOptions = { inlineCrypto: false, keysEverySend: false, presealRate: 100 };

async function setUp(count: number): Promise<{ target: ServerTarget; loadgen: TrafficLoadgen }> {
  const target = await ServerTarget.start({ kind: 'cinder', dataDir: join(root, 'cinder') });
  started.push(target);
  const names = Array.from({ length: 2 * count }, (_, i) => benchUsername('test', 'f', i));
  const devices = await registerDevices('cinder', target.url, names);
  const list: Pair[] = Array.from({ length: count }, (_, i) => ({
    alice: devices[2 * i]!,
    bob: devices[2 * i + 1]!,
  }));
  const loadgen = await TrafficLoadgen.start(target.url, list, 30_000);
  started.push({ stop: () => loadgen.close() });
  return { target, loadgen };
}

const textJob = (serverPid: number, count: number, crypto: ClientCryptoOptions): ClosedLoopJob => ({
  kind: 'closed',
  serverPid,
  pairs: count,
  marker: MARKER,
  warmupMs: 100,
  durationMs: 600,
  maxCycles: 60,
  drainMs: 10_000,
  validateEvery: 1,
  receipts: false,
  ackEveryMs: 50,
  crypto,
  window: 2,
});

const job = (serverPid: number, count: number, crypto: ClientCryptoOptions): ClosedLoopJob => ({
  ...textJob(serverPid, count, crypto),
  attachment: { bytes: FILE_BYTES, presealRate: 100 },
  // The window opens once the first convoy (one cycle per slot) has completed.
  warmupCycles: count * 2,
});

describe('burn cycles with a 256 KiB attachment on Cinder', () => {
  it.each([
    ['sealed ahead, decrypted after', AHEAD],
    ['sealed and decrypted inside each cycle', { ...AHEAD, inlineCrypto: true }],
  ])('upload, send, download, open and burn complete and check out (%s)', async (_, crypto) => {
    const { target, loadgen } = await setUp(2);
    const result = await loadgen.run(job(target.pid, 2, crypto), 60_000);
    const { started: begun, completed } = result.correctness;
    expect(begun).toBeGreaterThan(0);
    expect(isCorrect(result.correctness)).toBe(true);
    expect(result.client?.opened).toBe(completed);
    expect(result.warmupMs).toBeGreaterThanOrEqual(100);
    expect(completed).toBeGreaterThanOrEqual(4);
    const attachment = result.attachment;
    expect(attachment?.bytes).toBe(FILE_BYTES);
    // Every completed cycle burned its upload, each a different one.
    expect(new Set(attachment?.burnedUploads).size).toBe(completed);
    // The sealed file went up once and came down once per cycle.
    expect(attachment?.uploadedBytes).toBe(completed * SEALED_BYTES);
    expect(attachment?.downloadedBytes).toBe(completed * SEALED_BYTES);
    const blobs = join(target.dataDir, 'blobs');
    const check = await waitForBurnedBlobsGone(blobs, attachment?.burnedUploads ?? [], 6_000);
    expect(check).toMatchObject({ burned: completed, left: [], others: 0 });
    expect(await readdir(blobs)).toEqual([]);
    expect((await waitForCleanDisk(target.dataDir, MARKER, 6_000)).clean).toBe(true);
  });

  it('runs text and attachment jobs one after the other on the same pairs', async () => {
    const { target, loadgen } = await setUp(1);
    const text = await loadgen.run(textJob(target.pid, 1, AHEAD), 60_000);
    const file = await loadgen.run(job(target.pid, 1, AHEAD), 60_000);
    const again = await loadgen.run(textJob(target.pid, 1, AHEAD), 60_000);
    for (const r of [text, file, again]) expect(isCorrect(r.correctness)).toBe(true);
    expect(text.attachment).toBeUndefined();
    expect(file.attachment?.burnedUploads.length).toBe(file.correctness.completed);
    // The text job after the file job opens text envelopes again, every one it completed. (How
    // many were sealed during the run depends on the pace seen earlier: a loaded machine varies.)
    expect(again.client?.opened).toBe(again.correctness.completed);
    expect(again.attachment).toBeUndefined();
  });
});
