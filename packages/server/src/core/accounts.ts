import {
  type AccountSettings,
  type AccountSettingsBody,
  type BlockedResponse,
  type ChangePasswordBody,
  CinderError,
  type CredentialsBody,
  type DevicesResponse,
  Id,
  type Profile,
  type SessionResponse,
  Username,
} from '@cinder/protocol';
import { hash, verify } from '@node-rs/argon2';
import type { Logger } from '../logger.ts';
import type { Storage, UserRecord } from '../storage/storage.ts';
import type { BurnEngine } from './burn-engine.ts';
import type { Hub } from './hub.ts';
import { hashToken, newId, newToken } from './ids.ts';
import type { Limiters } from './rate-limit.ts';

/** Who a connection or request runs as: a signed-in device of an account. */
export interface DeviceIdentity {
  userId: string;
  username: string;
  deviceId: string;
  deviceName: string;
}

/** argon2id (the library default) with OWASP's minimum: 19 MiB, 2 passes, 1 lane. */
const ARGON2 = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

const DEFAULT_DEVICE_NAME = 'Unnamed device';

/** Registration, login, token checks and device management. */
export class Accounts {
  readonly #storage: Storage;
  readonly #hub: Hub;
  readonly #engine: BurnEngine;
  readonly #limiters: Limiters;
  readonly #now: () => number;
  readonly #logger: Logger;
  /** Verified against for unknown usernames so a login takes as long either way. */
  #decoy: Promise<string> | null = null;

  constructor(options: {
    storage: Storage;
    hub: Hub;
    /** Burns what a deleted account leaves (`deleteAccount`). */
    engine: BurnEngine;
    limiters: Limiters;
    now: () => number;
    logger: Logger;
  }) {
    this.#storage = options.storage;
    this.#hub = options.hub;
    this.#engine = options.engine;
    this.#limiters = options.limiters;
    this.#now = options.now;
    this.#logger = options.logger;
  }

  /**
   * Create an account and its first device. CONFLICT when the username is taken; RATE_LIMITED
   * when `address` (a client address key) created too many accounts lately.
   */
  async register(body: CredentialsBody, address: string): Promise<SessionResponse> {
    const limit = await this.#limiters.signIn?.beginRegistration(address);
    if (await this.#storage.accounts.findUserByUsername(body.username)) {
      throw new CinderError('CONFLICT', 'This username is taken');
    }
    const user: UserRecord = {
      id: newId('u'),
      username: body.username,
      passwordHash: await hash(body.password, ARGON2),
      createdAt: this.#now(),
    };
    await this.#storage.accounts.createUser(user); // CONFLICT if a racing register won
    this.#logger.info({ userId: user.id }, 'account created');
    await limit?.registered(user.username);
    return this.#newDevice(user, body.deviceName, body.publicKey);
  }

