import { randomBytes } from 'node:crypto';
import type { DirectoryDevice, Envelope, Event, KeysResult, OpenResult, SendResult } from '@cinder/protocol';
import { type Correctness, emptyCorrectness, type SyncJob, type SyncResult } from '../lib/jobs.ts';
import { decryptAll, type Identity, importIdentity, MessageTexts, type Released, seal } from './e2e.ts';
import { type Answer, FrameCheck, WireDevice } from './wire-device.ts';

/** Sends in flight while the backlog accumulates. */
const SEND_WINDOW = 256;
/** Accumulating gives up after this long without a thousand more sends answered. */
const STALL_MS = 60_000;

/**
 * Reconnect sync. Bob's second device syncs, goes offline; Alice sends `events` burn messages and
 * Bob's online device opens every other one. The offline device's backlog is then one sealed
 * `message` event per unopened message plus one `burned` event per opened one: `events` in all,
 * with no `message` event of an opened message (a burned message is never delivered). The device
 * reconnects from its old cursor `repeats` times; each time is measured from opening the socket to
 * handling `synced`, validating every frame as the SDK does. Afterwards Bob opens the rest, so no
 * content is left on the server.
 *
 * On Cinder each message is sealed (to both of Bob's devices, his key directory) as it is sent,
 * and every open's envelope is decrypted and checked against the text sent once all are opened;
 * on the baselines the texts travel in plain and are checked the same way.
 */
export async function runSync(job: SyncJob, onProgress: () => void = () => {}): Promise<SyncResult> {
  const tally = emptyCorrectness();
  const check = new FrameCheck(1, tally);
  const offline = await WireDevice.connect({ url: job.url, creds: job.bobOffline, cursor: null, check });
  const cursor = offline.device.cursor;
  await offline.device.close();

  const [alice, bob, bobIdentity] = await Promise.all([
    WireDevice.connect({ url: job.url, creds: job.alice, cursor: null, check }),
    WireDevice.connect({ url: job.url, creds: job.bobOnline, cursor: null, check }),
    importIdentity(job.bobOnline),
  ]);
  const contents = new Contents(tally, bobIdentity);
  if (bobIdentity !== undefined) contents.directory = await readDirectory(alice.device, bob.device.username);
  const setupStarted = performance.now();
  const backlog = await accumulate(job, alice.device, bob.device, contents, onProgress);
  const setupMs = performance.now() - setupStarted;

  const syncMs: number[] = [];
  let frames = 0;
  let bytes = 0;
  for (let i = 0; i < job.repeats; i++) {
    const { device, sync } = await WireDevice.connect({ url: job.url, creds: job.bobOffline, cursor, check });
    syncMs.push(sync.syncMs);
    if (i === 0) {
      frames = device.frames;
      bytes = device.bytes;
    }
    verifyBacklog(sync.events, sync.resync.length, backlog, tally);
    await device.close();
  }

  // Burn what is left so that the data directory ends with no content in it.
  await openAll(bob.device, [...backlog.kept], contents);
  await Promise.all([alice.device.close(), bob.device.close()]);
  await contents.check(onProgress);
  return { events: job.events, syncMs, frames, bytes, setupMs, correctness: tally };
}

/** Alice's read of a user's key directory. */
async function readDirectory(alice: WireDevice, username: string): Promise<DirectoryDevice[]> {
  const answer = await new Promise<Answer>((resolve) => alice.request({ type: 'keys', username }, resolve));
  if (answer.type === 'error') throw new Error(`keys of ${username}: ${answer.code}`);
  return (answer.result as KeysResult).devices;
}

/**
 * The texts Alice sent and what Bob's opens gave back, checked together at the end: an open's
 * reply can be read before the `send` reply that names its message.
 */
class Contents {
  /** Bob's key directory as Alice read it (Cinder). */
  directory: DirectoryDevice[] | undefined;
  private readonly sent = new Map<string, string>();
  private readonly opened: Array<{ id: string; result: OpenResult }> = [];

  constructor(
    readonly tally: Correctness,
    /** The opening device's identity on Cinder; undefined on the plain-text baselines. */
    private readonly bob: Identity | undefined,
  ) {}

  /** The `send` frame's content: sealed to Bob's devices on Cinder, the plain text otherwise. */
  async content(from: string, to: string, text: string): Promise<{ text: string } | { sealed: Envelope }> {
    if (this.directory === undefined) return { text };
    const out = await seal({ n: 0, key: '', text }, from, to, this.directory);
    if (out.sealed === undefined) throw new Error('sealing gave no envelope');
    return { sealed: out.sealed };
  }

  sentAs(id: string, text: string): void {
    this.sent.set(id, text);
  }

  /** An open's reply: it must have burned, and carry an envelope (Cinder) or the text (baselines). */
  openedAs(id: string, result: OpenResult): void {
    if (result.burned !== true) this.tally.contentMismatches++;
    if (this.bob !== undefined && (result.text !== undefined || result.ext !== undefined))
      this.tally.sealedViolations++;
    this.opened.push({ id, result });
  }

