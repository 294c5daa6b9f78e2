import { type CredentialsBody, ROUTES, SessionResponse } from '@cinder/protocol';
import type { DeviceCreds } from './jobs.ts';
import { mapPool } from './pool.ts';
import type { TargetKind } from './server-target.ts';

/** Password of every benchmark account. */
const PASSWORD = 'bench-password-0';

/**
 * Registrations in flight at once. Registration hashes a password (argon2), which the server does
 * on its thread pool; more than a few in flight only queues.
 */
const REGISTER_CONCURRENCY = 8;

/** A username for benchmark user `i` of run `run`, valid under the protocol's username rule. */
export function benchUsername(run: string, role: string, i: number): string {
  return `${role}${i}-${run}`;
}

async function post(url: string, route: string, body: CredentialsBody): Promise<DeviceCreds> {
  // The HTTP client is the load generator's side of the wire: a real request, validated answer.
  for (let attempt = 0; ; attempt++) {
    const response = await fetch(`${url}${route}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const json: unknown = await response.json().catch(() => undefined);
    if (response.ok) {
      const session = SessionResponse.parse(json);
      return { username: session.user.username, token: session.token };
    }
    if (response.status === 429 && attempt < 20) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      continue;
    }
    throw new Error(`${route} answered ${response.status}`);
  }
}

/**
 * Create devices for `usernames`: for Cinder, one account (and its first device) each over
 * `POST /v1/accounts`; for the baselines, which have no accounts, the username is the token.
 */
export async function registerDevices(
  kind: TargetKind,
  url: string,
  usernames: readonly string[],
  onProgress?: (done: number) => void,
): Promise<DeviceCreds[]> {
  if (kind !== 'cinder') return usernames.map((username) => ({ username, token: username }));
  let done = 0;
  return mapPool(usernames, REGISTER_CONCURRENCY, async (username) => {
    const creds = await post(url, ROUTES.register, { username, password: PASSWORD, deviceName: 'bench' });
    if (++done % 500 === 0) onProgress?.(done);
    return creds;
  });
}

/** A second device for an existing user (`POST /v1/sessions`); the baseline just reuses the name. */
export async function loginDevice(kind: TargetKind, url: string, username: string): Promise<DeviceCreds> {
  if (kind !== 'cinder') return { username, token: username };
  return post(url, ROUTES.login, { username, password: PASSWORD, deviceName: 'bench-2' });
}
