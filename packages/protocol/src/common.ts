import { z } from 'zod';
import { isWellFormed, JSON_PROBLEM_MESSAGES, jsonValueProblem } from './json.ts';
import {
  MAX_EXT_BYTES,
  MAX_EXT_DEPTH,
  MAX_TEXT_LENGTH,
  MAX_VIEW_SECONDS,
  MIN_TTL_SECONDS,
} from './limits.ts';

/**
 * A string that storage keeps exactly: no lone surrogates (SQLite and PostgreSQL turn them into
 * U+FFFD) and no U+0000 (PostgreSQL refuses it in text columns). Refused rather than changed, on
 * every storage alike; the message names no value.
 */
function storable(schema: z.ZodString): z.ZodString {
  return schema.refine((s) => isWellFormed(s) && !s.includes('\u0000'), {
    error: (issue) =>
      typeof issue.input === 'string' && !isWellFormed(issue.input)
        ? 'must be well-formed Unicode (no lone surrogates)'
        : 'must not contain U+0000',
  });
}

/** Lowercase letters, digits, `_ . -`; 3–32 characters, starting with a letter or digit. */
export const Username = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_.-]{2,31}$/, 'username: 3–32 of a-z 0-9 _ . -, starting with a letter or digit');
export type Username = z.infer<typeof Username>;

export const Password = storable(z.string().min(8, 'password: at least 8 characters').max(256));

/**
 * Free-text device label chosen by the app, e.g. "Firefox on Linux", as the server shows it.
 * A new one (`CredentialsBody`) must also be `storable`; names stored before that rule still show.
 */
export const DeviceName = z.string().trim().min(1).max(64);

/** A device name a client gives the server. */
export const NewDeviceName = storable(DeviceName);

/** Server-generated id (messages, devices, users). Opaque to clients. */
export const Id = storable(z.string().min(1).max(64));

/** Request id chosen by the client to match a `reply` or `error` to its request. */
export const RequestId = storable(z.string().min(1).max(64));

/** A device token as `hello` and `Authorization: Bearer` carry it. */
export const Token = storable(z.string().min(1).max(256));

/** Client-generated idempotency key of a send; a retried send with the same key is a no-op. */
export const ClientKey = storable(z.string().min(8).max(64));

/** Milliseconds since the Unix epoch, by the server's clock. */
export const Timestamp = z.number().int().nonnegative();

/** Position in a user's event log. Strictly increasing; a device resumes after the last one it stored. */
export const Cursor = z.number().int().nonnegative();

const EXT_LIMITS = { maxDepth: MAX_EXT_DEPTH, maxBytes: MAX_EXT_BYTES };
const EXT_MESSAGES = {
  ...JSON_PROBLEM_MESSAGES,
  depth: `nested deeper than ${MAX_EXT_DEPTH} levels`,
  size: `at most ${MAX_EXT_BYTES} bytes of JSON`,
};

/**
 * App attributes passed through exactly: a JSON object of at most 4 KiB and `MAX_EXT_DEPTH`
 * levels. Refused (never changed): lone surrogates in keys or strings, `__proto__` keys, values
 * JSON cannot carry (see `jsonValueProblem`). The object is passed on as is, not rebuilt.
 */
function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export const Ext = z
  .custom<Record<string, unknown>>(isObject, 'expected a JSON object')
  .superRefine((v, ctx) => {
    const problem = jsonValueProblem(v, EXT_LIMITS);
    if (problem) ctx.addIssue({ code: 'custom', message: EXT_MESSAGES[problem] });
  });
export type Ext = z.infer<typeof Ext>;

/** Unpadded base64url (RFC 4648 §5) of exactly `bytes` bytes. */
function base64url(bytes: number): z.ZodString {
  const length = Math.ceil((bytes * 4) / 3);
  return z
    .string()
    .regex(/^[A-Za-z0-9_-]*$/, 'must be base64url')
    .length(length, `must be ${bytes} bytes`);
}

/** A device's X25519 public key (32 bytes, base64url), as the key directory shows it. */
export const PublicKey = base64url(32);
export type PublicKey = z.infer<typeof PublicKey>;

/** An envelope id: 16 random bytes from the sender, base64url. A sealed message's id ends with it. */
export const EnvelopeId = base64url(16);

/** A 32-byte key share (`k2`), base64url. */
export const KeyShare = base64url(32);

/**
 * Largest sealed payload (nonce ‖ AES-256-GCM ciphertext ‖ tag, before base64url): the JSON of
 * the longest text (UTF-8) and the largest `ext`, and the AEAD's 28 bytes.
 */
export const MAX_SEALED_BYTES = MAX_TEXT_LENGTH * 3 + MAX_EXT_BYTES + 64 + 28;
/** Most sealed copies of `K1` in one envelope: one per device of the recipient. */
export const MAX_SEALED_KEYS = 64;
/** The AEAD's nonce and tag in `ct`: `size` is the ciphertext's length less these. */
export const SEALED_OVERHEAD_BYTES = 28;

/** `K1` sealed to one device with HPKE: the encapsulated key (32 bytes) and ciphertext (48 bytes). */
export const SealedKey = z.object({ device: Id, enc: base64url(32), ct: base64url(48) });
export type SealedKey = z.infer<typeof SealedKey>;

/** The sealed payload, base64url: at least nonce and tag, at most `MAX_SEALED_BYTES`. */
const SealedPayload = z
  .string()
  .regex(/^[A-Za-z0-9_-]*$/, 'must be base64url')
  .refine((s) => s.length % 4 !== 1, 'must be base64url of whole bytes')
  .min(Math.ceil((SEALED_OVERHEAD_BYTES * 4) / 3))
  .max(Math.ceil((MAX_SEALED_BYTES * 4) / 3), `at most ${MAX_SEALED_BYTES} bytes`);

