import { DEFAULT_MAX_FRAME_BYTES, MAX_SEALED_KEYS, PROTOCOL_VERSION } from '@cinder/protocol';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Answer,
  DOCUMENTED_CLOSE_CODES,
  directoryOf,
  FUZZ_CASES,
  FUZZ_SEED,
  FUZZ_STORAGE,
  FuzzSocket,
  FuzzTarget,
  field,
  isExpectedCode,
  type J,
  jsonText,
  Long,
  nastyNumber,
  nastyString,
  nastyValue,
  Obj,
  object,
  runBatches,
  Slot,
  type SlotValues,
  sealedSendText,
} from './fuzz.ts';

// Issue 8: property-based fuzzing of every client frame type against a real server in a child
// process, before and after `hello`. Each case must get exactly one typed answer (a reply, an
// error frame with a known code other than INTERNAL, a welcome for a good hello) or a documented
// close code, the server must not crash or log an error, and a healthy pair keeps sending and
// opening burn messages between batches. Burn sends carry envelopes (docs/crypto.md): well formed,
// sealed to the recipient's device or not, malformed, or beside a text the server must refuse.
// FUZZ_SEED and FUZZ_RUNS change the seed and the count.

/** This suite's share of the run's cases (the HTTP suite runs the rest). */
const CASES = Math.ceil(FUZZ_CASES * 0.78);

// ---------------------------------------------------------------------------------------------
// Cases
// ---------------------------------------------------------------------------------------------

type WsCase =
  /** JSON text (always valid UTF-8: lone surrogates travel as \u escapes). */
  | { kind: 'json'; value: J }
  /** Text that is not JSON. */
  | { kind: 'garbage'; text: string }
  /** A binary frame: random bytes, or a frame whose UTF-8 was broken. */
  | { kind: 'binary'; bytes: Uint8Array; json?: J }
  /** Over --max-frame-bytes (128 KiB) but under the hard cap: PAYLOAD_TOO_LARGE. */
  | { kind: 'big'; size: number };

/** Cases that end their socket: one fresh socket each. */
type ClosingCase =
  /** A text frame that is not UTF-8: the WebSocket layer closes with 1007. */
  | { kind: 'bad-utf8-text'; bytes: Uint8Array; signedIn: boolean }
  /** Over the hard cap (1 MiB): 1009. */
  | { kind: 'oversize'; size: number; signedIn: boolean };

const rid = field(fc.constant(new Slot('rid')), { valid: 12, nasty: 2, absent: 1 });
const type = (name: string) => field(fc.constant(name), { valid: 24, nasty: 1, absent: 1 });
const idSlot: fc.Arbitrary<J> = fc.nat(1000).map((pick) => new Slot('id', pick));
const cursor: fc.Arbitrary<J> = fc.oneof(fc.nat(1000), nastyNumber);

const extValue: fc.Arbitrary<J> = fc
  .dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 5 })
  .map((record) => new Obj(Object.entries(record) as Array<[string, J]>));

/**
 * Weights of the fields of envelopes and burn sends: mostly valid, so that a fair share of them
 * reaches the checks behind the schema (sealed to every device of the recipient, KEYS_CHANGED).
 */
const MOSTLY = { valid: 30, nasty: 1, absent: 1 };

/** Base64url of `bytes` random bytes; sometimes a byte short or long, or base64 with `+/=`. */
function base64url(bytes: number): fc.Arbitrary<J> {
  const random = (n: number) => fc.uint8Array({ minLength: n, maxLength: n }).map((b) => Buffer.from(b));
  return fc.oneof(
    { weight: 30, arbitrary: random(bytes).map((b) => b.toString('base64url')) },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom(bytes - 1, bytes + 1)
        .chain(random)
        .map((b) => b.toString('base64url')),
    },
    { weight: 1, arbitrary: random(bytes).map((b) => b.toString('base64')) },
  );
}

/** A copy of `K1` sealed to a device: 0 the sink's, 1 the fuzz account's, 2 nobody's, 3 bob's. */
const sealedKey: fc.Arbitrary<Obj> = object({
  device: field(
    fc.nat(3).map((pick) => new Slot('device', pick)),
    MOSTLY,
  ),
  enc: field(base64url(32), MOSTLY),
  ct: field(base64url(48), MOSTLY),
});

