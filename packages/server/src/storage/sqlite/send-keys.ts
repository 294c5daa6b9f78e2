/**
 * Send keys (a device's idempotency keys) on SQLite, written cheaply.
 *
 * Every send claims `(device, key)` so that a retry gets the first result instead of a second
 * message. Written straight into a table keyed by `(device_id, key)`, each claim would land on a
 * random page of it (clients choose random keys): one 4 KB page per sending device per commit,
 * about 7 KB of WAL and 25 µs per send, a fifth of a burn cycle. So a claim is appended to `send_log`
 * (rowid order: the same right-edge page for every claim of a commit) and mirrored in memory,
 * where retries look first; the log is folded into `sends` in key order, a few hundred rows per
 * turn, so each page of `sends` is written once per fold instead of once per claim.
 *
 * A claim is as durable as its message: it commits with it, in `send_log`; start-up folds what
 * a crash left there before anything is served. The memory holds only what `send_log` holds (at
 * most `foldAt` claims plus one fold in progress).
 */

import { compareText } from '../rows.ts';

/** A committed claim still in `send_log`. */
export interface StagedKey {
  /** Its rowid in `send_log`. */
  n: number;
  deviceId: string;
  key: string;
  /** The send's result, JSON. */
  result: string;
  at: number;
}

/** The statements the staging runs, all inside the storage's write transactions. */
export interface SendKeyStatements {
  /** `INSERT INTO send_log (device_id, key, result, at)`; returns the rowid. */
  log: (deviceId: string, key: string, result: string, at: number) => number;
  /** The folded table's result for a key, if any. */
  find: (deviceId: string, key: string) => string | undefined;
  /** `INSERT OR IGNORE INTO sends …` one folded claim. */
  fold: (claim: StagedKey) => void;
  /** `DELETE FROM send_log WHERE n <= ?`. */
  clearLog: (upTo: number) => void;
}

/** A fold step's outcome, applied with `folded` once its transaction commits. */
export interface FoldStep {
  rows: number;
  done: boolean;
}

const mapKey = (deviceId: string, key: string) => `${deviceId}\n${key}`;

export class SendKeyStage {
  readonly #foldAt: number;
  readonly #chunk: number;
  /** Committed claims still in `send_log` (staged or being folded). */
  readonly #logged = new Map<string, StagedKey>();
  /** Claims of the transaction running now, not committed yet. */
  readonly #pending = new Map<string, string>();
  /** Committed claims not part of a fold yet, in log order. */
  #staged: StagedKey[] = [];
  /** The fold in progress: claims sorted by key, the next to write, the highest rowid. */
  #folding: { claims: StagedKey[]; next: number; upTo: number } | null = null;

  constructor(options: { foldAt: number; chunk: number }) {
    this.#foldAt = options.foldAt;
    this.#chunk = options.chunk;
  }

  /**
   * Inside a write: the prior result of `(deviceId, key)`, or `undefined` after claiming it with
   * `result` (appended to `send_log`). A new claim is returned in `claimed`, to be committed with
   * `committed` after the transaction commits, or dropped with `dropped` if its write failed.
   */
  claim(
    s: SendKeyStatements,
    deviceId: string,
    key: string,
    result: string,
    at: number,
  ): { prior: string } | { claimed: StagedKey } {
    const k = mapKey(deviceId, key);
    const prior = this.#pending.get(k) ?? this.#logged.get(k)?.result ?? s.find(deviceId, key);
    if (prior !== undefined) return { prior };
    const n = s.log(deviceId, key, result, at);
    this.#pending.set(k, result);
    return { claimed: { n, deviceId, key, result, at } };
  }

  /** A claim's write failed and was rolled back alone. */
  dropped(claim: StagedKey): void {
    this.#pending.delete(mapKey(claim.deviceId, claim.key));
  }

  /** The transaction ended (committed or not): what was pending is either committed or gone. */
  endTransaction(): void {
    this.#pending.clear();
  }

  /** A claim's transaction committed. */
  committed(claim: StagedKey): void {
    this.#logged.set(mapKey(claim.deviceId, claim.key), claim);
    this.#staged.push(claim);
  }

  /** Claims waiting in `send_log`, folding or not. */
  get size(): number {
    return this.#logged.size;
  }

  /** True when a fold should start now (enough staged, or `force` and any). */
  shouldFold(force: boolean): boolean {
    return (
      this.#folding === null && this.#staged.length > 0 && (force || this.#staged.length >= this.#foldAt)
    );
  }

  /** True while a fold has rows left to write. */
  get folding(): boolean {
    return this.#folding !== null;
  }

  /** Start a fold of everything staged: sorted by key, so that neighbours share pages. */
  startFold(): void {
    if (this.#folding || this.#staged.length === 0) return;
    const claims = this.#staged;
    this.#staged = [];
    let upTo = 0;
    for (const c of claims) if (c.n > upTo) upTo = c.n;
    claims.sort((a, b) => compareText(a.deviceId, b.deviceId) || compareText(a.key, b.key));
    this.#folding = { claims, next: 0, upTo };
  }

  /**
   * Inside a write: fold the next chunk into `sends`; the last chunk also clears `send_log` up to
   * the fold's highest rowid. Pure with respect to memory (a rolled-back batch runs it again);
   * `folded` applies it after the commit.
   */
  foldStep(s: SendKeyStatements, all = false): FoldStep {
    const f = this.#folding;
    if (!f) return { rows: 0, done: false };
    const end = all ? f.claims.length : Math.min(f.claims.length, f.next + this.#chunk);
    for (let i = f.next; i < end; i++) s.fold(f.claims[i] as StagedKey);
    const done = end === f.claims.length;
    if (done) s.clearLog(f.upTo);
    return { rows: end - f.next, done };
  }

  /**
   * Inside a write: fold everything committed so far in one go (pruning by age needs every key
   * in `sends`). Returns the step to apply with `folded`, or null when nothing was staged.
   */
  foldAll(s: SendKeyStatements): FoldStep | null {
    this.startFold();
    return this.#folding ? this.foldStep(s, true) : null;
  }

  /** A fold step committed. */
  folded(step: FoldStep): void {
    const f = this.#folding;
    if (!f) return;
    f.next += step.rows;
    if (!step.done) return;
    for (const c of f.claims) this.#logged.delete(mapKey(c.deviceId, c.key));
    this.#folding = null;
  }
}
