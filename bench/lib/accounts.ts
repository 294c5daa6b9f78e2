import { type CredentialsBody, ROUTES, SessionResponse } from '@cinder/protocol';
import { generateDeviceKeys } from '@cinder/sdk';
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

/**
 * Create a Cinder device as the SDK does: a new X25519 key pair, its public key published with
 * the device. The private key comes back as PKCS#8 for the load generator (see `DeviceCreds.e2e`).
 */
async function post(
  url: string,
  route: string,
  body: Omit<CredentialsBody, 'publicKey'>,
): Promise<DeviceCreds> {
  const keys = await generateDeviceKeys(true);
  if (keys.pkcs8 === undefined) throw new Error('generateDeviceKeys(true) returned no PKCS#8');
  // The HTTP client is the load generator's side of the wire: a real request, validated answer.
  for (let attempt = 0; ; attempt++) {
    const response = await fetch(`${url}${route}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...body, publicKey: keys.publicKey } satisfies CredentialsBody),
    });
    const json: unknown = await response.json().catch(() => undefined);
    if (response.ok) {
      const session = SessionResponse.parse(json);
      return {
        username: session.user.username,
        token: session.token,
        e2e: { deviceId: session.device.id, publicKey: keys.publicKey, pkcs8: keys.pkcs8 },
      };
    }
    if (response.status === 429 && attempt < 20) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      continue;
    }
    throw new Error(`${route} answered ${response.status}`);
  }
}

/**
 * Create devices for `usernames`: for Cinder, one account (and its first device, with a key pair)
 * each over `POST /v1/accounts`; for the baselines, which have no accounts and no keys, the
 * username is the token.
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

/**
 * A second device (with its own key pair) for an existing user (`POST /v1/sessions`); the baseline
 * just reuses the name.
 */
export async function loginDevice(kind: TargetKind, url: string, username: string): Promise<DeviceCreds> {
  if (kind !== 'cinder') return { username, token: username };
  return post(url, ROUTES.login, { username, password: PASSWORD, deviceName: 'bench-2' });
}
