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
