import {
  CLOSE_CODES,
  type DirectoryDevice,
  ERROR_CODES,
  type ErrorCode,
  type KeysResult,
  type OpenResult,
  PROTOCOL_VERSION,
  parseServerFrame,
  type ServerFrame,
  WS_PATH,
} from '@cinder/protocol';
import { sealEnvelope } from '@cinder/sdk';
import fc from 'fast-check';
import pg from 'pg';
import WebSocket from 'ws';
import {
  type ChildServer,
  type KeyedSession,
  openedContent,
  register,
  spawnServer,
  tempDir,
  username,
  waitFor,
} from '../../../test/kit/index.ts';
import { TEST_DATABASE_URL } from './services.ts';

// Shared by the fuzz suites (fuzz-frames.test.ts, fuzz-http.test.ts): the seed and case counts,
// a server in a child process (a crash is the process ending, seen as such, and the server is
// started again so each case of a failed batch can be tried alone to find the culprit), a healthy
// pair of raw clients checked between batches, and JSON text built by hand so that inputs
// JSON.stringify cannot write (1e400, 5,000 levels, "__proto__" keys, duplicate keys) reach the
// server.

/** Seed of every fuzz suite: fixed by default so a run is repeatable; `FUZZ_SEED` overrides it. */
export const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 20_261_201);

/** Cases of one run over both suites: at least 10,000 by default; `FUZZ_RUNS` overrides it. */
export const FUZZ_CASES = Number(process.env.FUZZ_RUNS ?? 10_500);

/**
 * Storage of the fuzzed server: SQLite by default; `FUZZ_STORAGE=postgres` runs the same suites
 * against PostgreSQL (`CINDER_TEST_DATABASE_URL`, a database of their own, dropped after).
 */
export const FUZZ_STORAGE = process.env.FUZZ_STORAGE === 'postgres' ? 'postgres' : 'sqlite';

/** How long any single wait for the server may take: generous for a loaded machine. */
export const WAIT_MS = 60_000;

/**
 * Close codes the server may close a socket with, all documented (protocol README "Close codes"):
 * the table's, but for the two the server never sends (a cut socket is a defect here).
 */
export const DOCUMENTED_CLOSE_CODES: ReadonlySet<number> = new Set<number>([
  ...Object.values(CLOSE_CODES).filter(
    (code) => code !== CLOSE_CODES.ABNORMAL && code !== CLOSE_CODES.CLIENT_GAVE_UP,
  ),
  1007,
]);

/** Error codes an answer may carry: every known code but INTERNAL (a bug on the server). */
export function isExpectedCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_CODES, code) && code !== 'INTERNAL';
}

// ---------------------------------------------------------------------------------------------
// JSON text built by hand
// ---------------------------------------------------------------------------------------------

/** How a long text shows in a counterexample: its start and its length. */
function shorten(text: string): string {
  return text.length > 60 ? `${text.slice(0, 40)}…(${text.length} chars)` : text;
}

/** JSON text inserted as is. */
export class Raw {
  constructor(readonly text: string) {}
  [fc.toStringMethod](): string {
    return `Raw(${JSON.stringify(shorten(this.text))})`;
  }
}

/** A long string: one character repeated. */
export class Long {
  constructor(
    readonly char: string,
    readonly length: number,
  ) {}
  get text(): string {
    return this.char.repeat(this.length);
  }
  [fc.toStringMethod](): string {
    return `Long(${JSON.stringify(this.char)} × ${this.length})`;
  }
}

/** An object as a list of entries: keys may repeat and may be "__proto__". */
export class Obj {
  constructor(readonly entries: ReadonlyArray<readonly [string, J]>) {}
}

/** A value filled in when the case is sent (a fresh rid or key, a real message id, a token). */
export class Slot {
  constructor(
    readonly kind: 'rid' | 'key' | 'id' | 'token' | 'username' | 'device',
    readonly pick = 0,
  ) {}
}

export type J = null | boolean | number | string | Raw | Long | Obj | Slot | J[];

