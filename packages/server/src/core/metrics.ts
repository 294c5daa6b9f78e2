import type { BurnReason } from '@cinder/protocol';
import type { Bus } from '../bus/bus.ts';

/** Counters the server exposes at `GET /metrics`. Counts and sizes only, never content. */
export class Metrics {
  readonly startedAt: number;
  messagesSent = 0;
  burns: Record<BurnReason, number> = { opened: 0, expired: 0, revoked: 0 };
  sweeps = 0;
  sweeperBurned = 0;
  connections = 0;
  framesIn = 0;
  frameErrors = 0;
  readonly #bus: Bus | null;

  /** `bus`: its state is part of the snapshot (a network bus's connection, reconnects, failures). */
  constructor(startedAt: number, bus: Bus | null = null) {
    this.startedAt = startedAt;
    this.#bus = bus;
  }

  /** A JSON-ready snapshot. */
  snapshot(now: number): Record<string, unknown> {
    return {
      uptimeSeconds: Math.max(0, Math.round((now - this.startedAt) / 1000)),
      messagesSent: this.messagesSent,
      burns: { ...this.burns },
      sweeper: { runs: this.sweeps, burned: this.sweeperBurned },
      connections: this.connections,
      frames: { received: this.framesIn, rejected: this.frameErrors },
      bus: this.#busSnapshot(now),
    };
  }

  #busSnapshot(now: number): Record<string, unknown> {
    const state = this.#bus?.state?.();
    if (!state) return { kind: 'in-process', connected: true };
    return {
      kind: 'network',
      connected: state.connected,
      downSeconds: state.downSince === null ? 0 : Math.max(0, Math.round((now - state.downSince) / 1000)),
      reconnects: state.reconnects,
      publishFailures: state.publishFailures,
    };
  }
}