/** A well-formed copy of `K1` (no nasty field), small enough to repeat past `MAX_SEALED_KEYS`. */
const wellFormedKey: fc.Arbitrary<J> = fc
  .tuple(
    fc.nat(3),
    fc.uint8Array({ minLength: 32, maxLength: 32 }),
    fc.uint8Array({ minLength: 48, maxLength: 48 }),
  )
  .map(
    ([pick, enc, ct]) =>
      new Obj([
        ['device', new Slot('device', pick)],
        ['enc', Buffer.from(enc).toString('base64url')],
        ['ct', Buffer.from(ct).toString('base64url')],
      ]),
  );

/** An envelope as a sender's device seals it (random bytes: nobody can open it), or a broken one. */
const envelope: fc.Arbitrary<Obj> = object({
  v: field(fc.constant(1), MOSTLY),
  id: field(base64url(16), MOSTLY),
  ct: field(
    fc.oneof(
      { weight: 16, arbitrary: fc.integer({ min: 28, max: 3000 }).chain(base64url) },
      // Too short for nonce and tag; too long for any payload.
      { weight: 1, arbitrary: fc.constantFrom<J>('', 'AAAA', new Long('A', 71_200)) },
    ),
    MOSTLY,
  ),
  k2: field(base64url(32), MOSTLY),
  keys: field(
    fc.oneof(
      { weight: 16, arbitrary: fc.array(sealedKey, { minLength: 1, maxLength: 3 }) as fc.Arbitrary<J> },
      { weight: 1, arbitrary: fc.constant<J>([]) },
      {
        weight: 1,
        arbitrary: fc
          .tuple(wellFormedKey, fc.integer({ min: MAX_SEALED_KEYS + 1, max: MAX_SEALED_KEYS + 4 }))
          .map(([key, n]) => Array<J>(n).fill(key)),
      },
    ),
    MOSTLY,
  ),
});

const burnPolicy = object({
  ttlSeconds: field(fc.integer({ min: 1, max: 10_000_000 })),
  viewSeconds: field(fc.integer({ min: 0, max: 86_400 })),
});

const text = fc.oneof(
  fc.string(),
  nastyString,
  fc.integer({ min: 1000, max: 17_000 }).map((n) => new Long('y', n)),
);

const frames: Record<string, fc.Arbitrary<Obj>> = {
  hello: object({
    type: type('hello'),
    protocol: field(fc.oneof({ weight: 6, arbitrary: fc.constant(PROTOCOL_VERSION) }, fc.integer())),
    // 0: the fuzz account's token; 1: a token that does not exist.
    token: field(fc.nat(1).map((pick) => new Slot('token', pick))),
    cursor: field(fc.oneof(fc.constant(null), cursor)),
    rid,
  }),
  // A normal send: text (and ext); sometimes a burn policy or an envelope it must not carry.
  send: object({
    type: type('send'),
    rid,
    key: field(fc.nat(5).map((pick) => new Slot('key', pick))),
    // 0: the sink account; 1: the fuzz account itself; 2: nobody; 3: bob of the healthy pair.
    to: field(fc.nat(3).map((pick) => new Slot('username', pick))),
    text: field(text),
    ext: field(extValue, { valid: 3, nasty: 2, absent: 4 }),
    burn: field(burnPolicy, { valid: 1, nasty: 1, absent: 4 }),
    sealed: field(envelope, { valid: 1, nasty: 1, absent: 6 }),
  }),
  // A burn send: an envelope; sometimes without one, or with a text or ext it must not carry.
  sealedSend: object({
    type: type('send'),
    rid,
    key: field(
      fc.nat(5).map((pick) => new Slot('key', pick)),
      MOSTLY,
    ),
    to: field(
      fc.nat(3).map((pick) => new Slot('username', pick)),
      MOSTLY,
    ),
    burn: field(
      object({
        ttlSeconds: field(fc.integer({ min: 1, max: 10_000_000 }), MOSTLY),
        viewSeconds: field(fc.integer({ min: 0, max: 86_400 }), MOSTLY),
      }),
      MOSTLY,
    ),
    sealed: field(envelope, MOSTLY),
    text: field(text, { valid: 1, nasty: 1, absent: 12 }),
    ext: field(extValue, { valid: 1, nasty: 1, absent: 12 }),
  }),
  // The key directory: 0 the sink's, 1 the fuzz account's own, 2 nobody's (NOT_FOUND), 3 bob's.
  keys: object({
    type: type('keys'),
    rid,
    username: field(fc.nat(3).map((pick) => new Slot('username', pick))),
  }),
  open: object({ type: type('open'), rid, id: field(idSlot) }),
  read: object({ type: type('read'), rid, id: field(idSlot) }),
  revoke: object({ type: type('revoke'), rid, id: field(idSlot) }),
  delivered: object({
    type: type('delivered'),
    rid,
    ids: field(fc.array(fc.oneof({ weight: 5, arbitrary: idSlot }, nastyValue), { maxLength: 600 })),
  }),
  ack: object({ type: type('ack'), rid, cursor: field(cursor) }),
  ping: object({ type: type('ping'), rid }),
  unknown: object({
    type: field(
      fc.oneof(nastyString, fc.constantFrom('reply', 'error', 'welcome', 'events', 'HELLO', 'send ')),
    ),
    rid,
  }),
};

