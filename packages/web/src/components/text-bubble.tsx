import type { CinderClient } from '@cinder/sdk';
import { useTranslation } from 'react-i18next';
import { useFormat } from '../i18n/use-format.ts';
import type { StoredMessage } from '../session/sdk-types.ts';
import { AttachmentContent } from './attachment-content.tsx';
import { AlertIcon } from './icons.tsx';
import { MessageStatus } from './message-status.tsx';
import '../styles/recall.css';

/** Recall (消息撤回) of one's own message, offered while the recall window is open. */
export interface RecallAction {
  onRecall: () => void;
  recalling: boolean;
  /** Why the last attempt failed, or null. */
  error: string | null;
}

/** A normal (non-burn) message, mine or theirs, with its attachment if it has one. */
export function TextBubble({
  client,
  message,
  recall,
}: {
  client: CinderClient;
  message: StoredMessage;
  /** Present on my own messages that may still be recalled. */
  recall?: RecallAction | undefined;
}) {
  const { t } = useTranslation();
  const format = useFormat();
  const text = message.text ?? '';
  return (
    <div className="bubble-group" data-kind="text" data-attachment={message.attachment?.kind}>
      <div className={message.mine ? 'bubble bubble--mine' : 'bubble bubble--theirs'}>
        {message.attachment && (
          <AttachmentContent client={client} message={message} attachment={message.attachment} />
        )}
        {(text !== '' || !message.attachment) && <p className="bubble__text">{text}</p>}
      </div>
      <p className="meta">
        <time dateTime={new Date(message.sentAt).toISOString()} title={format.full(message.sentAt)}>
          {format.clock(message.sentAt)}
        </time>
        {message.mine && <MessageStatus status={message.status} />}
        {recall && (
          <button
            type="button"
            className="link-button recall-button"
            onClick={recall.onRecall}
            disabled={recall.recalling}
            aria-label={t('conversationActions.recallLabel', { time: format.clock(message.sentAt) })}
          >
            {recall.recalling ? t('conversationActions.recalling') : t('conversationActions.recall')}
          </button>
        )}
      </p>
      {recall?.error && (
        <p className="meta meta--error" role="alert">
          <AlertIcon />
          <span>{t('conversationActions.recallFailed', { reason: recall.error })}</span>
        </p>
      )}
    </div>
  );
}
