import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { scanForMarker, waitForCleanDisk } from './disk-scan.ts';

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
