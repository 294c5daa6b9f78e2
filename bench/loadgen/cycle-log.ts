import { type LatencySummary, summarize } from '../lib/latency.ts';

/** The latencies of one completed burn cycle, ms. */
export interface CycleTimes {
  /** When the cycle should have started (its open-loop slot), performance.now() ms. */
  intendedAt: number;
  /** When Alice's device got `burned`, performance.now() ms. */
  burnedAt: number;
  sendToStored: number;
  sendToDelivered: number;
  openToBurned: number;
  cycle: number;
}

/** Latency summaries of the cycles in a window. */
export interface CycleLatencies {
  sendToStored: LatencySummary;
  sendToDelivered: LatencySummary;
  openToBurned: LatencySummary;
  cycle: LatencySummary;
}

const FIELDS = [
  'intendedAt',
  'burnedAt',
  'sendToStored',
  'sendToDelivered',
  'openToBurned',
  'cycle',
] as const;

/**
 * Every completed cycle's times, in columns. The window is chosen after the run (an overloaded
 * open loop ends before its planned window starts), so nothing is filtered while recording.
 */
export class CycleLog {
  private columns = FIELDS.map(() => new Float64Array(65_536));
  private size = 0;

  /** Add one completed cycle. */
  record(times: CycleTimes): void {
    if (this.size === this.columns[0]?.length) {
      this.columns = this.columns.map((column) => {
        const bigger = new Float64Array(column.length * 2);
        bigger.set(column);
        return bigger;
      });
    }
    FIELDS.forEach((field, i) => {
      (this.columns[i] as Float64Array)[this.size] = times[field];
    });
    this.size++;
  }

  /** Cycles that completed (Alice got `burned`) in [from, to). */
  completedBetween(from: number, to: number): number {
    const burnedAt = this.column('burnedAt');
    let n = 0;
    for (let i = 0; i < this.size; i++)
      if ((burnedAt[i] as number) >= from && (burnedAt[i] as number) < to) n++;
    return n;
  }

  /** Latencies of the cycles intended to start in [from, to): coordinated omission stays corrected. */
  latencies(from: number, to: number): CycleLatencies {
    const intendedAt = this.column('intendedAt');
    const picked: number[] = [];
    for (let i = 0; i < this.size; i++) {
      if ((intendedAt[i] as number) >= from && (intendedAt[i] as number) < to) picked.push(i);
    }
    const of = (field: (typeof FIELDS)[number]): LatencySummary => {
      const column = this.column(field);
      return summarize(picked.map((i) => column[i] as number));
    };
    return {
      sendToStored: of('sendToStored'),
      sendToDelivered: of('sendToDelivered'),
      openToBurned: of('openToBurned'),
      cycle: of('cycle'),
    };
  }

  private column(field: (typeof FIELDS)[number]): Float64Array {
    return this.columns[FIELDS.indexOf(field)] as Float64Array;
  }
}