const jsonCase: fc.Arbitrary<WsCase> = fc
  .oneof(
    ...Object.values(frames),
    // Burn sends are the richest frame to check: as often as three other frame types.
    { weight: 2, arbitrary: frames.sealedSend as fc.Arbitrary<Obj> },
    nastyValue,
  )
  .map((value) => ({ kind: 'json' as const, value }));

const binaryCase: fc.Arbitrary<WsCase> = fc.oneof(
  fc.uint8Array({ maxLength: 200 }).map((bytes) => ({ kind: 'binary' as const, bytes })),
  // A well-formed frame as bytes (decoded at send time), with one byte broken or not.
  fc
    .tuple(frames.send as fc.Arbitrary<J>, fc.constantFrom(-1, 0xff, 0xc3, 0xed))
    .map(([json, bad]) => ({ kind: 'binary' as const, bytes: Uint8Array.of(bad), json })),
);

const wsCase: fc.Arbitrary<WsCase> = fc.oneof(
  { weight: 40, arbitrary: jsonCase },
  { weight: 3, arbitrary: fc.string({ maxLength: 40 }).map((text) => ({ kind: 'garbage' as const, text })) },
  { weight: 5, arbitrary: binaryCase },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: DEFAULT_MAX_FRAME_BYTES + 1024, max: 400 * 1024 })
      .map((size) => ({ kind: 'big' as const, size })),
  },
);

const closingCase: fc.Arbitrary<ClosingCase> = fc.oneof(
  fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 40 }), fc.boolean()).map(([bytes, signedIn]) => ({
    kind: 'bad-utf8-text' as const,
    bytes: Uint8Array.from([...Buffer.from('{"type":"ping","rid":"'), ...bytes, 0xff, ...Buffer.from('"}')]),
    signedIn,
  })),
  fc
    .tuple(fc.integer({ min: 1024 * 1024 + 1, max: 1100 * 1024 }), fc.boolean())
    .map(([size, signedIn]) => ({ kind: 'oversize' as const, size, signedIn })),
);

interface Batch {
  /** Sent on a socket that has not said hello, one at a time. */
  before: WsCase[];
  /** Sent pipelined on a signed-in socket. */
  after: WsCase[];
  closing: ClosingCase[];
}

const batch: fc.Arbitrary<Batch> = fc.record({
  before: fc.array(wsCase, { maxLength: 16, size: 'max' }),
  after: fc.array(wsCase, { maxLength: 90, size: 'max' }),
  closing: fc.oneof(
    { weight: 12, arbitrary: fc.constant<ClosingCase[]>([]) },
    { weight: 1, arbitrary: fc.array(closingCase, { minLength: 1, maxLength: 1 }) },
  ),
});

