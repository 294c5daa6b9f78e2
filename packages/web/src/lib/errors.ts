import { CinderError } from '@cinder/sdk';

/** What a device added after a burn message was sent is told when it tries to open it. */
export const SEALED_FOR_OTHER_DEVICES =
  'This message was sealed before this device was added — open it on a device that existed when it was sent.';

/**
 * A sentence a person can act on, for an error from the SDK. Never includes message content:
 * only the error code and names the user typed.
 */
export function describeError(error: unknown, context: { peer?: string } = {}): string {
  if (!(error instanceof CinderError)) return 'Something went wrong. Please try again.';
  switch (error.code) {
    case 'CONFLICT':
      return 'That username is taken. Try another one.';
    case 'UNAUTHORIZED':
      return 'Wrong username or password.';
    case 'NOT_FOUND':
      return context.peer ? `There is no user named “${context.peer}”.` : 'Not found.';
    case 'BURNED':
      return 'This message has already burned.';
    case 'FORBIDDEN':
      return 'You cannot do that with this message.';
    case 'RATE_LIMITED':
      return 'Too many attempts. Wait a moment and try again.';
    case 'TIMEOUT':
      return 'No connection to the server. Try again when you are back online.';
    case 'DISCONNECTED':
      return 'The connection dropped before the server answered.';
    case 'UNAVAILABLE':
      return 'The server is not available right now.';
    case 'PAYLOAD_TOO_LARGE':
      return 'That message is too long.';
    case 'BAD_REQUEST':
      return 'The server did not accept that.';
    case 'SEALED_FOR_OTHER_DEVICES':
      return SEALED_FOR_OTHER_DEVICES;
    case 'DECRYPT_FAILED':
      return 'This message could not be decrypted on this device. It has burned and cannot be opened again.';
    case 'KEYS_CHANGED':
      return context.peer
        ? `${context.peer}’s devices changed while sending. Try again.`
        : 'The recipient’s devices changed while sending. Try again.';
    case 'UNSUPPORTED_PROTOCOL':
      return 'This page is out of date. Reload to update.';
    default:
      return 'Something went wrong. Please try again.';
  }
}

/** True when `error` is a CinderError with `code`. */
export function hasCode(error: unknown, code: CinderError['code']): boolean {
  return error instanceof CinderError && error.code === code;
}
