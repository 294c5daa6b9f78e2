import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { benchUsername, loginDevice, registerDevices } from '../lib/accounts.ts';
import { scanForMarker, waitForCleanDisk } from '../lib/disk-scan.ts';
import { isCorrect, type Pair } from '../lib/jobs.ts';
import { runSyncJob, TrafficLoadgen } from '../lib/loadgen-client.ts';
import { ServerTarget, type TargetKind } from '../lib/server-target.ts';

/**
 * The load generator against real servers in their own processes, over real sockets: the
 * benchmark's numbers are only worth something if its cycles are the real cycle and its checks
 * can fail. Tiny loads; no timing is asserted.
 */

let root: string;
const started: Array<{ stop(): Promise<void> }> = [];

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'bench-loadgen-test-'));
});

afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.stop()));
  await rm(root, { recursive: true, force: true });
});

async function server(kind: TargetKind): Promise<ServerTarget> {
  const target = await ServerTarget.start({ kind, dataDir: join(root, kind) });
  started.push(target);
  return target;
}

async function pairs(kind: TargetKind, url: string, count: number): Promise<Pair[]> {
  const names = Array.from({ length: 2 * count }, (_, i) => benchUsername('test', 'u', i));
  const devices = await registerDevices(kind, url, names);
  return Array.from({ length: count }, (_, i) => ({ alice: devices[2 * i]!, bob: devices[2 * i + 1]! }));
}

async function traffic(url: string, list: Pair[]): Promise<TrafficLoadgen> {
  const loadgen = await TrafficLoadgen.start(url, list, 30_000);
  started.push({ stop: () => loadgen.close() });
  return loadgen;
}

const MARKER = 'burnmarktest0001';

const closed = (serverPid: number, count: number) =>
  ({
    kind: 'closed',
    serverPid,
    pairs: count,
    marker: MARKER,
    warmupMs: 100,
    durationMs: 500,
    maxCycles: 1_000_000,
    drainMs: 5_000,
    validateEvery: 1,
    receipts: true,
    ackEveryMs: 50,
    window: 2,
  }) as const;

describe.each(['cinder', 'baseline', 'naive'] as const)('burn cycles against %s', (kind) => {
  it('completes every cycle with the sealed delivery, the content round trip and the burn', async () => {
    const target = await server(kind);
    const list = await pairs(kind, target.url, 3);
    const loadgen = await traffic(target.url, list);
    const result = await loadgen.run(closed(target.pid, 3), 30_000);
    const { started } = result.correctness;
    expect(started).toBeGreaterThan(0);
    expect(isCorrect(result.correctness)).toBe(true);
    // Every inbound frame was validated: at least the two replies of each cycle (events may share frames).
    expect(result.correctness.framesValidated).toBeGreaterThanOrEqual(2 * started);
    expect(result.latency.cycle.count).toBeGreaterThan(0);
    expect(result.extensions).toBe('');
    // The same sockets carry a second run (an open loop) without cross-talk.
    const open = await loadgen.run(
      { ...closed(target.pid, 3), kind: 'open', rate: 500, maxInFlight: 1_000, maxCycles: 300 },
      30_000,
    );
    expect(open.correctness.completed).toBeGreaterThan(0);
    expect(isCorrect(open.correctness)).toBe(true);
    if (kind === 'cinder') expect((await waitForCleanDisk(target.dataDir, MARKER, 6_000)).clean).toBe(true);
    else expect((await scanForMarker(target.dataDir, MARKER)).clean).toBe(false);
  });
});

describe('the checks can fail', () => {
  it('counts cycles the server never finished as lost', async () => {
    const target = await server('baseline');
    const list = await pairs('baseline', target.url, 2);
    const loadgen = await traffic(target.url, list);
    const running = loadgen.run({ ...closed(target.pid, 2), durationMs: 3_000, drainMs: 500 }, 30_000);
    await new Promise((resolve) => setTimeout(resolve, 800));
    await target.stop();
    const result = await running;
    expect(result.correctness.lost).toBeGreaterThan(0);
    expect(isCorrect(result.correctness)).toBe(false);
  });
});

describe('reconnect sync', () => {
  it('delivers exactly the unopened messages and the burns to the device that was away', async () => {
    const target = await server('cinder');
    const [alice, bobOnline] = await registerDevices('cinder', target.url, ['sync-alice', 'sync-bob']);
    const bobOffline = await loginDevice('cinder', target.url, 'sync-bob');
    const result = await runSyncJob(
      {
        kind: 'sync',
        url: target.url,
        serverPid: target.pid,
        alice: alice!,
        bobOnline: bobOnline!,
        bobOffline,
        events: 400,
        repeats: 2,
        marker: MARKER,
      },
      60_000,
    );
    expect(result.syncMs).toHaveLength(2);
    expect(isCorrect(result.correctness)).toBe(true);
    expect(result.frames).toBeGreaterThan(2);
    expect((await waitForCleanDisk(target.dataDir, MARKER, 6_000)).clean).toBe(true);
  });
});