// ---------------------------------------------------------------------------------------------
// Sending
// ---------------------------------------------------------------------------------------------

/** Slot values for the current server, recording the rids handed out for the current case. */
class Slots implements SlotValues {
  issued: string[] = [];
  pool: string[] = [];
  #n = 0;
  constructor(
    readonly target: FuzzTarget,
    readonly run: string,
  ) {}
  rid(): string {
    const rid = `fz~${this.run}~${++this.#n}`;
    this.issued.push(rid);
    return rid;
  }
  key(): string {
    return `fzkey-${this.run}-${++this.#n}`;
  }
  id(pick: number): string {
    return this.pool[pick % (this.pool.length + 1)] ?? 'm_never_existed';
  }
  token(pick: number): string {
    return pick === 0 ? this.target.accounts.fuzzer.token : `cdr_${'n'.repeat(43)}`;
  }
  username(pick: number): string {
    const { sink, fuzzer, bob } = this.target.accounts;
    return [sink.user.username, fuzzer.user.username, 'nobody-at-all', bob.user.username][pick % 4] as string;
  }
  device(pick: number): string {
    const { sink, fuzzer, bob } = this.target.accounts;
    return [sink.device.id, fuzzer.device.id, 'd_nobody', bob.device.id][pick % 4] as string;
  }
}

/**
 * What goes on the wire for a case: a string is a text frame, bytes a binary frame. A `rid` the
 * frame carries (a fuzzed one too) joins `slots.issued`: an answer may carry it.
 */
function wire(c: WsCase, slots: Slots): string | Uint8Array {
  const data = wireOf(c, slots);
  const json =
    c.kind === 'json' ? (data as string) : c.kind === 'binary' && c.json ? jsonText(c.json, slots) : null;
  if (json !== null) {
    try {
      const rid = (JSON.parse(json) as { rid?: unknown } | null)?.rid;
      if (typeof rid === 'string') slots.issued.push(rid);
    } catch {
      // not JSON: no rid
    }
  }
  return data;
}

function wireOf(c: WsCase, slots: Slots): string | Uint8Array {
  switch (c.kind) {
    case 'json':
      return jsonText(c.value, slots);
    case 'garbage':
      return c.text;
    case 'binary': {
      if (c.json === undefined) return c.bytes;
      const bytes = Buffer.from(jsonText(c.json, slots));
      const bad = c.bytes[0] ?? 0;
      if (bad === 0) return bytes;
      // Break the UTF-8 inside the first string after "text" (or anywhere): a lone lead byte.
      const at = Math.max(0, bytes.indexOf('"text":"') + 8);
      return Buffer.concat([bytes.subarray(0, at), Uint8Array.of(bad), bytes.subarray(at)]);
    }
    case 'big':
      return `{"type":"send","rid":${JSON.stringify(slots.rid())},"key":"big-key-1","to":"x","text":"${'z'.repeat(c.size)}"}`;
  }
}

function describeCase(c: WsCase | ClosingCase, data?: string | Uint8Array): string {
  const shown =
    typeof data === 'string' ? data : data ? `bytes ${Buffer.from(data).toString('hex')}` : fc.stringify(c);
  return `${c.kind}: ${shown.length > 400 ? `${shown.slice(0, 400)}… (${shown.length})` : shown}`;
}

function send(socket: FuzzSocket, data: string | Uint8Array): void {
  if (typeof data === 'string') socket.ws.send(data);
  else socket.ws.send(data, { binary: true });
}

/** Checks one answer; returns what is wrong with it, or null. */
function badAnswer(answer: Answer, rids: readonly string[], signedIn: boolean): string | null {
  if (answer.type === 'welcome') return signedIn ? 'a welcome after hello' : null;
  if (answer.type === 'reply') {
    if (!signedIn) return 'a reply before hello';
    return rids.includes(answer.rid) ? null : `a reply to a rid it was not sent (${answer.rid})`;
  }
  if (!isExpectedCode(answer.code)) return `error code ${answer.code}`;
  if (answer.rid !== null && !rids.includes(answer.rid))
    return `an error for a rid it was not sent (${answer.rid})`;
  return null;
}

