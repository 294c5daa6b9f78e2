import {
  type BurnReason,
  BurnReason as BurnReasons,
  type ErrorCode,
  type RequestType,
} from '@cinder/protocol';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Bus } from '../bus/bus.ts';

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

/**
 * The server's Prometheus metrics, in a registry of its own (several servers may run in one
 * process). Counts, durations and states only: label values come from fixed sets in the code
 * (request types, error codes, burn reasons, route patterns, storage verbs), never from a
 * request, so no username, id or content can reach a label.
 */
export class Metrics {
  readonly registry = new Registry();

  readonly #connections: Gauge;
  readonly #framesReceived: Counter;
  readonly #sent: Counter<'kind'>;
  readonly #opens: Counter<'kind'>;
  readonly #burns: Counter<'reason'>;
  readonly #expiryLag: Histogram;
  readonly #sweeps: Counter;
  readonly #sweepFailures: Counter;
  readonly #sweeperBurned: Counter;
  readonly #sweepDuration: Histogram;
  readonly #wsRequests: Histogram<'type'>;
  readonly #httpRequests: Histogram<'method' | 'route' | 'status'>;
  readonly #errors: Counter<'code' | 'transport'>;
  readonly #storage: Histogram<'verb'>;

  constructor(sources: MetricsSources) {
    const registers = [this.registry];
    this.#connections = new Gauge({
      name: 'cinder_ws_connections',
      help: 'Open WebSocket connections, signed in or not.',
      registers,
    });
    new Gauge({
      name: 'cinder_devices_online',
      help: 'Devices signed in over a WebSocket connection to this node.',
      registers,
      collect() {
        this.set(sources.devicesOnline());
      },
    });
    this.#framesReceived = new Counter({
      name: 'cinder_ws_frames_received_total',
      help: 'WebSocket frames received.',
      registers,
    });
    this.#sent = new Counter({
      name: 'cinder_messages_sent_total',
      help: 'Messages stored, by kind (burn or normal); a retried send is counted once.',
      labelNames: ['kind'],
      registers,
    });
    this.#opens = new Counter({
      name: 'cinder_opens_total',
      help: 'Successful opens, by kind: burn (the content taken and burned) or normal (read).',
      labelNames: ['kind'],
      registers,
    });
    for (const kind of ['burn', 'normal']) {
      this.#sent.inc({ kind }, 0);
      this.#opens.inc({ kind }, 0);
    }
    this.#burns = new Counter({
      name: 'cinder_burns_total',
      help: 'Messages burned, by reason (opened, expired, revoked).',
      labelNames: ['reason'],
      registers,
    });
    for (const reason of BurnReasons.options) this.#burns.inc({ reason }, 0);
    this.#expiryLag = new Histogram({
      name: 'cinder_expiry_lag_seconds',
      help: 'How long past its deadline (ttl) an expired message burned, by the server clock; rule 5 allows 1 s.',
      buckets: LAG_BUCKETS,
      registers,
    });
    this.#sweeps = new Counter({
      name: 'cinder_sweeper_runs_total',
      help: 'Expiry sweeper passes completed.',
      registers,
    });
    this.#sweepFailures = new Counter({
      name: 'cinder_sweeper_failures_total',
      help: 'Expiry sweeper passes that failed (logged as "sweep failed"); the next pass retries.',
      registers,
    });
    this.#sweeperBurned = new Counter({
      name: 'cinder_sweeper_burned_total',
      help: 'Messages the expiry sweeper burned (also counted in cinder_burns_total{reason="expired"}).',
      registers,
    });
    this.#sweepDuration = new Histogram({
      name: 'cinder_sweeper_run_duration_seconds',
      help: 'Duration of an expiry sweeper pass.',
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.#wsRequests = new Histogram({
      name: 'cinder_ws_request_duration_seconds',
      help: 'WebSocket requests, from their handling to the reply or error, by request type.',
      labelNames: ['type'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.#httpRequests = new Histogram({
      name: 'cinder_http_request_duration_seconds',
      help: 'HTTP requests by method, route pattern (/* is the web app and anything unmatched) and status.',
      labelNames: ['method', 'route', 'status'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.#errors = new Counter({
      name: 'cinder_errors_total',
      help: 'Errors answered to clients, by protocol error code and transport (ws or http).',
      labelNames: ['code', 'transport'],
      registers,
    });
    this.#storage = new Histogram({
      name: 'cinder_storage_duration_seconds',
      help: 'Storage verbs, from the call to its result (queueing and commit included), by verb.',
      labelNames: ['verb'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    const { bus } = sources;
    new Gauge({
      name: 'cinder_bus_connected',
      help: 'Whether every connection of the bus between nodes is up (1) or not (0); the in-process bus is always 1.',
      registers,
      collect() {
        this.set(bus.state?.().connected === false ? 0 : 1);
      },
    });
    new Counter({
      name: 'cinder_bus_reconnects_total',
      help: 'Times a bus connection came back after it was lost.',
      registers,
      collect() {
        this.reset();
        this.inc(bus.state?.().reconnects ?? 0);
      },
    });
    new Counter({
      name: 'cinder_bus_publish_failures_total',
      help: 'Bus publishes that failed (each a wake-up or sign-out another node may have missed).',
      registers,
      collect() {
        this.reset();
        this.inc(bus.state?.().publishFailures ?? 0);
      },
    });
  }

  connectionOpened(): void {
    this.#connections.inc();
  }

  connectionClosed(): void {
    this.#connections.dec();
  }

  frameReceived(): void {
    this.#framesReceived.inc();
  }

  /** A new message was stored. */
  sent(burn: boolean): void {
    this.#sent.inc({ kind: burn ? 'burn' : 'normal' });
  }

  /** An open succeeded: a burn message taken, or a normal one returned. */
  opened(burn: boolean): void {
    this.#opens.inc({ kind: burn ? 'burn' : 'normal' });
  }

  /**
   * A message burned at `at` (the server's clock); an expiry's lag is `at` less its deadline.
   * `expiresAt` is null for a message without one (never the case of a burn).
   */
  burned(reason: BurnReason, at: number, expiresAt: number | null): void {
    this.#burns.inc({ reason });
    if (reason === 'expired' && expiresAt !== null) {
      this.#expiryLag.observe(Math.max(0, at - expiresAt) / 1000);
    }
  }

  /** A sweeper pass ended after `seconds`, having burned `burned` messages, or failed. */
  swept(seconds: number, burned: number | 'failed'): void {
    this.#sweepDuration.observe(seconds);
    if (burned === 'failed') {
      this.#sweepFailures.inc();
      return;
    }
    this.#sweeps.inc();
    if (burned > 0) this.#sweeperBurned.inc(burned);
  }

  /** A WebSocket request was answered (reply or error) `seconds` after it was read. */
  request(type: RequestType, seconds: number): void {
    this.#wsRequests.observe({ type }, seconds);
  }

  /** An HTTP request was answered. `route` is the pattern it matched, never its path. */
  http(method: string, route: string, status: number, seconds: number): void {
    this.#httpRequests.observe(
      { method: HTTP_METHODS.has(method) ? method : 'other', route, status: String(status) },
      seconds,
    );
  }

  /** An error was answered to a client. */
  error(code: ErrorCode, transport: ErrorTransport): void {
    this.#errors.inc({ code, transport });
  }

  /** A storage verb settled after `seconds`. */
  storage(verb: string, seconds: number): void {
    this.#storage.observe({ verb }, seconds);
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
    return `${processText.trimEnd()}\n\n${own}`;
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
