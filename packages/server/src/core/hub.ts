import { randomBytes } from 'node:crypto';
import type { Bus, Unsubscribe } from '../bus/bus.ts';
import { type Logger, safeError } from '../logger.ts';
import type { Appended, LogFeed } from '../storage/storage.ts';
import { TurnScheduler } from '../turn.ts';

/** A connected device as the hub sees it. */
export interface HubMember {
  readonly userId: string;
  readonly deviceId: string;
  /** The user's log may have grown: pull new events. */
  wake(): void;
  /** The device was signed out: close with 4001. */
  revoke(): void;
}

// What the hub puts on the bus. The bus only moves these bytes; their meaning lives here.
const WAKE = 'e';
const REVOKE_PREFIX = 'k:';
/** A wake-up carrying the appended events: `a:`, the publishing hub's origin, `:`, the JSON of `Appended[]`. */
const CARRY_PREFIX = 'a:';
/**
 * Longest carried wake-up; a longer one goes bare. Well under the 8,000 bytes of a NOTIFY
 * payload with the bus's framing (postgres-bus.ts), and small for Redis.
 */
const MAX_CARRIED = 6_000;

function channelOf(userId: string): string {
  return `cinder:user:${userId}`;
}

/**
 * Routes wake-ups and sign-outs to the devices of a user, wherever they are connected: every
 * node subscribes to the channel of each user it holds a connection for, and publishes to the
 * channel of each user whose log grew. A woken device pulls from storage after its own cursor,
 * so order and completeness come from the log, never the bus. With a `LogFeed` (the log tails of
 * a PostgreSQL node of a cluster), a wake-up also carries what the user's log got, each append
 * with its head, so every node keeps tails as a node alone does; a node that cannot chain what it
 * hears (a lost or bare wake-up) drops the tail and its devices read the log.
 */
export class Hub {
  readonly #bus: Bus;
  readonly #logger: Logger;
  // Per connected user, kept small because an idle device's memory is mostly this kind of entry:
  // one member is held as is (a Set only for a user with several devices here), and a
  // subscription is its promise only until it resolves, then just its unsubscribe function.
  readonly #members = new Map<string, HubMember | Set<HubMember>>();
  readonly #subscriptions = new Map<string, Promise<Unsubscribe> | Unsubscribe>();
  readonly #pending = new Set<string>();
  #flushQueued = false;
  readonly #offResubscribed: (() => void) | null;
  readonly #feed: LogFeed | null;
  /** This hub's wake-ups, as it hears them back from the bus, are its own. */
  readonly #origin = randomBytes(9).toString('base64url');
  /** Per user, what to carry with the next wake-up (null: something that cannot be carried). */
  readonly #carried = new Map<string, Appended[] | null>();

  readonly #turn: TurnScheduler;

