import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { benchUsername, loginDevice, registerDevices } from '../lib/accounts.ts';
import { scanForMarker, waitForCleanDisk } from '../lib/disk-scan.ts';
import { type ClientCryptoOptions, type ClosedLoopJob, isCorrect, type Pair } from '../lib/jobs.ts';
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

/**
 * Crypto sealed ahead for 3,000 cycles/s, which `MAX_CYCLES` caps: the stock holds every message
 * the run may send, so none is sealed during it.
 */
const AHEAD: ClientCryptoOptions = { inlineCrypto: false, keysEverySend: false, presealRate: 3_000 };
const MAX_CYCLES = 600;

const closed = (serverPid: number, count: number, crypto: ClientCryptoOptions = AHEAD): ClosedLoopJob => ({
  kind: 'closed',
  serverPid,
  pairs: count,
  marker: MARKER,
  warmupMs: 100,
  durationMs: 500,
  maxCycles: MAX_CYCLES,
  drainMs: 5_000,
  validateEvery: 1,
  receipts: true,
  ackEveryMs: 50,
  crypto,
  window: 2,
});

describe.each(['cinder', 'baseline', 'naive'] as const)('burn cycles against %s', (kind) => {
  it('completes every cycle with the sealed delivery, the content round trip and the burn', async () => {
    const target = await server(kind);
    const list = await pairs(kind, target.url, 3);
    const loadgen = await traffic(target.url, list);
    const result = await loadgen.run(closed(target.pid, 3), 30_000);
    const { started, completed } = result.correctness;
    expect(started).toBeGreaterThan(0);
    expect(isCorrect(result.correctness)).toBe(true);
    // Every inbound frame was validated: at least the two replies of each cycle (events may share frames).
    expect(result.correctness.framesValidated).toBeGreaterThanOrEqual(2 * started);
    expect(result.latency.cycle.count).toBeGreaterThan(0);
    expect(result.loadgenCpuUsPerCycle).toBeGreaterThan(0);
    expect(result.extensions).toBe('');
    if (kind === 'cinder') {
      // Sealed ahead, each pair's directory read once, every released envelope decrypted and checked.
      expect(result.client).toMatchObject({
        mode: 'ahead',
        directory: 'cached',
        recipientDevices: 1,
        opened: completed,
        sealedDuringRun: 0,
        directoryReads: 3,
      });
      expect(result.client?.sealed).toBeGreaterThanOrEqual(started);
      expect(result.client?.sealCpuUsPerMessage).toBeGreaterThan(0);
      expect(result.client?.openCpuUsPerMessage).toBeGreaterThan(0);
    } else {
      expect(result.client).toBeUndefined();
    }
    // The same sockets carry a second run (an open loop) without cross-talk.
    const open = await loadgen.run(
      { ...closed(target.pid, 3), kind: 'open', rate: 500, maxInFlight: 1_000, maxCycles: 300 },
      30_000,
    );
    expect(open.correctness.completed).toBeGreaterThan(0);
    expect(isCorrect(open.correctness)).toBe(true);
    if (kind === 'cinder') {
      // The directories were read for the first run and kept.
      expect(open.client).toMatchObject({ opened: open.correctness.completed, directoryReads: 0 });
      expect((await waitForCleanDisk(target.dataDir, MARKER, 6_000)).clean).toBe(true);
    } else {
      expect((await scanForMarker(target.dataDir, MARKER)).clean).toBe(false);
    }
  });
});

describe('encrypted burn cycles on Cinder', () => {
  it('seal and decrypt inside each cycle, reading the directory before every send, as the SDK does', async () => {
    const target = await server('cinder');
    const loadgen = await traffic(target.url, await pairs('cinder', target.url, 2));
    const crypto = { inlineCrypto: true, keysEverySend: true, presealRate: 1 };
    const result = await loadgen.run(closed(target.pid, 2, crypto), 30_000);
    const { started, completed } = result.correctness;
    expect(started).toBeGreaterThan(0);
    expect(isCorrect(result.correctness)).toBe(true);
    expect(result.client).toMatchObject({
      mode: 'inline',
      directory: 'every-send',
      sealed: started,
      sealedDuringRun: started,
      opened: completed,
    });
    // One read per pair before the run, then one per send.
    expect(result.client?.directoryReads).toBe(2 + started);
    expect(result.client?.sealCpuUsPerMessage).toBeNaN();
    expect((await waitForCleanDisk(target.dataDir, MARKER, 6_000)).clean).toBe(true);
  });

  it('seals what the stock sealed ahead lacks during the run, and says so', async () => {
    const target = await server('cinder');
    const loadgen = await traffic(target.url, await pairs('cinder', target.url, 1));
    // A stock for 1.25 cycles/s over 0.6 s and the pair's 2 in flight: 3 messages; the rest are
    // sealed during the run.
    const result = await loadgen.run(closed(target.pid, 1, { ...AHEAD, presealRate: 1 }), 30_000);
    expect(isCorrect(result.correctness)).toBe(true);
    expect(result.client?.sealedDuringRun).toBeGreaterThan(0);
    expect(result.client?.sealed).toBe(3 + (result.client?.sealedDuringRun ?? 0));
    expect(result.client?.opened).toBe(result.correctness.completed);
  });
});

describe('the checks can fail', () => {
  it.each([
    ['after the run', AHEAD],
    ['inside each cycle', { ...AHEAD, inlineCrypto: true }],
  ])('counts envelopes that do not decrypt for the opening device (%s)', async (_, crypto) => {
    const target = await server('cinder');
    const [pair] = await pairs('cinder', target.url, 1);
    const [other] = await registerDevices('cinder', target.url, ['other-device-0']);
    if (pair?.bob.e2e === undefined || other?.e2e === undefined) throw new Error('devices without keys');
    // Bob's device holds another device's private key: the server still releases each envelope
    // to Bob, and none of them opens.
    const wrongKey: Pair = {
      ...pair,
      bob: { ...pair.bob, e2e: { ...pair.bob.e2e, pkcs8: other.e2e.pkcs8 } },
    };
    const loadgen = await traffic(target.url, [wrongKey]);
    const result = await loadgen.run(closed(target.pid, 1, crypto), 30_000);
    expect(result.correctness.completed).toBeGreaterThan(0);
    expect(result.correctness.errors.DECRYPT_FAILED).toBe(result.correctness.completed);
    expect(isCorrect(result.correctness)).toBe(false);
  });

  it('counts cycles the server never finished as lost', async () => {
    const target = await server('baseline');
    const list = await pairs('baseline', target.url, 2);
    const loadgen = await traffic(target.url, list);
    const running = loadgen.run(
      { ...closed(target.pid, 2), durationMs: 3_000, drainMs: 500, maxCycles: 1_000_000 },
      30_000,
    );
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
