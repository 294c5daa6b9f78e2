import { describe, expect, it } from 'vitest';
import { cpuDeltaMs, isPostgresBackendOf, statCpuTicks } from './proc-stats.ts';

describe('/proc parsing', () => {
  it('reads user + system ticks of a stat line, whatever the command name holds', () => {
    // Fields 14 and 15 (utime 91, stime 225) counted after the command name's closing paren.
    const stat =
      '2214 (postgres) S 2213 2214 2214 0 -1 4194368 1508 0 0 0 91 225 0 0 20 0 1 0 5000 223997952 16439';
    expect(statCpuTicks(stat)).toBe(316);
    const odd = '77 (a) b (c) R 1 77 77 0 -1 0 0 0 0 0 7 3 0 0 20 0 1 0 5 1 1';
    expect(statCpuTicks(odd)).toBe(10);
  });

  it("tells a database's backends from other databases' and from PostgreSQL's own processes", () => {
    const pad = '\0'.repeat(40);
    const backend = `postgres: 15/main: postgres cinder_bench_42 127.0.0.1(38836) idle${pad}`;
    expect(isPostgresBackendOf(backend, 'cinder_bench_42')).toBe(true);
    // Without a cluster name in the title.
    expect(isPostgresBackendOf('postgres: postgres cinder_bench_42 [local] SELECT', 'cinder_bench_42')).toBe(
      true,
    );
    expect(
      isPostgresBackendOf(`postgres: 15/main: postgres test 127.0.0.1(1) idle${pad}`, 'cinder_bench_42'),
    ).toBe(false);
    expect(isPostgresBackendOf(backend, 'cinder_bench_4')).toBe(false);
    expect(isPostgresBackendOf(`postgres: 15/main: walwriter ${pad}`, 'cinder_bench_42')).toBe(false);
    expect(isPostgresBackendOf('node\0bench/cinder_bench_42\0', 'cinder_bench_42')).toBe(false);
  });

  it('sums CPU between two readings: a new process counts whole, a gone one is lost', () => {
    const before = new Map([
      [1, 100],
      [2, 50],
      [3, 10],
    ]);
    const after = new Map([
      [1, 130],
      [2, 50],
      [4, 7],
    ]);
    expect(cpuDeltaMs(before, after)).toBe(37);
    expect(cpuDeltaMs(new Map(), new Map())).toBe(0);
  });
});
