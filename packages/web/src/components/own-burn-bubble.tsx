import type { CinderClient } from '@cinder/sdk';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useFormat } from '../i18n/use-format.ts';
import { describeError } from '../lib/errors.ts';
import { describeAttachment } from '../lib/media.ts';
import { touch } from '../session/changes.ts';
import type { StoredMessage } from '../session/sdk-types.ts';
import { FlameIcon, UndoIcon } from './icons.tsx';
import { KindIcon } from './kind-icon.tsx';
import { MessageStatus } from './message-status.tsx';

/** Props of {@link OwnBurnBubble}. */
export interface OwnBurnBubbleProps {
  client: CinderClient;
  message: StoredMessage;
  now: number;
}

/**
 * My unopened burn message: the text stays on this device until the burn, with its status, the
 * time left for the recipient to open it, and a Revoke action.
 */
export function OwnBurnBubble({ client, message, now }: OwnBurnBubbleProps) {
  const { t } = useTranslation();
  const format = useFormat();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const burn = message.burn;
  const expiresAt = burn?.expiresAt ?? now;

  async function revoke() {
    setBusy(true);
    setError(null);
    try {
      await client.revoke(message.id);
      touch(client);
    } catch (e) {
      setError(describeError(e, t));
      setBusy(false);
    }
  }

  return (
    <div className="bubble-group" data-kind="own-burn">
      <div className="bubble bubble--mine bubble--burn">
        <span className="bubble__badge">
          <FlameIcon />
          {t('composer.burn')}
        </span>
        {message.attachment && (
          <p className="bubble__attachment" data-attachment={message.attachment.kind}>
            <KindIcon kind={message.attachment.kind} />
            {describeAttachment(message.attachment.kind, message.attachment.size, t)}
          </p>
        )}
        {message.text !== undefined ? (
          message.text !== '' || !message.attachment ? (
            <p className="bubble__text">{message.text}</p>
          ) : null
        ) : (
          <p className="bubble__text bubble__text--muted">{t('ownBurn.sentElsewhere')}</p>
        )}
        <p className="bubble__policy">
          {burn && burn.viewSeconds > 0
            ? t('ownBurn.visibleFor', { duration: format.seconds(burn.viewSeconds) })
            : t('ownBurn.visibleUntilClosed')}
          {' · '}
          {expiresAt > now
            ? t('ownBurn.burnsUnopenedIn', { duration: format.left(expiresAt, now) })
            : t('ownBurn.expiring')}
        </p>
      </div>
      <p className="meta">
        <time dateTime={new Date(message.sentAt).toISOString()} title={format.full(message.sentAt)}>
          {format.clock(message.sentAt)}
        </time>
        <MessageStatus status={message.status} />
        <button
          type="button"
          className="link-button"
          onClick={revoke}
          disabled={busy}
          aria-label={t('ownBurn.revokeLabel', { time: format.clock(message.sentAt) })}
        >
          <UndoIcon />
          {busy ? t('ownBurn.revoking') : t('ownBurn.revoke')}
        </button>
      </p>
      {error && (
        <p className="inline-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
