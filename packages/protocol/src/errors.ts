/**
 * Every error code Cinder puts on the wire, in one map. HTTP bodies carry
 * `{ error: { code, message } }`, WebSocket `error` frames carry `{ code, message }`.
 */
export const ERROR_CODES = {
  /** The input failed validation: malformed JSON, unknown frame type, wrong field types. */
  BAD_REQUEST: 'BAD_REQUEST',
  /** No valid credentials: wrong password, unknown or revoked device token, no `hello` yet. */
  UNAUTHORIZED: 'UNAUTHORIZED',
  /** A participant in the wrong role: the sender opening, the recipient revoking. */
  FORBIDDEN: 'FORBIDDEN',
  /** The thing does not exist, or exists but the caller may not learn that it does. */
  NOT_FOUND: 'NOT_FOUND',
  /** A username that is already taken. */
  CONFLICT: 'CONFLICT',
  /** The burn message was already opened, expired or revoked. */
  BURNED: 'BURNED',
  /** The frame or body is larger than the server accepts. */
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  /** Too many requests; retry later. */
  RATE_LIMITED: 'RATE_LIMITED',
  /**
   * A burn message's envelope is not sealed to every current device of the recipient (a device
   * was added since the sender read the key directory): read it again, seal again, resend.
   */
  KEYS_CHANGED: 'KEYS_CHANGED',
  /** The burn message was sealed before this device was added: another device of the account can open it. */
  SEALED_FOR_OTHER_DEVICES: 'SEALED_FOR_OTHER_DEVICES',
  /** The SDK could not decrypt an opened burn message (its envelope was altered or not sealed to this device's key). */
  DECRYPT_FAILED: 'DECRYPT_FAILED',
  /** The caller cancelled the operation (an upload's `AbortSignal`); client-side only. */
  CANCELLED: 'CANCELLED',
  /** The client gave up waiting (for the connection or for a reply). */
  TIMEOUT: 'TIMEOUT',
  /** The client and server speak different protocol versions. */
  UNSUPPORTED_PROTOCOL: 'UNSUPPORTED_PROTOCOL',
  /** The server cannot serve right now (shutting down, storage unavailable). */
  UNAVAILABLE: 'UNAVAILABLE',
  /** The connection closed before the reply arrived; the outcome is unknown. */
  DISCONNECTED: 'DISCONNECTED',
  /** A bug on the server; the message never carries details. */
  INTERNAL: 'INTERNAL',
} as const;

export type ErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];

/** Codes after which the same request may succeed if retried unchanged. */
export const RETRYABLE_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'RATE_LIMITED',
  'TIMEOUT',
  'UNAVAILABLE',
  'DISCONNECTED',
]);

/** HTTP status for each code: the one place codes map to statuses. */
export const HTTP_STATUS: Readonly<Record<ErrorCode, number>> = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  BURNED: 410,
  PAYLOAD_TOO_LARGE: 413,
  KEYS_CHANGED: 409,
  SEALED_FOR_OTHER_DEVICES: 403,
  DECRYPT_FAILED: 422,
  CANCELLED: 499,
  RATE_LIMITED: 429,
  TIMEOUT: 504,
  UNSUPPORTED_PROTOCOL: 426,
  UNAVAILABLE: 503,
  DISCONNECTED: 503,
  INTERNAL: 500,
};

/** True when a request that failed with `code` may succeed if sent again. */
export function isRetryable(code: ErrorCode): boolean {
  return RETRYABLE_CODES.has(code);
}

/**
 * The one error class of Cinder, on the server and in the SDK.
 * `message` is safe to show and to log: it never carries message content.
 */
export class CinderError extends Error {
  override readonly name = 'CinderError';
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message?: string, options?: { cause?: unknown }) {
    super(message ?? defaultMessage(code), options);
    this.code = code;
  }

  /** Whether retrying the same request may succeed. */
  get retryable(): boolean {
    return isRetryable(this.code);
  }

  /** Normalise anything thrown into a CinderError; unknown errors become INTERNAL without details. */
  static from(error: unknown): CinderError {
    if (error instanceof CinderError) return error;
    return new CinderError('INTERNAL', undefined, { cause: error });
  }

  /** The `{ code, message }` shape the wire carries. */
  toWire(): { code: ErrorCode; message: string } {
    return { code: this.code, message: this.message };
  }
}

function defaultMessage(code: ErrorCode): string {
  switch (code) {
    case 'BAD_REQUEST':
      return 'The request is not valid';
    case 'UNAUTHORIZED':
      return 'Not signed in';
    case 'FORBIDDEN':
      return 'Not allowed';
    case 'NOT_FOUND':
      return 'Not found';
    case 'CONFLICT':
      return 'Already exists';
    case 'BURNED':
      return 'This message has burned';
    case 'PAYLOAD_TOO_LARGE':
      return 'Too large';
    case 'KEYS_CHANGED':
      return "The recipient's devices changed: seal the message again";
    case 'SEALED_FOR_OTHER_DEVICES':
      return 'This message was sealed before this device was added: open it on a device that existed when it was sent';
    case 'DECRYPT_FAILED':
      return 'This message could not be decrypted';
    case 'CANCELLED':
      return 'Cancelled';
    case 'RATE_LIMITED':
      return 'Too many requests';
    case 'TIMEOUT':
      return 'Timed out';
    case 'UNSUPPORTED_PROTOCOL':
      return 'Unsupported protocol version';
    case 'UNAVAILABLE':
      return 'Service unavailable';
    case 'DISCONNECTED':
      return 'Connection lost before the reply';
    case 'INTERNAL':
      return 'Internal error';
  }
}
