import { describe, expect, it } from 'vitest';
import { TaskQueue } from './task-queue.ts';

/** A task that runs until `release` is called. */
function gate(): { task: () => Promise<void>; started: boolean; release: () => void } {
  let release = () => {};
  const g = {
    started: false,
    release: () => release(),
    task: () =>
      new Promise<void>((resolve) => {
        g.started = true;
        release = resolve;
      }),
  };
  return g;
}

describe('TaskQueue', () => {
  it('runs at most `concurrency` tasks at once, and refuses past `maxQueued` waiting', async () => {
    const errors: unknown[] = [];
    const queue = new TaskQueue({ concurrency: 2, maxQueued: 1 }, (e) => errors.push(e));
    const gates = [gate(), gate(), gate(), gate()];
    expect(gates.map((g) => queue.add(g.task))).toEqual([true, true, true, false]);
    await expect.poll(() => gates.map((g) => g.started)).toEqual([true, true, false, false]);
    expect(queue.waiting).toBe(1);
    gates[0]?.release();
    await expect.poll(() => gates[2]?.started).toBe(true);
    expect(
      queue.add(async () => {
        throw new Error('boom');
      }),
    ).toBe(true);
    gates[1]?.release();
    await expect.poll(() => errors.length).toBe(1);
    gates[2]?.release();
    expect(await queue.close()).toBe(0);
  });

  it('drops waiting tasks at close, waits for running ones, and refuses new ones', async () => {
    const queue = new TaskQueue({ concurrency: 1, maxQueued: 10 }, () => {});
    const running = gate();
    const waiting = gate();
    queue.add(running.task);
    queue.add(waiting.task);
    await expect.poll(() => running.started).toBe(true);
    const closed = queue.close();
    expect(queue.add(async () => {})).toBe(false);
    running.release();
    expect(await closed).toBe(1);
    expect(waiting.started).toBe(false);
  });
});
