import type { RequestFrame, RequestType, ResultOf } from '@cinder/protocol';
import type { DeviceIdentity } from '../core/accounts.ts';
import type { BurnEngine } from '../core/burn-engine.ts';

/** The request frame of one type. */
export type RequestOf<K extends RequestType> = Extract<RequestFrame, { type: K }>;

/** What the request handlers use of the server. */
export interface RequestContext {
  engine: BurnEngine;
  now: () => number;
}

/**
 * Answers requests of one type with the result its `reply` carries, the one the protocol's
 * `RESULT_SCHEMAS` give for the type; a refusal throws (a `CinderError`) or rejects. A handler
 * that has its result at once returns it as it is, so its reply leaves in the same turn as the
 * request was read, ahead of the replies that wait for storage.
 */
export type RequestHandler<K extends RequestType> = (
  context: RequestContext,
  who: DeviceIdentity,
  request: RequestOf<K>,
) => ResultOf<K> | Promise<ResultOf<K>>;

/** One handler per request type of the protocol. */
export type RequestHandlers = { [K in RequestType]: RequestHandler<K> };

/**
 * Every request type's handler. A request type added to the protocol without a handler here, or
 * a handler whose result is not the type's (`undefined` included), does not compile.
 */
export const REQUEST_HANDLERS = {
  send: (context, who, request) => context.engine.send(who, request),
  open: (context, who, request) => context.engine.open(who, request.id),
  read: (context, who, request) => context.engine.read(who, request.id),
  delivered: (context, who, request) => context.engine.delivered(who, request.ids),
  revoke: (context, who, request) => context.engine.revoke(who, request.id),
  recall: (context, who, request) => context.engine.recall(who, request.id),
  ack: (context, who, request) => context.engine.ack(who, request.cursor),
  keys: (context, who, request) => context.engine.keys(who, request.username),
  ping: (context) => ({ serverTime: context.now() }),
} satisfies RequestHandlers;

/**
 * Runs the handler of `type`, which is `request.type` (passed apart so that the compiler pairs
 * the handler with its request).
 */
export function handleRequest<K extends RequestType>(
  type: K,
  request: RequestOf<K>,
  context: RequestContext,
  who: DeviceIdentity,
): ResultOf<K> | Promise<ResultOf<K>> {
  const handlers: RequestHandlers = REQUEST_HANDLERS;
  return handlers[type](context, who, request);
}
