import {
  CinderError,
  type CredentialsBody,
  type DevicesResponse,
  type SessionResponse,
} from '@cinder/protocol';
import { hash, verify } from '@node-rs/argon2';
import type { Logger } from '../logger.ts';
import type { Storage, UserRecord } from '../storage/storage.ts';
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
  readonly #limiters: Limiters;
  readonly #now: () => number;
  readonly #logger: Logger;
  /** Verified against for unknown usernames so a login takes as long either way. */
  #decoy: Promise<string> | null = null;

  constructor(options: {
    storage: Storage;
    hub: Hub;
    limiters: Limiters;
    now: () => number;
    logger: Logger;
  }) {
    this.#storage = options.storage;
    this.#hub = options.hub;
    this.#limiters = options.limiters;
    this.#now = options.now;
    this.#logger = options.logger;
  }

  /** Create an account and its first device. CONFLICT when the username is taken. */
  async register(body: CredentialsBody): Promise<SessionResponse> {
    if (await this.#storage.findUserByUsername(body.username)) {
      throw new CinderError('CONFLICT', 'This username is taken');
    }
    const user: UserRecord = {
      id: newId('u'),
      username: body.username,
      passwordHash: await hash(body.password, ARGON2),
      createdAt: this.#now(),
    };
    await this.#storage.createUser(user); // CONFLICT if a racing register won
    this.#logger.info({ userId: user.id }, 'account created');
    return this.#newDevice(user, body.deviceName);
  }

  /** Sign in: a new device with a new token. UNAUTHORIZED for a wrong username or password. */
  async login(body: CredentialsBody): Promise<SessionResponse> {
    if (this.#limiters.login && !this.#limiters.login.tryTake(body.username)) {
      this.#logger.warn({}, 'login rate limited');
      throw new CinderError('RATE_LIMITED', 'Too many sign-in attempts; wait a minute');
    }
    const user = await this.#storage.findUserByUsername(body.username);
    const ok = user
      ? await verify(user.passwordHash, body.password)
      : await verify(await this.#decoyHash(), body.password).then(() => false);
    if (!user || !ok) throw new CinderError('UNAUTHORIZED', 'Wrong username or password');
    return this.#newDevice(user, body.deviceName);
  }

  /** The device holding `token`, or UNAUTHORIZED. Marks it seen. */
  async authenticate(token: string): Promise<DeviceIdentity> {
    const found = await this.#storage.findDeviceByTokenHash(hashToken(token));
    if (!found) throw new CinderError('UNAUTHORIZED', 'Unknown or signed-out device');
    await this.#storage.touchDevice(found.device.id, this.#now());
    return {
      userId: found.user.id,
      username: found.user.username,
      deviceId: found.device.id,
      deviceName: found.device.name,
    };
  }

  /** Whether `token` still belongs to a signed-in device (a read only). */
  async isSignedIn(token: string): Promise<boolean> {
    return (await this.#storage.findDeviceByTokenHash(hashToken(token))) !== null;
  }

  async listDevices(who: DeviceIdentity): Promise<DevicesResponse> {
    const devices = await this.#storage.listDevices(who.userId);
    return {
      devices: devices.map((d) => ({
        id: d.id,
        name: d.name,
        createdAt: d.createdAt,
        lastSeenAt: d.lastSeenAt,
        current: d.id === who.deviceId,
      })),
    };
  }

  /** Sign a device of this account out everywhere. NOT_FOUND for any other id. */
  async revokeDevice(who: DeviceIdentity, deviceId: string): Promise<void> {
    if (!(await this.#storage.deleteDevice(who.userId, deviceId))) throw new CinderError('NOT_FOUND');
    this.#logger.info({ userId: who.userId, deviceId }, 'device signed out');
    this.#hub.revokeDevice(who.userId, deviceId);
  }

  async #newDevice(user: UserRecord, name: string | undefined): Promise<SessionResponse> {
    const token = newToken();
    const device = {
      id: newId('d'),
      userId: user.id,
      name: name ?? DEFAULT_DEVICE_NAME,
      createdAt: this.#now(),
    };
    await this.#storage.createDevice({ ...device, lastSeenAt: null, tokenHash: hashToken(token) });
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