/** What slots are filled with. */
export interface SlotValues {
  rid(): string;
  key(): string;
  id(pick: number): string;
  token(pick: number): string;
  username(pick: number): string;
  /** A device id, for the copies of `K1` in an envelope (a real recipient's, sometimes). */
  device(pick: number): string;
}

/** JSON text of `value`; iterative over nesting made with `Raw`, so any depth is cheap. */
export function jsonText(value: J, slots: SlotValues): string {
  if (value instanceof Raw) return value.text;
  if (value instanceof Long) return JSON.stringify(value.text);
  if (value instanceof Slot) {
    switch (value.kind) {
      case 'rid':
        return JSON.stringify(slots.rid());
      case 'key':
        return JSON.stringify(slots.key());
      case 'id':
        return JSON.stringify(slots.id(value.pick));
      case 'token':
        return JSON.stringify(slots.token(value.pick));
      case 'username':
        return JSON.stringify(slots.username(value.pick));
      case 'device':
        return JSON.stringify(slots.device(value.pick));
    }
  }
  if (value instanceof Obj) {
    return `{${value.entries.map(([k, v]) => `${JSON.stringify(k)}:${jsonText(v, slots)}`).join(',')}}`;
  }
  if (Array.isArray(value)) return `[${value.map((v) => jsonText(v, slots)).join(',')}]`;
  return JSON.stringify(value);
}

/** Strings with what breaks naive code: lone surrogates, NUL, U+FFFD, controls, emoji. */
export const nastyString: fc.Arbitrary<string> = fc
  .array(
    fc.oneof(
      { weight: 3, arbitrary: fc.string({ maxLength: 6 }) },
      { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 4 }) },
      {
        weight: 2,
        arbitrary: fc.constantFrom(
          '\uD800',
          '\uDBFF',
          '\uDC00',
          '\uDFFF',
          '\u0000',
          '\uFFFD',
          '😀',
          '\u2028',
          '\u001f',
          '"',
          '\\',
        ),
      },
    ),
    { maxLength: 6 },
  )
  .map((parts) => parts.join(''));