/** Runs batches of cases against the target and says what went wrong with each. */
class FrameFuzz {
  readonly tally = { before: 0, after: 0, closing: 0 };
  readonly ms = { before: 0, after: 0, closing: 0, check: 0 };
  /** Problems seen outside a batch (a log line or a close that came late). */
  readonly lateErrors: string[] = [];
  #slots!: Slots;
  #signedIn: FuzzSocket | null = null;
  /** Answers the signed-in socket should have received so far. */
  #expected = 0;
  #generation = 0;
  /** Whether the last batch failed: a socket it left closed is its doing. */
  #lastFailed = false;

  constructor(readonly target: FuzzTarget) {}

  /** A live server with its fixtures and a signed-in socket. */
  async ready(): Promise<void> {
    const { target } = this;
    await target.ensure();
    if (target.generation !== this.#generation) await this.#prepare();
    if (!this.#signedIn?.open) {
      if (!this.#lastFailed) {
        this.lateErrors.push(`the signed-in socket closed between batches (${this.#signedIn?.closeCode})`);
      }
      await this.#signIn();
    }
    // Log lines come asynchronously: one that lands late fails the test at the end, but does not
    // fail (and mislead the search for the culprit of) this batch.
    this.lateErrors.push(...target.errorLogs.splice(0));
  }

  async #signIn(): Promise<void> {
    this.#signedIn?.close();
    this.#signedIn = await FuzzSocket.connect(this.target.url, this.target.accounts.fuzzer.token);
    this.#expected = 1; // its welcome
  }

