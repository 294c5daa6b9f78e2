/** Wire protocol version. The server refuses a `hello` with another one (UNSUPPORTED_PROTOCOL). */
export const PROTOCOL_VERSION = 2;

/** Largest `ext` object, measured as UTF-8 bytes of its JSON. */
export const MAX_EXT_BYTES = 4096;
/**
 * Deepest nesting of arrays and objects inside `ext`; `ext` itself is level 1, so
 * `{"a":{"b":1}}` is 2 levels deep. Deeper: BAD_REQUEST.
 */
export const MAX_EXT_DEPTH = 32;
/** Longest message text, in UTF-16 code units (JavaScript string length). */
export const MAX_TEXT_LENGTH = 16_384;
/**
 * Default largest inbound WebSocket frame, in bytes; the server flag `--max-frame-bytes` changes
 * it. It fits the largest send: a burn message of the longest text in 3-byte characters with the
 * largest `ext`, sealed (base64url, about 71 KB) to many devices of the recipient.
 */
export const DEFAULT_MAX_FRAME_BYTES = 128 * 1024;

/** Shortest time a burn message may live unopened. */
export const MIN_TTL_SECONDS = 1;
/** Unopened lifetime when the sender gives none: 7 days. */
export const DEFAULT_TTL_SECONDS = 7 * 24 * 3600;
/** Default server cap on `ttlSeconds` (`--max-ttl`): 30 days. Longer requests are clamped. */
export const DEFAULT_MAX_TTL_SECONDS = 30 * 24 * 3600;
/** Longest view window a sender may ask for: 1 day. 0 means "until the reader closes it". */
export const MAX_VIEW_SECONDS = 24 * 3600;
/** Default tombstone (and event log) retention (`--tombstone-retention`): 30 days. */
export const DEFAULT_TOMBSTONE_RETENTION_SECONDS = 30 * 24 * 3600;

/** Default largest upload (`--max-upload`): 25 MB. Larger: PAYLOAD_TOO_LARGE before any byte is stored. */
export const DEFAULT_MAX_UPLOAD_BYTES = 25 * 1024 * 1024;
/** Default time an upload not attached to a sent message is kept (`--upload-ttl`): 1 hour. */
export const DEFAULT_UPLOAD_TTL_SECONDS = 3600;
/** The chunk size clients send an upload in (one `PUT` each); the server accepts up to `MAX_UPLOAD_PUT_BYTES`. */
export const UPLOAD_CHUNK_BYTES = 256 * 1024;
/** Largest body of one upload `PUT`. */
export const MAX_UPLOAD_PUT_BYTES = 1024 * 1024;

/** Path of the WebSocket gateway, relative to the server's base URL. */
export const WS_PATH = '/v1/ws';

/** WebSocket close codes Cinder uses (4000–4999 is the application range). */
export const CLOSE_CODES = {
  /** Normal close by either side. */
  NORMAL: 1000,
  /** Server shutting down; reconnect with backoff. */
  GOING_AWAY: 1001,
  /**
   * Never on the wire: what a socket reports when it ended without a close frame (cut, or given
   * up on by the SDK). Reconnect with backoff.
   */
  ABNORMAL: 1006,
  /** The client broke a rule the connection cannot continue after (thousands of frames unanswered). */
  POLICY: 1008,
  /** Frame over the hard cap; the connection cannot continue. */
  TOO_BIG: 1009,
  /** A bug on the server while handling a frame; only this socket is closed. Reconnect with backoff. */
  SERVER_ERROR: 1011,
  /**
   * The server could not check the device's hello right now (storage or bus unavailable). The
   * device is still signed in: reconnect with backoff and keep the local store.
   */
  TRY_AGAIN_LATER: 1013,
  /** Sent by the SDK to a socket it gives up on (no pong in time, hello failed, sync stalled); it reconnects. */
  CLIENT_GAVE_UP: 4000,
  /** The device token is unknown or was revoked; do not reconnect. */
  UNAUTHORIZED: 4001,
  /** The client speaks another protocol version; do not reconnect. */
  UNSUPPORTED_PROTOCOL: 4002,
  /** No `hello` within the deadline. */
  HELLO_TIMEOUT: 4003,
  /**
   * The client left more unread than the server holds for one connection (`--max-buffered-per-connection`,
   * or its share when the server-wide `--max-buffered-total` is reached). The close frame waits
   * behind the unread data, so a client that reads nothing sees the socket cut (1006) instead.
   * Reconnect with backoff.
   */
  SLOW_READER: 4004,
} as const;

/** One of the close codes above. */
export type CloseCode = (typeof CLOSE_CODES)[keyof typeof CLOSE_CODES];
