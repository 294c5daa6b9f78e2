import {
  type AttachmentView,
  CinderError,
  conversationId,
  type EmptyResult,
  type Envelope,
  type KeysResult,
  type OpenResult,
  SEALED_OVERHEAD_BYTES,
  type SendFrame,
  type SendResult,
} from '@cinder/protocol';
import type { Logger } from '../logger.ts';
import type { BurnedRecord, Changed, NewMessage, PeerRecord, Refused, Storage } from '../storage/storage.ts';
import type { DeviceIdentity } from './accounts.ts';
import { burnPolicy, type Refusal, sealRefusal, sendRefusal } from './burn-rules.ts';
import type { Hub } from './hub.ts';
import { newId, sealedMessageId } from './ids.ts';
import type { Metrics } from './metrics.ts';
import type { Push } from './push.ts';
import { type Limiters, MAX_OPEN_BYTES } from './rate-limit.ts';
import { checkAttachable } from './uploads.ts';

const EMPTY: EmptyResult = Object.freeze({}) as EmptyResult;

/**
 * The message verbs of the burn contract: send, open (the atomic take), read, delivered,
 * revoke, and expiry. Storage does each in one transaction, deciding through burn-rules.ts;
 * this class applies rate limits, wakes the devices whose logs grew, counts and logs burns, and
 * turns a refusal into the `CinderError` the client gets.
 */
export class BurnEngine {
  readonly #storage: Storage;
  readonly #hub: Hub;
  readonly #limiters: Limiters;
  readonly #metrics: Metrics;
  readonly #logger: Logger;
  readonly #now: () => number;
  readonly #maxTtlSeconds: number;
  readonly #recallWindowMs: number;
  readonly #push: Push | null;

  constructor(options: {
    storage: Storage;
    hub: Hub;
    limiters: Limiters;
    metrics: Metrics;
    logger: Logger;
    now: () => number;
    maxTtlSeconds: number;
    /** How long after sending a sender may recall a normal message (`--recall-window`). */
    recallWindowSeconds: number;
    /** Web Push for stored messages (docs/push.md). @default none */
    push?: Push | null;
  }) {
    this.#storage = options.storage;
    this.#hub = options.hub;
    this.#limiters = options.limiters;
    this.#metrics = options.metrics;
    this.#logger = options.logger;
    this.#now = options.now;
    this.#maxTtlSeconds = options.maxTtlSeconds;
    this.#recallWindowMs = options.recallWindowSeconds * 1000;
    this.#push = options.push ?? null;
  }

  /** The recall window (`--recall-window`) in ms, published to devices in `welcome`. */
  get recallWindowMs(): number {
    return this.#recallWindowMs;
  }

