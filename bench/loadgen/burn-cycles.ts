import { randomBytes } from 'node:crypto';
import type { Event, OpenResult, SendResult } from '@cinder/protocol';
import type { Correctness } from '../lib/jobs.ts';
import { CycleLog } from './cycle-log.ts';
import type { Answer, WireDevice } from './wire-device.ts';

/** Alice's and Bob's connected devices, and how many cycles they have in flight. */
export interface PairDevices {
  alice: WireDevice;
  bob: WireDevice;
  inFlight: number;
}

/** One burn cycle: what was sent, and when each step happened (performance.now() ms). */
interface Cycle {
  n: number;
  pair: PairDevices;
  text: string;
  /** When the cycle should have started: the schedule in an open loop (coordinated omission). */
  intendedAt: number;
  id?: string;
  storedAt?: number;
  deliveredAt?: number;
  openAt?: number;
  openedAt?: number;
  openText?: string;
  openBurned?: boolean;
  burnedAt?: number;
  failed?: boolean;
}

/** Steps seen for a message id before Alice's `send` reply named it (Bob's socket can be read first). */
type Early = Omit<Cycle, 'n' | 'pair' | 'text' | 'intendedAt'>;

/** Burn policy of every benchmark message: long enough that the sweeper never races an open. */
const BURN = { ttlSeconds: 3600, viewSeconds: 0 } as const;

/** Most ids one `delivered` frame may carry (protocol limit). */
const MAX_DELIVERED_IDS = 500;

/** Pad message texts to a typical chat message length. */
const TEXT_LENGTH = 64;

/**
 * Runs burn cycles over connected pairs and checks each one end to end:
 * Alice `send` → reply (stored) → Bob gets the sealed `message` event (delivered) → Bob `open`
 * → reply with Alice's text and `burned: true` → Alice gets the `burned` event.
 * Every completed cycle's times go to `log`; the caller summarises the window it measured.
 */
export class BurnCycles {
  readonly tally: Correctness;
  /** Times of every completed cycle; the traffic runner picks the window afterwards. */
  readonly log = new CycleLog();
  /** Called when a cycle finishes (completed or failed), e.g. to start the next one. */
  onFinish: (pair: PairDevices) => void = () => {};
  inFlight = 0;

  private next = 0;
  /** Per-process tag so that keys and texts never repeat across load generator runs. */
  private readonly tag = randomBytes(4).toString('hex');
  private readonly byId = new Map<string, Cycle | Early>();
  private readonly finished = new Set<string>();
  private readonly drained: Array<() => void> = [];

  /**
   * @param marker run-unique token put in every text.
   * @param tally where the checks count.
   * @param options `receipts`: Bob sends `delivered` for each frame's messages before opening them,
   *   as the SDK does (it flushes pending receipts before an open); `ackEveryMs`: devices
   *   acknowledge their cursor this often at most (0: never).
   */
  constructor(
    private readonly marker: string,
    tally: Correctness,
    private readonly options: { receipts: boolean; ackEveryMs: number },
  ) {
    this.tally = tally;
  }

  /** Attach the event handlers of a pair's devices. */
  attach(pair: PairDevices): void {
    pair.bob.onEvents = (events) => this.onBobEvents(pair, events);
    pair.alice.onEvents = (events) => this.onAliceEvents(events);
    const stray = (frame: { code: string }): void => this.countError(frame.code);
    pair.alice.onStrayError = stray;
    pair.bob.onStrayError = stray;
    pair.alice.ackEvery(this.options.ackEveryMs, stray);
    pair.bob.ackEvery(this.options.ackEveryMs, stray);
  }

  /** Start one cycle on `pair`; `intendedAt` is when it should have started. */
  start(pair: PairDevices, intendedAt: number): void {
    const n = this.next++;
    const head = `${this.marker}:${this.tag}:${n}:`;
    const cycle: Cycle = { n, pair, text: head.padEnd(TEXT_LENGTH, '.'), intendedAt };
    this.tally.started++;
    this.inFlight++;
    pair.inFlight++;
    pair.alice.request(
      { type: 'send', key: `${this.tag}-${n}`, to: pair.bob.username, text: cycle.text, burn: BURN },
      (answer) => this.onSendAnswer(cycle, answer),
    );
  }