/** Nesting from just over the ext cap to far beyond it (issue 8, item 1 was 5,000 arrays). */
export const deepValue: fc.Arbitrary<J> = fc
  .tuple(fc.integer({ min: 30, max: 6000 }), fc.constantFrom('array', 'object', 'mixed'))
  .map(([depth, shape]) => {
    if (shape === 'array') return new Raw(`${'['.repeat(depth)}${']'.repeat(depth)}`);
    if (shape === 'object') return new Raw(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`);
    return new Raw(`${'[{"a":'.repeat(depth >> 1)}null${'}]'.repeat(depth >> 1)}`);
  });

/** Numbers JavaScript reads differently from how they are written, or not at all. */
export const nastyNumber: fc.Arbitrary<J> = fc.oneof(
  fc.constantFrom<J>(
    new Raw('1e400'),
    new Raw('-1e400'),
    new Raw('1e-400'),
    new Raw('-0'),
    new Raw('123456789012345678901234567890'),
    new Raw('0.1000000000000000055511151231257827'),
    2 ** 53 + 2,
    -1,
    1.5,
    Number.MAX_VALUE,
    Number.MIN_VALUE,
    Number.MAX_SAFE_INTEGER,
    0,
  ),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
);

/** Keys that trip up objects built from JSON. */
export const nastyKey: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '__proto__',
      'constructor',
      'prototype',
      'toString',
      'hasOwnProperty',
      'rid',
      'type',
      '',
    ),
  },
  { weight: 2, arbitrary: nastyString },
);

/** Any value a hostile client might put in a field. */
export const nastyValue: fc.Arbitrary<J> = fc.letrec<{ value: J }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 4, arbitrary: nastyString },
    { weight: 3, arbitrary: nastyNumber },
    { weight: 1, arbitrary: fc.constantFrom<J>(null, true, false, [], new Obj([])) },
    { weight: 1, arbitrary: fc.integer({ min: 60, max: 20_000 }).map((n) => new Long('x', n)) },
    { weight: 1, arbitrary: deepValue },
    { weight: 2, arbitrary: fc.array(tie('value'), { maxLength: 4 }) },
    {
      weight: 2,
      arbitrary: fc
        .array(fc.tuple(nastyKey, tie('value')), { maxLength: 4 })
        .map((entries) => new Obj(entries)),
    },
  ),
})).value;

/**
 * A field of a frame or body: mostly the valid value, sometimes a nasty one, sometimes absent
 * (`undefined`, dropped by `object`).
 */
export function field(
  valid: fc.Arbitrary<J>,
  weights = { valid: 6, nasty: 2, absent: 1 },
): fc.Arbitrary<J | undefined> {
  return fc.oneof(
    { weight: weights.valid, arbitrary: valid },
    { weight: weights.nasty, arbitrary: nastyValue },
    { weight: weights.absent, arbitrary: fc.constant(undefined) },
  );
}

/** An object of fields (absent ones dropped) plus, sometimes, extra nasty keys. */
export function object(fields: Record<string, fc.Arbitrary<J | undefined>>): fc.Arbitrary<Obj> {
  return fc
    .tuple(
      fc.record(fields),
      fc.oneof(
        { weight: 5, arbitrary: fc.constant([] as Array<[string, J]>) },
        { weight: 1, arbitrary: fc.array(fc.tuple(nastyKey, nastyValue), { maxLength: 3 }) },
      ),
    )
    .map(([record, extra]) => {
      const entries: Array<readonly [string, J]> = [];
      for (const [k, v] of Object.entries(record)) if (v !== undefined) entries.push([k, v]);
      return new Obj([...entries, ...extra]);
    });
}

// ---------------------------------------------------------------------------------------------
// A raw socket that counts answers
// ---------------------------------------------------------------------------------------------

export type Answer = Extract<ServerFrame, { type: 'reply' | 'error' | 'welcome' }>;

/** A WebSocket that records answers (reply, error, welcome), invalid frames and its close code. */
export class FuzzSocket {
  readonly ws: WebSocket;
  readonly answers: Answer[] = [];
  readonly frames: ServerFrame[] = [];
  /** Inbound frames `parseServerFrame` refused: the server broke its own protocol. */
  readonly invalid: string[] = [];
  closeCode: number | null = null;
  readonly #wakers = new Set<() => void>();

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on('message', (data) => {
      const parsed = parseServerFrame(String(data));
      if (!parsed.ok) this.invalid.push(parsed.error.message);
      else {
        this.frames.push(parsed.value);
        const t = parsed.value.type;
        if (t === 'reply' || t === 'error' || t === 'welcome') this.answers.push(parsed.value as Answer);
      }
      this.#wake();
    });
    ws.on('close', (code) => {
      this.closeCode = code;
      this.#wake();
    });
    ws.on('error', () => {
      // A refused or reset socket: its close follows.
    });
  }

  static async open(url: string): Promise<FuzzSocket> {
    const ws = new WebSocket(url.replace(/^http/, 'ws') + WS_PATH, { perMessageDeflate: false });
    const socket = new FuzzSocket(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('close', (code) => reject(new Error(`socket closed before open (${code})`)));
    });
    return socket;
  }

  /** Open and sign in; resolves once `synced`. */
  static async connect(url: string, token: string): Promise<FuzzSocket> {
    const socket = await FuzzSocket.open(url);
    socket.ws.send(JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION, token, cursor: null }));
    if (!(await socket.until(() => socket.frames.some((f) => f.type === 'synced')))) {
      throw new Error(`no synced after hello (close ${socket.closeCode})`);
    }
    return socket;
  }

  get open(): boolean {
    return this.closeCode === null && this.ws.readyState === WebSocket.OPEN;
  }

  /** Wait until `check` holds or the socket closes; false on timeout or close without it. */
  async until(check: () => boolean, timeoutMs = WAIT_MS): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      if (this.closeCode !== null || Date.now() > deadline) return check();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, Math.max(1, deadline - Date.now()));
        const wakers = this.#wakers;
        function done(): void {
          clearTimeout(timer);
          wakers.delete(done);
          resolve();
        }
        wakers.add(done);
      });
    }
    return true;
  }

  #wake(): void {
    for (const wake of [...this.#wakers]) wake();
  }

  /** The reply or error answering `rid`; throws, naming `what`, when the socket closes or the wait times out first. */
  async answer(rid: string, what: string): Promise<Exclude<Answer, { type: 'welcome' }>> {
    const find = () => this.answers.find((a) => a.type !== 'welcome' && a.rid === rid);
    if (!(await this.until(() => find() !== undefined))) {
      throw new Error(`${what}: no answer to ${rid} (close ${this.closeCode})`);
    }
    return find() as Exclude<Answer, { type: 'welcome' }>;
  }

  close(): void {
    this.ws.terminate();
  }
}

/** `username`'s key directory, asked on `socket` with `rid`. */
export async function directoryOf(
  socket: FuzzSocket,
  username: string,
  rid: string,
): Promise<DirectoryDevice[]> {
  socket.ws.send(JSON.stringify({ type: 'keys', rid, username }));
  const answer = await socket.answer(rid, `the key directory of ${username}`);
  if (answer.type !== 'reply')
    throw new Error(`the key directory of ${username}: ${answer.code} ${answer.message}`);
  return (answer.result as KeysResult).devices;
}

/** A burn `send` frame's JSON text, its text sealed to `devices` (the recipient's directory) as the SDK seals it. */
export async function sealedSendText(frame: {
  rid: string;
  key: string;
  from: string;
  to: string;
  text: string;
  devices: readonly DirectoryDevice[];
}): Promise<string> {
  const { rid, key, from, to, text, devices } = frame;
  const sealed = await sealEnvelope({ from, to, text, devices });
  return JSON.stringify({ type: 'send', rid, key, to, burn: {}, sealed });
}

// ---------------------------------------------------------------------------------------------
// The server under test and its healthy pair
// ---------------------------------------------------------------------------------------------

/** A crash seen by the suite: how the process ended and the end of its stderr. */
export interface Crash {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/**
 * A Cinder server in a child process with accounts for the fuzz and a healthy pair (alice sends
 * burn messages to bob, bob opens them) whose round trip `check()` proves the server still works.
 * `ensure()` starts a fresh server when the last one died, recording the crash.
 */
export class FuzzTarget {
  readonly crashes: Crash[] = [];
  /** Log lines at level error or above (a caught bug is still a bug). */
  readonly errorLogs: string[] = [];
  server!: ChildServer;
  /** Accounts with a device each, signed in with a key pair (burn messages to them are sealed). */
  accounts!: { alice: KeyedSession; bob: KeyedSession; fuzzer: KeyedSession; sink: KeyedSession };
  #dir = tempDir('cinder-fuzz-');
  #pair: { alice: FuzzSocket; bob: FuzzSocket } | null = null;
  #dead = false;
  #stopping = false;
  #checks = 0;
  #generation = 0;

  static async start(): Promise<FuzzTarget> {
    const target = new FuzzTarget();
    await target.#spawn();
    return target;
  }

  get url(): string {
    return this.server.url;
  }

  /** True once the current server process has ended. */
  get dead(): boolean {
    return this.#dead;
  }

  async #spawn(): Promise<void> {
    this.#dir.remove();
    this.#dir = tempDir('cinder-fuzz-');
    this.#dead = false;
    const args = ['--port', '0', '--data-dir', this.#dir.path];
    if (FUZZ_STORAGE === 'postgres') {
      await this.#dropDatabase();
      this.#database = `cinder_fuzz_${process.pid}_${this.#generation}`;
      await admin(`CREATE DATABASE ${this.#database}`);
      const url = new URL(TEST_DATABASE_URL);
      url.pathname = `/${this.#database}`;
      args.push('--database-url', url.toString());
    }
    const server = await spawnServer(args);
    this.server = server;
    let pending = '';
    server.child.stdout?.on('data', (chunk) => {
      pending += String(chunk);
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        if (!line.startsWith('{')) continue;
        try {
          if (((JSON.parse(line) as { level?: number }).level ?? 0) >= 50) this.errorLogs.push(line);
        } catch {
          // not a log line
        }
      }
    });
    void server.exited.then(({ code, signal }) => {
      if (this.server !== server || this.#stopping) return;
      this.#dead = true;
      this.crashes.push({ code, signal, stderr: server.stderr().slice(-4000) });
    });
    const account = (name: string) => register(server, username(name), 'fuzz-password-1');
    this.accounts = {
      alice: await account('alice'),
      bob: await account('bob'),
      fuzzer: await account('fuzz'),
      sink: await account('sink'),
    };
    this.#pair = null;
    this.#generation += 1;
  }

  /** Counts servers started: a new one needs its fixtures again. */
  get generation(): number {
    return this.#generation;
  }

  /** Start a new server if the last one died (the property then fails on the crash it saw). */
  async ensure(): Promise<void> {
    if (this.#dead) await this.#spawn();
  }

  /**
   * After a case: add to `problems` what `check` finds, then (a failure's error log line may trail
   * it a little; it explains the failure, which stands without it) any error the server logged.
   */
  async collectProblems(problems: string[]): Promise<void> {
    try {
      await this.check();
    } catch (error) {
      problems.push((error as Error).message);
    }
    if (problems.length > 0)
      await waitFor(() => this.errorLogs.length > 0, { timeout: 500 }).catch(() => undefined);
    if (this.errorLogs.length > 0) problems.push(`error logged: ${this.errorLogs.splice(0).join('\n')}`);
  }

  /**
   * The server is alive and works: /healthz answers 200 and the healthy pair sends a sealed burn
   * message, opens it and decrypts it. Throws, with the crash when there was one, otherwise.
   */
  async check(): Promise<void> {
    this.#checks += 1;
    if (this.#dead) throw new Error(`server crashed: ${JSON.stringify(this.crashes.at(-1))}`);
    const health = await fetch(`${this.url}/healthz`).catch((error: unknown) => error as Error);
    if (health instanceof Error || health.status !== 200) {
      // Name the crash if the process is dying: its exit may trail the failed request a little.
      await waitFor(() => this.#dead, { timeout: 2000 }).catch(() => undefined);
      throw new Error(
        `/healthz failed (${health instanceof Error ? health.message : health.status}); crash: ${JSON.stringify(this.crashes.at(-1) ?? null)}`,
      );
    }
    let pair = this.#pair;
    if (!pair?.alice.open || !pair.bob.open) {
      pair?.alice.close();
      pair?.bob.close();
      pair = {
        alice: await FuzzSocket.connect(this.url, this.accounts.alice.token),
        bob: await FuzzSocket.connect(this.url, this.accounts.bob.token),
      };
      this.#pair = pair;
    }
    const { alice, bob } = pair;
    const text = `healthy check ${this.#checks}`;
    const rid = `hc-${this.#checks}`;
    const { alice: aliceAccount, bob: bobAccount } = this.accounts;
    // Bob's directory is read each time: a device the fuzz added to his account counts.
    const devices = await directoryOf(alice, bobAccount.user.username, `${rid}-keys`).catch(
      (error: Error) => {
        throw new Error(`healthy pair: ${error.message} (dead ${this.#dead})`);
      },
    );
    alice.ws.send(
      await sealedSendText({
        rid,
        key: `healthy-${this.#checks}-${Date.now()}`,
        from: aliceAccount.user.username,
        to: bobAccount.user.username,
        text,
        devices,
      }),
    );
    const reply = await this.#answer(alice, rid);
    if (reply.type !== 'reply') throw new Error(`healthy send refused: ${JSON.stringify(reply)}`);
    const id = (reply.result as { id: string }).id;
    const arrived = await bob.until(() =>
      bob.frames.some(
        (f) => f.type === 'events' && f.events.some((e) => e.kind === 'message' && e.message.id === id),
      ),
    );
    if (!arrived) throw new Error('healthy message did not arrive');
    bob.ws.send(JSON.stringify({ type: 'open', rid, id }));
    const opened = await this.#answer(bob, rid);
    if (opened.type !== 'reply') throw new Error(`healthy open failed: ${JSON.stringify(opened)}`);
    const content = await openedContent(opened.result as OpenResult, bobAccount).catch(
      (error: Error) => error,
    );
    if (content instanceof Error || content.text !== text) {
      throw new Error(`healthy open did not decrypt to its text: ${JSON.stringify(opened)}`);
    }
    if (alice.invalid.length + bob.invalid.length > 0) {
      throw new Error(`invalid server frames: ${[...alice.invalid, ...bob.invalid].join('; ')}`);
    }
  }

  async #answer(socket: FuzzSocket, rid: string): Promise<Answer> {
    const find = () => socket.answers.find((a) => a.type !== 'welcome' && a.rid === rid);
    if (!(await socket.until(() => find() !== undefined))) {
      throw new Error(`healthy pair: no answer to ${rid} (close ${socket.closeCode}, dead ${this.#dead})`);
    }
    return find() as Answer;
  }

  async close(): Promise<void> {
    this.#stopping = true;
    this.#pair?.alice.close();
    this.#pair?.bob.close();
    if (!this.#dead) {
      this.server.child.kill('SIGTERM');
      await this.server.exited;
    }
    this.#dir.remove();
    await this.#dropDatabase();
  }

  /** The database of the last server, on PostgreSQL. */
  #database: string | null = null;

  async #dropDatabase(): Promise<void> {
    if (this.#database) await admin(`DROP DATABASE IF EXISTS ${this.#database} WITH (FORCE)`);
    this.#database = null;
  }
}

/** A statement on the test PostgreSQL's own database (CREATE / DROP DATABASE). */
async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Runs one batch of cases against a server; on a failure, finds the case to blame. */
export interface BatchFuzzer<T> {
  /** What went wrong in the batch; empty when every case got a valid answer. */
  batch(batch: T): Promise<string[]>;
  /** The case (run alone) that explains a failed batch. */
  culprit(batch: T): Promise<string>;
}

/**
 * Run `fuzzer` over batches until at least `cases` cases ran, fast-check seeded with `seed`
 * (then seed + 1, … for later rounds, should the batches run short). Returns how many cases and
 * batches ran. On a failure fast-check throws with the culprit, the batch's problems and the seed.
 */
export async function runBatches<T>(options: {
  cases: number;
  seed: number;
  batch: fc.Arbitrary<T>;
  /** Cases in a batch. */
  count: (batch: T) => number;
  /** Average cases per batch, to choose how many batches fast-check runs. */
  perBatch: number;
  fuzzer: BatchFuzzer<T>;
}): Promise<{ cases: number; batches: number }> {
  const { fuzzer } = options;
  let ran = 0;
  let batches = 0;
  for (let round = 0; ran < options.cases; round++) {
    await fc.assert(
      fc.asyncProperty(options.batch, async (batch) => {
        ran += options.count(batch);
        batches += 1;
        const problems = await fuzzer.batch(batch);
        if (problems.length === 0) return;
        const culprit = await fuzzer.culprit(batch);
        throw new Error(`${culprit}\n\nthe whole batch:\n${problems.slice(0, 5).join('\n')}`);
      }),
      {
        seed: options.seed + round,
        numRuns: Math.max(1, Math.ceil((options.cases - ran) / options.perBatch)),
        // The property finds the culprit case itself; shrinking whole batches against a server
        // is slow and gets stuck on batches that only fail together.
        endOnFailure: true,
      },
    );
  }
  return { cases: ran, batches };
}
