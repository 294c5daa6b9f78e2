import { RESULT_SCHEMAS } from '@cinder/protocol';
import { describe, expect, it } from 'vitest';
import { REQUEST_HANDLERS, type RequestHandlers } from './request-handlers.ts';

// Checked by `tsc` (`npm run lint`), not by vitest: each `@ts-expect-error` fails the typecheck
// once the line under it compiles, that is once the handler map would accept a request type
// without a handler, or a handler that replies `undefined` or another type's result.
const { ping: _ping, ...withoutPing } = REQUEST_HANDLERS;
// @ts-expect-error: `ping` has no handler
withoutPing satisfies RequestHandlers;
// @ts-expect-error: `read` resolves to undefined instead of its (empty) result
({ ...REQUEST_HANDLERS, read: async () => undefined }) satisfies RequestHandlers;
// @ts-expect-error: `revoke` returns nothing
({ ...REQUEST_HANDLERS, revoke: () => {} }) satisfies RequestHandlers;
// @ts-expect-error: `read` answers with `ping`'s result
({ ...REQUEST_HANDLERS, read: REQUEST_HANDLERS.ping }) satisfies RequestHandlers;

describe('request handlers', () => {
  it('has one handler per request type of the protocol', () => {
    expect(Object.keys(REQUEST_HANDLERS).sort()).toEqual(Object.keys(RESULT_SCHEMAS).sort());
  });
});
