import { z } from 'zod';
import {
  AttachmentRequest,
  BurnPolicy,
  BurnRequest,
  ClientKey,
  Cursor,
  DeviceName,
  DirectoryDevice,
  Envelope,
  Ext,
  ExtView,
  Id,
  MessageView,
  OpenedEnvelope,
  RequestId,
  Text,
  TextView,
  Timestamp,
  Token,
  Username,
} from './common.ts';
import { ERROR_CODES } from './errors.ts';
import { Event } from './events.ts';

// ---------------------------------------------------------------------------
// Client → server frames. Every frame but `hello` carries `rid` and is answered
// by exactly one `reply` or `error` with the same `rid`.
// ---------------------------------------------------------------------------

/**
 * First frame on a connection. `cursor` is the last event seq the device stored,
 * or null for a device that has never synced (it gets a full `resync`).
 */
export const HelloFrame = z.object({
  type: z.literal('hello'),
  protocol: z.number().int(),
  token: Token,
  cursor: Cursor.nullable(),
});

/**
 * Send a message. A retry with the same `key` from the same device returns the first result.
 * A normal message carries `text` (and `ext`); a burn message carries only `sealed`, its content
 * end-to-end encrypted (docs/crypto.md): the server never accepts a burn message it could read.
 * `attachment` names a complete upload of the sending device, which becomes the message's blob;
 * a burn message's attachment carries no `name` or `type` (they travel inside the envelope).
 */
export const SendFrame = z
  .object({
    type: z.literal('send'),
    rid: RequestId,
    key: ClientKey,
    to: Username,
    text: Text.optional(),
    ext: Ext.optional(),
    burn: BurnRequest.optional(),
    sealed: Envelope.optional(),
    attachment: AttachmentRequest.optional(),
  })
  .superRefine((frame, ctx) => {
    if (frame.burn) {
      if (!frame.sealed) {
        ctx.addIssue({
          code: 'custom',
          path: ['sealed'],
          message: 'a burn message must be sealed (end-to-end encrypted)',
        });
      }
      if (frame.text !== undefined || frame.ext !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['text'],
          message: 'a burn message carries no plain text or ext',
        });
      }
      if (frame.attachment && (frame.attachment.name !== undefined || frame.attachment.type !== undefined)) {
        ctx.addIssue({
          code: 'custom',
          path: ['attachment'],
          message: "a burn message's attachment name and type travel only inside its envelope",
        });
      }
    } else {
      if (frame.text === undefined) ctx.addIssue({ code: 'custom', path: ['text'], message: 'required' });
      if (frame.sealed)
        ctx.addIssue({ code: 'custom', path: ['sealed'], message: 'only burn messages are sealed' });
    }
  });

/** Open a message. Burn message: the atomic take. Normal message: returns it and marks it read. */
export const OpenFrame = z.object({ type: z.literal('open'), rid: RequestId, id: Id });

/** Read receipt for a normal message (BAD_REQUEST for a burn message). */
export const ReadFrame = z.object({ type: z.literal('read'), rid: RequestId, id: Id });

/** Delivery receipts: the device stored these messages. Idempotent; unknown ids are ignored. */
export const DeliveredFrame = z.object({
  type: z.literal('delivered'),
  rid: RequestId,
  ids: z.array(Id).min(1).max(500),
});

/** The sender burns its own unopened burn message (reason `revoked`). */
export const RevokeFrame = z.object({ type: z.literal('revoke'), rid: RequestId, id: Id });

/**
 * The sender recalls its own normal message within the server's recall window (`--recall-window`):
 * its content is deleted and every device of both users gets a `recalled` event. FORBIDDEN for the
 * recipient and once the window has closed; BAD_REQUEST for a burn message (those are revoked).
 */
export const RecallFrame = z.object({ type: z.literal('recall'), rid: RequestId, id: Id });

/** The device stored every event up to `cursor`. Lets the server track each device's progress. */
export const AckFrame = z.object({ type: z.literal('ack'), rid: RequestId, cursor: Cursor });

/** The key directory: a user's current devices that have a key (docs/crypto.md). */
export const KeysFrame = z.object({ type: z.literal('keys'), rid: RequestId, username: Username });

/** Application-level liveness check (browsers cannot send WebSocket pings). */
export const PingFrame = z.object({ type: z.literal('ping'), rid: RequestId });

export const ClientFrame = z.discriminatedUnion('type', [
  HelloFrame,
  SendFrame,
  OpenFrame,
  ReadFrame,
  DeliveredFrame,
  RevokeFrame,
  RecallFrame,
  AckFrame,
  KeysFrame,
  PingFrame,
]);
export type ClientFrame = z.infer<typeof ClientFrame>;
export type HelloFrame = z.infer<typeof HelloFrame>;
export type SendFrame = z.infer<typeof SendFrame>;
export type OpenFrame = z.infer<typeof OpenFrame>;
export type ReadFrame = z.infer<typeof ReadFrame>;
export type DeliveredFrame = z.infer<typeof DeliveredFrame>;
export type RevokeFrame = z.infer<typeof RevokeFrame>;
export type RecallFrame = z.infer<typeof RecallFrame>;
export type AckFrame = z.infer<typeof AckFrame>;
export type PingFrame = z.infer<typeof PingFrame>;
export type KeysFrame = z.infer<typeof KeysFrame>;
/** Frame types that expect a reply. */
export type RequestFrame = Exclude<ClientFrame, HelloFrame>;
export type RequestType = RequestFrame['type'];

