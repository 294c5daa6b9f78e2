import { describe, expect, it } from 'vitest';
import { type ClientCryptoResult, emptyCorrectness, type TrafficResult } from './jobs.ts';
import type { LatencySummary } from './latency.ts';
import type { MachineInfo } from './machine.ts';
import { type BenchResults, cinderProblems, clientNotes, evaluateGoals, toMarkdown } from './report.ts';

const lat = (p99: number): LatencySummary => ({ count: 100, p50: p99 / 2, p99, p999: p99 * 2, max: p99 * 3 });

function traffic(rate: number, overrides: Partial<TrafficResult> = {}): TrafficResult {
  const correctness = { ...emptyCorrectness(), started: 100, completed: 100 };
  return {
    kind: 'closed',
    pairs: 100,
    window: 4,
    overloaded: false,
    cyclesInWindow: rate,
    windowMs: 1000,
    rate,
    serverCpuMs: 900,
    serverCpuUsPerCycle: 900_000 / rate,
    serverCpuPercent: 90,
    serverWriteSyscallsPerCycle: 3,
    serverDiskBytesPerCycle: 1000,
    loadgenCpuPercent: 50,
    loadgenCpuUsPerCycle: 40,
    latency: { sendToStored: lat(1), sendToDelivered: lat(2), openToBurned: lat(3), cycle: lat(4) },
    correctness,
    extensions: '',
    windowMonotonicUs: [0, 1],
    ...overrides,
  };
}

function client(overrides: Partial<ClientCryptoResult> = {}): ClientCryptoResult {
  return {
    mode: 'ahead',
    directory: 'cached',
    recipientDevices: 1,
    sealed: 100,
    sealCpuUsPerMessage: 1_200,
    opened: 100,
    openCpuUsPerMessage: 900,
    sealedDuringRun: 0,
    directoryReads: 100,
    ...overrides,
  };
}

const machine: MachineInfo = {
  cpu: 'test cpu',
  cores: 2,
  memoryGiB: 4,
  kernel: '6',
  node: 'v20',
  sqlite: '3',
  packages: {},
  commit: 'abc',
  openFilesLimit: 20_000,
  date: '2025-01-01T00:00:00.000Z',
};

function results(cinderRate: number, baselineRate: number): BenchResults {
  return {
    machine,
    settings: {
      mode: 'quick',
      scenarios: ['sat100'],
      targets: ['cinder', 'baseline'],
      smallPairs: 100,
      largePairs: 1000,
      window: 4,
      rounds: 1,
      warmupMs: 500,
      durationMs: 1000,
      rates: [],
      idleDevices: 0,
      syncEvents: 0,
      syncRepeats: 0,
      startupRuns: 0,
      validateEvery: 8,
      receipts: false,
      ackEveryMs: 200,
      inlineCrypto: false,
      keysEverySend: false,
      directoryVariant: true,
      presealRate: 5_000,
      attachmentBytes: 256 * 1024,
      filePresealRate: 100,
      fileWindow: 1,
      profile: false,
      profileRate: undefined,
      clusterPairs: 50,
      clusterRate: 500,
      clusterTargets: [],
      keep: false,
    },
    saturation: [{ pairs: 100, result: { cinder: traffic(cinderRate), baseline: traffic(baselineRate) } }],
    latency: [],
    disk: {},
    goals: [],
    correct: true,
    problems: [],
    notes: [],
    durationMs: 0,
  };
}

