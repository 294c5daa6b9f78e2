import type { MiddlewareHandler } from 'hono';

/**
 * The Content-Security-Policy of every response: the web app loads nothing from elsewhere and
 * connects only to its own origin (`'self'` covers same-origin ws: and wss: in CSP Level 3)
 * and, when one is configured, the CORS origin (its http(s) and ws(s) forms). Images and media
 * may also come from `blob:` object URLs: the app shows attachments, decrypted in memory, that way.
 * The service worker (`/sw.js`) and the web app manifest are same-origin files, allowed by
 * `script-src 'self'` (the fallback of `worker-src`) and `default-src 'self'` (of `manifest-src`):
 * no directive of their own, so the policy stays what it was and no other origin can serve them.
 */
export function contentSecurityPolicy(corsOrigin: string | null): string {
  const connect = ["'self'"];
  const url = corsOrigin && URL.canParse(corsOrigin) ? new URL(corsOrigin) : null;
  if (url && (url.protocol === 'https:' || url.protocol === 'http:')) {
    connect.push(url.origin, `${url.protocol === 'https:' ? 'wss:' : 'ws:'}//${url.host}`);
  }
  return (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; " +
    "media-src 'self' blob:; " +
    `connect-src ${connect.join(' ')}; object-src 'none'; base-uri 'none'; frame-ancestors 'none'`
  );
}

/** Security headers on every response. */
export function securityHeaders(corsOrigin: string | null): MiddlewareHandler {
  const csp = contentSecurityPolicy(corsOrigin);
  return async (c, next) => {
    await next();
    c.header('Content-Security-Policy', csp);
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Referrer-Policy', 'no-referrer');
    c.header('X-Frame-Options', 'DENY');
  };
}

/**
 * On API responses: never stored by a browser or proxy cache. They carry device tokens
 * (register, login) and account data (devices), and nothing of the API is worth caching.
 */
export const noStore: MiddlewareHandler = async (c, next) => {
  await next();
  c.header('Cache-Control', 'no-store');
  c.header('Pragma', 'no-cache');
};