  /** Store a message for `frame.to`; a retried key returns the first result, even after a burn. */
  async send(who: DeviceIdentity, frame: SendFrame): Promise<SendResult> {
    this.#limiters.send?.take(who.deviceId);
    const recipient = frame.to === who.username ? null : await this.#lookUp(who, frame.to);
    const refusal = sendRefusal(who.username, frame.to, recipient !== null);
    if (refusal || !recipient) throw errorOf(refusal ?? { code: 'NOT_FOUND' });
    const attachment = frame.attachment;
    if (attachment) await checkAttachable(this.#storage, this.#now(), who, attachment);
    const sealed = frame.sealed ? this.#sealedContent(frame.sealed, recipient) : null;
    const sentAt = this.#now();
    const text = frame.text ?? '';
    const message: NewMessage = {
      id: sealed ? sealedMessageId(sealed.envelopeId) : newId('m'),
      conversation: conversationId(who.username, recipient.username),
      from: { id: who.userId, username: who.username },
      to: { id: recipient.id, username: recipient.username },
      sentAt,
      size: sealed ? sealed.size : Buffer.byteLength(text, 'utf8'),
      text: sealed ? sealed.text : text,
      ext: sealed ? null : (frame.ext ?? null),
    };
    if (sealed) message.sealedFor = sealed.devices;
    if (attachment) {
      // A burn message's name and type travel inside its envelope only (the frame refuses them here).
      const view: AttachmentView = { kind: attachment.kind, size: attachment.size };
      if (attachment.name !== undefined) view.name = attachment.name;
      if (attachment.type !== undefined) view.type = attachment.type;
      message.attachment = { upload: attachment.upload, view };
    }
    if (frame.burn) message.burn = burnPolicy(frame.burn, sentAt, this.#maxTtlSeconds);
    const outcome = await this.#storage.insertMessage({
      deviceId: who.deviceId,
      key: frame.key,
      message,
      at: sentAt,
    });
    if (outcome.created) {
      this.#metrics.sent(message.burn !== undefined);
      this.#hub.notify(outcome.wake);
      // Queued, never awaited: a push service never delays or fails a send. A burn message's
      // push is given no content to carry.
      this.#push?.messageStored(
        outcome.pushable,
        message.burn
          ? {
              kind: 'burn',
              recipientId: recipient.id,
              from: who.username,
              ttlSeconds: message.burn.ttlSeconds,
            }
          : { kind: 'message', recipientId: recipient.id, from: who.username, text },
      );
      this.#logger.debug(
        {
          messageId: outcome.result.id,
          deviceId: who.deviceId,
          size: message.size,
          burn: Boolean(message.burn),
        },
        'message stored',
      );
    }
    return outcome.result;
  }

  /** Burn message: take the content and burn it, at most once. Normal message: return it and mark it read. */
  async open(who: DeviceIdentity, id: string): Promise<OpenResult> {
    this.#limiters.open?.take(who.deviceId);
    // Reserve the most an open can return; what the message did not use is given back below.
    const bytes = this.#limiters.openBytes;
    bytes?.take(who.deviceId, MAX_OPEN_BYTES);
    let used = 0;
    try {
      const at = this.#now();
      const opened = this.#changed(
        await this.#storage.openMessage({
          id,
          userId: who.userId,
          deviceId: who.deviceId,
          at,
          // The reader's read-receipt setting is read by the storage, in the open's transaction.
        }),
        at,
      );
      used = contentBytes(opened.text, opened.ext);
      this.#metrics.opened(opened.kind === 'taken');
      if (opened.kind === 'read') return { id, text: opened.text, ext: opened.ext, burned: false };
      if (opened.sealed) {
        return {
          id,
          sealed: openedFor(opened.text, who.deviceId),
          from: opened.from,
          viewSeconds: opened.viewSeconds,
          burned: true,
        };
      }
      return { id, text: opened.text, ext: opened.ext, viewSeconds: opened.viewSeconds, burned: true };
    } finally {
      bytes?.refund(who.deviceId, MAX_OPEN_BYTES - Math.min(used, MAX_OPEN_BYTES));
    }
  }

  /** The key directory: `username`'s devices that have a key, as `asker` may see them. */
  async keys(asker: DeviceIdentity, username: string): Promise<KeysResult> {
    const user = await this.#lookUp(asker, username);
    const refusal = user ? null : sendRefusal(asker.username, username, false);
    if (!user) throw errorOf(refusal ?? { code: 'NOT_FOUND' });
    return {
      username: user.username,
      displayName: user.displayName,
      devices: user.keys,
    };
  }

  /**
   * `#userSeenBy` for a lookup another user asks for (a send, `keys`), charged to the asker's
   * budget of "no such user" answers: one taken before the lookup, given back when the user
   * exists. With the budget spent every such lookup is RATE_LIMITED, found or not, so the
   * refusal tells the asker nothing about the name (docs/accounts.md).
   */
  async #lookUp(asker: DeviceIdentity, username: string): Promise<PeerRecord | null> {
    const misses = this.#limiters.unknownUsers;
    misses?.take(asker.userId);
    const user = await this.#userSeenBy(username, asker.userId);
    if (user) misses?.refund(asker.userId, 1);
    return user;
  }

  /**
   * The account named `username` as user `askerId` sees it: null when there is none, and when it
   * blocked `askerId` (docs/accounts.md: to a blocked user, the blocker does not exist).
   */
  async #userSeenBy(username: string, askerId: string): Promise<PeerRecord | null> {
    const user = await this.#storage.accounts.findPeer(username, askerId);
    if (!user || (user.id !== askerId && user.blocksAsker)) return null;
    return user;
  }

  /**
   * A sealed burn message's content as stored: the envelope with the copies of `K1` for the
   * recipient's current keyed devices (`sealRefusal`: all of them must be there; copies for
   * devices that are gone are dropped), and the payload's size.
   */
  #sealedContent(
    envelope: Envelope,
    recipient: PeerRecord,
  ): { envelopeId: string; text: string; size: number; devices: string[] } {
    const current = recipient.keys.map((d) => d.id);
    const refusal = sealRefusal(
      envelope.keys.map((k) => k.device),
      current,
      recipient.username,
    );
    if (refusal) throw errorOf(refusal);
    const wanted = new Set(current);
    const keys = envelope.keys.filter((k) => wanted.delete(k.device));
    const stored: Envelope = { v: envelope.v, id: envelope.id, ct: envelope.ct, k2: envelope.k2, keys };
    return {
      envelopeId: envelope.id,
      text: JSON.stringify(stored),
      size: Math.max(0, Math.floor((envelope.ct.length * 3) / 4) - SEALED_OVERHEAD_BYTES),
      devices: keys.map((k) => k.device),
    };
  }

  /** Read receipt of a normal message. */
  async read(who: DeviceIdentity, id: string): Promise<EmptyResult> {
    const at = this.#now();
    this.#changed(
      await this.#storage.readMessage({
        id,
        reader: { id: who.userId, username: who.username },
        at,
      }),
      at,
    );
    return EMPTY;
  }

  /** Delivery receipts; unknown or foreign ids are ignored. */
  async delivered(who: DeviceIdentity, ids: readonly string[]): Promise<EmptyResult> {
    const at = this.#now();
    this.#changed(
      await this.#storage.markDelivered({ ids, recipient: { id: who.userId, username: who.username }, at }),
      at,
    );
    return EMPTY;
  }

  /** The sender burns its own unopened burn message. */
  async revoke(who: DeviceIdentity, id: string): Promise<EmptyResult> {
    const at = this.#now();
    this.#changed(await this.#storage.revokeMessage({ id, userId: who.userId, at }), at);
    return EMPTY;
  }

  /** The sender recalls its own normal message within the recall window (decideRecall). */
  async recall(who: DeviceIdentity, id: string): Promise<EmptyResult> {
    const at = this.#now();
    this.#changed(
      await this.#storage.recallMessage({ id, userId: who.userId, at, windowMs: this.#recallWindowMs }),
      at,
    );
    this.#logger.info({ messageId: id, userId: who.userId }, 'message recalled');
    return EMPTY;
  }

  /**
   * Delete account `userId` and everything of it (storage `deleteAccount`): its burn messages
   * burn like any burn (the other side hears `burned`, counted and logged here). Resolves to the
   * devices it signed out, which the caller closes.
   */
  async deleteAccount(userId: string): Promise<string[]> {
    const at = this.#now();
    const deletion = this.#changed(await this.#storage.deleteAccount(userId, at), at);
    return deletion.devices;
  }

  async ack(who: DeviceIdentity, cursor: number): Promise<EmptyResult> {
    await this.#storage.accounts.setDeviceCursor(who.deviceId, cursor);
    return EMPTY;
  }

  /** Burn every burn message past its deadline. Returns what burned (the sweeper logs it). */
  async expireDue(limit = 1000): Promise<BurnedRecord[]> {
    const all: BurnedRecord[] = [];
    for (;;) {
      // The sweeper logs these itself, in one line per run.
      const at = this.#now();
      const changed = await this.#storage.expireDue(at, limit);
      this.#hub.notify(changed.wake);
      for (const burn of changed.burned) this.#metrics.burned(burn.reason, at, burn.expiresAt);
      all.push(...changed.burned);
      if (changed.burned.length < limit) return all;
    }
  }

  /**
   * Wake the devices whose logs a verb grew, count and log its burns (a refused verb may have
   * burned a message it found past its deadline), then throw its refusal if it was refused.
   * `at`: the server's time the verb ran at, which is when its burns happened.
   */
  #changed<T extends Changed>(outcome: T, at: number): Exclude<T, Refused> {
    this.#hub.notify(outcome.wake);
    for (const burn of outcome.burned) {
      this.#metrics.burned(burn.reason, at, burn.expiresAt);
      this.#logger.info({ messageId: burn.messageId, reason: burn.reason }, 'message burned');
    }
    if (isRefused(outcome)) throw errorOf(outcome.refusal);
    return outcome as Exclude<T, Refused>;
  }
}

function isRefused(outcome: Changed): outcome is Changed & Refused {
  return (outcome as Partial<Refused>).kind === 'refused';
}

function errorOf(refusal: Refusal): CinderError {
  return new CinderError(refusal.code, refusal.message);
}

/** What an open releases of a sealed message's stored envelope to `device` (the rules checked it has a copy). */
function openedFor(stored: string, device: string): NonNullable<OpenResult['sealed']> {
  const envelope = JSON.parse(stored) as Envelope;
  const key = envelope.keys.find((k) => k.device === device);
  if (!key) throw new CinderError('INTERNAL');
  return { v: envelope.v, id: envelope.id, ct: envelope.ct, k2: envelope.k2, key };
}

/** Bytes of an opened message's content, as the open byte budget counts them. */
function contentBytes(text: string, ext: unknown): number {
  return Buffer.byteLength(text, 'utf8') + (ext == null ? 0 : Buffer.byteLength(JSON.stringify(ext), 'utf8'));
}
