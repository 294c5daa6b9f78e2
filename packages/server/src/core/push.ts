import { CinderError, type PushStatus, type PushSubscribeBody } from '@cinder/protocol';
import { type Logger, safeError } from '../logger.ts';
import type { PushSubscriptionRecord, Storage, VapidKeys } from '../storage/storage.ts';
import type { DeviceIdentity } from './accounts.ts';
import type { Metrics } from './metrics.ts';
import { type DeliveryOptions, deliverPush, type PushFetch } from './push-delivery.ts';
import { endpointProblem, guardedFetch } from './push-guard.ts';
import { type PushedMessage, pushPayload, pushTtl } from './push-payload.ts';
import { TaskQueue } from './task-queue.ts';

/** Options of {@link Push}. */
export interface PushOptions {
  storage: Storage;
  /** The server's VAPID key pair (`PushStore.vapidKeys`). */
  keys: VapidKeys;
  /** The VAPID `sub` claim: a `mailto:` or `https:` contact for the push services. */
  subject: string;
  /**
   * Accept `http:` endpoints and endpoints on private, loopback or link-local addresses (a push
   * service on the operator's own network, tests); else only `https:` on public addresses
   * (push-guard.ts). @default false
   */
  allowInsecureEndpoints?: boolean;
  /** Whether the device has a live connection to this node: it hears the message there. */
  isConnected(userId: string, deviceId: string): boolean;
  metrics: Metrics;
  logger: Logger;
  now: () => number;
  /** Messages whose pushes run at once. @default 8 */
  concurrency?: number;
  /** Messages waiting for their pushes beyond which new ones get none (logged, counted). @default 10000 */
  maxQueued?: number;
  /** A push service that has not answered within this is a failure. @default 10000 */
  timeoutMs?: number;
  /** @default guardedFetch(allowInsecureEndpoints) */
  fetch?: PushFetch;
}

/**
 * Web Push for the devices of an account (docs/push.md): their subscriptions, and the pushes for
 * each stored message. `messageStored` queues the pushes and returns at once, so a send never
 * waits for a push service or fails with one; the recipient's subscribed devices that have no
 * connection to this node get one each. A push that the service answers 404 or 410 removes the
 * subscription. Nothing of a message but its sender (and, for a normal message to a device that
 * asked, a preview) is put in a push, and nothing of a push is logged but the device and status.
 */
export class Push {
  readonly #storage: Storage;
  readonly #keys: VapidKeys;
  readonly #allowInsecure: boolean;
  readonly #isConnected: (userId: string, deviceId: string) => boolean;
  readonly #metrics: Metrics;
  readonly #logger: Logger;
  readonly #now: () => number;
  readonly #delivery: DeliveryOptions;
  readonly #queue: TaskQueue;
  readonly #stop = new AbortController();
  /** Set while the queue is full, so a full queue is logged once, not per message. */
  #full = false;

