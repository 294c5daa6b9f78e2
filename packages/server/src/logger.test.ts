import { describe, expect, it } from 'vitest';
import { safeError } from './logger.ts';

describe('safeError', () => {
  it('keeps type and code, drops the message of foreign errors', () => {
    const fields = safeError(Object.assign(new SyntaxError('Unexpected token in "secret"'), { code: 'E1' }));
    expect(fields).toMatchObject({ type: 'SyntaxError', code: 'E1' });
    expect(JSON.stringify(fields)).not.toContain('secret');
  });

  it('is idempotent, so the err serializer does not erase what callers already made safe', () => {
    const once = safeError(Object.assign(new Error('x'), { code: 'E2' }));
    expect(safeError(once)).toBe(once);
    // A plain object that did not come from safeError is still reduced.
    expect(safeError({ message: 'secret' })).toEqual({ type: 'object' });
  });
});
