import type { Event, KeysResult, OpenResult, SendResult } from '@cinder/protocol';
import type { ClientCryptoOptions, Correctness } from '../lib/jobs.ts';
import { type BlobHttp, FILE_KIND, failureCode } from './attachment.ts';
import { CycleLog } from './cycle-log.ts';
import {
  type Batch,
  decrypt,
  decryptAll,
  type MessageTexts,
  matches,
  type Outgoing,
  type PairE2e,
  type Released,
  sameDirectory,
  seal,
} from './e2e.ts';
import type { Answer, WireDevice } from './wire-device.ts';

/** Alice's and Bob's connected devices, and how many cycles they have in flight. */
export interface PairDevices {
  alice: WireDevice;
  bob: WireDevice;
  inFlight: number;
  /** The devices' bearer tokens, for the HTTP side of attachment cycles. */
  tokens: { alice: string; bob: string };
  /** On Cinder: burn messages are sealed to Bob's devices (absent on the plain-text baselines). */
  e2e?: PairE2e;
}

/** One burn cycle: what was sent, and when each step happened (performance.now() ms). */
interface Cycle {
  pair: PairDevices;
  /** What Alice sends, once it is made (sealed inline after a directory read, or taken from the stock). */
  out?: Outgoing;
  /** When the cycle should have started: the schedule in an open loop (coordinated omission). */
  intendedAt: number;
  id?: string;
  storedAt?: number;
  deliveredAt?: number;
  openAt?: number;
  /** When Bob had the content: the open's reply, or (inline crypto) its decryption. */
  openedAt?: number;
  /** The text the open gave: plain (baselines) or decrypted inline. */
  openText?: string;
  /** The file decrypted inline (attachment cycles with inline crypto). */
  openFile?: Uint8Array<ArrayBuffer>;
  /** The upload Alice attached (attachment cycles). */
  upload?: string;
  /** The blob Bob downloaded before the open (attachment cycles). */
  blob?: Uint8Array<ArrayBuffer>;
  /** A sealed message's released envelope, decrypted after the drain (crypto ahead of the run). */
  released?: Released;
  /** The released envelope did not decrypt (already counted as `DECRYPT_FAILED`). */
  undecrypted?: boolean;
  openBurned?: boolean;
  burnedAt?: number;
  failed?: boolean;
}

/** Steps seen for a message id before Alice's `send` reply named it (Bob's socket can be read first). */
type Early = Omit<Cycle, 'pair' | 'out' | 'intendedAt'>;

/** Burn policy of every benchmark message: long enough that the sweeper never races an open. */
const BURN = { ttlSeconds: 3600, viewSeconds: 0 } as const;

/** Most ids one `delivered` frame may carry (protocol limit). */
const MAX_DELIVERED_IDS = 500;

/** Options of a `BurnCycles` run. */
export interface BurnCycleOptions {
  /** Bob sends `delivered` for each frame's messages before opening them, as the SDK does. */
  receipts: boolean;
  /** Devices acknowledge their cursor this often at most (0: never). */
  ackEveryMs: number;
  crypto: Pick<ClientCryptoOptions, 'inlineCrypto' | 'keysEverySend'>;
  /**
   * Every message carries a file made of `fileBody` (`fileBytes`), sealed as the SDK seals a burn
   * file: Alice uploads its blob over `http` before the send and attaches it, Bob downloads the
   * blob before the open. Cinder only (the baselines have no uploads).
   */
  attachment?: { http: BlobHttp; fileBody: Uint8Array };
}

/**
 * Runs burn cycles over connected pairs and checks each one end to end:
 * Alice `send` → reply (stored) → Bob gets the sealed `message` event (delivered) → Bob `open`
 * → reply with Alice's content and `burned: true` → Alice gets the `burned` event.
 *
 * On Cinder the content is end-to-end encrypted: Alice seals each message to Bob's key directory
 * (`keys`) and sends only the envelope; the open releases the envelope's pieces for Bob's device,
 * and the check is that they decrypt to exactly Alice's text. With `crypto.inlineCrypto` the
 * sealing and the decryption happen inside the cycle, as in an SDK client; otherwise the message
 * comes sealed from the pair's stock (`PairE2e.stock`) and the released envelopes are decrypted
 * and checked by `decryptReleased` after the drain. On the baselines the text travels in plain.
 *
 * Every completed cycle's times go to `log`; the caller summarises the window it measured.
 */
