import type { BurnReason, ErrorCode, RequestType } from '@cinder/protocol';
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { Bus } from '../bus/bus.ts';
import { postgresQueriesTotal } from '../storage/postgres/node-postgres.ts';
import { Histogram } from './histogram.ts';

/** Where an error answer went: a WebSocket `error` frame or an HTTP error response. */
export type ErrorTransport = 'ws' | 'http';

/** What the metrics read from the rest of the server when scraped. */
export interface MetricsSources {
  /** Its state (a network bus's connection, reconnects, failures); an in-process bus is always up. */
  bus: Bus;
  /** Devices signed in over a WebSocket on this node (the hub's members). */
  devicesOnline: () => number;
}

/** Methods a label may name; any other method is counted as `other`. */
const HTTP_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** Buckets of request and storage durations, in seconds: 50 µs (an SQLite read) to 10 s. */
const LATENCY_BUCKETS = [
  0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10,
];

/** Buckets of expiry lag, in seconds: rule 5 allows 1 s past the deadline. */
const LAG_BUCKETS = [0.05, 0.1, 0.25, 0.5, 0.75, 1, 2, 5, 30, 300, 3600];

/** The two kinds of message: `burn` (sealed until opened) and `normal`. */
type Kind = 'burn' | 'normal';

/** How a Web Push delivery ended (see `cinder_pushes_total`). */
export type PushOutcome = 'sent' | 'gone' | 'failed' | 'dropped';

/**
 * The server's Prometheus metrics, in a registry of its own (several servers may run in one
 * process). Counts, durations and states only: label values come from fixed sets in the code
 * (request types, error codes, burn reasons, route patterns, storage verbs), never from a
 * request, so no username, id or content can reach a label.
 *
 * The hot path only adds to plain numbers: counters and gauges read them when scraped (their
 * `collect`), and durations go to {@link Histogram}s, written out beside the registry's text.
 */
export class Metrics {
  readonly registry = new Registry();

