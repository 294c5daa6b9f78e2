import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { burnedBlobsLeft, scanForMarker, waitForBurnedBlobsGone, waitForCleanDisk } from './disk-scan.ts';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'disk-scan-test-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('scanForMarker', () => {
  it('finds every copy in every file, nested ones included', async () => {
    await mkdir(join(dir, 'sub'));
    await writeFile(
      join(dir, 'db'),
      Buffer.concat([Buffer.alloc(5000), Buffer.from('xxburnmarkABCyyburnmarkABC')]),
    );
    await writeFile(join(dir, 'sub', 'db-wal'), 'burnmarkABC');
    await writeFile(join(dir, 'other'), 'burnmarkABD');
    const scan = await scanForMarker(dir, 'burnmarkABC');
    expect(scan.clean).toBe(false);
    expect(scan.hits.sort((a, b) => a.file.localeCompare(b.file))).toEqual([
      { file: 'db', count: 2 },
      { file: join('sub', 'db-wal'), count: 1 },
    ]);
  });

  it('is clean when the marker is nowhere', async () => {
    await writeFile(join(dir, 'db'), 'burnmarkABD');
    expect((await scanForMarker(dir, 'burnmarkABC')).clean).toBe(true);
  });
});

describe('waitForCleanDisk', () => {
  it('waits for the content to go and says how long it took', async () => {
    await writeFile(join(dir, 'db-wal'), 'burnmarkABC');
    setTimeout(() => void writeFile(join(dir, 'db-wal'), Buffer.alloc(11)), 300);
    const result = await waitForCleanDisk(dir, 'burnmarkABC', 3_000);
    expect(result.clean).toBe(true);
    expect(result.cleanAfterMs).toBeGreaterThanOrEqual(250);
  });

  it('gives up after the deadline', async () => {
    await writeFile(join(dir, 'db'), 'burnmarkABC');
    const result = await waitForCleanDisk(dir, 'burnmarkABC', 300);
    expect(result.clean).toBe(false);
    expect(result.cleanAfterMs).toBeNull();
  });
});

describe('burned blobs', () => {
  it('names the files of burned uploads only', () => {
    expect(burnedBlobsLeft(['f_1', 'f_2', 'f_live'], new Set(['f_1', 'f_2', 'f_gone']))).toEqual([
      'f_1',
      'f_2',
    ]);
    expect(burnedBlobsLeft([], new Set(['f_1']))).toEqual([]);
  });

  it('waits for the files of burned uploads to go, and counts the others', async () => {
    const blobs = join(dir, 'blobs');
    await mkdir(blobs);
    await writeFile(join(blobs, 'f_burned'), 'x');
    await writeFile(join(blobs, 'f_live'), 'x');
    setTimeout(() => void rm(join(blobs, 'f_burned')), 300);
    const check = await waitForBurnedBlobsGone(blobs, ['f_burned', 'f_other'], 5_000);
    expect(check).toMatchObject({ burned: 2, left: [], others: 1 });
    expect(check.cleanAfterMs).toBeGreaterThan(0);
  });

  it('reports the burned files still there after the time allowed', async () => {
    const blobs = join(dir, 'blobs');
    await mkdir(blobs);
    await writeFile(join(blobs, 'f_burned'), 'x');
    const check = await waitForBurnedBlobsGone(blobs, ['f_burned'], 300);
    expect(check).toMatchObject({ burned: 1, left: ['f_burned'], others: 0, cleanAfterMs: null });
  });

  it('takes a missing blobs/ for an empty one', async () => {
    expect(await waitForBurnedBlobsGone(join(dir, 'none'), ['f_1'], 100)).toMatchObject({
      left: [],
      others: 0,
    });
  });
});