// ---------------------------------------------------------------------------
// Results carried by `reply.result`, one schema per request type.
// ---------------------------------------------------------------------------

export const SendResult = z.object({
  id: Id,
  conversation: z.string(),
  sentAt: Timestamp,
  burn: BurnPolicy.optional(),
  size: z.number().int().nonnegative(),
});
export type SendResult = z.infer<typeof SendResult>;

/**
 * The content of an opened message. A normal message: `text` and `ext`. A burn message: `sealed`,
 * the envelope's pieces for this device, which leave the server this once (the SDK decrypts
 * them); a burn message stored before envelopes existed comes as `text` and `ext`.
 */
export const OpenResult = z.object({
  id: Id,
  text: TextView.optional(),
  ext: ExtView.optional(),
  sealed: OpenedEnvelope.optional(),
  /** The sender of a sealed message: bound in the envelope, so a wrong one fails to decrypt. */
  from: Username.optional(),
  /** View window for a burn message (0 = until closed); absent for a normal message. */
  viewSeconds: z.number().int().nonnegative().optional(),
  burned: z.boolean(),
});
export type OpenResult = z.infer<typeof OpenResult>;

export const EmptyResult = z.object({});
export type EmptyResult = z.infer<typeof EmptyResult>;

export const PongResult = z.object({ serverTime: Timestamp });
export type PongResult = z.infer<typeof PongResult>;

/**
 * The key directory's answer. `displayName`: the user's display name (any script, `DisplayName`),
 * null when they set none; absent from servers that predate display names.
 */
export const KeysResult = z.object({
  username: Username,
  displayName: z.string().nullable().optional(),
  devices: z.array(DirectoryDevice),
});
export type KeysResult = z.infer<typeof KeysResult>;

/** The result schema for each request type: the SDK validates replies with it. */
export const RESULT_SCHEMAS = {
  send: SendResult,
  open: OpenResult,
  read: EmptyResult,
  delivered: EmptyResult,
  revoke: EmptyResult,
  recall: EmptyResult,
  ack: EmptyResult,
  keys: KeysResult,
  ping: PongResult,
} as const satisfies Record<RequestType, z.ZodType>;

export type ResultOf<T extends RequestType> = z.infer<(typeof RESULT_SCHEMAS)[T]>;

// ---------------------------------------------------------------------------
// Server → client frames.
// ---------------------------------------------------------------------------

/**
 * Answer to a valid `hello`: the device is authenticated. Sync follows. `recallWindowMs` is the
 * server's `--recall-window`: how long after `sentAt` a sender may recall a normal message. It is
 * optional, so a client still reads the welcome of a server from before it was published (an
 * added field, not a new protocol version: older clients drop unknown keys).
 */
export const WelcomeFrame = z.object({
  type: z.literal('welcome'),
  protocol: z.number().int(),
  user: z.object({ id: Id, username: Username }),
  device: z.object({ id: Id, name: DeviceName }),
  serverTime: Timestamp,
  recallWindowMs: z.number().int().positive().optional(),
});

/**
 * Events in seq order: the backlog after `hello`, then live ones. `cursor` is the seq of the
 * last event in the frame (or the server's current position when `events` is empty).
 */
export const EventsFrame = z.object({
  type: z.literal('events'),
  events: z.array(Event),
  cursor: Cursor,
});

/**
 * Full resync, sent instead of the backlog when the device's cursor is null or older than the
 * retained log. May come in several frames; when `done` is true the device keeps exactly the
 * messages listed across them (plus its own unsent outbox) and drops every other one, then
 * continues from `cursor`.
 */
export const ResyncFrame = z.object({
  type: z.literal('resync'),
  messages: z.array(MessageView),
  done: z.boolean(),
  cursor: Cursor,
});

/** The backlog is delivered: the device is in sync at `cursor`; later events are live. */
export const SyncedFrame = z.object({ type: z.literal('synced'), cursor: Cursor });

export const ReplyFrame = z.object({
  type: z.literal('reply'),
  rid: RequestId,
  result: z.unknown(),
});

export const ErrorFrame = z.object({
  type: z.literal('error'),
  /** The request this answers; null when the frame could not be parsed far enough to know. */
  rid: RequestId.nullable(),
  code: z.enum(ERROR_CODES),
  message: z.string(),
});

export const ServerFrame = z.discriminatedUnion('type', [
  WelcomeFrame,
  EventsFrame,
  ResyncFrame,
  SyncedFrame,
  ReplyFrame,
  ErrorFrame,
]);
export type ServerFrame = z.infer<typeof ServerFrame>;
export type WelcomeFrame = z.infer<typeof WelcomeFrame>;
export type EventsFrame = z.infer<typeof EventsFrame>;
export type ResyncFrame = z.infer<typeof ResyncFrame>;
export type SyncedFrame = z.infer<typeof SyncedFrame>;
export type ReplyFrame = z.infer<typeof ReplyFrame>;
export type ErrorFrame = z.infer<typeof ErrorFrame>;
