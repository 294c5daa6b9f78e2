import { ROUTES, type SessionResponse } from '@cinder/protocol';
import { type DeviceKeys, generateDeviceKeys } from '@cinder/sdk';

/** A device signed in over HTTP, with the key pair it published (docs/crypto.md). */
export type KeyedSession = SessionResponse & { keys: DeviceKeys };

let counter = 0;

/** A valid username no other test in this process uses. */
export function username(prefix = 'u'): string {
  counter += 1;
  return `${prefix}${process.pid}x${counter}`;
}

/** The password every fixture gives `name`'s account: the tests never need to remember it. */
export function passwordOf(name: string): string {
  return `${name}-long-password`;
}

/** POST JSON; returns the status and the parsed body (null when empty). */
export async function postJson(url: string, body: unknown): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** POST credentials and a new device key pair to `route`; the session and keys, or throws unless `status`. */
async function signIn(
  server: { url: string },
  route: string,
  status: number,
  name: string,
  password: string,
): Promise<KeyedSession> {
  const keys = await generateDeviceKeys(false);
  const res = await postJson(new URL(route, server.url).href, {
    username: name,
    password,
    publicKey: keys.publicKey,
  });
  if (res.status !== status) throw new Error(`${route} failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { ...(res.body as SessionResponse), keys };
}

/**
 * Create an account (and its first device, with a new key pair) over HTTP; returns its session
 * and keys. Throws unless 201.
 */
export function register(
  server: { url: string },
  name = username(),
  password = passwordOf(name),
): Promise<KeyedSession> {
  return signIn(server, ROUTES.register, 201, name, password);
}

/** Sign in to an account as a new device (with a new key pair) over HTTP. Throws unless 200. */
export function login(
  server: { url: string },
  name: string,
  password = passwordOf(name),
): Promise<KeyedSession> {
  return signIn(server, ROUTES.login, 200, name, password);
}
