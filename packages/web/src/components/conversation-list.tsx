import type { CinderClient } from '@cinder/sdk';
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import { useDisplayName } from '../hooks/use-display-name.ts';
import { chatHref } from '../hooks/use-hash-route.ts';
import { useFormat } from '../i18n/use-format.ts';
import type { ConversationSummary } from '../session/sdk-types.ts';
import { Avatar } from './avatar.tsx';
import { FlameIcon } from './icons.tsx';
import '../styles/display-name.css';

/** Props of {@link ConversationList}. */
export interface ConversationListProps {
  conversations: readonly ConversationSummary[] | undefined;
  active: string | null;
  now: number;
  /** Reads the peers' display names. */
  client: CinderClient;
}

/** Chats, newest activity first, with unread and sealed-burn counts. */
export function ConversationList({ conversations, active, now, client }: ConversationListProps) {
  const { t } = useTranslation();
  const format = useFormat();
  if (conversations === undefined) return <div className="chat-list chat-list--loading" aria-busy="true" />;
  if (conversations.length === 0) {
    return (
      <div className="chat-list chat-list--empty">
        <p>{t('chats.empty')}</p>
        <p className="chat-list__hint">{t('chats.emptyHint')}</p>
      </div>
    );
  }
  return (
    <nav className="chat-list" aria-label={t('chats.label')}>
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
                  <PeerName client={client} peer={c.peer} />
                  <time className="chat-row__time" title={format.full(c.lastActivityAt)}>
                    {format.activity(c.lastActivityAt, now)}
                  </time>
                </span>
                <span className="chat-row__bottom">
                  <span className="chat-row__preview">{preview(c, t)}</span>
                  {c.sealed > 0 && (
                    <span className="badge badge--sealed" data-sealed={c.sealed}>
                      <FlameIcon />
                      {c.sealed}
                      <span className="visually-hidden">{t('chats.sealed', { count: c.sealed })}</span>
                    </span>
                  )}
                  {c.unread > 0 && (
                    <span className="badge badge--unread" data-unread={c.unread}>
                      {c.unread}
                      <span className="visually-hidden">{t('chats.unread')}</span>
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
 * The peer's display name with their @username beside it (a look-alike name cannot hide who it
 * is), or the username alone when they set no name.
 */
function PeerName({ client, peer }: { client: CinderClient; peer: string }) {
  const displayName = useDisplayName(client, peer);
  if (displayName === null) return <span className="chat-row__name">{peer}</span>;
  return (
    <span className="chat-row__name">
      <bdi>{displayName}</bdi> <span className="display-name__handle">@{peer}</span>
    </span>
  );
}

/**
 * One line about the last message. Burn messages never show their text here, not even my own:
 * a preview is not an open.
 */
function preview(c: ConversationSummary, t: TFunction): string {
  const last = c.lastMessage;
  if (!last) return c.sealed > 0 ? t('chats.previewSealed') : t('chats.previewBurned');
  if (last.burn) return last.mine ? t('chats.previewOwnBurn') : t('chats.previewBurn');
  const text = (last.text ?? '').replace(/\s+/g, ' ').trim();
  return last.mine ? t('chats.previewMine', { text }) : text;
}
