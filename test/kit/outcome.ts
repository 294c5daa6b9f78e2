import { CinderError } from '@cinder/sdk';

/**
 * How a call ended: `{ code: 'OK' }` when it resolved, else the `CinderError`'s code and
 * message. Anything thrown that is not a `CinderError` is rethrown: the tests expect typed errors.
 */
export async function failure(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
    return { code: 'OK', message: '' };
  } catch (e) {
    if (!(e instanceof CinderError)) throw e;
    return { code: e.code, message: e.message };
  }
}

/** The code of `failure(p)`: 'OK' or the `CinderError`'s code. */
export async function codeOf(p: Promise<unknown>): Promise<string> {
  return (await failure(p)).code;
}
