import { CinderError, type ErrorBody, HTTP_STATUS } from '@cinder/protocol';
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { RateLimitedError } from '../core/limits/sign-in-limits.ts';
import { type Logger, safeError } from '../logger.ts';

/** The `{ error: { code, message } }` response for an error, with its status from `HTTP_STATUS`. */
export function errorResponse(c: Context, error: CinderError): Response {
  const body: ErrorBody = { error: error.toWire() };
  if (error instanceof RateLimitedError) {
    c.header('Retry-After', String(Math.max(1, Math.ceil(error.retryAfterMs / 1000))));
  }
  return c.json(body, HTTP_STATUS[error.code] as ContentfulStatusCode);
}

/** Hono `onError`: normalise anything thrown; unknown errors are logged (safely) and become INTERNAL. */
export function onError(logger: Logger) {
  return (error: Error, c: Context): Response => {
    const err = CinderError.from(error);
    if (err.code === 'INTERNAL')
      logger.error({ err: safeError(error), route: c.req.routePath }, 'request failed');
    return errorResponse(c, err);
  };
}