/**
 * A burn message as its sender's device sealed it (docs/crypto.md): the payload encrypted under a
 * content key K, the share `k2`, and `K1 = K xor K2` sealed to each device of the recipient.
 * The server can read none of it.
 */
export const Envelope = z.object({
  v: z.literal(1),
  id: EnvelopeId,
  ct: SealedPayload,
  k2: KeyShare,
  keys: z.array(SealedKey).min(1).max(MAX_SEALED_KEYS),
});
export type Envelope = z.infer<typeof Envelope>;

/** What the atomic open releases to the one device that opens: its own sealed `K1`, `k2` and `ct`. */
export const OpenedEnvelope = z.object({
  v: z.literal(1),
  id: EnvelopeId,
  ct: SealedPayload,
  k2: KeyShare,
  key: SealedKey,
});
export type OpenedEnvelope = z.infer<typeof OpenedEnvelope>;

/** A device in a user's key directory. */
export const DirectoryDevice = z.object({ id: Id, publicKey: PublicKey, createdAt: Timestamp });
export type DirectoryDevice = z.infer<typeof DirectoryDevice>;

/** Message text a sender gives: at most `MAX_TEXT_LENGTH` UTF-16 code units, `storable`. */
export const Text = storable(z.string().max(MAX_TEXT_LENGTH));

// Views (what the server shows) are checked for shape only: the rules of `Text` and `Ext` apply
// to what a sender gives, and a message stored before a rule existed must still reach its
// recipient rather than make the SDK refuse the frame that carries it.

/** `text` as the server shows it. */
export const TextView = z.string().max(MAX_TEXT_LENGTH);

/** `ext` as the server shows it: a JSON object. */
export const ExtView = z.custom<Record<string, unknown>>(isObject, 'expected a JSON object');

/** What a sender may ask for; the server fills defaults and clamps ttl to its `--max-ttl`. */
export const BurnRequest = z.object({
  ttlSeconds: z.number().int().min(MIN_TTL_SECONDS).optional(),
  viewSeconds: z.number().int().min(0).max(MAX_VIEW_SECONDS).optional(),
});
export type BurnRequest = z.infer<typeof BurnRequest>;

/** The burn policy as stored: `expiresAt` is the server's deadline for an unopened message. */
export const BurnPolicy = z.object({
  ttlSeconds: z.number().int().min(MIN_TTL_SECONDS),
  viewSeconds: z.number().int().min(0),
  expiresAt: Timestamp,
});
export type BurnPolicy = z.infer<typeof BurnPolicy>;

export const BurnReason = z.enum(['opened', 'expired', 'revoked']);
export type BurnReason = z.infer<typeof BurnReason>;

export const ReceiptType = z.enum(['delivered', 'read']);
export type ReceiptType = z.infer<typeof ReceiptType>;

/** What an attachment is: a sealed bubble shows this (and the size) only. */
export const AttachmentKind = z.enum(['image', 'voice', 'video', 'file']);
export type AttachmentKind = z.infer<typeof AttachmentKind>;

/** A file name as a sender gives it: at most 255 UTF-16 code units, `storable`. */
export const AttachmentName = storable(z.string().min(1).max(255));

/** A MIME type (`type/subtype`, RFC 6838 token characters, no parameters), at most 127 characters. */
export const MimeType = z
  .string()
  .max(127)
  .regex(/^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*$/, 'expected a MIME type');

/**
 * The attachment of a `send` frame: a complete upload of the sending device (`upload`, its id)
 * of exactly `size` bytes. `name` and `type` travel here only for a normal message; a burn
 * message's travel inside its envelope (docs/media.md).
 */
export const AttachmentRequest = z.object({
  upload: Id,
  kind: AttachmentKind,
  size: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  name: AttachmentName.optional(),
  type: MimeType.optional(),
});
export type AttachmentRequest = z.infer<typeof AttachmentRequest>;

/** An attachment as the server shows it: a burn message's has kind and size only. */
export const AttachmentView = z.object({
  kind: AttachmentKind,
  size: z.number().int().nonnegative(),
  name: z.string().max(255).optional(),
  type: z.string().max(127).optional(),
});
export type AttachmentView = z.infer<typeof AttachmentView>;

/**
 * A message as the server shows it to a device.
 * A burn message (`burn` present) never carries `text` or `ext` here: it is sealed, and its
 * content leaves the server only in the reply to the first `open`. `size` is the content's
 * byte length so an app can draw a sealed bubble.
 */
export const MessageView = z.object({
  id: Id,
  /** `dm:<a>:<b>` with the two usernames sorted; see `conversationId`. */
  conversation: z.string(),
  from: Username,
  to: Username,
  sentAt: Timestamp,
  burn: BurnPolicy.optional(),
  size: z.number().int().nonnegative(),
  text: TextView.optional(),
  ext: ExtView.optional(),
  /** The message's attachment; its bytes are at `GET /v1/messages/:id/blob` while it is live. */
  attachment: AttachmentView.optional(),
});
export type MessageView = z.infer<typeof MessageView>;

/** The conversation id of two users: `dm:` and their usernames, sorted, joined by `:`. */
export function conversationId(a: string, b: string): string {
  return a < b ? `dm:${a}:${b}` : `dm:${b}:${a}`;
}

/** The other participant of a 1:1 conversation, seen from `me`. */
export function peerOf(conversation: string, me: string): string {
  const [, a, b] = conversation.split(':');
  return a === me ? (b ?? '') : (a ?? '');
}
