import type {
  BurnedEvent,
  BurnReason,
  EventsFrame,
  MessageEvent,
  MessageView,
  RecalledEvent,
  ReceiptEvent,
  ResyncFrame,
} from '@cinder/protocol';
import { laterStatus, toPublicMessage, toStoredMessage } from './message.ts';
import type { Store } from './store/store.ts';
import type {
  Burned,
  Message,
  Recalled,
  RecallTombstone,
  Receipt,
  StoredMessage,
  Tombstone,
} from './types.ts';

/** What applying events produces besides store changes. */
export interface SyncHooks {
  message(message: Message): void;
  receipt(receipt: Receipt): void;
  burned(burned: Burned): void;
  recalled(recalled: Recalled): void;
  /** Received messages just stored: send `delivered` for them. */
  delivered(ids: readonly string[]): void;
}

/**
 * Applies the server's event log to the local store, in order, each event fully: store first
 * (with the cursor, in one atomic commit), then the app event. Deduplicates: events at or below
 * the cursor are skipped, a stored message or a tombstoned id (burned or recalled) is never
 * emitted again.
 *
 * Every method must run on the client's serial queue.
 */
export class Sync {
  readonly #store: Store;
  readonly #hooks: SyncHooks;
  /** Last applied seq, mirrored from the store. */
  cursor: number | null = null;
  /** Messages of a full resync collected until its `done` frame. */
  #resync: MessageView[] | null = null;

  constructor(store: Store, hooks: SyncHooks) {
    this.#store = store;
    this.#hooks = hooks;
  }

  async load(): Promise<void> {
    this.cursor = await this.#store.getCursor();
  }

  /** A new socket said welcome: a resync cut short by the previous socket starts over. */
  reset(): void {
    this.#resync = null;
  }

  async applyEvents(frame: EventsFrame, me: string): Promise<void> {
    for (const event of frame.events) {
      if (this.cursor !== null && event.seq <= this.cursor) continue;
      switch (event.kind) {
        case 'message':
          await this.#message(event, me);
          break;
        case 'receipt':
          await this.#receipt(event);
          break;
        case 'burned':
          await this.#burned(event);
          break;
        case 'recalled':
          await this.#recalled(event);
          break;
      }
    }
    await this.advance(frame.cursor);
  }