  /**
   * `turn`: the server's turn ends, shared with the storage (a private one for a hub alone).
   * `feed`: the storage's log tails, to carry this node's appends to the others and theirs here.
   */
  constructor(
    bus: Bus,
    logger: Logger,
    turn: TurnScheduler = new TurnScheduler(),
    feed: LogFeed | null = null,
  ) {
    this.#turn = turn;
    this.#bus = bus;
    this.#logger = logger;
    this.#feed = feed;
    // Pub/sub is at most once: wake-ups published while this node was cut off are gone, so
    // every local device pulls once; a pull that finds nothing new costs one read.
    this.#offResubscribed =
      bus.onResubscribed?.(() => {
        this.#feed?.reset();
        this.#wakeAll();
      }) ?? null;
    feed?.hearsOnly((userId) => typeof this.#subscriptions.get(userId) === 'function');
    feed?.onAppend((userId, appended) => this.#carry(userId, appended));
  }

  /** Count of connected members on this node. */
  get size(): number {
    let n = 0;
    for (const held of this.#members.values()) n += held instanceof Set ? held.size : 1;
    return n;
  }

  /** Whether a device of the user has a connection to this node (pushes skip it: docs/push.md). */
  hasDevice(userId: string, deviceId: string): boolean {
    const held = this.#members.get(userId);
    if (held === undefined) return false;
    if (!(held instanceof Set)) return held.deviceId === deviceId;
    for (const member of held) if (member.deviceId === deviceId) return true;
    return false;
  }

  /** Register a member; resolves once it will hear every later wake-up. */
  async join(member: HubMember): Promise<void> {
    const { userId } = member;
    const held = this.#members.get(userId);
    if (held === undefined) this.#members.set(userId, member);
    else if (held instanceof Set) held.add(member);
    else if (held !== member) this.#members.set(userId, new Set([held, member]));
    const subscription = this.#subscriptions.get(userId);
    if (typeof subscription === 'function') return;
    if (subscription) {
      await subscription;
      return;
    }
    const pending = this.#bus.subscribe(channelOf(userId), (payload) => this.#receive(userId, payload));
    this.#subscriptions.set(userId, pending);
    const unsubscribe = await pending.catch((error: unknown) => {
      if (this.#subscriptions.get(userId) === pending) this.#subscriptions.delete(userId);
      throw error;
    });
    // Still wanted (no leave of the last member meanwhile): keep just the function.
    if (this.#subscriptions.get(userId) === pending) this.#subscriptions.set(userId, unsubscribe);
  }

  leave(member: HubMember): void {
    const { userId } = member;
    const held = this.#members.get(userId);
    if (held instanceof Set) {
      held.delete(member);
      if (held.size === 1) this.#members.set(userId, held.values().next().value as HubMember);
      return;
    }
    if (held !== member) return;
    this.#members.delete(userId);
    const subscription = this.#subscriptions.get(userId);
    this.#subscriptions.delete(userId);
    // No longer heard: other nodes' appends would pass its tail unseen.
    this.#feed?.lost(userId);
    if (subscription === undefined) return;
    Promise.resolve(subscription)
      .then((unsubscribe) => unsubscribe())
      .catch((error: unknown) => this.#logger.warn({ err: safeError(error) }, 'bus unsubscribe failed'));
  }

  /**
   * Wake every device of these users. Coalesced per event-loop turn: many appends to one
   * user's log in the same turn cost one publish and one pull per device.
   */
  notify(userIds: readonly string[]): void {
    if (userIds.length === 0) return;
    for (const id of userIds) this.#pending.add(id);
    if (this.#flushQueued) return;
    this.#flushQueued = true;
    this.#turn.atTurnEnd('wake', () => this.#publishPending());
  }

  /** Close every connection of a signed-out device, on every node. */
  revokeDevice(userId: string, deviceId: string): void {
    this.#publish(userId, REVOKE_PREFIX + deviceId);
  }

  async close(): Promise<void> {
    this.#offResubscribed?.();
    this.#pending.clear();
    this.#members.clear();
    const subscriptions = [...this.#subscriptions.values()];
    this.#subscriptions.clear();
    await Promise.allSettled(subscriptions.map(async (s) => (await s)()));
  }

  #wakeAll(): void {
    this.#logger.info({ members: this.size }, 'bus resubscribed; waking every local device');
    for (const held of this.#members.values()) {
      if (held instanceof Set) for (const member of held) member.wake();
      else held.wake();
    }
  }

  /** This node appended to the user's log (null: what cannot be carried): the next wake-up says so. */
  #carry(userId: string, appended: Appended | null): void {
    const list = this.#carried.get(userId);
    if (appended === null) this.#carried.set(userId, null);
    else if (list === undefined) this.#carried.set(userId, [appended]);
    else list?.push(appended);
    this.notify([userId]);
  }

  #publishPending(): void {
    this.#flushQueued = false;
    for (const userId of this.#pending) {
      const carried = this.#carried.get(userId);
      this.#carried.delete(userId);
      const payload = carried ? `${CARRY_PREFIX}${this.#origin}:${JSON.stringify(carried)}` : WAKE;
      this.#publish(userId, payload.length <= MAX_CARRIED ? payload : WAKE);
    }
    this.#pending.clear();
  }

  #publish(userId: string, payload: string): void {
    this.#bus
      .publish(channelOf(userId), payload)
      .catch((error: unknown) => this.#logger.warn({ err: safeError(error) }, 'bus publish failed'));
  }

  #receive(userId: string, payload: string): void {
    const held = this.#members.get(userId);
    if (!held) return;
    if (payload === WAKE || payload.startsWith(CARRY_PREFIX)) {
      if (this.#feed) this.#heard(this.#feed, userId, payload);
      if (held instanceof Set) for (const member of held) member.wake();
      else held.wake();
    } else if (payload.startsWith(REVOKE_PREFIX)) {
      const deviceId = payload.slice(REVOKE_PREFIX.length);
      // A copy: revoking closes the connection, which leaves (changes the set) right away.
      for (const member of held instanceof Set ? [...held] : [held]) {
        if (member.deviceId === deviceId) member.revoke();
      }
    }
  }

  /** Give the tails what a wake-up says of the user's log, before the devices pull. */
  #heard(feed: LogFeed, userId: string, payload: string): void {
    if (payload === WAKE) {
      feed.lost(userId);
      return;
    }
    // This node's own: its tails took them at the commit.
    if (payload.startsWith(`${this.#origin}:`, CARRY_PREFIX.length)) return;
    let carried: unknown = null;
    try {
      carried = JSON.parse(payload.slice(payload.indexOf(':', CARRY_PREFIX.length) + 1));
    } catch {}
    if (!Array.isArray(carried)) {
      feed.lost(userId);
      return;
    }
    for (const appended of carried as Appended[]) feed.remote(userId, appended);
  }
}
