/**
 * The end of the event-loop turn in which the storage commits.
 *
 * SQLite commits the writes of a turn in one `setImmediate`, and what a commit causes runs in the
 * microtasks after it: replies, wake-ups, the pulls of the woken devices and the frames they send.
 * Wake-ups (the hub's publish) and socket writes (uncorking) are gathered per turn too; scheduled
 * with a `setImmediate` of their own from inside that check phase, each would wait for the next
 * loop iteration, a whole poll phase later, and an open → `burned` would cross the loop three
 * times. Instead the storage announces its commit (`scheduleTurnEnd`, right after queuing its own
 * immediate), which queues two more immediates behind it in the same check phase: wake-ups, then
 * writes. Node drains microtasks between immediates, so the writes step sees every frame the
 * commit caused. Without a pending turn end (a storage that commits asynchronously, a frame that
 * needs no write) `atTurnEnd` falls back to an immediate of its own.
 */

export type TurnStep = 'wake' | 'write';

interface TurnEnd {
  wake: Array<() => void> | null;
  write: Array<() => void> | null;
}

/**
 * The turn ends of one server: created by `startServer` and handed to the storage that announces
 * its commits, the hub (wake-ups) and the connections (writes), which must share it.
 */
export class TurnScheduler {
  #pending: TurnEnd | null = null;

  /** Queue the end of this turn's commit: call right after queuing the commit's own immediate. */
  scheduleTurnEnd(): void {
    if (this.#pending) return;
    const turn: TurnEnd = { wake: [], write: [] };
    this.#pending = turn;
    setImmediate(() => runStep(turn, 'wake'));
    setImmediate(() => {
      if (this.#pending === turn) this.#pending = null;
      runStep(turn, 'write');
    });
  }

  /** Run `fn` at the end of this turn's commit (that step), or in an immediate of its own. */
  atTurnEnd(step: TurnStep, fn: () => void): void {
    const list = this.#pending?.[step];
    if (list) list.push(fn);
    else setImmediate(fn);
  }
}

function runStep(turn: TurnEnd, step: TurnStep): void {
  const list = turn[step] ?? [];
  turn[step] = null;
  for (const fn of list) fn();
}
