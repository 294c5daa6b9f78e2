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

export const Event = z.discriminatedUnion('kind', [MessageEvent, ReceiptEvent, BurnedEvent]);
export type Event = z.infer<typeof Event>;
export type MessageEvent = z.infer<typeof MessageEvent>;
export type ReceiptEvent = z.infer<typeof ReceiptEvent>;
export type BurnedEvent = z.infer<typeof BurnedEvent>;
