import type { LatencySummary } from './latency.ts';

/**
 * Messages between the orchestrator (`run.ts`) and its child processes (servers and load
 * generators), sent over Node's IPC channel. Children are separate processes so that the server
 * under test never shares an event loop or a core's time slice with the load.
 */

/** What a load generator needs to act as one authenticated device. */
export interface DeviceCreds {
  username: string;
  /** Device token from `POST /v1/accounts` (Cinder); the username itself for the baseline. */
  token: string;
  /**
   * A Cinder device's id and the X25519 key pair it published when it was created
   * (docs/crypto.md); the private key as PKCS#8 (base64url), to cross the IPC channel to the load
   * generator, which imports it as a non-extractable key. Absent on the baselines, which carry
   * burn messages in plain text.
   */
  e2e?: DeviceE2e;
}

/** A device's identity for end-to-end encryption: its id and key pair. */
export interface DeviceE2e {
  deviceId: string;
  /** Raw X25519 public key, base64url, as the key directory shows it. */
  publicKey: string;
  /** Private key, PKCS#8, base64url. */
  pkcs8: string;
}

/**
 * How the load generator spends its own crypto on Cinder's burn messages (the baselines have none).
 * Every burn message is sealed with the SDK's `sealEnvelope` and decrypted with `openEnvelope`
 * either way; the options choose when, and how often the key directory is read.
 */
export interface ClientCryptoOptions {
  /**
   * Seal inside each cycle, right before its `send`, and decrypt each `open` reply as it arrives,
   * as an SDK client does. Otherwise (the default) the messages are sealed before the cycles start
   * and the released envelopes decrypted after the drain, so that the load generator's CPU during
   * the measured window is the wire's alone (on two cores the crypto would starve the server).
   */
  inlineCrypto: boolean;
  /**
   * Read the recipient's key directory (`keys`) before every send, as the SDK does. Otherwise the
   * sender reads each recipient's directory once and keeps it for the run.
   */
  keysEverySend: boolean;
  /**
   * Cycles per second to seal ahead for, before the load generator has seen the server's pace;
   * later jobs seal for 1.25× the fastest pace seen. Cycles beyond the sealed stock seal inline
   * (counted in `ClientCryptoResult.sealedDuringRun`).
   */
  presealRate: number;
}

/** Two users talking: Alice sends burn messages, Bob opens them. */
export interface Pair {
  alice: DeviceCreds;
  bob: DeviceCreds;
}

/**
 * Connect these pairs and keep them connected; the traffic jobs that follow in the same load
 * generator run over the first `pairs` of them (reconnecting thousands of sockets per run would
 * only slow the benchmark down).
 */
export interface ConnectPairsJob {
  kind: 'pairs';
  url: string;
  /** Bob's devices connect here instead of `url` (a second node: every cycle crosses nodes). */
  bobUrl?: string;
  pairs: Pair[];
}

/** Fields every traffic job shares. */
interface TrafficJobBase {
  /** Server process id: the load generator reads its CPU time at the window's edges. */
  serverPid: number;
  /** Further server processes (the other nodes of a cluster), whose CPU time adds to the server's. */
  otherServerPids?: number[];
  /**
   * The PostgreSQL database the servers use: the CPU time of its backends (processes titled
   * `postgres: <user> <database> …`) over the window is reported as `postgresCpuMs`.
   */
  postgresDatabase?: string;
  /** How many of the connected pairs carry traffic. */
  pairs: number;
  /** Run-unique token in every message text; the disk check searches the data dir for it. */
  marker: string;
  /** Cycles started before this much time has passed are warm-up and not measured. */
  warmupMs: number;
  /**
   * The warm-up lasts at least until this many cycles have completed (at most 30 s beyond
   * `warmupMs`): the first `pairs × window` cycles start together, and when each is slow (an
   * attachment cycle) their convoy would otherwise fill the window instead of the steady pace.
   */
  warmupCycles?: number;
  /** Length of the measured window after the warm-up. */
  durationMs: number;
  /** Hard cap on cycles started, so the loop is bounded in count as well as time. */
  maxCycles: number;
  /** How long to wait for in-flight cycles to finish once starting stops. */
  drainMs: number;
  /** Validate one inbound frame in this many with `parseServerFrame` (1 = every frame). */
  validateEvery: number;
  /** Bob sends a `delivered` receipt for each frame's messages before opening them (as the SDK does). */
  receipts: boolean;
  /** Devices acknowledge their cursor at most this often (the SDK: 200 ms); 0 never. */
  ackEveryMs: number;
  /** End-to-end encryption of Cinder's burn messages on the load generator's side. */
  crypto: ClientCryptoOptions;
  /** Every burn message carries a file (Cinder only): the attachment cycle. */
  attachment?: AttachmentJob;
}

/**
 * The attachment cycle (docs/media.md): each message carries a file of `bytes` bytes, sealed as
 * the SDK seals a burn file, uploaded (`POST /v1/uploads`, `PUT`s) before the send and downloaded
 * by the recipient (`GET /v1/messages/:id/blob`) before the open.
 */
