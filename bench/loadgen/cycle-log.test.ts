import { describe, expect, it } from 'vitest';
import { CycleLog } from './cycle-log.ts';

function cycle(intendedAt: number, latency: number) {
  return {
    intendedAt,
    burnedAt: intendedAt + latency,
    sendToStored: latency / 4,
    sendToDelivered: latency / 2,
    openToBurned: latency / 2,
    cycle: latency,
  };
}

describe('CycleLog', () => {
  it('summarises only the cycles intended inside the window, across growth', () => {
    const log = new CycleLog();
    // 100,000 cycles, one per ms; those intended in [1000, 2000) took 10 ms, the rest 1 ms.
    for (let t = 0; t < 100_000; t++) log.record(cycle(t, t >= 1000 && t < 2000 ? 10 : 1));
    const window = log.latencies(1000, 2000);
    expect(window.cycle).toMatchObject({ count: 1000, p50: 10, max: 10 });
    expect(window.sendToStored.p99).toBe(2.5);
    expect(log.latencies(0, 1000).cycle.max).toBe(1);
  });

  it('counts completions by when Alice got burned', () => {
    const log = new CycleLog();
    for (let t = 0; t < 10; t++) log.record(cycle(t * 10, 5));
    // burnedAt = 5, 15, …, 95
    expect(log.completedBetween(10, 50)).toBe(4);
    expect(log.completedBetween(0, 100)).toBe(10);
  });

  it('has NaN percentiles for an empty window', () => {
    expect(new CycleLog().latencies(0, 1).cycle.p99).toBeNaN();
  });
});
