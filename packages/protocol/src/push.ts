import { z } from 'zod';
import { Username } from './common.ts';

// Web Push (packages/server/docs/push.md). The payload a push service carries to a device is
// fixed here, so no server change can make it say more; the shapes a device uses to subscribe
// are HTTP bodies like the rest of device management (`ROUTES.push*`): a service worker or a
// settings page calls them without a socket.

/** Version of the push payload; a service worker ignores a payload of a version it does not know. */
export const PUSH_PAYLOAD_VERSION = 1;

/** Longest preview of a normal message's text in its push, in UTF-16 code units (with the ellipsis). */
export const MAX_PUSH_PREVIEW_LENGTH = 120;

/**
 * The push for a burn message: who sent one, and nothing else ("alice sent a burn message"). No
 * text, `ext`, attachment name or type, size, policy or id: a push service and a lock screen
 * learn nothing of the message but that it exists. Strict: a payload with any other field is
 * not a Cinder push.
 */
export const BurnPushPayload = z.strictObject({
  v: z.literal(PUSH_PAYLOAD_VERSION),
  kind: z.literal('burn'),
  from: Username,
});
export type BurnPushPayload = z.infer<typeof BurnPushPayload>;

/**
 * The push for a normal message: who sent it and, only when the device turned previews on
 * (`PushPreferencesBody`; off by default), the start of its text. Never its `ext` or
 * attachment name.
 */
export const MessagePushPayload = z.strictObject({
  v: z.literal(PUSH_PAYLOAD_VERSION),
  kind: z.literal('message'),
  from: Username,
  preview: z.string().min(1).max(MAX_PUSH_PREVIEW_LENGTH).optional(),
});
export type MessagePushPayload = z.infer<typeof MessagePushPayload>;

/** What a push carries, as the service worker's `event.data.json()` reads it. */
export const PushPayload = z.discriminatedUnion('kind', [BurnPushPayload, MessagePushPayload]);
export type PushPayload = z.infer<typeof PushPayload>;

/**
 * Base64url of `bytes` bytes, as browsers give a subscription's keys: unpadded, or padded with
 * `=` (some browsers did).
 */
function pushKey(bytes: number): z.ZodString {
  const unpadded = Math.ceil((bytes * 4) / 3);
  const padded = Math.ceil(bytes / 3) * 4;
  return z
    .string()
    .regex(/^[A-Za-z0-9_-]+={0,2}$/, 'must be base64url')
    .refine((s) => s.length === unpadded || s.length === padded, `must be ${bytes} bytes`);
}

/**
 * A browser's push subscription, as `PushSubscription.toJSON()` gives it: the push service's
 * endpoint URL (a capability: whoever holds it can push to the device) and the device's keys,
 * `p256dh` (P-256 public key, 65 bytes) and `auth` (16-byte secret) that encrypt the payload
 * (RFC 8291). The server asks for `https:` endpoints unless its operator allows others.
 */
export const PushSubscriptionJson = z.object({
  endpoint: z
    .string()
    .max(2048)
    .refine((s) => URL.canParse(s) && /^https?:$/.test(new URL(s).protocol), 'must be an http(s) URL'),
  expirationTime: z.number().nullable().optional(),
  keys: z.object({ p256dh: pushKey(65), auth: pushKey(16) }),
});
export type PushSubscriptionJson = z.infer<typeof PushSubscriptionJson>;

/**
 * `PUT /v1/push/subscription` (Bearer): this device's subscription, replacing the one it had.
 * `previews` sets the preference as `PushPreferencesBody` does; absent, the device keeps the one it
 * had (off for a device that never set it).
 */
export const PushSubscribeBody = z.object({
  subscription: PushSubscriptionJson,
  previews: z.boolean().optional(),
});
export type PushSubscribeBody = z.infer<typeof PushSubscribeBody>;

/**
 * `PUT /v1/push/preferences` (Bearer): whether this device's pushes for normal messages carry a
 * preview of the text. NOT_FOUND while the device has no subscription. Burn messages never do.
 */
export const PushPreferencesBody = z.object({ previews: z.boolean() });
export type PushPreferencesBody = z.infer<typeof PushPreferencesBody>;

/**
 * This device's push state: the answer to `GET` and `PUT /v1/push/subscription` and to
 * `PUT /v1/push/preferences`. `previews` is false while not subscribed.
 */
export const PushStatus = z.object({ subscribed: z.boolean(), previews: z.boolean() });
export type PushStatus = z.infer<typeof PushStatus>;

/**
 * `GET /v1/push/key` (no token needed): the server's VAPID public key (an uncompressed P-256
 * point, 65 bytes, base64url), the `applicationServerKey` of `pushManager.subscribe`. Every node
 * of a cluster answers the same key.
 */
export const PushKeyResponse = z.object({ publicKey: pushKey(65) });
export type PushKeyResponse = z.infer<typeof PushKeyResponse>;
