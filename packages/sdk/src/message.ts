import type { MessageView } from '@cinder/protocol';
import type { Message, MessageStatus, StoredMessage } from './types.ts';

const STATUS_RANK: Readonly<Record<MessageStatus, number>> = { sent: 0, delivered: 1, read: 2 };

/** The later of two statuses: receipts may arrive in any order, a status never goes back. */
export function laterStatus(a: MessageStatus | undefined, b: MessageStatus): MessageStatus {
  return a !== undefined && STATUS_RANK[a] >= STATUS_RANK[b] ? a : b;
}

/**
 * A server view as this device stores it. A burn message keeps no content even if a faulty
 * server sent some: sealed means sealed.
 */
export function toStoredMessage(view: MessageView, me: string): StoredMessage {
  const mine = view.from === me;
  const message: StoredMessage = {
    id: view.id,
    conversation: view.conversation,
    from: view.from,
    to: view.to,
    sentAt: view.sentAt,
    size: view.size,
    ext: view.burn ? {} : (view.ext ?? {}),
    mine,
  };
  if (view.attachment) {
    // A burn message's attachment shows kind and size only, whatever a faulty server sent.
    const { kind, size } = view.attachment;
    message.attachment = view.burn ? { kind, size } : structuredClone(view.attachment);
  }
  if (view.burn) message.burn = view.burn;
  else if (view.text !== undefined) message.text = view.text;
  if (mine) message.status = 'sent';
  return message;
}

/** The `message` event's payload: the message without this device's bookkeeping. */
export function toPublicMessage(stored: StoredMessage): Message {
  const { mine: _mine, status: _status, readAt: _readAt, ...message } = structuredClone(stored);
  return message;
}
