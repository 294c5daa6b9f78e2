import { formatClock, formatFull } from '../lib/format.ts';
import type { StoredMessage } from '../session/sdk-types.ts';
import { MessageStatus } from './message-status.tsx';

/** A normal (non-burn) message, mine or theirs. */
export function TextBubble({ message }: { message: StoredMessage }) {
  return (
    <div className="bubble-group" data-kind="text">
      <div className={message.mine ? 'bubble bubble--mine' : 'bubble bubble--theirs'}>
        <p className="bubble__text">{message.text ?? ''}</p>
      </div>
      <p className="meta">
        <time dateTime={new Date(message.sentAt).toISOString()} title={formatFull(message.sentAt)}>
          {formatClock(message.sentAt)}
        </time>
        {message.mine && <MessageStatus status={message.status} />}
      </p>
    </div>
  );
}