export interface AttachmentJob {
  /** Size of each file before sealing. */
  bytes: number;
  /**
   * Cycles per second to seal files ahead for before the load generator has seen the attachment
   * cycle's pace (later jobs seal for 1.25× the fastest seen); the stock is capped in bytes too.
   */
  presealRate: number;
}

/** What an attachment job moved, and which blobs its burns must have deleted. */
export interface AttachmentResult {
  /** Size of each file before sealing. */
  bytes: number;
  /** Upload and download bodies over the measured window, bytes per second. */
  movedBytesPerSecond: number;
  /** Upload and download bodies per completed cycle in the window (the sealed blob, twice). */
  movedBytesPerCycle: number;
  /** Upload and download bodies over the whole job (warm-up, window and drain), bytes. */
  uploadedBytes: number;
  downloadedBytes: number;
  /** Upload ids of every completed (so burned) cycle: no file of theirs may stay in `blobs/`. */
  burnedUploads: string[];
}

/** Saturation: every pair keeps `window` cycles in flight, starting one as soon as one ends. */
export interface ClosedLoopJob extends TrafficJobBase {
  kind: 'closed';
  window: number;
}

/** Fixed offered rate: cycles start on a schedule whatever the server's pace (open loop). */
export interface OpenLoopJob extends TrafficJobBase {
  kind: 'open';
  /** Offered burn cycles per second over all pairs. */
  rate: number;
  /** Stop offering load when this many cycles are in flight (the server has fallen behind). */
  maxInFlight: number;
}

/** Connect `devices` and hold them idle until the orchestrator says `release`. */
export interface IdleJob {
  kind: 'idle';
  url: string;
  devices: DeviceCreds[];
  /** Source addresses to spread sockets over (127.0.0.x) when one runs out of ports. */
  localAddresses: string[];
  /** Connections being opened at once. */
  concurrency: number;
}

/** Reconnect sync: one of Bob's devices is offline while `events` events accumulate. */
export interface SyncJob {
  kind: 'sync';
  url: string;
  serverPid: number;
  alice: DeviceCreds;
  /** Bob's device that stays online and opens half of the messages. */
  bobOnline: DeviceCreds;
  /** Bob's device that goes offline, then reconnects and is timed. */
  bobOffline: DeviceCreds;
  /** Events the offline device must receive on reconnect. */
  events: number;
  /** How many timed reconnects to make from the same cursor. */
  repeats: number;
  marker: string;
}

/** Any job a load generator runs. */
export type LoadJob = ConnectPairsJob | ClosedLoopJob | OpenLoopJob | IdleJob | SyncJob;

/** Tally of things that must not happen; every field but the frame counts must be zero. */
export interface Correctness {
  started: number;
  completed: number;
  /** Cycles started that never completed within the drain time. */
  lost: number;
  /** `error` frames received, by code. */
  errors: Record<string, number>;
  /**
   * A burn message delivered with `text` or `ext` (it must be sealed), or, on Cinder, an `open`
   * reply that carries plain text instead of the envelope.
   */
  sealedViolations: number;
  /**
   * An `open` reply whose text (on Cinder: as decrypted from its envelope) is not what Alice sent,
   * or that did not burn. An envelope that does not decrypt counts under `errors` as
   * `DECRYPT_FAILED`, the SDK's code.
   */
  contentMismatches: number;
  /** The same message delivered twice to a device, or burned twice. */
  duplicates: number;
  /** Events about messages this load generator never sent or had already finished with. */
  unexpected: number;
  /** Inbound frames that failed `parseServerFrame`. */
  invalidFrames: number;
  /** Inbound frames validated with `parseServerFrame`. */
  framesValidated: number;
}

/** Result of a closed- or open-loop traffic job. */
export interface TrafficResult {
  kind: 'closed' | 'open';
  pairs: number;
  window?: number;
  offeredRate?: number;
  /**
   * True when the open loop stopped offering load because too many cycles were in flight. The run
   * is then measured whole, from its first cycle to its last completion (the fixed window may have
   * held nothing): latencies of the cycles offered until it gave up, and the pace and CPU at which
   * the server worked through them.
   */
  overloaded: boolean;
  /** When the open loop gave up, ms after it started. */
  overloadedAfterMs?: number;
  /** Cycles completed (Alice got `burned`) inside the measured window (whole run if overloaded). */
  cyclesInWindow: number;
  /** How long the warm-up lasted, ms (longer than asked when `warmupCycles` held it). */
  warmupMs?: number;
  windowMs: number;
  /** Completed cycles per second inside the window. */
  rate: number;
  /** CPU time of every server process (all nodes of a cluster) over the window. */
  serverCpuMs: number;
  /** CPU time of the PostgreSQL backends of `postgresDatabase` over the window (PostgreSQL targets). */
  postgresCpuMs?: number;
  /** Server CPU per completed cycle, µs. */
  serverCpuUsPerCycle: number;
  /** Server CPU use over the window, percent of one core. */
  serverCpuPercent: number;
  /** Server write syscalls (socket and file) per completed cycle: shows whether writes are batched. */
  serverWriteSyscallsPerCycle: number;
  /** Bytes the server wrote to storage per completed cycle (WAL, database). */
  serverDiskBytesPerCycle: number;
  /** Load generator CPU use over the window, percent of one core. */
  loadgenCpuPercent: number;
  /** Load generator CPU (all its threads) per completed cycle over the window, µs. */
  loadgenCpuUsPerCycle: number;
  /** The client side of end-to-end encryption (Cinder only: the baselines carry plain text). */
  client?: ClientCryptoResult;
  /** The attachment cycle's traffic (attachment jobs only). */
  attachment?: AttachmentResult;
  latency: {
    sendToStored: LatencySummary;
    sendToDelivered: LatencySummary;
    openToBurned: LatencySummary;
    cycle: LatencySummary;
  };
  correctness: Correctness;
  /** `Sec-WebSocket-Extensions` the server accepted (empty: no permessage-deflate). */
  extensions: string;
  /**
   * The measured window on the monotonic clock, µs (the clock V8 stamps CPU profile samples with,
   * shared by every process on the machine), to cut a server profile down to the window.
   */
  windowMonotonicUs: [number, number];
  /** Saturation in rounds (rounds.ts): each round's rate and CPU; this result is the median round. */
  rounds?: Array<{ rate: number; serverCpuUsPerCycle: number }>;
}

