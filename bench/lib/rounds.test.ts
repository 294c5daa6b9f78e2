import { describe, expect, it } from 'vitest';
import { emptyCorrectness, type TrafficResult } from './jobs.ts';
import { combineRounds } from './rounds.ts';

function round(rate: number, correctness: Partial<TrafficResult['correctness']> = {}): TrafficResult {
  const lat = { count: 1, p50: rate, p99: rate, p999: rate, max: rate };
  return {
    kind: 'closed',
    pairs: 100,
    overloaded: false,
    cyclesInWindow: rate,
    windowMs: 1000,
    rate,
    serverCpuMs: 1,
    serverCpuUsPerCycle: 1_000_000 / rate,
    serverCpuPercent: 90,
    serverWriteSyscallsPerCycle: 1,
    serverDiskBytesPerCycle: 1,
    loadgenCpuPercent: 1,
    loadgenCpuUsPerCycle: 1,
    latency: { sendToStored: lat, sendToDelivered: lat, openToBurned: lat, cycle: lat },
    correctness: { ...emptyCorrectness(), started: rate, completed: rate, ...correctness },
    extensions: '',
    windowMonotonicUs: [0, 1],
  };
}

describe('combineRounds', () => {
  it('takes the median round by rate, lists every round, and adds up correctness', () => {
    const combined = combineRounds([
      round(7_000),
      round(5_000, { lost: 2, errors: { INTERNAL: 1 } }),
      round(6_000, { errors: { INTERNAL: 2 } }),
    ]);
    expect(combined.rate).toBe(6_000);
    expect(combined.latency.cycle.p99).toBe(6_000);
    expect(combined.rounds.map((r) => r.rate)).toEqual([7_000, 5_000, 6_000]);
    expect(combined.correctness).toMatchObject({
      started: 18_000,
      completed: 18_000,
      lost: 2,
      errors: { INTERNAL: 3 },
    });
  });

  it('with two rounds takes the slower one, and with one round is that round', () => {
    expect(combineRounds([round(7_000), round(6_000)]).rate).toBe(6_000);
    expect(combineRounds([round(7_000)]).rate).toBe(7_000);
    expect(() => combineRounds([])).toThrow();
  });
});
