import { type Logger, safeError } from '../logger.ts';
import type { Storage } from '../storage/storage.ts';
import type { BurnEngine } from './burn-engine.ts';
import type { Metrics } from './metrics.ts';

/**
 * Burns expired messages every `intervalMs` (so within 1 s of a deadline, by the server's clock)
 * removes uploads past their deadline (with their bytes), and prunes tombstones and the event
 * log past retention. Logs and counts what it burned.
 */
export class Sweeper {
  readonly #engine: BurnEngine;
  readonly #storage: Storage;
  readonly #metrics: Metrics;
  readonly #logger: Logger;
  readonly #now: () => number;
  readonly #intervalMs: number;
  readonly #retentionMs: number;
  readonly #pruneEveryMs: number;
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<void> | null = null;
  #lastPrune = 0;

  constructor(options: {
    engine: BurnEngine;
    storage: Storage;
    metrics: Metrics;
    logger: Logger;
    now: () => number;
    intervalMs: number;
    retentionSeconds: number;
  }) {
    this.#engine = options.engine;
    this.#storage = options.storage;
    this.#metrics = options.metrics;
    this.#logger = options.logger;
    this.#now = options.now;
    this.#intervalMs = options.intervalMs;
    this.#retentionMs = options.retentionSeconds * 1000;
    // Pruning is cheap but needless at sweep speed; a short retention (tests) prunes sooner.
    this.#pruneEveryMs = Math.min(60_000, Math.max(options.intervalMs, this.#retentionMs / 4));
  }

  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => {
      // Never overlap runs: a slow one just delays the next.
      this.#running ??= this.runOnce().finally(() => {
        this.#running = null;
      });
    }, this.#intervalMs);
    this.#timer.unref();
  }

  /** Stop the timer and wait for a run in progress. */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#running;
  }

  /** One sweep: burn what expired, remove expired uploads, prune if due. Never throws. */
  async runOnce(): Promise<void> {
    const started = performance.now();
    try {
      const burned = await this.#engine.expireDue();
      if (burned.length > 0) {
        this.#logger.info(
          { count: burned.length, messageIds: burned.slice(0, 50).map((b) => b.messageId) },
          'sweeper burned expired messages',
        );
      }
      const now = this.#now();
      const uploads = await this.#storage.uploads.expire(now);
      if (uploads > 0) this.#logger.info({ count: uploads }, 'sweeper removed expired uploads');
      if (now - this.#lastPrune >= this.#pruneEveryMs) {
        this.#lastPrune = now;
        const pruned = await this.#storage.prune(now - this.#retentionMs);
        if (pruned.events + pruned.tombstones + pruned.sendKeys > 0)
          this.#logger.info(pruned, 'pruned past retention');
      }
      this.#metrics.swept((performance.now() - started) / 1000, burned.length);
    } catch (error) {
      this.#logger.error({ err: safeError(error) }, 'sweep failed');
      this.#metrics.swept((performance.now() - started) / 1000, 'failed');
    }
  }
}