/** What the load generator's end-to-end encryption cost in one traffic job. */
export interface ClientCryptoResult {
  /** 'ahead': sealed before the cycles, decrypted after the drain; 'inline': inside each cycle. */
  mode: 'ahead' | 'inline';
  /** 'cached': each recipient's key directory read once for the run; 'every-send': before every send. */
  directory: 'cached' | 'every-send';
  /** Devices each message was sealed to (the recipient's key directory). */
  recipientDevices: number;
  /** Messages sealed for this job (ahead: the stock sealed before it; inline: every send). */
  sealed: number;
  /**
   * Load generator CPU (`process.cpuUsage`, every thread: WebCrypto runs on libuv's pool) per
   * sealed message, µs, over the batch sealed ahead of the job (over every batch sealed ahead so
   * far when the stock needed no top-up); NaN inline, where sealing shares the CPU with the wire
   * (see `loadgenCpuUsPerCycle`).
   */
  sealCpuUsPerMessage: number;
  /** Released envelopes decrypted and checked against the text sent. */
  opened: number;
  /** Load generator CPU per opened and decrypted message, µs, over the batch after the drain; NaN inline. */
  openCpuUsPerMessage: number;
  /** Messages sealed while cycles ran because the stock sealed ahead ran out (0 inline: all are). */
  sealedDuringRun: number;
  /** `keys` requests (key directory reads) sent during the job. */
  directoryReads: number;
}

/** Result of an idle job, sent when every device is connected. */
export interface IdleConnected {
  connected: number;
  failed: number;
  connectMs: number;
  /** Extensions accepted on a probe connection that offered permessage-deflate. */
  deflateOffered: string;
}

/** Result of a sync job. */
export interface SyncResult {
  events: number;
  /** Time from opening the socket to `synced`, one per repeat, ms. */
  syncMs: number[];
  /** Frames and bytes the reconnecting device received, first repeat. */
  frames: number;
  bytes: number;
  /** Time to accumulate the backlog (sends and opens), ms. */
  setupMs: number;
  correctness: Correctness;
}

/**
 * Load generator → orchestrator. `progress` says a long step (sealing or decrypting thousands of
 * messages) is still moving, so that a slow machine is not taken for a hung load generator.
 */
export type LoadgenMessage =
  | { type: 'ready' }
  | { type: 'progress' }
  | { type: 'connected'; result: IdleConnected }
  | { type: 'result'; result: TrafficResult | SyncResult | { released: number } }
  | { type: 'failed'; error: string };

/** Orchestrator → load generator. `exit` ends a pairs session. */
export type LoadgenCommand = { type: 'job'; job: LoadJob } | { type: 'release' } | { type: 'exit' };

/** Server child → orchestrator. */
export type ServerMessage =
  | { type: 'listening'; url: string; metricsUrl: string | null }
  | { type: 'memory'; memory: NodeJS.MemoryUsage }
  | { type: 'failed'; error: string };

/** Orchestrator → server child. `gc` runs a full collection, then answers `memory`. */
export type ServerCommand = { type: 'gc' } | { type: 'stop' };

/** An empty tally. */
export function emptyCorrectness(): Correctness {
  return {
    started: 0,
    completed: 0,
    lost: 0,
    errors: {},
    sealedViolations: 0,
    contentMismatches: 0,
    duplicates: 0,
    unexpected: 0,
    invalidFrames: 0,
    framesValidated: 0,
  };
}

/** True when nothing that must not happen did. */
export function isCorrect(c: Correctness): boolean {
  return (
    c.lost === 0 &&
    Object.keys(c.errors).length === 0 &&
    c.sealedViolations === 0 &&
    c.contentMismatches === 0 &&
    c.duplicates === 0 &&
    c.unexpected === 0 &&
    c.invalidFrames === 0 &&
    c.started === c.completed
  );
}
