import { hostname } from 'node:os';
import { CinderError } from '@cinder/protocol';
import { CinderClient, type Identity, MemoryStore, type Store } from '@cinder/sdk';
import { FileStore } from '@cinder/sdk/node';
import { ENGLISH, type I18n } from './i18n/i18n.ts';
import { localizedError } from './i18n/localized-error.ts';
import { DEFAULT_SERVER_URL, lockProfile, type Profile, requireIdentity, resolveProfile } from './profile.ts';

/** The global options every command sees. */
export interface GlobalOptions {
  /** `--server`; else `CINDER_URL`. Chooses the server at register/login; later, must match it. */
  server?: string;
  /** `--profile`; else `CINDER_PROFILE`, else `default`. */
  profile?: string;
}

/** A connected, in-sync client of a profile's device. Release it with `await using`. */
export interface Session extends AsyncDisposable {
  client: CinderClient;
  profile: Profile;
  identity: Identity;
}

/** Options of `openSession`. */
export interface SessionOptions {
  /** Attach listeners before connecting, so they also see what the sync backlog brings. */
  beforeConnect?: (client: CinderClient) => void;
  /**
   * Run on a copy of the profile in memory and release the profile at once, instead of holding
   * it until disposed. For `listen`, which runs for hours while other commands use the profile.
   * @default false
   */
  detached?: boolean;
  /** Where to say that the server is not answering yet (stderr); silent without it. */
  notify?: (line: string) => void;
  /**
   * The language of the notices and errors.
   * @default English
   */
  i18n?: I18n;
}

/**
 * The server URL for register / login: `--server`, else `CINDER_URL`, else the default.
 * Normalised without a trailing slash, as the SDK saves it.
 */
export function serverUrl(options: GlobalOptions, env: NodeJS.ProcessEnv, i18n: I18n = ENGLISH): string {
  const url = options.server ?? (env.CINDER_URL || DEFAULT_SERVER_URL);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw localizedError('BAD_REQUEST', i18n.t('server.notUrl', { url }));
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw localizedError('BAD_REQUEST', i18n.t('server.notHttp', { url }));
  }
  return url.replace(/\/+$/, '');
}

/**
 * A saved device answers only to its own server: a `--server` / `CINDER_URL` that names another
 * one is a mistake worth saying, rather than an UNAUTHORIZED from the wrong server.
 */
function checkServer(
  options: GlobalOptions,
  env: NodeJS.ProcessEnv,
  profile: Profile,
  saved: string,
  i18n: I18n,
): void {
  if (options.server === undefined && !env.CINDER_URL) return;
  const asked = serverUrl(options, env, i18n);
  if (asked !== saved) {
    throw localizedError('BAD_REQUEST', i18n.t('server.mismatch', { profile: profile.name, saved, asked }));
  }
}

/**
 * The name the CLI gives its devices, e.g. `cinder CLI on laptop`. Not translated: the server
 * keeps it, and every device of the account shows it, whatever language each one speaks.
 */
export function deviceName(): string {
  return `cinder CLI on ${hostname() || 'unknown host'}`.slice(0, 64);
}

/**
 * Resume the profile's device and sync it. Holds the profile (see `lockProfile`) until
 * disposed, unless `detached`. `UNAUTHORIZED` with a hint if the profile has no device.
 */
export async function openSession(
  globals: GlobalOptions,
  env: NodeJS.ProcessEnv,
  options: SessionOptions = {},
): Promise<Session> {
  const i18n = options.i18n ?? ENGLISH;
  const profile = resolveProfile(globals.profile, env, i18n);
  let lock: AsyncDisposable | null = await lockProfile(profile, i18n);
  try {
    const identity = await requireIdentity(profile, i18n);
    checkServer(globals, env, profile, identity.url, i18n);
    let store: Store = new FileStore(profile.storePath);
    if (options.detached) {
      store = await snapshot(store);
      await lock[Symbol.asyncDispose]();
      lock = null;
    }
    const client = new CinderClient({ url: identity.url, store, deviceName: deviceName() });
    options.beforeConnect?.(client);
    const offState = client.on('state', (state) => {
      if (state === 'reconnecting') {
        options.notify?.(i18n.t('server.retrying', { url: identity.url }));
        offState();
      }
    });
    try {
      await client.connect();
    } catch (error) {
      await client.close();
      if (error instanceof CinderError && error.code === 'TIMEOUT') {
        throw localizedError('TIMEOUT', i18n.t('server.unreachable', { url: identity.url }), {
          cause: error,
        });
      }
      throw error;
    } finally {
      offState();
    }
    const held = lock;
    return {
      client,
      profile,
      identity,
      async [Symbol.asyncDispose]() {
        try {
          await client.close();
        } finally {
          await held?.[Symbol.asyncDispose]();
        }
      },
    };
  } catch (error) {
    await lock?.[Symbol.asyncDispose]();
    throw error;
  }
}

/**
 * A memory copy of a store: the device, cursor, messages and tombstones. Not the outbox: its
 * sends belong to the process that queued them.
 */
async function snapshot(source: Store): Promise<Store> {
  const copy = new MemoryStore();
  await copy.commit({
    identity: await source.getIdentity(),
    cursor: await source.getCursor(),
    putMessages: await source.listMessages(),
    putTombstones: await source.listTombstones(),
  });
  await source.close();
  return copy;
}

/** Run `fn` on the profile's store while holding the profile. */
export async function withProfileStore<T>(
  profile: Profile,
  fn: (store: Store) => Promise<T>,
  i18n: I18n = ENGLISH,
): Promise<T> {
  await using _lock = await lockProfile(profile, i18n);
  const store = new FileStore(profile.storePath);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}
