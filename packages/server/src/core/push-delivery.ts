import webPush from 'web-push';
import type { VapidKeys } from '../storage/storage.ts';

/** Where one push goes: a subscription's endpoint and the keys its payload is encrypted to. */
export interface PushTarget {
  endpoint: string;
  p256dh: string;
  auth: string;
}

/** How one push ended: taken by the push service, gone (404/410: unsubscribed or expired), or failed. */
export type DeliveryOutcome =
  | { kind: 'sent' }
  | { kind: 'gone'; status: number }
  /** `status` is the push service's answer, or null when none came (`reason`: a network error's code). */
  | { kind: 'failed'; status: number | null; reason: string };

/** The part of `fetch` a delivery uses. */
export type PushFetch = (
  url: string,
  init: {
    method: string;
    headers: Record<string, string>;
    body: Uint8Array<ArrayBuffer>;
    signal: AbortSignal;
    redirect: 'manual';
  },
) => Promise<{ status: number; body: { cancel(): Promise<void> } | null }>;

/** What every delivery of a server shares. */
export interface DeliveryOptions {
  keys: VapidKeys;
  /** The VAPID `sub` claim: a `mailto:` or `https:` contact for the push services. */
  subject: string;
  /** A push service that has not answered within this is a failure. */
  timeoutMs: number;
  /** Aborts every delivery under way (the server is stopping). */
  stop: AbortSignal;
  fetch: PushFetch;
}

/**
 * Send one push (RFC 8030): the payload encrypted to the subscription's keys (RFC 8291,
 * aes128gcm) and signed with the server's VAPID key (RFC 8292) by `web-push`; the request itself
 * through `fetch`, with a timeout and without following redirects (the endpoint is a URL a
 * client gave). Never throws; the outcome carries no payload and no endpoint.
 */
export async function deliverPush(
  target: PushTarget,
  payload: string,
  ttlSeconds: number,
  options: DeliveryOptions,
): Promise<DeliveryOutcome> {
  let request: ReturnType<typeof webPush.generateRequestDetails>;
  try {
    request = webPush.generateRequestDetails(
      { endpoint: target.endpoint, keys: { p256dh: target.p256dh, auth: target.auth } },
      payload,
      {
        vapidDetails: { subject: options.subject, ...options.keys },
        TTL: ttlSeconds,
        urgency: 'high',
        contentEncoding: 'aes128gcm',
      },
    );
  } catch (error) {
    // Keys a browser would never make (the protocol checked only their length).
    return { kind: 'failed', status: null, reason: error instanceof Error ? error.name : 'encrypt' };
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    // The request sets the length of the body itself.
    if (name.toLowerCase() !== 'content-length') headers[name] = String(value);
  }
  try {
    const response = await options.fetch(request.endpoint, {
      method: request.method,
      headers,
      body: new Uint8Array(request.body ?? new Uint8Array()),
      signal: AbortSignal.any([AbortSignal.timeout(options.timeoutMs), options.stop]),
      redirect: 'manual',
    });
    await response.body?.cancel().catch(() => {});
    if (response.status >= 200 && response.status < 300) return { kind: 'sent' };
    if (response.status === 404 || response.status === 410) return { kind: 'gone', status: response.status };
    return { kind: 'failed', status: response.status, reason: 'status' };
  } catch (error) {
    return { kind: 'failed', status: null, reason: networkReason(error) };
  }
}

/**
 * A network error's code (ECONNREFUSED, EPUSHPRIVATEADDRESS, TimeoutError, …), never its message,
 * which may hold the URL.
 */
function networkReason(error: unknown): string {
  const { code, cause } = (error ?? {}) as { code?: unknown; cause?: { code?: unknown } };
  if (typeof code === 'string') return code;
  if (typeof cause?.code === 'string') return cause.code;
  return error instanceof Error ? error.name : 'unknown';
}