  constructor(options: PushOptions) {
    this.#storage = options.storage;
    this.#keys = options.keys;
    this.#allowInsecure = options.allowInsecureEndpoints ?? false;
    this.#isConnected = options.isConnected;
    this.#metrics = options.metrics;
    this.#logger = options.logger;
    this.#now = options.now;
    this.#delivery = {
      keys: options.keys,
      subject: options.subject,
      timeoutMs: options.timeoutMs ?? 10_000,
      stop: this.#stop.signal,
      fetch: options.fetch ?? guardedFetch(this.#allowInsecure),
    };
    this.#queue = new TaskQueue(
      { concurrency: options.concurrency ?? 8, maxQueued: options.maxQueued ?? 10_000 },
      (error) => this.#logger.warn({ err: safeError(error) }, 'push task failed'),
    );
  }

  /** The VAPID public key browsers subscribe with (`applicationServerKey`). */
  get publicKey(): string {
    return this.#keys.publicKey;
  }

  /** This device's push state. */
  async status(who: DeviceIdentity): Promise<PushStatus> {
    return statusOf(await this.#storage.push.subscription(who.deviceId));
  }

  /**
   * Keep this device's subscription (replacing the one it had). BAD_REQUEST for an endpoint the
   * server will not push to (`endpointProblem`); UNAUTHORIZED when the device was signed out
   * meanwhile.
   */
  async subscribe(who: DeviceIdentity, body: PushSubscribeBody): Promise<PushStatus> {
    const { endpoint, keys } = body.subscription;
    const problem = endpointProblem(endpoint, this.#allowInsecure);
    if (problem !== null) throw new CinderError('BAD_REQUEST', problem);
    const saved = await this.#storage.push.saveSubscription({
      deviceId: who.deviceId,
      userId: who.userId,
      endpoint,
      // Kept unpadded, as web-push and every push service expect them.
      p256dh: keys.p256dh.replace(/=+$/, ''),
      auth: keys.auth.replace(/=+$/, ''),
      previews: body.previews ?? null,
      createdAt: this.#now(),
    });
    if (!saved) throw new CinderError('UNAUTHORIZED', 'Unknown or signed-out device');
    this.#logger.info({ userId: who.userId, deviceId: who.deviceId }, 'push subscribed');
    return statusOf(saved);
  }

  /** Remove this device's subscription; nothing to remove is no error. */
  async unsubscribe(who: DeviceIdentity): Promise<void> {
    if (await this.#storage.push.deleteSubscription(who.deviceId)) {
      this.#logger.info({ userId: who.userId, deviceId: who.deviceId }, 'push unsubscribed');
    }
  }

  /** Turn previews of normal messages on or off for this device. NOT_FOUND without a subscription. */
  async setPreviews(who: DeviceIdentity, previews: boolean): Promise<PushStatus> {
    if (!(await this.#storage.push.setPreviews(who.deviceId, previews))) {
      throw new CinderError('NOT_FOUND', 'This device has no push subscription');
    }
    return { subscribed: true, previews };
  }

  /**
   * A message was stored for `message.recipientId`: queue its pushes. Never throws, never waits.
   * `pushable` is whether the recipient had a subscription then (`InsertOutcome.pushable`): without
   * one there is nothing to read or send, and the message's pushes are settled at once.
   */
  messageStored(pushable: boolean, message: PushedMessage): void {
    if (!pushable) {
      this.#metrics.pushJobDone();
      return;
    }
    if (this.#queue.add(() => this.#pushAll(message))) {
      this.#full = false;
      return;
    }
    this.#metrics.pushed('dropped');
    this.#metrics.pushJobDone();
    if (!this.#full) this.#logger.warn({ waiting: this.#queue.waiting }, 'push queue full: pushes dropped');
    this.#full = true;
  }

  /** Stop: queued pushes are dropped, those under way are cut (counted failed). */
  async close(): Promise<void> {
    const closed = this.#queue.close();
    this.#stop.abort();
    const dropped = await closed;
    for (let i = 0; i < dropped; i++) {
      this.#metrics.pushed('dropped');
      this.#metrics.pushJobDone();
    }
    if (dropped > 0) this.#logger.info({ dropped }, 'pushes dropped at shutdown');
  }

  async #pushAll(message: PushedMessage): Promise<void> {
    try {
      const subscriptions = await this.#storage.push.listSubscriptions(message.recipientId);
      await Promise.all(
        subscriptions
          .filter((s) => !this.#isConnected(s.userId, s.deviceId))
          .map((s) => this.#pushOne(s, message)),
      );
    } catch (error) {
      this.#logger.warn({ err: safeError(error), userId: message.recipientId }, 'pushes failed');
    } finally {
      this.#metrics.pushJobDone();
    }
  }

  async #pushOne(subscription: PushSubscriptionRecord, message: PushedMessage): Promise<void> {
    const { userId, deviceId } = subscription;
    const payload = JSON.stringify(pushPayload(message, subscription.previews));
    const outcome = await deliverPush(subscription, payload, pushTtl(message), this.#delivery);
    switch (outcome.kind) {
      case 'sent':
        this.#metrics.pushed('sent');
        this.#logger.debug({ userId, deviceId }, 'push sent');
        return;
      case 'gone':
        // Only the subscription that was answered: the device may have subscribed again meanwhile.
        await this.#storage.push.deleteSubscription(deviceId, subscription.endpoint);
        this.#metrics.pushed('gone');
        this.#logger.info({ userId, deviceId, status: outcome.status }, 'push subscription gone: removed');
        return;
      case 'failed':
        this.#metrics.pushed('failed');
        this.#logger.warn(
          {
            userId,
            deviceId,
            status: outcome.status,
            reason: outcome.reason,
            pushService: hostOf(subscription),
          },
          'push failed',
        );
        return;
    }
  }
}

function statusOf(subscription: PushSubscriptionRecord | null): PushStatus {
  return { subscribed: subscription !== null, previews: subscription?.previews ?? false };
}

/** The push service's host (which service failed), never the endpoint's path: that is the device's capability. */
function hostOf(subscription: PushSubscriptionRecord): string {
  try {
    return new URL(subscription.endpoint).host;
  } catch {
    return 'unknown';
  }
}