export class BurnCycles {
  readonly tally: Correctness;
  /** Times of every completed cycle; the traffic runner picks the window afterwards. */
  readonly log = new CycleLog();
  /** Called when a cycle finishes (completed or failed), e.g. to start the next one. */
  onFinish: (pair: PairDevices) => void = () => {};
  inFlight = 0;
  /** Messages sealed while cycles ran (inline crypto, or a stock that ran out). */
  sealedDuringRun = 0;
  /** `keys` requests sent while cycles ran. */
  directoryReads = 0;
  /** Released envelopes decrypted while cycles ran (inline crypto). */
  decryptedDuringRun = 0;
  /** Uploads of completed cycles: blobs of burned messages, which the server must delete. */
  readonly burnedUploads: string[] = [];

  private readonly byId = new Map<string, Cycle | Early>();
  private readonly finished = new Set<string>();
  private readonly drained: Array<() => void> = [];
  /** Envelopes of completed cycles, to decrypt and check after the drain. */
  private released: Released[] = [];

  /**
   * @param marker run-unique token put in every text.
   * @param texts numbers the messages (shared with the stock sealed ahead).
   * @param tally where the checks count.
   */
  constructor(
    private readonly marker: string,
    private readonly texts: MessageTexts,
    tally: Correctness,
    private readonly options: BurnCycleOptions,
  ) {
    this.tally = tally;
  }

  /** Attach the event handlers of a pair's devices. */
  attach(pair: PairDevices): void {
    pair.bob.onEvents = (events) => this.onBobEvents(pair, events);
    pair.alice.onEvents = (events) => this.onAliceEvents(events);
    const stray = (frame: { code: string }): void => this.countError(frame.code);
    pair.alice.onStrayError = stray;
    pair.bob.onStrayError = stray;
    pair.alice.ackEvery(this.options.ackEveryMs, stray);
    pair.bob.ackEvery(this.options.ackEveryMs, stray);
  }

  /** Start one cycle on `pair`; `intendedAt` is when it should have started. */
  start(pair: PairDevices, intendedAt: number): void {
    const cycle: Cycle = { pair, intendedAt };
    this.tally.started++;
    this.inFlight++;
    pair.inFlight++;
    const e2e = pair.e2e;
    if (e2e === undefined && this.options.attachment !== undefined) {
      throw new Error('attachment cycles need end-to-end encryption (Cinder)');
    }
    if (e2e === undefined) {
      this.send(cycle, this.texts.take(this.marker));
    } else if (this.options.crypto.keysEverySend) {
      // The SDK's path: read the directory, compare it with the one last seen, then seal and send.
      this.directoryReads++;
      pair.alice.request({ type: 'keys', username: pair.bob.username }, (answer) => {
        if (answer.type === 'error') {
          this.countError(answer.code);
          this.fail(cycle);
          return;
        }
        const devices = (answer.result as KeysResult).devices;
        if (e2e.directory !== undefined && !sameDirectory(e2e.directory, devices)) {
          // Nothing in the benchmark changes a device: a changed directory is the server's doing.
          this.tally.unexpected++;
          e2e.stock = [];
        }
        e2e.directory = devices;
        this.sealAndSend(cycle, e2e);
      });
    } else {
      this.sealAndSend(cycle, e2e);
    }
  }

  /** Send the stock's next message, or seal one now (inline crypto, or the stock ran out). */
  private sealAndSend(cycle: Cycle, e2e: PairE2e): void {
    const file = this.options.attachment;
    const stock = file === undefined ? e2e.stock : e2e.fileStock;
    const stocked = this.options.crypto.inlineCrypto ? undefined : stock.shift();
    if (stocked !== undefined) {
      this.send(cycle, stocked);
      return;
    }
    const directory = e2e.directory;
    if (directory === undefined) throw new Error('the key directory of a Cinder pair was never read');
    this.sealedDuringRun++;
    const { alice, bob } = cycle.pair;
    seal(this.texts.take(this.marker), alice.username, bob.username, directory, file?.fileBody).then(
      (sealed) => this.send(cycle, sealed),
      () => {
        this.countError('SEAL_FAILED');
        this.fail(cycle);
      },
    );
  }

  private send(cycle: Cycle, out: Outgoing): void {
    cycle.out = out;
    const blob = out.blob;
    const http = this.options.attachment?.http;
    if (blob === undefined || http === undefined) {
      this.sendFrame(cycle, out);
      return;
    }
    // The attachment first, as `sendFile` does: the send names a complete upload.
    http.upload(cycle.pair.tokens.alice, blob).then(
      (upload) => {
        cycle.upload = upload;
        delete out.blob; // Uploaded: Alice needs the bytes no more.
        this.sendFrame(cycle, out, { upload, kind: FILE_KIND, size: blob.length });
      },
      (error: unknown) => {
        this.countError(failureCode(error));
        this.fail(cycle);
      },
    );
  }

