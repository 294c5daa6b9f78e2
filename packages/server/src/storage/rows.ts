import type { AttachmentView, BurnReason, Event, MessageView, SendResult } from '@cinder/protocol';
import type { Found, Refusal } from '../core/burn-rules.ts';
import type { Changed, NewMessage, PushSubscriptionRecord, Refused } from './storage.ts';

// node-postgres returns `bigint` columns as strings (they may exceed 2^53); every value Cinder
// keeps in one (times in ms, seqs, row numbers) fits a double, so rows are read through `Number`.
// SQLite returns numbers. Both storages map rows to protocol values here, once.
export type Int8 = string | number;

/**
 * A `messages` row. `text`/`ext` are null when the row is sealed (a burn message). `I` is how
 * the driver returns integer columns (SQLite: always numbers). `sealed_for` lists the devices a
 * sealed burn message's envelope was sealed for (`sealedForColumn`), null for any other message.
 */
export interface MessageRow<I extends Int8 = Int8> {
  n: I;
  id: string;
  conversation: string;
  sender_id: string;
  sender: string;
  recipient_id: string;
  recipient: string;
  sent_at: I;
  ttl_seconds: number | null;
  view_seconds: number | null;
  expires_at: I | null;
  size: number;
  text: string | null;
  ext: string | null;
  sealed_for: string | null;
  /** The attachment's view as JSON (`AttachmentView`), or null for a message without one. */
  attachment: string | null;
}

/** An `events` row joined with its message (message events only). */
export interface EventRow<I extends Int8 = Int8> {
  seq: I;
  kind: 'message' | 'receipt' | 'burned' | 'recalled';
  message_id: string;
  conversation: string;
  origin_device: string | null;
  detail: string | null;
  by_name: string | null;
  at: I;
  m_id: string | null;
  sender: string | null;
  recipient: string | null;
  sent_at: I | null;
  ttl_seconds: number | null;
  view_seconds: number | null;
  expires_at: I | null;
  size: number | null;
  text: string | null;
  ext: string | null;
  attachment: string | null;
}

/**
 * Strings in code-unit order, the same on every node and in every run (the order keys and rows
 * are locked in).
 */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A number from a `bigint` column. */
export function int(value: Int8): number {
  return typeof value === 'number' ? value : Number(value);
}

/** `ext` as stored (JSON text, or null for none). */
export function parseExt(json: string | null): Record<string, unknown> {
  return json === null ? {} : (JSON.parse(json) as Record<string, unknown>);
}

/** The columns `viewOf` reads. */
export type ViewRow = Omit<MessageRow, 'n' | 'sender_id' | 'recipient_id' | 'sealed_for'>;

/** The view of a message row: sealed (no text or ext) for a burn message. */
export function viewOf(row: ViewRow): MessageView {
  const view = contentViewOf(row);
  if (row.attachment !== null) view.attachment = JSON.parse(row.attachment) as AttachmentView;
  return view;
}

/**
 * A new message's view as the log query will read it back (content only for a normal message):
 * what a log tail holds for its `message` events.
 */
export function newMessageView(m: NewMessage): MessageView {
  return viewOf({
    id: m.id,
    conversation: m.conversation,
    sender: m.from.username,
    recipient: m.to.username,
    sent_at: m.sentAt,
    ttl_seconds: m.burn?.ttlSeconds ?? null,
    view_seconds: m.burn?.viewSeconds ?? null,
    expires_at: m.burn?.expiresAt ?? null,
    size: m.size,
    text: m.burn ? null : m.text,
    ext: m.burn || m.ext === null ? null : JSON.stringify(m.ext),
    attachment: m.attachment ? JSON.stringify(m.attachment.view) : null,
  });
}

function contentViewOf(row: ViewRow): MessageView {
  if (row.expires_at !== null) {
    return {
      id: row.id,
      conversation: row.conversation,
      from: row.sender,
      to: row.recipient,
      sentAt: int(row.sent_at),
      burn: {
        ttlSeconds: row.ttl_seconds ?? 0,
        viewSeconds: row.view_seconds ?? 0,
        expiresAt: int(row.expires_at),
      },
      size: row.size,
    };
  }
  return {
    id: row.id,
    conversation: row.conversation,
    from: row.sender,
    to: row.recipient,
    sentAt: int(row.sent_at),
    size: row.size,
    text: row.text ?? '',
    ext: parseExt(row.ext),
  };
}

/** What a send answers, stored with its key so a retry gets the same answer. */
export function sendResultOf(m: NewMessage): SendResult {
  const result: SendResult = { id: m.id, conversation: m.conversation, sentAt: m.sentAt, size: m.size };
  if (m.burn) result.burn = m.burn;
  return result;
}

/** The `messages` columns both storages write for a new message, and their values in that order. */
export const MESSAGE_META_COLUMNS =
  'id, conversation, sender_id, sender, recipient_id, recipient, sent_at, ttl_seconds, view_seconds, expires_at, size, sealed_for, attachment';

export function messageMeta(m: NewMessage): unknown[] {
  return [
    m.id,
    m.conversation,
    m.from.id,
    m.from.username,
    m.to.id,
    m.to.username,
    m.sentAt,
    m.burn?.ttlSeconds ?? null,
    m.burn?.viewSeconds ?? null,
    m.burn?.expiresAt ?? null,
    m.size,
    sealedForColumn(m.sealedFor),
    m.attachment ? JSON.stringify(m.attachment.view) : null,
  ];
}

/**
 * `NewMessage.sealedFor` as the `sealed_for` column stores it: the device ids joined by a space
 * (ids never contain one), or null for a message that is not sealed.
 */
