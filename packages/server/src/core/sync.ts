import type { Event, MessageView, ServerFrame } from '@cinder/protocol';
import { type Logger, safeError } from '../logger.ts';
import type { Storage } from '../storage/storage.ts';

/** Where a device's sync frames go (its WebSocket). */
export interface SyncTransport {
  send(frame: ServerFrame): void;
  /** False while the socket's send buffer is full: the sync pauses until `resume()`. */
  writable(): boolean;
  /** The sync cannot continue (storage failed): close the connection. */
  fail(): void;
}

/** Events read (and sent) per storage call. */
const EVENT_PAGE = 256;
/** Messages per `resync` storage page. */
const RESYNC_PAGE = 200;
/**
 * Roughly how many bytes one `events` or `resync` frame carries at most (more frames when a
 * page holds big messages), so that what waits for a slow reader stays far below its cap.
 */
const FRAME_BYTES = 512 * 1024;
/** What an event or a listed message adds to a frame, besides its content. */
const ENTRY_OVERHEAD = 320;

/** An estimate of a message's JSON size: `size` is its content's byte length (text and ext). */
function messageBytes(message: MessageView): number {
  return message.text === undefined && message.ext === undefined
    ? ENTRY_OVERHEAD
    : ENTRY_OVERHEAD + message.size;
}

function eventBytes(event: Event): number {
  return event.kind === 'message' ? messageBytes(event.message) : ENTRY_OVERHEAD;
}

/**
 * The sync of one connected device: a full `resync` or the backlog after its cursor, `synced`,
 * then live events. Backlog and live are one mechanism, a pull from the log after the last seq
 * scanned, so nothing is interleaved, reordered, skipped or sent twice; wake-ups that arrive
 * while a pull runs just make it pull again.
 */
export class DeviceSync {
  readonly #storage: Storage;
  readonly #userId: string;
  readonly #deviceId: string;
  readonly #transport: SyncTransport;
  readonly #logger: Logger;
  #state: 'idle' | 'syncing' | 'live' | 'closed' = 'idle';
  /** Highest seq of this user's log already considered for this device. */
  #scanned = 0;
  #pulling = false;
  #dirty = false;
  /** A resync waiting for the socket to drain. */
  #drained: (() => void) | null = null;

  constructor(options: {
    storage: Storage;
    userId: string;
    deviceId: string;
    transport: SyncTransport;
    logger: Logger;
  }) {
    this.#storage = options.storage;
    this.#userId = options.userId;
    this.#deviceId = options.deviceId;
    this.#transport = options.transport;
    this.#logger = options.logger;
  }

  /** Begin syncing from the device's `hello` cursor. */
  async start(cursor: number | null): Promise<void> {
    if (this.#state !== 'idle') return;
    this.#state = 'syncing';
    this.#pulling = true;
    try {
      const { head, floor } = await this.#storage.logBounds();
      // A cursor past the head comes from another database: start over like a new device.
      if (cursor === null || cursor < floor || cursor > head) {
        await this.#resync(head);
        this.#scanned = head;
      } else {
        this.#scanned = cursor;
      }
    } catch (error) {
      this.#failed(error);
      return;
    } finally {
      this.#pulling = false;
    }
    await this.#pull();
  }

  /** The user's log may have grown. */
  wake(): void {
    if (this.#state === 'idle' || this.#pulling) {
      this.#dirty = true;
      return;
    }
    if (this.#state !== 'closed') void this.#pull();
  }

  /** The socket drained: continue if there is more to send. */
  resume(): void {
    const drained = this.#drained;
    this.#drained = null;
    drained?.();
    if (this.#state === 'syncing' || this.#dirty) this.wake();
  }

  close(): void {
    this.#state = 'closed';
    this.resume();
  }

  /** Resolves once the transport takes frames again (or the sync closed). */
  #writableAgain(): Promise<void> {
    if (this.#transport.writable() || this.#state === 'closed') return Promise.resolve();
    return new Promise((resolve) => {
      this.#drained = resolve;
    });
  }

  async #resync(head: number): Promise<void> {
    let after: number | null = null;
    do {
      await this.#writableAgain();
      if (this.#isClosed()) return;
      const page: Awaited<ReturnType<Storage['listLiveMessages']>> = await this.#storage.listLiveMessages(
        this.#userId,
        after,
        RESYNC_PAGE,
      );
      if (this.#isClosed()) return;
      const last = page.next === null;
      let messages: MessageView[] = [];
      let bytes = 0;
      for (const message of page.messages) {
        const size = messageBytes(message);
        if (messages.length > 0 && bytes + size > FRAME_BYTES) {
          this.#transport.send({ type: 'resync', messages, done: false, cursor: head });
          messages = [];
          bytes = 0;
          await this.#writableAgain();
          if (this.#isClosed()) return;
        }
        messages.push(message);
        bytes += size;
      }
      this.#transport.send({ type: 'resync', messages, done: last, cursor: head });
      after = page.next;
    } while (after !== null);
  }

  async #pull(): Promise<void> {
    if (this.#pulling) {
      this.#dirty = true;
      return;
    }
    this.#pulling = true;
    try {
      for (;;) {
        this.#dirty = false;
        if (this.#state === 'closed') return;
        if (!this.#transport.writable()) {
          this.#dirty = true; // resume() continues
          return;
        }
        const after = this.#scanned;
        const page = await this.#storage.readEvents(this.#userId, after, EVENT_PAGE);
        if (this.#isClosed()) return;
        if (this.#state === 'syncing') {
          // A prune that ran after this cursor was accepted (between logBounds() and this read)
          // may have deleted events the device never got: the page would look complete while it
          // is not. The floor says so; such a device starts over like one with a pruned cursor.
          const { head, floor } = await this.#storage.logBounds();
          if (this.#isClosed()) return;
          if (floor > after) {
            await this.#resync(head);
            if (this.#isClosed()) return;
            this.#scanned = head;
            continue;
          }
        }
        let events: Event[] = [];
        let bytes = 0;
        let stopped = false;
        for (const logged of page.events) {
          const { event } = logged;
          // A device never gets its own send back as an event: it has the reply.
          if (logged.originDevice !== this.#deviceId) {
            const size = eventBytes(event);
            if (events.length > 0 && bytes + size > FRAME_BYTES) {
              this.#transport.send({ type: 'events', events, cursor: (events.at(-1) as Event).seq });
              events = [];
              bytes = 0;
              // The socket is full: the rest of this page is read again after the drain.
              if (!this.#transport.writable()) {
                stopped = true;
                break;
              }
            }
            events.push(event);
            bytes += size;
          }
          this.#scanned = event.seq;
        }
        const lastEvent = events.at(-1);
        if (lastEvent) this.#transport.send({ type: 'events', events, cursor: lastEvent.seq });
        if (stopped) {
          this.#dirty = true; // resume() continues
          return;
        }
        this.#scanned = page.last;
        if (page.more) continue;
        if (this.#state === 'syncing') {
          this.#state = 'live';
          this.#transport.send({ type: 'synced', cursor: this.#scanned });
        }
        if (!this.#dirty) return;
      }
    } catch (error) {
      this.#failed(error);
    } finally {
      this.#pulling = false;
    }
  }

  /** A method, not a field read, so the compiler does not narrow the state across awaits. */
  #isClosed(): boolean {
    return this.#state === 'closed';
  }

  #failed(error: unknown): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#logger.error({ err: safeError(error), deviceId: this.#deviceId }, 'sync failed');
    this.#transport.fail();
  }
}