  /** Fixtures of a (new) server: messages between the fuzz account and the sink, both ways. */
  async #prepare(): Promise<void> {
    const { target } = this;
    this.#generation = target.generation;
    this.#slots = new Slots(target, `g${this.#generation}`);
    await this.#signIn();
    const mine = this.#signedIn as FuzzSocket;
    const sink = await FuzzSocket.connect(target.url, target.accounts.sink.token);
    const { fuzzer, sink: sinkAccount } = target.accounts;
    const pairs: Array<[FuzzSocket, string, string]> = [
      [mine, fuzzer.user.username, sinkAccount.user.username],
      [sink, sinkAccount.user.username, fuzzer.user.username],
    ];
    for (const [from, fromName, to] of pairs) {
      // Burn fixtures are sealed to the recipient's directory, read on the sink's socket (whose
      // answers this suite does not count).
      const devices = await directoryOf(sink, to, `fixture-keys-${from === sink}`);
      for (let i = 0; i < 24; i++) {
        const rid = `fixture-${i}`;
        const key = `fixture-key-${from === sink}-${i}`;
        const text = `f${i}`;
        from.ws.send(
          i % 2
            ? await sealedSendText({ rid, key, from: fromName, to, text, devices })
            : JSON.stringify({ type: 'send', rid, key, to, text }),
        );
        if (from === mine) this.#expected += 1;
      }
      const fixtures = () => from.answers.filter((a) => a.type === 'reply' && /^fixture-\d+$/.test(a.rid));
      if (!(await from.until(() => fixtures().length >= 24))) throw new Error('fixtures were not stored');
      for (const a of fixtures())
        if (a.type === 'reply') this.#slots.pool.push((a.result as { id: string }).id);
    }
    sink.close();
  }

  /** Before hello: one case at a time on a socket that has not signed in. */
  async before(cases: readonly WsCase[]): Promise<string[]> {
    const problems: string[] = [];
    const slots = this.#slots;
    let current: FuzzSocket | null = null;
    let signedIn = false;
    for (const c of cases) {
      this.tally.before += 1;
      if (!current?.open || signedIn) {
        current?.close();
        current = await FuzzSocket.open(this.target.url);
        signedIn = false;
      }
      const pre: FuzzSocket = current;
      slots.issued = [];
      const data = wire(c, slots);
      const rids = slots.issued;
      const seen = pre.answers.length;
      send(pre, data);
      if (!(await pre.until(() => pre.answers.length > seen))) {
        problems.push(`before hello, no answer (close ${pre.closeCode}) to ${describeCase(c, data)}`);
        continue;
      }
      const answer = pre.answers[seen] as Answer;
      const wrong = badAnswer(answer, rids, signedIn);
      if (wrong)
        problems.push(`before hello, ${wrong}: ${JSON.stringify(answer)} to ${describeCase(c, data)}`);
      if (answer.type === 'welcome') signedIn = true;
      if (answer.type === 'error' && answer.rid === null) {
        // A refused hello closes the socket: a ping tells whether it is still open.
        const barrier = `barrier-${seen}`;
        pre.ws.send(JSON.stringify({ type: 'ping', rid: barrier }));
        await pre.until(() => pre.answers.some((a) => a.type !== 'welcome' && a.rid === barrier));
        if (!pre.open && !DOCUMENTED_CLOSE_CODES.has(pre.closeCode ?? -1)) {
          problems.push(`before hello, close code ${pre.closeCode} after ${describeCase(c, data)}`);
        }
      }
      const extra = pre.answers
        .slice(seen + 1)
        .filter((a) => !(a.type === 'error' && a.rid?.startsWith('barrier-')));
      if (extra.length > 0) problems.push(`before hello, more than one answer to ${describeCase(c, data)}`);
      if (pre.invalid.length > 0) {
        problems.push(
          `before hello, invalid server frames (${pre.invalid.splice(0).join('; ')}) after ${describeCase(c, data)}`,
        );
      }
    }
    current?.close();
    return problems;
  }

  /** After hello: the cases pipelined on the signed-in socket, then a ping. */
  async after(cases: readonly WsCase[]): Promise<string[]> {
    const problems: string[] = [];
    const slots = this.#slots;
    const socket = this.#signedIn as FuzzSocket;
    const seen = socket.answers.length;
    slots.issued = [];
    const sent: string[] = [];
    for (const c of cases) {
      this.tally.after += 1;
      const data = wire(c, slots);
      sent.push(describeCase(c, data));
      send(socket, data);
    }
    const sentinel = slots.rid();
    socket.ws.send(JSON.stringify({ type: 'ping', rid: sentinel }));
    this.#expected += cases.length + 1;
    const frames = `frames: ${sent.join(' | ')}`;
    if (!(await socket.until(() => socket.answers.length - seen >= cases.length + 1))) {
      problems.push(
        `after hello, ${socket.answers.length - seen} answers to ${cases.length + 1} frames (close ${socket.closeCode}); ${frames}`,
      );
    }
    for (const answer of socket.answers.slice(seen)) {
      const wrong = badAnswer(answer, slots.issued, true);
      if (wrong) problems.push(`after hello, ${wrong}: ${JSON.stringify(answer)}; ${frames}`);
    }
    // Rids handed out by the slots are unique (fuzzed ones may repeat).
    const answered = socket.answers
      .slice(seen)
      .flatMap((a) => (a.type !== 'welcome' && a.rid?.startsWith('fz~') ? [a.rid] : []));
    if (new Set(answered).size !== answered.length)
      problems.push(`after hello, a rid answered twice; ${frames}`);
    if (socket.invalid.length > 0) {
      problems.push(`after hello, invalid server frames (${socket.invalid.splice(0).join('; ')}); ${frames}`);
    }
    return problems;
  }

  /** Cases that end their socket, each on a socket of its own. */
  async closing(cases: readonly ClosingCase[]): Promise<string[]> {
    const problems: string[] = [];
    const { target } = this;
    for (const c of cases) {
      this.tally.closing += 1;
      const s = c.signedIn
        ? await FuzzSocket.connect(target.url, target.accounts.fuzzer.token)
        : await FuzzSocket.open(target.url);
      const data = c.kind === 'oversize' ? Buffer.alloc(c.size, 0x20) : c.bytes;
      s.ws.send(data, { binary: false });
      await s.until(() => false);
      const expected = c.kind === 'oversize' ? 1009 : 1007;
      if (s.closeCode !== expected)
        problems.push(`close code ${s.closeCode} (wanted ${expected}) after ${describeCase(c)}`);
      for (const a of s.answers) {
        const wrong = a.type === 'welcome' ? null : badAnswer(a, [], c.signedIn);
        if (wrong) problems.push(`${wrong} after ${describeCase(c)}`);
      }
      s.close();
    }
    return problems;
  }

  /** One batch, then the server's health: every problem seen. */
  async batch(b: Batch): Promise<string[]> {
    await this.ready();
    const problems: string[] = [];
    let mark = performance.now();
    const lap = (phase: keyof FrameFuzz['ms']) => {
      const now = performance.now();
      this.ms[phase] += now - mark;
      mark = now;
    };
    problems.push(...(await this.before(b.before)));
    lap('before');
    problems.push(...(await this.after(b.after)));
    lap('after');
    problems.push(...(await this.closing(b.closing)));
    lap('closing');
    // The server lives and works, and logged no error.
    try {
      await this.target.check();
    } catch (error) {
      problems.push((error as Error).message);
    }
    lap('check');
    if (this.target.errorLogs.length > 0)
      problems.push(`error logged: ${this.target.errorLogs.splice(0).join('\n')}`);
    this.#lastFailed = problems.length > 0;
    return problems;
  }

  /** The first case of a failed batch that fails on its own, with what went wrong. */
  async culprit(b: Batch): Promise<string> {
    const alone: Array<[string, () => Promise<string[]>]> = [
      ...b.before.map((c): [string, () => Promise<string[]>] => [describeCase(c), () => this.before([c])]),
      ...b.after.map((c): [string, () => Promise<string[]>] => [describeCase(c), () => this.after([c])]),
      ...b.closing.map((c): [string, () => Promise<string[]>] => [describeCase(c), () => this.closing([c])]),
    ];
    for (const [what, run] of alone) {
      this.#lastFailed = true;
      await this.ready();
      const problems = await run();
      await this.target.collectProblems(problems);
      if (problems.length > 0) return `smallest counterexample, one case: ${what}\n${problems.join('\n')}`;
    }
    return 'no case fails on its own: the batch fails only as a whole';
  }

  /** The signed-in socket's answers add up: nothing answered late or twice across batches. */
  async finalCount(): Promise<{ got: number; expected: number } | null> {
    const last = this.#signedIn;
    if (!last?.open) return null;
    last.ws.send(JSON.stringify({ type: 'ping', rid: 'final-ping' }));
    this.#expected += 1;
    await last.until(() => last.answers.some((a) => a.type === 'reply' && a.rid === 'final-ping'));
    return { got: last.answers.length, expected: this.#expected };
  }
}

