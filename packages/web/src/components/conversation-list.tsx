import { chatHref } from '../hooks/use-hash-route.ts';
import { formatActivity, formatFull } from '../lib/format.ts';
import type { ConversationSummary } from '../session/sdk-types.ts';
import { Avatar } from './avatar.tsx';
import { FlameIcon } from './icons.tsx';

/** Props of {@link ConversationList}. */
export interface ConversationListProps {
  conversations: readonly ConversationSummary[] | undefined;
  active: string | null;
  now: number;
}

/** Chats, newest activity first, with unread and sealed-burn counts. */
export function ConversationList({ conversations, active, now }: ConversationListProps) {
  if (conversations === undefined) return <div className="chat-list chat-list--loading" aria-busy="true" />;
  if (conversations.length === 0) {
    return (
      <div className="chat-list chat-list--empty">
        <p>No chats yet.</p>
        <p className="chat-list__hint">Type a friend’s username above to start one.</p>
      </div>
    );
  }
  return (
    <nav className="chat-list" aria-label="Chats">
      <ul>
        {conversations.map((c) => (
          <li key={c.conversation}>
            <a
              className="chat-row"
              href={chatHref(c.peer)}
              aria-current={c.peer === active ? 'page' : undefined}
              data-peer={c.peer}
            >
              <Avatar name={c.peer} />
              <span className="chat-row__body">
                <span className="chat-row__top">
                  <span className="chat-row__name">{c.peer}</span>
                  <time className="chat-row__time" title={formatFull(c.lastActivityAt)}>
                    {formatActivity(c.lastActivityAt, now)}
                  </time>
                </span>
                <span className="chat-row__bottom">
                  <span className="chat-row__preview">{preview(c)}</span>
                  {c.sealed > 0 && (
                    <span className="badge badge--sealed" data-sealed={c.sealed}>
                      <FlameIcon />
                      {c.sealed}
                      <span className="visually-hidden">
                        {' '}
                        sealed burn {c.sealed === 1 ? 'message' : 'messages'}
                      </span>
                    </span>
                  )}
                  {c.unread > 0 && (
                    <span className="badge badge--unread" data-unread={c.unread}>
                      {c.unread}
                      <span className="visually-hidden"> unread</span>
                    </span>
                  )}
                </span>
              </span>
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

/**
 * One line about the last message. Burn messages never show their text here, not even my own:
 * a preview is not an open.
 */
function preview(c: ConversationSummary): string {
  const last = c.lastMessage;
  if (!last) return c.sealed > 0 ? 'Burn message' : 'Burned message';
  if (last.burn) return last.mine ? 'You sent a burn message' : 'Burn message · tap to view';
  const text = (last.text ?? '').replace(/\s+/g, ' ').trim();
  return last.mine ? `You: ${text}` : text;
}
