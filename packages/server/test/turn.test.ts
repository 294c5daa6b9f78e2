import { describe, expect, it } from 'vitest';
import { waitFor } from '../../../test/kit/index.ts';
import { TurnScheduler } from '../src/turn.ts';

// The wake-ups and socket writes a commit causes run in the commit's own check phase, after the
// microtasks it started, not an event-loop iteration later (see src/turn.ts).

describe('turn end', () => {
  it('runs wake-ups, then writes, in the check phase of the commit, after its microtasks', async () => {
    const turn = new TurnScheduler();
    const order: string[] = [];
    setImmediate(() => {
      order.push('commit');
      // Replies follow the commit a few microtasks later; the next iteration's immediate is
      // queued from here, in the same check phase.
      void Promise.resolve()
        .then(() => undefined)
        .then(() => {
          turn.atTurnEnd('wake', () => {
            order.push('wake');
            // A woken device pulls and sends in microtasks after the wake-up step.
            queueMicrotask(() => turn.atTurnEnd('write', () => order.push('write')));
          });
          setImmediate(() => order.push('next iteration'));
        });
    });
    turn.scheduleTurnEnd();
    await waitFor(() => order.length === 4, { what: 'four steps' });
    expect(order).toEqual(['commit', 'wake', 'write', 'next iteration']);
  });

  it('without a commit in the turn, or once its writes ran, falls back to an immediate of its own', async () => {
    const turn = new TurnScheduler();
    const order: string[] = [];
    turn.atTurnEnd('write', () => order.push('alone'));
    expect(order).toEqual([]);
    await waitFor(() => order.length === 1, { what: 'the write' });
    expect(order).toEqual(['alone']);

    setImmediate(() => order.push('commit'));
    turn.scheduleTurnEnd();
    turn.scheduleTurnEnd(); // one turn end per turn
    turn.atTurnEnd('write', () => {
      order.push('write');
      turn.atTurnEnd('write', () => order.push('late write'));
    });
    await waitFor(() => order.length === 4, { what: 'the late write' });
    expect(order).toEqual(['alone', 'commit', 'write', 'late write']);
  });
});