describe('fuzz: client frames against a real server', () => {
  let target: FuzzTarget;
  beforeAll(async () => {
    target = await FuzzTarget.start();
  });
  afterAll(async () => {
    await target?.close();
  });

  it(`answers every frame once, before and after hello, and never crashes (seed ${FUZZ_SEED})`, async () => {
    const started = Date.now();
    const fuzz = new FrameFuzz(target);
    const { cases: total, batches } = await runBatches<Batch>({
      cases: CASES,
      seed: FUZZ_SEED,
      batch,
      count: (b) => b.before.length + b.after.length + b.closing.length,
      perBatch: 52,
      fuzzer: fuzz,
    });
    const count = await fuzz.finalCount();
    if (count) expect(count.got).toBe(count.expected);
    const { tally, ms } = fuzz;
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    const phases = Object.entries(ms)
      .map(([k, v]) => `${k} ${(v / 1000).toFixed(1)} s`)
      .join(', ');
    console.info(
      `fuzz-frames (${FUZZ_STORAGE}): seed ${FUZZ_SEED}, ${total} cases (${tally.before} before hello, ${tally.after} after, ${tally.closing} closing) in ${batches} batches, ${seconds} s (${phases}); FUZZ_SEED and FUZZ_RUNS change them`,
    );
    expect(fuzz.lateErrors).toEqual([]);
    expect(target.crashes).toEqual([]);
    expect(total).toBeGreaterThanOrEqual(CASES);
  }, 600_000);
});
