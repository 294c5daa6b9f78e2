import type { CinderClient } from '@cinder/sdk';
import { useFormat } from '../i18n/use-format.ts';
import type { StoredMessage } from '../session/sdk-types.ts';
import { AttachmentContent } from './attachment-content.tsx';
import { MessageStatus } from './message-status.tsx';

/** A normal (non-burn) message, mine or theirs, with its attachment if it has one. */
export function TextBubble({ client, message }: { client: CinderClient; message: StoredMessage }) {
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
      </p>
    </div>
  );
}
