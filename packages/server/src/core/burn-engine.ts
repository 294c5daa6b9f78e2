import {
  CinderError,
  conversationId,
  DEFAULT_TTL_SECONDS,
  type EmptyResult,
  type OpenResult,
  type SendFrame,
  type SendResult,
} from '@cinder/protocol';
import type { Logger } from '../logger.ts';
import type { BurnedRecord, MessageFacts, NewMessage, Storage } from '../storage/storage.ts';
import type { DeviceIdentity } from './accounts.ts';
import type { Hub } from './hub.ts';
import { newId } from './ids.ts';
import type { Metrics } from './metrics.ts';
import { type Limiters, MAX_OPEN_BYTES } from './rate-limit.ts';

const EMPTY: EmptyResult = Object.freeze({}) as EmptyResult;

/**
 * The message verbs of the burn contract: send, open (the atomic take), read, delivered,
 * revoke, and expiry. Storage does each in one transaction; this class picks the error a
 * refusal gets, so a non-participant can never tell a real id from one that never existed.
 */
export class BurnEngine {
  readonly #storage: Storage;
  readonly #hub: Hub;
  readonly #limiters: Limiters;
  readonly #metrics: Metrics;
  readonly #logger: Logger;
  readonly #now: () => number;
  readonly #maxTtlSeconds: number;

  constructor(options: {
    storage: Storage;
    hub: Hub;
    limiters: Limiters;
    metrics: Metrics;
    logger: Logger;
    now: () => number;
    maxTtlSeconds: number;
  }) {
    this.#storage = options.storage;
    this.#hub = options.hub;
    this.#limiters = options.limiters;
    this.#metrics = options.metrics;
    this.#logger = options.logger;
    this.#now = options.now;
    this.#maxTtlSeconds = options.maxTtlSeconds;
  }

