import type { Correctness, TrafficResult } from './jobs.ts';

/**
 * Saturation runs in rounds: Cinder, baseline, Cinder, baseline… each round a slice of the
 * measured window. The machine is shared and its load drifts over minutes; with one long run per
 * target, a busy minute lands on one of them and skews the ratio. Interleaved, both see the same
 * weather, and the median round of each is the figure.
 */
export type RoundSummary = NonNullable<TrafficResult['rounds']>[number];

/**
 * The round with the median rate stands for the run (its latencies, CPU, syscalls), with every
 * round's rate and CPU listed in `rounds` and the correctness of all rounds added up: a cycle lost
 * in any round is a failure of the run.
 */
export function combineRounds(rounds: readonly TrafficResult[]): TrafficResult & { rounds: RoundSummary[] } {
  if (rounds.length === 0) throw new Error('no rounds to combine');
  const byRate = [...rounds].sort((a, b) => a.rate - b.rate);
  const median = byRate[Math.floor((byRate.length - 1) / 2)] as TrafficResult;
  return {
    ...median,
    correctness: rounds.map((r) => r.correctness).reduce(addCorrectness),
    rounds: rounds.map((r) => ({ rate: r.rate, serverCpuUsPerCycle: r.serverCpuUsPerCycle })),
  };
}

function addCorrectness(a: Correctness, b: Correctness): Correctness {
  const errors: Record<string, number> = { ...a.errors };
  for (const [code, n] of Object.entries(b.errors)) errors[code] = (errors[code] ?? 0) + n;
  return {
    started: a.started + b.started,
    completed: a.completed + b.completed,
    lost: a.lost + b.lost,
    errors,
    sealedViolations: a.sealedViolations + b.sealedViolations,
    contentMismatches: a.contentMismatches + b.contentMismatches,
    duplicates: a.duplicates + b.duplicates,
    unexpected: a.unexpected + b.unexpected,
    invalidFrames: a.invalidFrames + b.invalidFrames,
    framesValidated: a.framesValidated + b.framesValidated,
  };
}