  private sendFrame(
    cycle: Cycle,
    out: Outgoing,
    attachment?: { upload: string; kind: typeof FILE_KIND; size: number },
  ): void {
    const { alice, bob } = cycle.pair;
    // A sealed burn message carries no text at all: the server refuses one that does.
    const content = out.sealed === undefined ? { text: out.text } : { sealed: out.sealed };
    alice.request(
      {
        type: 'send',
        key: out.key,
        to: bob.username,
        burn: BURN,
        ...content,
        ...(attachment === undefined ? {} : { attachment }),
      },
      (answer) => this.onSendAnswer(cycle, answer),
    );
  }

  /** Resolve when no cycle is in flight, or after `timeoutMs`; the rest count as lost. */
  async drain(timeoutMs: number): Promise<void> {
    if (this.inFlight > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        this.drained.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    this.tally.lost = this.tally.started - this.tally.completed;
  }

  /**
   * Decrypt every envelope released to a completed cycle and check it against the text sent
   * (crypto ahead of the run); call after `drain`. Returns the batch's count and CPU;
   * `onProgress` hears of every thousand.
   */
  async decryptReleased(onProgress: () => void): Promise<Batch> {
    const list = this.released;
    this.released = [];
    return decryptAll(
      list,
      (outcome) => {
        if (outcome === 'failed') this.countError('DECRYPT_FAILED');
        else if (outcome === 'mismatch') this.tally.contentMismatches++;
      },
      onProgress,
    );
  }

  private onSendAnswer(cycle: Cycle, answer: Answer): void {
    if (answer.type === 'error') {
      this.countError(answer.code);
      this.fail(cycle);
      return;
    }
    const result = answer.result as SendResult;
    cycle.id = result.id;
    cycle.storedAt = performance.now();
    const early = this.byId.get(result.id);
    if (early !== undefined) Object.assign(cycle, early, { storedAt: cycle.storedAt });
    this.byId.set(result.id, cycle);
    this.settle(cycle);
  }

  private onBobEvents(pair: PairDevices, events: Event[]): void {
    const now = performance.now();
    if (this.options.receipts) {
      const ids = events.flatMap((event) => (event.kind === 'message' ? [event.message.id] : []));
      for (let i = 0; i < ids.length; i += MAX_DELIVERED_IDS) {
        pair.bob.request({ type: 'delivered', ids: ids.slice(i, i + MAX_DELIVERED_IDS) }, (answer) => {
          if (answer.type === 'error') this.countError(answer.code);
        });
      }
    }
    for (const event of events) {
      if (event.kind !== 'message') continue; // Bob's own `burned` events are not part of the cycle.
      const message = event.message;
      if (message.text !== undefined || message.ext !== undefined) this.tally.sealedViolations++;
      const entry = this.entry(message.id);
      if (entry === undefined) continue;
      if (entry.deliveredAt !== undefined) {
        this.tally.duplicates++;
        continue;
      }
      entry.deliveredAt = now;
      const http = this.options.attachment?.http;
      if (http === undefined || message.attachment === undefined) {
        // Without an attachment an attachment cycle fails its check at settle (no file decrypts).
        this.open(pair, message.id, entry, now);
        continue;
      }
      // The ciphertext comes down before the open, as the SDK fetches it; the key share only with the open.
      http.download(pair.tokens.bob, message.id).then(
        (blob) => {
          const current = this.entry(message.id);
          if (current === undefined) return;
          current.blob = blob;
          this.open(pair, message.id, current, performance.now());
        },
        (error: unknown) => {
          this.countError(failureCode(error));
          const current = this.entry(message.id);
          if (current !== undefined) this.failEntry(current);
        },
      );
    }
  }

  private open(pair: PairDevices, id: string, entry: Cycle | Early, now: number): void {
    entry.openAt = now;
    pair.bob.request({ type: 'open', id }, (answer) => this.onOpenAnswer(pair, id, answer));
  }

  private onOpenAnswer(pair: PairDevices, id: string, answer: Answer): void {
    const entry = this.entry(id);
    if (entry === undefined) return;
    if (answer.type === 'error') {
      this.countError(answer.code);
      this.failEntry(entry);
      return;
    }
    const result = answer.result as OpenResult;
    entry.openBurned = result.burned;
    const bob = pair.e2e?.bob;
    if (bob === undefined) {
      entry.openedAt = performance.now();
      if (result.text !== undefined) entry.openText = result.text;
      this.settleEntry(entry);
      return;
    }
    // Cinder: the reply carries the envelope for Bob's device and the sender, never plain text.
    if (result.text !== undefined || result.ext !== undefined) this.tally.sealedViolations++;
    if (result.sealed === undefined || result.from === undefined) {
      entry.openedAt = performance.now();
      this.settleEntry(entry); // Nothing to decrypt: a content mismatch at settle.
      return;
    }
    const released: Released = {
      messageId: id,
      from: result.from,
      sealed: result.sealed,
      bob,
      ...(entry.blob === undefined ? {} : { blob: entry.blob }),
    };
    delete entry.blob; // Bob's copy now travels with the released envelope.
    if (!this.options.crypto.inlineCrypto) {
      entry.openedAt = performance.now();
      entry.released = released;
      this.settleEntry(entry);
      return;
    }
    this.decryptedDuringRun++;
    decrypt(released).then(
      ({ text, file }) =>
        this.onDecrypted(id, file === undefined ? { openText: text } : { openText: text, openFile: file }),
      () => {
        this.countError('DECRYPT_FAILED');
        this.onDecrypted(id, { undecrypted: true });
      },
    );
  }

  /** Bob has the content (inline crypto). The record is looked up again: an early one may have merged into its cycle meanwhile. */
  private onDecrypted(id: string, outcome: Pick<Cycle, 'openText' | 'openFile' | 'undecrypted'>): void {
    const entry = this.entry(id);
    if (entry === undefined) return;
    Object.assign(entry, outcome, { openedAt: performance.now() });
    this.settleEntry(entry);
  }

  private onAliceEvents(events: Event[]): void {
    const now = performance.now();
    for (const event of events) {
      if (event.kind !== 'burned') continue;
      const entry = this.entry(event.messageId);
      if (entry === undefined) continue;
      if (entry.burnedAt !== undefined) {
        this.tally.duplicates++;
        continue;
      }
      if (event.reason !== 'opened') this.tally.contentMismatches++;
      entry.burnedAt = now;
      this.settleEntry(entry);
    }
  }

  /** The record of a message id, creating an early one; undefined (and counted) once finished. */
  private entry(id: string): Cycle | Early | undefined {
    if (this.finished.has(id)) {
      this.tally.unexpected++;
      return undefined;
    }
    let entry = this.byId.get(id);
    if (entry === undefined) {
      entry = {};
      this.byId.set(id, entry);
    }
    return entry;
  }

  /** Settle a record that is a started cycle; an early one waits for Alice's `send` reply. */
  private settleEntry(entry: Cycle | Early): void {
    if ('pair' in entry) this.settle(entry);
  }

  private failEntry(entry: Cycle | Early): void {
    if ('pair' in entry) this.fail(entry);
    else entry.failed = true;
  }

  /** Complete the cycle once all three answers are in, checking the content round trip. */
  private settle(cycle: Cycle): void {
    if (cycle.failed) {
      this.fail(cycle);
      return;
    }
    if (cycle.storedAt === undefined || cycle.openedAt === undefined || cycle.burnedAt === undefined) return;
    const text = cycle.out?.text;
    const fileBody = this.options.attachment?.fileBody;
    const withBody = fileBody === undefined ? {} : { fileBody };
    if (cycle.openBurned !== true) this.tally.contentMismatches++;
    else if (cycle.released !== undefined)
      this.released.push({ ...cycle.released, expected: text ?? '', ...withBody });
    else if (!cycle.undecrypted && !this.openedMatches(cycle, text, fileBody)) this.tally.contentMismatches++;
    if (cycle.upload !== undefined) this.burnedUploads.push(cycle.upload);
    this.log.record({
      intendedAt: cycle.intendedAt,
      burnedAt: cycle.burnedAt,
      sendToStored: cycle.storedAt - cycle.intendedAt,
      sendToDelivered: (cycle.deliveredAt ?? cycle.openedAt) - cycle.intendedAt,
      openToBurned: cycle.burnedAt - (cycle.openAt ?? cycle.openedAt),
      cycle: cycle.burnedAt - cycle.intendedAt,
    });
    this.tally.completed++;
    this.finish(cycle);
  }

  /** What the open gave (plain, or decrypted inline) is what Alice sent. */
  private openedMatches(cycle: Cycle, text: string | undefined, fileBody: Uint8Array | undefined): boolean {
    if (cycle.openText === undefined) return false;
    const opened =
      cycle.openFile === undefined
        ? { text: cycle.openText }
        : { text: cycle.openText, file: cycle.openFile };
    return matches(opened, text, fileBody);
  }

  private fail(cycle: Cycle): void {
    this.finish(cycle);
  }

  private finish(cycle: Cycle): void {
    if (cycle.id !== undefined) {
      this.byId.delete(cycle.id);
      this.finished.add(cycle.id);
    }
    this.inFlight--;
    cycle.pair.inFlight--;
    this.onFinish(cycle.pair);
    if (this.inFlight === 0) for (const done of this.drained.splice(0)) done();
  }

  private countError(code: string): void {
    this.tally.errors[code] = (this.tally.errors[code] ?? 0) + 1;
  }
}