  #connections = 0;
  #framesReceived = 0;
  readonly #sent: Record<Kind, number> = { burn: 0, normal: 0 };
  readonly #opens: Record<Kind, number> = { burn: 0, normal: 0 };
  readonly #burns: Record<BurnReason, number> = { opened: 0, expired: 0, revoked: 0 };
  #sweeps = 0;
  #sweepFailures = 0;
  #sweeperBurned = 0;
  readonly #pushes: Record<PushOutcome, number> = { sent: 0, gone: 0, failed: 0, dropped: 0 };
  #pushJobs = 0;
  readonly #errors: Counter<'code' | 'transport'>;
  readonly #expiryLag = new Histogram(
    'cinder_expiry_lag_seconds',
    'How long past its deadline (ttl) an expired message burned, by the server clock; rule 5 allows 1 s.',
    [],
    LAG_BUCKETS,
  );
  readonly #sweepDuration = new Histogram(
    'cinder_sweeper_run_duration_seconds',
    'Duration of an expiry sweeper pass.',
    [],
    LATENCY_BUCKETS,
  );
  readonly #wsRequests = new Histogram(
    'cinder_ws_request_duration_seconds',
    'WebSocket requests, from their handling to the reply or error, by request type.',
    ['type'],
    LATENCY_BUCKETS,
  );
  readonly #httpRequests = new Histogram(
    'cinder_http_request_duration_seconds',
    'HTTP requests by method, route pattern (/* is the web app and anything unmatched) and status.',
    ['method', 'route', 'status'],
    LATENCY_BUCKETS,
  );
  readonly #storage = new Histogram(
    'cinder_storage_duration_seconds',
    'Storage verbs, from the call to its result (queueing and commit included), by verb.',
    ['verb'],
    LATENCY_BUCKETS,
  );

  constructor(sources: MetricsSources) {
    const registers = [this.registry];
    const gauge = (name: string, help: string, read: () => number) =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          this.set(read());
        },
      });
    const counter = (name: string, help: string, read: () => number) =>
      new Counter({
        name,
        help,
        registers,
        collect() {
          this.reset();
          this.inc(read());
        },
      });
    const counterBy = (name: string, help: string, label: string, read: () => Record<string, number>) =>
      new Counter({
        name,
        help,
        labelNames: [label],
        registers,
        collect() {
          this.reset();
          for (const [value, n] of Object.entries(read())) this.inc({ [label]: value }, n);
        },
      });

    gauge('cinder_ws_connections', 'Open WebSocket connections, signed in or not.', () => this.#connections);
    gauge(
      'cinder_devices_online',
      'Devices signed in over a WebSocket connection to this node.',
      sources.devicesOnline,
    );
    counter('cinder_ws_frames_received_total', 'WebSocket frames received.', () => this.#framesReceived);
    counterBy(
      'cinder_messages_sent_total',
      'Messages stored, by kind (burn or normal); a retried send is counted once.',
      'kind',
      () => this.#sent,
    );
    counterBy(
      'cinder_opens_total',
      'Successful opens, by kind: burn (the content taken and burned) or normal (read).',
      'kind',
      () => this.#opens,
    );
    counterBy(
      'cinder_pushes_total',
      'Web Push deliveries by outcome: sent (the push service took it), gone (404/410: the subscription was removed), failed, dropped (the queue was full or the server stopping).',
      'outcome',
      () => this.#pushes,
    );
    counter(
      'cinder_push_jobs_total',
      'Stored messages whose pushes are all settled (or that had no device to push to).',
      () => this.#pushJobs,
    );
    counterBy(
      'cinder_burns_total',
      'Messages burned, by reason (opened, expired, revoked).',
      'reason',
      () => this.#burns,
    );
    counter('cinder_sweeper_runs_total', 'Expiry sweeper passes completed.', () => this.#sweeps);
    counter(
      'cinder_sweeper_failures_total',
      'Expiry sweeper passes that failed (logged as "sweep failed"); the next pass retries.',
      () => this.#sweepFailures,
    );
    counter(
      'cinder_sweeper_burned_total',
      'Messages the expiry sweeper burned (also counted in cinder_burns_total{reason="expired"}).',
      () => this.#sweeperBurned,
    );
    this.#errors = new Counter({
      name: 'cinder_errors_total',
      help: 'Errors answered to clients, by protocol error code and transport (ws or http).',
      labelNames: ['code', 'transport'],
      registers,
    });
    counter(
      'cinder_postgres_queries_total',
      'Statements sent to PostgreSQL through the storage pools of this process, each one round trip (0 on SQLite).',
      postgresQueriesTotal,
    );
    const { bus } = sources;
    gauge(
      'cinder_bus_connected',
      'Whether every connection of the bus between nodes is up (1) or not (0); the in-process bus is always 1.',
      () => (bus.state?.().connected === false ? 0 : 1),
    );
    counter(
      'cinder_bus_reconnects_total',
      'Times a bus connection came back after it was lost.',
      () => bus.state?.().reconnects ?? 0,
    );
    counter(
      'cinder_bus_publish_failures_total',
      'Bus publishes that failed (each a wake-up or sign-out another node may have missed).',
      () => bus.state?.().publishFailures ?? 0,
    );
  }

  connectionOpened(): void {
    this.#connections++;
  }

  connectionClosed(): void {
    this.#connections--;
  }

  frameReceived(): void {
    this.#framesReceived++;
  }

  /** A new message was stored. */
  sent(burn: boolean): void {
    this.#sent[burn ? 'burn' : 'normal']++;
  }

  /** An open succeeded: a burn message taken, or a normal one returned. */
  opened(burn: boolean): void {
    this.#opens[burn ? 'burn' : 'normal']++;
  }

  /**
   * A message burned at `at` (the server's clock); an expiry's lag is `at` less its deadline.
   * `expiresAt` is null for a message without one (never the case of a burn).
   */
  burned(reason: BurnReason, at: number, expiresAt: number | null): void {
    this.#burns[reason]++;
    if (reason === 'expired' && expiresAt !== null) {
      this.#expiryLag.observe([], Math.max(0, at - expiresAt) / 1000);
    }
  }

  /** One Web Push delivery settled (or was dropped). */
  pushed(outcome: PushOutcome): void {
    this.#pushes[outcome]++;
  }

  /** The pushes of one stored message are all settled. */
  pushJobDone(): void {
    this.#pushJobs++;
  }

  /** A sweeper pass ended after `seconds`, having burned `burned` messages, or failed. */
  swept(seconds: number, burned: number | 'failed'): void {
    this.#sweepDuration.observe([], seconds);
    if (burned === 'failed') {
      this.#sweepFailures++;
      return;
    }
    this.#sweeps++;
    this.#sweeperBurned += burned;
  }

  /** A WebSocket request was answered (reply or error) `seconds` after it was handled. */
  request(type: RequestType, seconds: number): void {
    this.#wsRequests.observe([type], seconds);
  }

  /** An HTTP request was answered. `route` is the pattern it matched, never its path. */
  http(method: string, route: string, status: number, seconds: number): void {
    this.#httpRequests.observe([HTTP_METHODS.has(method) ? method : 'other', route, String(status)], seconds);
  }

  /** An error was answered to a client. */
  error(code: ErrorCode, transport: ErrorTransport): void {
    this.#errors.inc({ code, transport });
  }

  /** A storage verb settled after `seconds`. */
  storage(verb: string, seconds: number): void {
    this.#storage.observe([verb], seconds);
  }

  /**
   * Start sampling the process (event-loop delay, GC) if nothing in this process did yet, so that
   * the first scrape has samples to show: called when the metrics listener starts.
   */
  sampleProcess(): void {
    processRegistry();
  }

  /** The Prometheus text exposition of this server and of its process (`process_*`, `nodejs_*`). */
  async exposition(): Promise<string> {
    const [processText, own] = await Promise.all([processRegistry().metrics(), this.registry.metrics()]);
    const histograms = [
      this.#expiryLag,
      this.#sweepDuration,
      this.#wsRequests,
      this.#httpRequests,
      this.#storage,
    ];
    const families = [processText, own, ...histograms.map((h) => h.render())];
    return `${families.map((text) => text.trimEnd()).join('\n\n')}\n`;
  }

  /** The Content-Type of `exposition()`. */
  get contentType(): string {
    return this.registry.contentType;
  }
}

/**
 * The process's default metrics (CPU, memory, heap, event-loop delay, GC, file descriptors).
 * They describe the process, not a server, and their samplers (an event-loop delay histogram, a
 * GC observer) cannot be stopped: one registry per process, made when the first metrics listener
 * starts, shared by every server in the process.
 */
let processMetrics: Registry | null = null;

function processRegistry(): Registry {
  if (!processMetrics) {
    processMetrics = new Registry();
    collectDefaultMetrics({ register: processMetrics });
  }
  return processMetrics;
}
