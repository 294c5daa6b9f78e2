import { describe, expect, it } from 'vitest';
import { type CpuProfile, summarize } from './summarize.ts';

const frame = (functionName: string, url: string) => ({ functionName, url, lineNumber: 0 });

/** root → handler (server file) → run (native SQLite); root → (idle). One sample per ms. */
function profile(): CpuProfile {
  return {
    nodes: [
      { id: 1, callFrame: frame('(root)', ''), children: [2, 4] },
      { id: 2, callFrame: frame('handle', 'file:///w/packages/server/src/ws/connection.ts'), children: [3] },
      { id: 3, callFrame: frame('run', '') },
      { id: 4, callFrame: frame('(idle)', '') },
    ],
    startTime: 1_000_000,
    endTime: 1_010_000,
    // Samples at t = 1_000_000 + 1000·k: handle, run, run, idle, run, handle, idle, idle, run, run.
    samples: [2, 3, 3, 4, 3, 2, 4, 4, 3, 3],
    timeDeltas: [0, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000],
  };
}

describe('summarize', () => {
  it('splits busy time by category, file (inclusive) and function (self)', () => {
    const s = summarize(profile());
    // The last sample has no following delta, so 9 ms are attributed: 3 idle, 6 busy.
    expect(s.totalMs).toBe(9);
    expect(s.categories[0]).toMatchObject({ name: 'busy (not idle)', ms: 6 });
    expect(s.categories.find((c) => c.name === 'SQLite (native)')?.ms).toBe(4);
    expect(s.categories.find((c) => c.name === 'server: ws/connection.ts')?.ms).toBe(2);
    // Every busy sample has connection.ts on its stack.
    expect(s.files.find((f) => f.name === 'packages/server/src/ws/connection.ts')).toMatchObject({
      ms: 6,
      percent: 100,
    });
  });

  it('counts only samples inside the window', () => {
    const s = summarize(profile(), { fromUs: 1_004_000, toUs: 1_006_000 });
    // Samples at 1_004_000 (run), 1_005_000 (handle), 1_006_000 (idle).
    expect(s.categories[0]?.ms).toBe(2);
    expect(s.categories.find((c) => c.name === 'SQLite (native)')?.ms).toBe(1);
  });
});
