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

/**
 * Create an account (and its first device, with a new key pair) over HTTP; returns its session
 * and keys. Throws unless 201.
 */
export async function register(
  server: { url: string },
  name = username(),
  password = passwordOf(name),
): Promise<KeyedSession> {
  const keys = await generateDeviceKeys(false);
  const res = await postJson(new URL(ROUTES.register, server.url).href, {
    username: name,
    password,
    publicKey: keys.publicKey,
  });
  if (res.status !== 201) throw new Error(`register failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { ...(res.body as SessionResponse), keys };
}

/** Sign in to an account as a new device (with a new key pair) over HTTP. Throws unless 200. */
export async function login(
  server: { url: string },
  name: string,
  password = passwordOf(name),
): Promise<KeyedSession> {
  const keys = await generateDeviceKeys(false);
  const res = await postJson(new URL(ROUTES.login, server.url).href, {
    username: name,
    password,
    publicKey: keys.publicKey,
  });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { ...(res.body as SessionResponse), keys };
}