  /**
   * Sign in: a new device with a new token. UNAUTHORIZED for a wrong username or password;
   * RATE_LIMITED, before any password is checked, when `address` (a client address key) or
   * the account failed too often lately (see `SignInLimits`).
   */
  async login(body: CredentialsBody, address: string): Promise<SessionResponse> {
    const attempt = await this.#limiters.signIn?.beginLogin(address, body.username);
    let verified = false;
    try {
      const user = await this.#storage.accounts.findUserByUsername(body.username);
      const ok = user
        ? await verify(user.passwordHash, body.password)
        : await verify(await this.#decoyHash(), body.password).then(() => false);
      verified = true;
      if (!user || !ok) throw new CinderError('UNAUTHORIZED', 'Wrong username or password');
      await attempt?.succeeded();
      return await this.#newDevice(user, body.deviceName, body.publicKey);
    } catch (error) {
      // Only a wrong password counts; a storage error is not the client's guess.
      if (!verified) await attempt?.notAttempted();
      throw error;
    }
  }

  /** The device holding `token`, or UNAUTHORIZED. Marks it seen. */
  async authenticate(token: string): Promise<DeviceIdentity> {
    const found = await this.#storage.accounts.findDeviceByTokenHash(hashToken(token));
    if (!found) throw new CinderError('UNAUTHORIZED', 'Unknown or signed-out device');
    await this.#storage.accounts.touchDevice(found.device.id, this.#now());
    return {
      userId: found.user.id,
      username: found.user.username,
      deviceId: found.device.id,
      deviceName: found.device.name,
    };
  }

  /** Whether `token` still belongs to a signed-in device (a read only). */
  async isSignedIn(token: string): Promise<boolean> {
    return (await this.#storage.accounts.findDeviceByTokenHash(hashToken(token))) !== null;
  }

  async listDevices(who: DeviceIdentity): Promise<DevicesResponse> {
    const devices = await this.#storage.accounts.listDevices(who.userId);
    return {
      devices: devices.map((d) => ({
        id: d.id,
        name: d.name,
        createdAt: d.createdAt,
        lastSeenAt: d.lastSeenAt,
        publicKey: d.publicKey,
        current: d.id === who.deviceId,
      })),
    };
  }

  /** Sign a device of this account out everywhere. NOT_FOUND for any other id. */
  async revokeDevice(who: DeviceIdentity, deviceId: string): Promise<void> {
    // The id comes from a URL path: one no device can have (U+0000, a lone surrogate, too long)
    // is NOT_FOUND here rather than an error from the database's text type.
    if (
      !Id.safeParse(deviceId).success ||
      !(await this.#storage.accounts.deleteDevice(who.userId, deviceId))
    ) {
      throw new CinderError('NOT_FOUND');
    }
    this.#logger.info({ userId: who.userId, deviceId }, 'device signed out');
    this.#hub.revokeDevice(who.userId, deviceId);
  }

  /**
   * Delete `who`'s account (docs/accounts.md): `password` is checked as `changePassword` checks
   * `current` (UNAUTHORIZED, rate-limited like login). Its burn messages burn, everything of it is
   * deleted, and every device of it is signed out; the username is then unknown to everyone.
   */
  async deleteAccount(who: DeviceIdentity, password: string, address: string): Promise<void> {
    await this.#checkPassword(who, password, address);
    const devices = await this.#engine.deleteAccount(who.userId);
    this.#logger.info({ userId: who.userId, devices: devices.length }, 'account deleted');
    for (const deviceId of devices) this.#hub.revokeDevice(who.userId, deviceId);
    // A device that was not listed (a racing sign-in) is refused at its next request anyway.
    if (!devices.includes(who.deviceId)) this.#hub.revokeDevice(who.userId, who.deviceId);
  }

  /** Check `who`'s password as a login does: UNAUTHORIZED when wrong, RATE_LIMITED over the limits. */
  async #checkPassword(who: DeviceIdentity, password: string, address: string): Promise<void> {
    const attempt = await this.#limiters.signIn?.beginLogin(address, who.username);
    let verified = false;
    try {
      const user = await this.#storage.accounts.findUserByUsername(who.username);
      const ok = user !== null && user.id === who.userId && (await verify(user.passwordHash, password));
      verified = true;
      if (!ok) throw new CinderError('UNAUTHORIZED', 'Wrong password');
      await attempt?.succeeded();
    } catch (error) {
      if (!verified) await attempt?.notAttempted();
      throw error;
    }
  }

  /**
   * Change the password of `who`'s account and sign out every other device of it (their tokens
   * stop working, their sockets close as a revoked device's do, their push subscriptions go).
   * A wrong `current` is UNAUTHORIZED and counts as a failed login of the account from `address`
   * (so guessing through this route is limited as through login); RATE_LIMITED before any check
   * when the account or address failed too often lately.
   */
  async changePassword(who: DeviceIdentity, body: ChangePasswordBody, address: string): Promise<void> {
    await this.#checkPassword(who, body.current, address);
    const signedOut = await this.#storage.accounts.changePassword(
      who.userId,
      await hash(body.password, ARGON2),
      who.deviceId,
    );
    this.#logger.info({ userId: who.userId, signedOut: signedOut.length }, 'password changed');
    for (const deviceId of signedOut) this.#hub.revokeDevice(who.userId, deviceId);
  }

  /**
   * `who` blocks `username`: from then on that user's sends to `who` and key directory reads of
   * `who` get the answer an unknown username gets. NOT_FOUND for an unknown username;
   * BAD_REQUEST for oneself. Blocking is a protection, so it works (with the same answer) whether
   * or not `username` blocked `who`.
   */
  async block(who: DeviceIdentity, username: string): Promise<void> {
    const other = await this.#userNamed(username);
    if (other.id === who.userId) throw new CinderError('BAD_REQUEST', 'You cannot block yourself');
    await this.#storage.accounts.block(who.userId, other.id, this.#now());
    this.#logger.info({ userId: who.userId }, 'user blocked');
  }

  /** Lift a block of `username` (nothing happens when there was none). NOT_FOUND for an unknown username. */
  async unblock(who: DeviceIdentity, username: string): Promise<void> {
    const other = await this.#userNamed(username);
    await this.#storage.accounts.unblock(who.userId, other.id);
  }

  /** The users `who`'s account blocked. */
  async listBlocked(who: DeviceIdentity): Promise<BlockedResponse> {
    return { blocked: await this.#storage.accounts.listBlocked(who.userId) };
  }

  /** What others see of `who`'s account besides its username. */
  async profile(who: DeviceIdentity): Promise<Profile> {
    const user = await this.#storage.accounts.findUserByUsername(who.username);
    return { displayName: user?.displayName ?? null };
  }

  /** Set (or, with null, remove) the display name of `who`'s account; `displayName` is normalised already. */
  async setProfile(who: DeviceIdentity, displayName: string | null): Promise<Profile> {
    await this.#storage.accounts.setDisplayName(who.userId, displayName);
    return { displayName };
  }

  /** The settings of `who`'s account. */
  async settings(who: DeviceIdentity): Promise<AccountSettings> {
    return { readReceipts: await this.#storage.accounts.readReceipts(who.userId) };
  }

  /** Change the settings `body` names; answers with all of them. */
  async changeSettings(who: DeviceIdentity, body: AccountSettingsBody): Promise<AccountSettings> {
    if (body.readReceipts !== undefined) {
      await this.#storage.accounts.setReadReceipts(who.userId, body.readReceipts);
    }
    return this.settings(who);
  }

  /** The account named `username` (from a URL path: a name nobody can have is NOT_FOUND too). */
  async #userNamed(username: string): Promise<UserRecord> {
    const user = Username.safeParse(username).success
      ? await this.#storage.accounts.findUserByUsername(username)
      : null;
    if (!user) throw new CinderError('NOT_FOUND', 'No such user');
    return user;
  }

  async #newDevice(
    user: UserRecord,
    name: string | undefined,
    publicKey: string | undefined,
  ): Promise<SessionResponse> {
    const token = newToken();
    const device = {
      id: newId('d'),
      userId: user.id,
      name: name ?? DEFAULT_DEVICE_NAME,
      createdAt: this.#now(),
      publicKey: publicKey ?? null,
    };
    await this.#storage.accounts.createDevice({ ...device, lastSeenAt: null, tokenHash: hashToken(token) });
    this.#logger.info({ userId: user.id, deviceId: device.id }, 'device signed in');
    return {
      user: { id: user.id, username: user.username },
      device: { id: device.id, name: device.name },
      token,
    };
  }

  #decoyHash(): Promise<string> {
    this.#decoy ??= hash(newToken(), ARGON2);
    return this.#decoy;
  }
}
