import type { BurnReason } from '@cinder/protocol';

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

  constructor(startedAt: number) {
    this.startedAt = startedAt;
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
    };
  }
}
