import { CinderError, type ErrorCode } from '@cinder/protocol';

const LOCALIZED = Symbol('cinder.cli.localized');

/**
 * A CinderError whose message the CLI wrote in the user's language. Errors without this mark
 * come from the server or the SDK in English: the CLI names their code in the user's language
 * and keeps their words as the detail.
 */
export function localizedError(code: ErrorCode, message: string, options?: { cause?: unknown }): CinderError {
  const error = new CinderError(code, message, options);
  Object.defineProperty(error, LOCALIZED, { value: true });
  return error;
}

/** Whether `error` came from `localizedError`. */
export function isLocalized(error: unknown): boolean {
  return typeof error === 'object' && error !== null && LOCALIZED in error;
}