  /** Store a message for `frame.to`; a retried key returns the first result, even after a burn. */
  async send(who: DeviceIdentity, frame: SendFrame): Promise<SendResult> {
    this.#limiters.send?.take(who.deviceId);
    if (frame.to === who.username)
      throw new CinderError('BAD_REQUEST', 'You cannot send a message to yourself');
    const recipient = await this.#storage.findUserByUsername(frame.to);
    if (!recipient) throw new CinderError('NOT_FOUND', 'No such user');
    const sentAt = this.#now();
    const message: NewMessage = {
      id: newId('m'),
      conversation: conversationId(who.username, recipient.username),
      from: { id: who.userId, username: who.username },
      to: { id: recipient.id, username: recipient.username },
      sentAt,
      size: Buffer.byteLength(frame.text, 'utf8'),
      text: frame.text,
      ext: frame.ext ?? null,
    };
    if (frame.burn) {
      // Clamp, not reject: a server with a shorter --max-ttl still takes the message.
      const ttlSeconds = Math.min(frame.burn.ttlSeconds ?? DEFAULT_TTL_SECONDS, this.#maxTtlSeconds);
      message.burn = {
        ttlSeconds,
        viewSeconds: frame.burn.viewSeconds ?? 0,
        expiresAt: sentAt + ttlSeconds * 1000,
      };
    }
    const outcome = await this.#storage.insertMessage({
      deviceId: who.deviceId,
      key: frame.key,
      message,
      at: sentAt,
    });
    if (outcome.created) {
      this.#metrics.messagesSent++;
      this.#hub.notify(outcome.notify);
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
      const outcome = await this.#storage.openMessage({ id, userId: who.userId, at: this.#now() });
      this.#hub.notify(outcome.notify);
      if (outcome.outcome === 'refused') {
        this.#expiredOnTheWay(id, outcome.facts, outcome.notify);
        throw refusal(who, outcome.facts, 'open');
      }
      used = contentBytes(outcome.text, outcome.ext);
      if (outcome.outcome === 'read') return { id, text: outcome.text, ext: outcome.ext, burned: false };
      this.#burned(id, 'opened');
      return { id, text: outcome.text, ext: outcome.ext, viewSeconds: outcome.viewSeconds, burned: true };
    } finally {
      bytes?.refund(who.deviceId, MAX_OPEN_BYTES - Math.min(used, MAX_OPEN_BYTES));
    }
  }

  /** Read receipt of a normal message. */
  async read(who: DeviceIdentity, id: string): Promise<EmptyResult> {
    const outcome = await this.#storage.readMessage({
      id,
      reader: { id: who.userId, username: who.username },
      at: this.#now(),
    });
    this.#hub.notify(outcome.notify);
    if (outcome.outcome === 'refused') throw refusal(who, outcome.facts, 'read');
    return EMPTY;
  }

  /** Delivery receipts; unknown or foreign ids are ignored. */
  async delivered(who: DeviceIdentity, ids: readonly string[]): Promise<EmptyResult> {
    const outcome = await this.#storage.markDelivered({
      ids,
      recipient: { id: who.userId, username: who.username },
      at: this.#now(),
    });
    this.#hub.notify(outcome.notify);
    return EMPTY;
  }

  /** The sender burns its own unopened burn message. */
  async revoke(who: DeviceIdentity, id: string): Promise<EmptyResult> {
    const outcome = await this.#storage.revokeMessage({ id, userId: who.userId, at: this.#now() });
    this.#hub.notify(outcome.notify);
    if (outcome.outcome === 'refused') {
      this.#expiredOnTheWay(id, outcome.facts, outcome.notify);
      throw refusal(who, outcome.facts, 'revoke');
    }
    this.#burned(id, 'revoked');
    return EMPTY;
  }

  async ack(who: DeviceIdentity, cursor: number): Promise<EmptyResult> {
    await this.#storage.setDeviceCursor(who.deviceId, cursor);
    return EMPTY;
  }

  /** Burn every burn message past its deadline. Returns what burned (the sweeper logs it). */
  async expireDue(limit = 1000): Promise<BurnedRecord[]> {
    const all: BurnedRecord[] = [];
    for (;;) {
      const outcome = await this.#storage.expireDue(this.#now(), limit);
      this.#hub.notify(outcome.notify);
      this.#metrics.burns.expired += outcome.burned.length;
      all.push(...outcome.burned);
      if (outcome.burned.length < limit) return all;
    }
  }

  #burned(id: string, reason: 'opened' | 'revoked' | 'expired'): void {
    this.#metrics.burns[reason]++;
    this.#logger.info({ messageId: id, reason }, 'message burned');
  }

  /** A request found the message past its deadline: storage burned it (expired) on the way. */
  #expiredOnTheWay(id: string, facts: MessageFacts | null, notify: readonly string[]): void {
    if (notify.length > 0 && facts?.state === 'burned') this.#burned(id, 'expired');
  }
}

/** Bytes of an opened message's content, as the open byte budget counts them. */
function contentBytes(text: string, ext: unknown): number {
  return Buffer.byteLength(text, 'utf8') + (ext == null ? 0 : Buffer.byteLength(JSON.stringify(ext), 'utf8'));
}

/**
 * The error for a refused verb. Order matters: non-participants learn nothing (NOT_FOUND, as
 * for an id that never existed), then the role (FORBIDDEN), then the message's kind and state.
 */
function refusal(
  who: DeviceIdentity,
  facts: MessageFacts | null,
  verb: 'open' | 'read' | 'revoke',
): CinderError {
  if (!facts || (facts.senderId !== who.userId && facts.recipientId !== who.userId)) {
    return new CinderError('NOT_FOUND');
  }
  const isSender = facts.senderId === who.userId;
  const isBurn = facts.state === 'burned' || facts.burn;
  switch (verb) {
    case 'open':
      if (isSender) return new CinderError('FORBIDDEN', 'Only the recipient may open a message');
      if (facts.state === 'burned') return new CinderError('BURNED');
      break;
    case 'read':
      if (isBurn) return new CinderError('BAD_REQUEST', 'Burn messages are opened, not read');
      if (isSender) return new CinderError('FORBIDDEN', 'Only the recipient may mark a message read');
      break;
    case 'revoke':
      if (!isSender) return new CinderError('FORBIDDEN', 'Only the sender may revoke a message');
      if (facts.state === 'burned') return new CinderError('BURNED');
      if (!isBurn) return new CinderError('BAD_REQUEST', 'Only burn messages can be revoked');
      break;
  }
  return new CinderError('INTERNAL');
}
