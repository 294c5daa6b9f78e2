import { CinderError } from '@cinder/protocol';
import type { BucketSpec, BucketStore } from './bucket-store.ts';

/** The sign-in and registration limits, as configured (see `RateLimitOptions`). */
export interface SignInLimitSettings {
  /** Failed logins of one account from one address, per 10 minutes (burst and refill). */
  loginFailuresPerAccountAndAddress: number;
  /** Failed logins from one address over all accounts, per 10 minutes. */
  loginFailuresPerAddress: number;
  /** Failed logins of one account from all addresses, per hour; past it only known addresses may try. */
  loginFailuresPerAccount: number;
  /** Registrations from one address, per hour. */
  registrationsPerHour: number;
}

/** RATE_LIMITED with the time until a retry can succeed (HTTP sends it as Retry-After). */
export class RateLimitedError extends CinderError {
  readonly retryAfterMs: number;

  constructor(message: string, retryAfterMs: number) {
    super('RATE_LIMITED', message);
    this.retryAfterMs = retryAfterMs;
  }
}

/** The logging the limits do (a subset of pino's Logger). */
export interface SignInLogger {
  warn(fields: Record<string, unknown>, msg: string): void;
}

const TEN_MINUTES = 600;
const HOUR = 3600;
/** How long an address a login succeeded from stays known to the account. */
export const KNOWN_ADDRESS_MS = 30 * 24 * 3600 * 1000;
/** At most one warning per kind of refusal per this many ms (each carries the count). */
const WARN_EVERY_MS = 60_000;

type Kind = 'login' | 'registration';

/**
 * Who may try a password, and how often. Only failed logins are counted: a token is taken from
 * each bucket before the password is checked (so parallel guesses cannot outrun the count) and
 * given back when it was right, so the owner's own logins never count against anyone.
 *
 * - (account, address): a guesser at one account from one address is stopped without touching
 *   anyone else; the owner signing in from another address is not affected.
 * - address: spraying one guess over many accounts from one address is stopped.
 * - account (soft): guesses at one account from many addresses are stopped, except from an
 *   address the account signed in or registered from within 30 days: a botnet can keep the
 *   owner from signing in from a *new* address for a while, never from a known one (and never
 *   signs out a device).
 *
 * Registrations are counted per address. Refusals are RATE_LIMITED (HTTP 429) and cost no
 * password hashing.
 */
export class SignInLimits {
  readonly #store: BucketStore;
  readonly #settings: SignInLimitSettings;
  readonly #logger: SignInLogger;
  readonly #refused: Record<Kind, { count: number; lastWarn: number }> = {
    login: { count: 0, lastWarn: Number.NEGATIVE_INFINITY },
    registration: { count: 0, lastWarn: Number.NEGATIVE_INFINITY },
  };

  constructor(store: BucketStore, settings: SignInLimitSettings, logger: SignInLogger) {
    this.#store = store;
    this.#settings = settings;
    this.#logger = logger;
  }

  /**
   * Before checking a password: RATE_LIMITED when this attempt is over a limit. Otherwise call
   * `succeeded` when the password was right (or when the attempt failed for another reason,
   * e.g. storage): the attempt then does not count.
   */
  async beginLogin(
    address: string,
    username: string,
  ): Promise<{ succeeded(): Promise<void>; notAttempted(): Promise<void> }> {
    const s = this.#settings;
    const buckets: BucketSpec[] = [
      per(`login:pair:${username}:${address}`, s.loginFailuresPerAccountAndAddress, TEN_MINUTES),
      per(`login:address:${address}`, s.loginFailuresPerAddress, TEN_MINUTES),
      { ...per(`login:account:${username}`, s.loginFailuresPerAccount, HOUR), soft: true },
    ];
    const take = await this.#store.take(buckets, known(username, address));
    if (!take.ok)
      throw this.#refuse('login', 'Too many failed sign-in attempts; try again later', take.retryAfterMs);
    return {
      succeeded: async () => {
        await take.refund();
        await this.#store.remember(known(username, address), KNOWN_ADDRESS_MS);
      },
      notAttempted: () => take.refund(),
    };
  }

  /** Before creating an account: RATE_LIMITED when this address registered too often. */
  async beginRegistration(address: string): Promise<{ registered(username: string): Promise<void> }> {
    const take = await this.#store.take([
      per(`register:${address}`, this.#settings.registrationsPerHour, HOUR),
    ]);
    if (!take.ok)
      throw this.#refuse(
        'registration',
        'Too many accounts created from here; try again later',
        take.retryAfterMs,
      );
    return { registered: (username) => this.#store.remember(known(username, address), KNOWN_ADDRESS_MS) };
  }

  close(): Promise<void> {
    return this.#store.close();
  }

  #refuse(kind: Kind, message: string, retryAfterMs: number): CinderError {
    const refused = this.#refused[kind];
    refused.count += 1;
    const now = Date.now();
    if (now - refused.lastWarn >= WARN_EVERY_MS) {
      // Counts only: addresses and usernames are personal data and stay out of the log.
      this.#logger.warn({ kind, refused: refused.count }, 'sign-in rate limited');
      refused.lastWarn = now;
      refused.count = 0;
    }
    return new RateLimitedError(message, retryAfterMs);
  }
}

/** A bucket of `count` per `seconds`, all of it at once. */
function per(key: string, count: number, seconds: number): BucketSpec {
  return { key, capacity: count, perSecond: count / seconds };
}

function known(username: string, address: string): string {
  return `login:known:${username}:${address}`;
}