describe('report', () => {
  it('shows each target and the Cinder/baseline ratio', () => {
    const md = toMarkdown(results(15_000, 30_000));
    expect(md).toContain('| scenario | metric | Cinder | baseline | Cinder/baseline |');
    expect(md).toContain('| saturation, 100 pairs | burn cycles/s | 15,000 | 30,000 | 0.50 |');
  });

  it('lists the rounds of an interleaved saturation run, and the ratio of the slowest', () => {
    const r = results(6_000, 12_000);
    const sat = r.saturation[0]?.result;
    if (sat?.cinder && sat.baseline) {
      sat.cinder.rounds = [7_000, 5_000, 6_000].map((rate) => ({ rate, serverCpuUsPerCycle: 1 }));
      sat.baseline.rounds = [12_000, 10_000, 14_000].map((rate) => ({ rate, serverCpuUsPerCycle: 1 }));
    }
    expect(toMarkdown(r)).toContain(
      '|  | cycles/s of each round, in order (median above) | 7,000 · 5,000 · 6,000 | 12,000 · 10,000 · 14,000 | slowest 0.50 |',
    );
    expect(toMarkdown(results(6_000, 12_000))).not.toContain('each round');
  });

  it("shows the load generator's µs per cycle and Cinder's client crypto per message", () => {
    const r = results(4_000, 12_000);
    const c = r.saturation[0]?.result.cinder;
    if (c) c.client = client();
    const md = toMarkdown(r);
    expect(md).toContain('end-to-end encrypted by the load generator');
    expect(md).toContain('|  | load generator CPU µs/cycle | 40 | 40 | 1.00 |');
    expect(md).toContain('|  | client seal CPU per message | 1,200 µs (1 device) | plain text | – |');
    expect(md).toContain('|  | client open + decrypt CPU per message | 900 µs | plain text | – |');
  });

  it('shows the Cinder round that read the key directory the other way beside the baseline', () => {
    const r = results(4_000, 12_000);
    const sat = r.saturation[0];
    if (sat) sat.directoryVariant = traffic(3_000, { client: client({ directory: 'every-send' }) });
    const md = toMarkdown(r);
    expect(md).toContain('also runs Cinder reading the directory before every send');
    expect(md).toContain('|  | key directory read before every send: burn cycles/s | 3,000 | – | 0.25 |');
    expect(md).toContain('|  | key directory read before every send: server CPU µs/cycle | 300 | – | 4.00 |');
  });

  it('says what crypto inside the cycles would cost the load generator, and when it set the pace', () => {
    const r = results(4_000, 12_000);
    const sat = r.saturation[0]?.result;
    if (sat?.cinder && sat.baseline) {
      sat.cinder.client = client();
      sat.baseline.loadgenCpuPercent = 97;
    }
    const notes = clientNotes(r);
    // 2,100 µs of crypto per cycle against the server's 225: 9.3×; 2,140 µs with the wire's 40.
    expect(notes).toContainEqual(expect.stringContaining('9.3× the server'));
    expect(notes).toContainEqual(expect.stringContaining('at most about 467 cycles/s'));
    expect(notes).toContainEqual(
      expect.stringMatching(/^saturation 100 pairs, baseline: the load generator used 97%/),
    );
    expect(notes.some((n) => n.includes('sealed during the run'))).toBe(false);
    if (sat?.cinder) sat.cinder.client = client({ sealedDuringRun: 12 });
    expect(clientNotes(r)).toContainEqual(expect.stringContaining('12 messages were sealed during the run'));
    // Inline, the crypto is inside the load generator's µs/cycle: no separate figure, no estimate.
    if (sat?.cinder) {
      sat.cinder.client = client({ mode: 'inline', sealCpuUsPerMessage: Number.NaN });
      sat.cinder.loadgenCpuUsPerCycle = 2_700;
      sat.cinder.loadgenCpuPercent = 78;
      sat.cinder.serverCpuPercent = 16;
    }
    const inline = clientNotes(r);
    expect(inline.some((n) => n.includes('at most about'))).toBe(false);
    expect(inline).toContainEqual(
      expect.stringContaining(
        '2,700 µs of CPU per cycle (sealing, decrypting and the wire), 12.0× the server',
      ),
    );
    expect(inline).toContainEqual(expect.stringContaining('the load generator (its WebCrypto work'));
  });

  it('passes the throughput goal only at 30,000/s and half the baseline', () => {
    expect(evaluateGoals(results(31_000, 60_000))[0]?.pass).toBe(true);
    expect(evaluateGoals(results(31_000, 70_000))[0]?.pass).toBe(false);
    expect(evaluateGoals(results(29_000, 40_000))[0]?.pass).toBe(false);
  });

  it('reports lost cycles and a dirty disk as problems', () => {
    const r = results(1, 1);
    const c = r.saturation[0]?.result.cinder;
    if (c) c.correctness = { ...c.correctness, completed: 90, lost: 10 };
    r.disk.cinder = {
      clean: false,
      hits: [{ file: 'cinder.db-wal', count: 3 }],
      bytesScanned: 1,
      cleanAfterMs: null,
    };
    const problems = cinderProblems(r);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toContain('lost 10');
    expect(toMarkdown(r)).toContain('❌ 3 copies in cinder.db-wal');
  });

  it('shows start-up medians of each build and compiled/tsx as ratios, without an empty target table', () => {
    const timing = (...runsMs: number[]) => ({
      medianMs: runsMs[Math.floor((runsMs.length - 1) / 2)] ?? 0,
      runsMs,
    });
    const r: BenchResults = { ...results(1, 1), saturation: [] };
    r.startup = {
      runs: 3,
      server: {
        compiled: timing(400, 500, 600),
        tsx: timing(2000, 2000, 2100),
        tsxNoCache: timing(4000, 5000, 6000),
      },
      help: {
        compiled: timing(200, 250, 300),
        tsx: timing(1000, 1000, 1000),
        tsxNoCache: timing(2000, 2000, 2000),
      },
      commands: {
        compiled: { server: [], help: [] },
        tsx: { server: [], help: [] },
        tsxNoCache: { server: [], help: [] },
      },
    };
    const md = toMarkdown(r);
    expect(md).not.toContain('| scenario | metric |');
    expect(md).toContain(
      '| server start → first /healthz 200 (SQLite, fresh data dir), median ms | 500 | 2,000 | 5,000 | 0.25 | 0.10 |',
    );
    expect(md).toContain('| `cinder --help` start → exit, median ms | 250 | 1,000 | 2,000 | 0.25 | 0.13 |');
    expect(md).toContain(
      '| `cinder --help` start → exit, each run | 200 · 250 · 300 | 1000 · 1000 · 1000 | 2000 · 2000 · 2000 |  |  |',
    );
  });
});
