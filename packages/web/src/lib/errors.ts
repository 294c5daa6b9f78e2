import { CinderError } from '@cinder/sdk';
import type { TFunction } from 'i18next';

/**
 * A sentence a person can act on, for an error from the SDK, in the language of `t`. Never
 * includes message content: only the error code and names the user typed.
 */
export function describeError(error: unknown, t: TFunction, context: { peer?: string } = {}): string {
  if (!(error instanceof CinderError)) return t('errors.generic');
  const { peer } = context;
  switch (error.code) {
    case 'CONFLICT':
    case 'UNAUTHORIZED':
    case 'BURNED':
    case 'FORBIDDEN':
    case 'RATE_LIMITED':
    case 'TIMEOUT':
    case 'DISCONNECTED':
    case 'UNAVAILABLE':
    case 'PAYLOAD_TOO_LARGE':
    case 'BAD_REQUEST':
    case 'SEALED_FOR_OTHER_DEVICES':
    case 'DECRYPT_FAILED':
    case 'UNSUPPORTED_PROTOCOL':
      return t(`errors.${error.code}`);
    case 'NOT_FOUND':
      return peer ? t('errors.NOT_FOUND_peer', { peer }) : t('errors.NOT_FOUND');
    case 'KEYS_CHANGED':
      return peer ? t('errors.KEYS_CHANGED_peer', { peer }) : t('errors.KEYS_CHANGED');
    default:
      return t('errors.generic');
  }
}

/** True when `error` is a CinderError with `code`. */
export function hasCode(error: unknown, code: CinderError['code']): boolean {
  return error instanceof CinderError && error.code === code;
}