  /**
   * One frame of a full resync. On `done` the device keeps exactly the listed messages (merged
   * with what it knows: read state, status, the sender's own burn text) and drops every other
   * one silently: the server no longer knows why they are gone (burned long ago, or deleted), so
   * there is nothing true to put in a `burned` event. Tombstones and the outbox are kept.
   */
  async applyResync(frame: ResyncFrame, me: string): Promise<void> {
    this.#resync = [...(this.#resync ?? []), ...frame.messages];
    if (!frame.done) return;
    const listed = new Map(this.#resync.map((view) => [view.id, view]));
    this.#resync = null;
    const stored = new Map((await this.#store.listMessages()).map((m) => [m.id, m]));
    // Burned and recalled ids alike: neither comes back.
    const burned = new Set((await this.#store.listTombstones()).map((t) => t.id));
    const put: StoredMessage[] = [];
    const added: StoredMessage[] = [];
    for (const view of listed.values()) {
      if (burned.has(view.id)) continue;
      const fresh = toStoredMessage(view, me);
      const known = stored.get(view.id);
      if (!known) {
        put.push(fresh);
        added.push(fresh);
        continue;
      }
      const merged: StoredMessage = { ...fresh };
      if (known.mine && known.burn && known.text !== undefined) {
        merged.text = known.text;
        merged.ext = known.ext;
      }
      if (known.status !== undefined) merged.status = laterStatus(known.status, merged.status ?? 'sent');
      if (known.readAt !== undefined) merged.readAt = known.readAt;
      put.push(merged);
    }
    const dropped = [...stored.keys()].filter((id) => !listed.has(id));
    await this.#store.commit({ putMessages: put, deleteMessages: dropped, cursor: frame.cursor });
    this.cursor = frame.cursor;
    added.sort((a, b) => a.sentAt - b.sentAt);
    this.#hooks.delivered(added.filter((m) => !m.mine).map((m) => m.id));
    for (const message of added) this.#hooks.message(toPublicMessage(message));
  }

  /** Move the cursor forward (never back), e.g. to `synced.cursor`. */
  async advance(cursor: number): Promise<void> {
    if (this.cursor !== null && cursor <= this.cursor) return;
    await this.#store.commit({ cursor });
    this.cursor = cursor;
  }

  /**
   * Burn a message locally right after this device opened or revoked it, so `messages()` is
   * right as soon as the call resolves. The server's `burned` event later finds the tombstone
   * and only corrects its time: the app hears `burned` once.
   */
  async burnLocally(message: StoredMessage, reason: BurnReason): Promise<void> {
    if (await this.#store.getTombstone(message.id)) {
      await this.#store.commit({ deleteMessages: [message.id] });
      return;
    }
    const tombstone = tombstoneOf(message.id, message.conversation, reason, Date.now(), message);
    await this.#store.commit({ deleteMessages: [message.id], putTombstones: [tombstone] });
    this.#hooks.burned({
      messageId: message.id,
      conversation: message.conversation,
      reason,
      at: tombstone.at,
    });
  }

  /** `burnLocally` for message `id`, if this device holds it. */
  async burnLocallyById(id: string, reason: BurnReason): Promise<void> {
    const message = await this.#store.getMessage(id);
    if (message) await this.burnLocally(message, reason);
  }

  /** This device read (or opened) received message `id`: keep the first time it did. */
  async markReadLocally(id: string): Promise<void> {
    const message = await this.#store.getMessage(id);
    if (message && !message.mine && message.readAt === undefined) {
      await this.#store.commit({ putMessages: [{ ...message, readAt: Date.now() }] });
    }
  }

  async #message(event: MessageEvent, me: string): Promise<void> {
    const { id } = event.message;
    const seen = (await this.#store.getMessage(id)) ?? (await this.#store.getTombstone(id));
    if (seen) {
      await this.#commitCursor(event.seq);
      return;
    }
    const message = toStoredMessage(event.message, me);
    await this.#store.commit({ putMessages: [message], cursor: event.seq });
    this.cursor = event.seq;
    // Queued before the app hears of it, so a `markRead` from the handler finds it queued.
    if (!message.mine) this.#hooks.delivered([id]);
    this.#hooks.message(toPublicMessage(message));
  }

  async #receipt(event: ReceiptEvent): Promise<void> {
    const message = await this.#store.getMessage(event.messageId);
    const updated =
      message?.mine && laterStatus(message.status, event.type) !== message.status
        ? [{ ...message, status: event.type }]
        : [];
    await this.#store.commit({ cursor: event.seq, putMessages: updated });
    this.cursor = event.seq;
    const { messageId, conversation, type, by, at } = event;
    this.#hooks.receipt({ messageId, conversation, type, by, at });
  }

  async #burned(event: BurnedEvent): Promise<void> {
    const { messageId, conversation, reason, at } = event;
    const known = await this.#store.getTombstone(messageId);
    // Only burn messages burn and only normal ones are recalled, so a recall placeholder is never
    // met here; if it were, the burn (the server's later word) replaces it below.
    if (known && known.reason !== 'recalled') {
      // Burned locally first (open, revoke): take the server's time, do not tell the app again.
      await this.#store.commit({
        cursor: event.seq,
        deleteMessages: [messageId],
        putTombstones: [{ ...known, reason, at }],
      });
      this.cursor = event.seq;
      return;
    }
    const message = await this.#store.getMessage(messageId);
    await this.#store.commit({
      cursor: event.seq,
      deleteMessages: [messageId],
      putTombstones: [tombstoneOf(messageId, conversation, reason, at, message)],
    });
    this.cursor = event.seq;
    this.#hooks.burned({ messageId, conversation, reason, at });
  }

  /**
   * Recall a message locally right after this device recalled it, so `messages()` and
   * `recalledMessages()` are right as soon as `recall` resolves. The server's `recalled` event
   * later finds the placeholder and only corrects its time: the app hears `recalled` once. A
   * message this device never held waits for that event (only it says which conversation).
   */
  async recallLocally(id: string, by: string): Promise<void> {
    const message = await this.#store.getMessage(id);
    if ((await this.#store.getTombstone(id)) || !message) {
      if (message) await this.#store.commit({ deleteMessages: [id] });
      return;
    }
    const placeholder = recallTombstoneOf(id, message.conversation, by, Date.now(), message);
    await this.#store.commit({ deleteMessages: [id], putTombstones: [placeholder] });
    this.#hooks.recalled({ messageId: id, conversation: message.conversation, by, at: placeholder.at });
  }

  /**
   * A recall: the message leaves the store (it may be gone already: recalled from this device, or
   * never received because the server deleted its queued copy) and a placeholder without content
   * takes its place; the app hears of it once.
   */
  async #recalled(event: RecalledEvent): Promise<void> {
    const { messageId, conversation, by, at } = event;
    const known = await this.#store.getTombstone(messageId);
    if (known?.reason === 'recalled') {
      // Recalled from this device first: take the server's time, do not tell the app again.
      await this.#store.commit({
        cursor: event.seq,
        deleteMessages: [messageId],
        putTombstones: [{ ...known, at }],
      });
      this.cursor = event.seq;
      return;
    }
    const message = await this.#store.getMessage(messageId);
    await this.#store.commit({
      cursor: event.seq,
      deleteMessages: [messageId],
      // A burn placeholder stays: burn messages cannot be recalled, so that one is the truth.
      putTombstones: known ? [] : [recallTombstoneOf(messageId, conversation, by, at, message)],
    });
    this.cursor = event.seq;
    this.#hooks.recalled({ messageId, conversation, by, at });
  }

  async #commitCursor(seq: number): Promise<void> {
    await this.#store.commit({ cursor: seq });
    this.cursor = seq;
  }
}

function tombstoneOf(
  id: string,
  conversation: string,
  reason: BurnReason,
  at: number,
  message: StoredMessage | undefined,
): Tombstone {
  return withParties({ id, conversation, reason, at }, message);
}

function recallTombstoneOf(
  id: string,
  conversation: string,
  by: string,
  at: number,
  message: StoredMessage | undefined,
): RecallTombstone {
  return withParties({ id, conversation, reason: 'recalled', by, at }, message);
}

/** A placeholder with who sent the message to whom and when, if this device held it. Never content. */
function withParties<T extends Tombstone | RecallTombstone>(
  placeholder: T,
  message: StoredMessage | undefined,
): T {
  if (message) {
    placeholder.from = message.from;
    placeholder.to = message.to;
    placeholder.sentAt = message.sentAt;
  }
  return placeholder;
}