  /** Compare every opened message with its text: decrypted on Cinder, as given on the baselines. */
  async check(onProgress: () => void): Promise<void> {
    const released: Released[] = [];
    for (const { id, result } of this.opened) {
      const expected = this.sent.get(id);
      if (expected === undefined) this.tally.unexpected++;
      else if (this.bob === undefined) {
        if (result.text !== expected) this.tally.contentMismatches++;
      } else if (result.sealed === undefined || result.from === undefined) this.tally.contentMismatches++;
      else
        released.push({ messageId: id, from: result.from, sealed: result.sealed, bob: this.bob, expected });
    }
    await decryptAll(
      released,
      (outcome) => {
        if (outcome === 'failed')
          this.tally.errors.DECRYPT_FAILED = (this.tally.errors.DECRYPT_FAILED ?? 0) + 1;
        else if (outcome === 'mismatch') this.tally.contentMismatches++;
      },
      onProgress,
    );
  }
}

interface Backlog {
  kept: Set<string>;
  opened: Set<string>;
}

/** Send `job.events` burn messages; Bob opens every other one as it arrives. */
async function accumulate(
  job: SyncJob,
  alice: WireDevice,
  bob: WireDevice,
  contents: Contents,
  onProgress: () => void,
): Promise<Backlog> {
  const tally = contents.tally;
  const texts = new MessageTexts(randomBytes(4).toString('hex'));
  let onReplies: () => void = () => {};
  const backlog: Backlog = { kept: new Set(), opened: new Set() };
  const burnedAtAlice = new Set<string>();
  let delivered = 0;
  let pendingOpens = 0;
  let sent = 0;
  let replied = 0;
  let done: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    done = resolve;
  });
  const check = (): void => {
    if (replied === job.events && delivered === job.events && pendingOpens === 0) {
      if (burnedAtAlice.size >= backlog.opened.size) done();
    }
  };
  const countError = (answer: Answer): void => {
    if (answer.type === 'error') tally.errors[answer.code] = (tally.errors[answer.code] ?? 0) + 1;
  };
  bob.onEvents = (events) => {
    for (const event of events) {
      if (event.kind !== 'message') continue;
      delivered++;
      const id = event.message.id;
      if (delivered % 2 === 0) {
        backlog.kept.add(id);
        continue;
      }
      backlog.opened.add(id);
      pendingOpens++;
      bob.request({ type: 'open', id }, (answer) => {
        pendingOpens--;
        countError(answer);
        if (answer.type === 'reply') contents.openedAs(id, answer.result as OpenResult);
        check();
      });
    }
    check();
  };
  alice.onEvents = (events) => {
    for (const event of events) if (event.kind === 'burned') burnedAtAlice.add(event.messageId);
    check();
  };
  const sendNext = (): void => {
    if (sent >= job.events) return;
    sent++;
    tally.started++;
    const { key, text } = texts.take(job.marker);
    const answered = (): void => {
      if (++replied % 1_000 === 0) onReplies();
      sendNext();
      check();
    };
    contents.content(alice.username, bob.username, text).then(
      (content) =>
        alice.request(
          { type: 'send', key, to: bob.username, burn: { ttlSeconds: 3600 }, ...content },
          (answer) => {
            countError(answer);
            if (answer.type === 'reply') contents.sentAs((answer.result as SendResult).id, text);
            answered();
          },
        ),
      () => {
        tally.errors.SEAL_FAILED = (tally.errors.SEAL_FAILED ?? 0) + 1;
        answered();
      },
    );
  };
  for (let i = 0; i < SEND_WINDOW; i++) sendNext();
  // Bounded in count (job.events) and in time: it gives up after a stall of STALL_MS without a
  // thousand more sends answered (sealing each one makes a busy machine slow, not stuck).
  let stall: NodeJS.Timeout | undefined;
  const stalled = new Promise<void>((resolve) => {
    const arm = (): void => {
      stall = setTimeout(resolve, STALL_MS);
      stall.unref();
    };
    arm();
    onReplies = () => {
      clearTimeout(stall);
      onProgress();
      arm();
    };
  });
  await Promise.race([finished, stalled]);
  clearTimeout(stall);
  tally.completed = replied;
  return backlog;
}

/** Check the reconnecting device got exactly the backlog: live messages sealed, burns as tombstones. */
function verifyBacklog(events: Event[], resynced: number, backlog: Backlog, tally: Correctness): void {
  if (resynced > 0) tally.unexpected += resynced;
  const seenMessages = new Set<string>();
  const seenBurns = new Set<string>();
  let lastSeq = -1;
  for (const event of events) {
    if (event.seq <= lastSeq) tally.unexpected++;
    lastSeq = event.seq;
    if (event.kind === 'message') {
      const id = event.message.id;
      if (event.message.text !== undefined || event.message.ext !== undefined) tally.sealedViolations++;
      if (!backlog.kept.has(id)) tally.unexpected++;
      if (seenMessages.has(id)) tally.duplicates++;
      seenMessages.add(id);
    } else if (event.kind === 'burned') {
      if (!backlog.opened.has(event.messageId)) tally.unexpected++;
      if (seenBurns.has(event.messageId)) tally.duplicates++;
      seenBurns.add(event.messageId);
    }
  }
  tally.lost += backlog.kept.size - seenMessages.size + (backlog.opened.size - seenBurns.size);
}

/** Open every id and wait for the replies, keeping each for the content check. */
async function openAll(bob: WireDevice, ids: string[], contents: Contents): Promise<void> {
  const tally = contents.tally;
  await new Promise<void>((resolve) => {
    let left = ids.length;
    if (left === 0) resolve();
    for (const id of ids) {
      bob.request({ type: 'open', id }, (answer) => {
        if (answer.type === 'error') tally.errors[answer.code] = (tally.errors[answer.code] ?? 0) + 1;
        else contents.openedAs(id, answer.result as OpenResult);
        if (--left === 0) resolve();
      });
    }
  });
}
