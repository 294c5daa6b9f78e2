import {
  CinderError,
  PushKeyResponse,
  type PushStatus,
  PushStatus as PushStatusBody,
  type PushSubscribeBody,
  PushSubscriptionJson,
  ROUTES,
} from '@cinder/protocol';
import { httpRequest, joinUrl, type ServerHttp } from './http.ts';
import type { Identity } from './types.ts';

/**
 * A push subscription as a browser gives it: a `PushSubscription` (its `toJSON()` is read) or
 * the JSON itself (`{ endpoint, expirationTime, keys: { p256dh, auth } }`), e.g. kept by a
 * service worker.
 */
export type PushSubscriptionLike = { toJSON(): PushSubscriptionJsonLike } | PushSubscriptionJsonLike;

/** The shape of `PushSubscription.toJSON()` (lib.dom's `PushSubscriptionJSON`). */
export interface PushSubscriptionJsonLike {
  endpoint?: string;
  expirationTime?: number | null;
  keys?: Record<string, string>;
}

/** The server's VAPID public key (base64url), the `applicationServerKey` of `pushManager.subscribe`. */
export async function fetchPushKey(server: ServerHttp): Promise<string> {
  const body = await httpRequest(server.fetch, joinUrl(server.url, ROUTES.pushKey), {
    method: 'GET',
    schema: PushKeyResponse,
  });
  return body.publicKey;
}

/** This device's push state on the server. */
export function pushStatus(server: ServerHttp, identity: Identity): Promise<PushStatus> {
  return httpRequest(server.fetch, joinUrl(server.url, ROUTES.pushSubscription), {
    method: 'GET',
    token: identity.token,
    schema: PushStatusBody,
  });
}

/**
 * Register `subscription` as this device's (replacing the one it had). BAD_REQUEST, before any
 * request, for something that is not a push subscription.
 */
export function subscribePush(
  server: ServerHttp,
  identity: Identity,
  subscription: PushSubscriptionLike,
  previews: boolean | undefined,
): Promise<PushStatus> {
  const json = 'toJSON' in subscription ? subscription.toJSON() : subscription;
  const parsed = PushSubscriptionJson.safeParse(json);
  if (!parsed.success) throw new CinderError('BAD_REQUEST', 'Not a push subscription');
  const body: PushSubscribeBody = { subscription: parsed.data };
  if (previews !== undefined) body.previews = previews;
  return httpRequest(server.fetch, joinUrl(server.url, ROUTES.pushSubscription), {
    method: 'PUT',
    token: identity.token,
    body,
    schema: PushStatusBody,
  });
}

/** Remove this device's subscription on the server (no error when it had none). */
export async function unsubscribePush(server: ServerHttp, identity: Identity): Promise<void> {
  await httpRequest(server.fetch, joinUrl(server.url, ROUTES.pushSubscription), {
    method: 'DELETE',
    token: identity.token,
  });
}

/** Turn previews of normal messages in this device's pushes on or off. */
export function setPushPreviews(
  server: ServerHttp,
  identity: Identity,
  previews: boolean,
): Promise<PushStatus> {
  return httpRequest(server.fetch, joinUrl(server.url, ROUTES.pushPreferences), {
    method: 'PUT',
    token: identity.token,
    body: { previews },
    schema: PushStatusBody,
  });
}
