import { peerOf } from '@cinder/protocol';
import { byMessageOrder } from './store/store.ts';
import type { ConversationSummary, StoredMessage, StoredTombstone } from './types.ts';

/**
 * The conversation list of `client.conversations()`, computed from what the store holds: one
 * summary per conversation that has a stored message or a placeholder (burned or recalled), most
 * recent activity first.
 * Pure: no store, no clock, and the inputs may come in any order.
 *
 * - `lastMessage` is the newest stored message (`sentAt`, then id); `lastActivityAt` is the newest
 *   of the messages' `sentAt` and the placeholders' `at`, so a burn or a recall moves a
 *   conversation up.
 * - `unread` counts received normal messages without `readAt`; `sealed` counts received burn
 *   messages (a stored burn message is unopened: opening burns it). Own messages count in neither.
 * - Ties in `lastActivityAt` go to the conversation whose last message has the greater id (server
 *   ids sort in creation order, so within one millisecond the later message wins), then by
 *   conversation id, so the order never depends on the store's.
 */
export function conversationList(
  me: string,
  messages: readonly StoredMessage[],
  tombstones: readonly StoredTombstone[],
): ConversationSummary[] {
  const summaries = new Map<string, ConversationSummary>();
  const summaryOf = (conversation: string): ConversationSummary => {
    let summary = summaries.get(conversation);
    if (!summary) {
      summary = { conversation, peer: peerOf(conversation, me), lastActivityAt: 0, unread: 0, sealed: 0 };
      summaries.set(conversation, summary);
    }
    return summary;
  };
  for (const message of messages) {
    const summary = summaryOf(message.conversation);
    if (!summary.lastMessage || byMessageOrder(summary.lastMessage, message) < 0)
      summary.lastMessage = message;
    summary.lastActivityAt = Math.max(summary.lastActivityAt, message.sentAt);
    if (message.mine) continue;
    if (message.burn) summary.sealed++;
    else if (message.readAt === undefined) summary.unread++;
  }
  for (const tombstone of tombstones) {
    const summary = summaryOf(tombstone.conversation);
    summary.lastActivityAt = Math.max(summary.lastActivityAt, tombstone.at);
  }
  const lastId = (s: ConversationSummary) => s.lastMessage?.id ?? '';
  return [...summaries.values()].sort(
    (a, b) =>
      b.lastActivityAt - a.lastActivityAt ||
      (lastId(a) < lastId(b) ? 1 : lastId(a) > lastId(b) ? -1 : 0) ||
      a.conversation.localeCompare(b.conversation),
  );
}