  /** Resolve when no cycle is in flight, or after `timeoutMs`; the rest count as lost. */
  async drain(timeoutMs: number): Promise<void> {
    if (this.inFlight > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        this.drained.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    this.tally.lost = this.tally.started - this.tally.completed;
  }

  private onSendAnswer(cycle: Cycle, answer: Answer): void {
    if (answer.type === 'error') {
      this.countError(answer.code);
      this.fail(cycle);
      return;
    }
    const result = answer.result as SendResult;
    cycle.id = result.id;
    cycle.storedAt = performance.now();
    const early = this.byId.get(result.id);
    if (early !== undefined) Object.assign(cycle, early, { storedAt: cycle.storedAt });
    this.byId.set(result.id, cycle);
    this.settle(cycle);
  }

  private onBobEvents(pair: PairDevices, events: Event[]): void {
    const now = performance.now();
    if (this.options.receipts) {
      const ids = events.flatMap((event) => (event.kind === 'message' ? [event.message.id] : []));
      for (let i = 0; i < ids.length; i += MAX_DELIVERED_IDS) {
        pair.bob.request({ type: 'delivered', ids: ids.slice(i, i + MAX_DELIVERED_IDS) }, (answer) => {
          if (answer.type === 'error') this.countError(answer.code);
        });
      }
    }
    for (const event of events) {
      if (event.kind !== 'message') continue; // Bob's own `burned` events are not part of the cycle.
      const message = event.message;
      if (message.text !== undefined || message.ext !== undefined) this.tally.sealedViolations++;
      const entry = this.entry(message.id);
      if (entry === undefined) continue;
      if (entry.deliveredAt !== undefined) {
        this.tally.duplicates++;
        continue;
      }
      entry.deliveredAt = now;
      entry.openAt = now;
      pair.bob.request({ type: 'open', id: message.id }, (answer) => this.onOpenAnswer(message.id, answer));
    }
  }

  private onOpenAnswer(id: string, answer: Answer): void {
    const entry = this.entry(id);
    if (entry === undefined) return;
    if (answer.type === 'error') {
      this.countError(answer.code);
      if ('n' in entry) this.fail(entry);
      else entry.failed = true;
      return;
    }
    const result = answer.result as OpenResult;
    entry.openedAt = performance.now();
    entry.openText = result.text;
    entry.openBurned = result.burned;
    if ('n' in entry) this.settle(entry);
  }

  private onAliceEvents(events: Event[]): void {
    const now = performance.now();
    for (const event of events) {
      if (event.kind !== 'burned') continue;
      const entry = this.entry(event.messageId);
      if (entry === undefined) continue;
      if (entry.burnedAt !== undefined) {
        this.tally.duplicates++;
        continue;
      }
      if (event.reason !== 'opened') this.tally.contentMismatches++;
      entry.burnedAt = now;
      if ('n' in entry) this.settle(entry);
    }
  }

  /** The record of a message id, creating an early one; undefined (and counted) once finished. */
  private entry(id: string): Cycle | Early | undefined {
    if (this.finished.has(id)) {
      this.tally.unexpected++;
      return undefined;
    }
    let entry = this.byId.get(id);
    if (entry === undefined) {
      entry = {};
      this.byId.set(id, entry);
    }
    return entry;
  }

  /** Complete the cycle once all three answers are in, checking the content round trip. */
  private settle(cycle: Cycle): void {
    if (cycle.failed) {
      this.fail(cycle);
      return;
    }
    if (cycle.storedAt === undefined || cycle.openedAt === undefined || cycle.burnedAt === undefined) return;
    if (cycle.openText !== cycle.text || cycle.openBurned !== true) this.tally.contentMismatches++;
    this.log.record({
      intendedAt: cycle.intendedAt,
      burnedAt: cycle.burnedAt,
      sendToStored: cycle.storedAt - cycle.intendedAt,
      sendToDelivered: (cycle.deliveredAt ?? cycle.openedAt) - cycle.intendedAt,
      openToBurned: cycle.burnedAt - (cycle.openAt ?? cycle.openedAt),
      cycle: cycle.burnedAt - cycle.intendedAt,
    });
    this.tally.completed++;
    this.finish(cycle);
  }

  private fail(cycle: Cycle): void {
    this.finish(cycle);
  }

  private finish(cycle: Cycle): void {
    if (cycle.id !== undefined) {
      this.byId.delete(cycle.id);
      this.finished.add(cycle.id);
    }
    this.inFlight--;
    cycle.pair.inFlight--;
    this.onFinish(cycle.pair);
    if (this.inFlight === 0) for (const done of this.drained.splice(0)) done();
  }

  private countError(code: string): void {
    this.tally.errors[code] = (this.tally.errors[code] ?? 0) + 1;
  }
}