export function sealedForColumn(devices: readonly string[] | undefined): string | null {
  return devices === undefined ? null : devices.join(' ');
}

/** The `sealed_for` column read back: null stays null, and an empty list stays empty. */
function sealedForOf(column: string | null): readonly string[] | null {
  if (column === null) return null;
  return column === '' ? [] : column.split(' ');
}

/** A `tombstones` row, as the burn rules need it. */
export interface TombstoneRow {
  sender_id: string;
  recipient_id: string;
  reason: BurnReason;
}

/** What the burn rules are told a verb found: the live row, else the tombstone, else nothing. */
export function foundOf<R extends MessageRow>(row: R | undefined, tombstone?: TombstoneRow): Found<R> {
  if (row) {
    return {
      state: 'live',
      message: row,
      senderId: row.sender_id,
      recipientId: row.recipient_id,
      expiresAt: row.expires_at === null ? null : int(row.expires_at),
      sealedFor: sealedForOf(row.sealed_for),
    };
  }
  if (tombstone) {
    return {
      state: 'burned',
      senderId: tombstone.sender_id,
      recipientId: tombstone.recipient_id,
      reason: tombstone.reason,
    };
  }
  return { state: 'none' };
}

/** The content of a normal message's row. */
export function contentOf(row: MessageRow): { text: string; ext: Record<string, unknown> } {
  return { text: row.text ?? '', ext: parseExt(row.ext) };
}

const NOTHING: Changed = Object.freeze({ wake: [], burned: [] });

/** A refused verb, with what it changed on the way (a message found past its deadline burned). */
export function refused(refusal: Refusal, changed: Changed = NOTHING): Refused & Changed {
  return { kind: 'refused', refusal, wake: changed.wake, burned: changed.burned };
}

/** What burning these rows changed: both participants' logs grew by a `burned` event each. */
export function burnChange(rows: readonly MessageRow[], reason: BurnReason): Changed {
  const wake = new Set<string>();
  for (const row of rows) {
    wake.add(row.sender_id);
    wake.add(row.recipient_id);
  }
  return {
    wake: [...wake],
    burned: rows.map((row) => ({
      messageId: row.id,
      conversation: row.conversation,
      reason,
      expiresAt: row.expires_at === null ? null : int(row.expires_at),
    })),
  };
}

/** What a recall changed: both users' logs grew. */
export function recallChange(row: MessageRow): Changed {
  return { wake: [row.sender_id, row.recipient_id], burned: [] };
}

/** What adding a receipt changed: the sender's log grew, when the receipt was new. */
export function receiptChange(row: MessageRow, added: boolean): Changed {
  return added ? { wake: [row.sender_id], burned: [] } : NOTHING;
}

/** The event of a log row; null for the message event of a message that burned. */
export function eventOf(row: EventRow): Event | null {
  const seq = int(row.seq);
  switch (row.kind) {
    case 'message':
      // The message burned (or is being burned): its event is never delivered.
      if (row.m_id === null || row.sender === null || row.recipient === null) return null;
      return {
        kind: 'message',
        seq,
        message: viewOf({
          id: row.m_id,
          conversation: row.conversation,
          sender: row.sender,
          recipient: row.recipient,
          sent_at: row.sent_at ?? row.at,
          ttl_seconds: row.ttl_seconds,
          view_seconds: row.view_seconds,
          expires_at: row.expires_at,
          size: row.size ?? 0,
          text: row.text,
          ext: row.ext,
          attachment: row.attachment,
        }),
      };
    case 'receipt':
    case 'burned':
    case 'recalled':
      return markEventOf(
        row.kind,
        seq,
        row.message_id,
        row.conversation,
        row.detail,
        row.by_name,
        int(row.at),
      );
  }
}

/**
 * A `receipt`, `burned` or `recalled` event from the fields of its log entry, in the key order of every
 * event of its kind (tails hold events read back and events just appended: lookups over them stay
 * fast only while each kind has one shape).
 */
export function markEventOf(
  kind: 'receipt' | 'burned' | 'recalled',
  seq: number,
  messageId: string,
  conversation: string,
  detail: string | null,
  byName: string | null,
  at: number,
): Event {
  switch (kind) {
    case 'receipt':
      return {
        kind,
        seq,
        messageId,
        conversation,
        type: detail === 'read' ? 'read' : 'delivered',
        by: byName ?? '',
        at,
      };
    case 'recalled':
      return { kind, seq, messageId, conversation, by: byName ?? '', at };
    case 'burned':
      return { kind, seq, messageId, conversation, reason: (detail ?? 'opened') as BurnReason, at };
  }
}

/** A row of `push_subscriptions` (SQLite stores the flag as 0/1, PostgreSQL as a boolean). */
export interface PushSubscriptionRow {
  device_id: string;
  user_id: string;
  endpoint: string;
  p256dh: string;
  auth: string;
  previews: boolean | number;
  created_at: Int8;
}

/** The columns of {@link PushSubscriptionRow}, in a select list. */
export const PUSH_SUBSCRIPTION_COLUMNS = 'device_id, user_id, endpoint, p256dh, auth, previews, created_at';

/** A push subscription as the storage interface gives it. */
export function pushSubscriptionOf(row: PushSubscriptionRow): PushSubscriptionRecord {
  return {
    deviceId: row.device_id,
    userId: row.user_id,
    endpoint: row.endpoint,
    p256dh: row.p256dh,
    auth: row.auth,
    previews: row.previews === true || row.previews === 1,
    createdAt: int(row.created_at),
  };
}
