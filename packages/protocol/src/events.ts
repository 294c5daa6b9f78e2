import { z } from 'zod';
import { BurnReason, Cursor, Id, MessageView, ReceiptType, Timestamp, Username } from './common.ts';

/**
 * Entries of a user's event log, delivered to each of the user's devices in `seq` order.
 * A device stores what an event changes, then acknowledges its `seq` as its cursor.
 */
export const MessageEvent = z.object({
  kind: z.literal('message'),
  seq: Cursor,
  message: MessageView,
});

export const ReceiptEvent = z.object({
  kind: z.literal('receipt'),
  seq: Cursor,
  messageId: Id,
  conversation: z.string(),
  type: ReceiptType,
  /** Username of the reader / receiver. */
  by: Username,
  at: Timestamp,
});

/** A tombstone: message `messageId` burned. Never carries content. */
export const BurnedEvent = z.object({
  kind: z.literal('burned'),
  seq: Cursor,
  messageId: Id,
  conversation: z.string(),
  reason: BurnReason,
  at: Timestamp,
});

/**
 * Message `messageId`, a normal message, was recalled by its sender `by` (消息撤回): its content is
 * gone from the server, and devices drop their copy. Never carries content.
 */
export const RecalledEvent = z.object({
  kind: z.literal('recalled'),
  seq: Cursor,
  messageId: Id,
  conversation: z.string(),
  /** Username of the sender, who recalled it. */
  by: Username,
  at: Timestamp,
});

export const Event = z.discriminatedUnion('kind', [MessageEvent, ReceiptEvent, BurnedEvent, RecalledEvent]);
export type Event = z.infer<typeof Event>;
export type MessageEvent = z.infer<typeof MessageEvent>;
export type ReceiptEvent = z.infer<typeof ReceiptEvent>;
export type BurnedEvent = z.infer<typeof BurnedEvent>;
export type RecalledEvent = z.infer<typeof RecalledEvent>;
