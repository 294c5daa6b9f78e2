import { mkdir, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Identity } from '@cinder/sdk';
import { FileStore } from '@cinder/sdk/node';
import { ENGLISH, type I18n } from './i18n/i18n.ts';
import { localizedError } from './i18n/localized-error.ts';
import { acquireLock } from './lock.ts';

/** Server the CLI talks to when neither `--server` nor `CINDER_URL` names one at register/login. */
export const DEFAULT_SERVER_URL = 'http://127.0.0.1:8080';
/** Profile used when neither `--profile` nor `CINDER_PROFILE` names one. */
export const DEFAULT_PROFILE = 'default';

/**
 * Where one profile lives: `storePath` is the SDK `FileStore` (mode 0600) holding the device
 * (with its server URL and token), the sync cursor and the local messages; `lockPath` keeps
 * two `cinder` processes from writing it at once.
 */
export interface Profile {
  name: string;
  home: string;
  storePath: string;
  lockPath: string;
}

const PROFILE_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Locate a profile. `home` is `CINDER_HOME`, else `~/.config/cinder`; `name` is the flag, else
 * `CINDER_PROFILE`, else `default`. Throws `BAD_REQUEST` for a name that is not a plain word
 * (it becomes a file name).
 */
export function resolveProfile(
  name: string | undefined,
  env: NodeJS.ProcessEnv,
  i18n: I18n = ENGLISH,
): Profile {
  const profileName = name ?? (env.CINDER_PROFILE || DEFAULT_PROFILE);
  if (!PROFILE_NAME.test(profileName)) throw localizedError('BAD_REQUEST', i18n.t('profile.badName'));
  const home = env.CINDER_HOME || join(homedir(), '.config', 'cinder');
  return {
    name: profileName,
    home,
    storePath: join(home, `${profileName}.json`),
    lockPath: join(home, `${profileName}.lock`),
  };
}

/** Hold the profile for this process until disposed (waits while another `cinder` holds it). */
export async function lockProfile(profile: Profile, i18n: I18n = ENGLISH): Promise<AsyncDisposable> {
  await mkdir(profile.home, { recursive: true, mode: 0o700 });
  return acquireLock(profile.lockPath, { what: i18n.t('profile.what', { profile: profile.name }), i18n });
}

/** The device saved in the profile, or null if it never signed in (or was signed out). Hold the lock. */
export async function readIdentity(profile: Profile): Promise<Identity | null> {
  const store = new FileStore(profile.storePath);
  try {
    return await store.getIdentity();
  } finally {
    await store.close();
  }
}

/** The device saved in the profile; `UNAUTHORIZED` with a hint if there is none. Hold the lock. */
export async function requireIdentity(profile: Profile, i18n: I18n = ENGLISH): Promise<Identity> {
  const identity = await readIdentity(profile);
  if (!identity) {
    throw localizedError('UNAUTHORIZED', i18n.t('profile.notSignedIn', { profile: profile.name }));
  }
  return identity;
}

/** Delete the profile's store (and a temp file a crash may have left). Hold the lock. */
export async function deleteProfile(profile: Profile): Promise<void> {
  await rm(profile.storePath, { force: true });
  await rm(`${profile.storePath}.tmp`, { force: true });
}
