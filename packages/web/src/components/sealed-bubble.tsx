import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import type { OpenFailure } from '../hooks/use-revealed.ts';
import { useFormat } from '../i18n/use-format.ts';
import { describeAttachment } from '../lib/media.ts';
import type { StoredMessage } from '../session/sdk-types.ts';
import { EncryptedLabel } from './encrypted-label.tsx';
import { FlameIcon, LockIcon } from './icons.tsx';
import { KindIcon } from './kind-icon.tsx';

/** Props of {@link SealedBubble}. */
export interface SealedBubbleProps {
  message: StoredMessage;
  now: number;
  opening: boolean;
  /** Why the last open failed; a message sealed for other devices stays sealed, and says so. */
  failure: OpenFailure | null;
  onOpen: () => void;
  /** Called once when a bubble with an attachment is shown: download its ciphertext ahead. */
  onPrefetch?: () => void;
}

/**
 * A burn message that has not been opened: no content, only who sent it, when, and how long it
 * will wait. Opening is an explicit press of this button and nothing else. With an attachment it
 * says its kind and size ("Photo · 240 KB · Tap to view") and nothing more: no thumbnail, no name
 * (the server does not have them either).
 */
export function SealedBubble({ message, now, opening, failure, onOpen, onPrefetch }: SealedBubbleProps) {
  const { t } = useTranslation();
  const format = useFormat();
  const attachment = message.attachment;
  const hasAttachment = attachment !== undefined;
  // biome-ignore lint/correctness/useExhaustiveDependencies: once per message shown, not per render.
  useEffect(() => {
    if (hasAttachment) onPrefetch?.();
  }, [hasAttachment, message.id]);
  const what = attachment ? describeAttachment(attachment.kind, attachment.size, t) : null;
  const burn = message.burn;
  const expiresAt = burn?.expiresAt ?? now;
  const expired = expiresAt <= now;
  const elsewhere = failure?.sealedElsewhere === true;
  const readFor =
    burn && burn.viewSeconds > 0
      ? t('sealed.readFor', { duration: format.seconds(burn.viewSeconds) })
      : t('sealed.openUntilClosed');
  const left = format.left(expiresAt, now);
  const time = format.clock(message.sentAt);
  return (
    <div className="bubble-group" data-kind="sealed">
      <button type="button" className="sealed" onClick={onOpen} disabled={opening || expired}>
        {/* The name is this lead and then the visible text, so what a person sees is what they say. */}
        <span className="visually-hidden">
          {t('account.sealedLead', {
            from: message.from,
            attachment: what ? t('account.sealedLeadAttachment', { attachment: what }) : '',
          })}
        </span>
        <span className="sealed__icon" aria-hidden="true">
          {opening ? (
            <span className="spinner" />
          ) : attachment ? (
            <KindIcon kind={attachment.kind} />
          ) : (
            <LockIcon />
          )}
        </span>
        <span className="sealed__body">
          <span className="sealed__title">
            {opening
              ? t('sealed.opening')
              : expired
                ? t('sealed.expiringTitle')
                : elsewhere
                  ? t('sealed.elsewhere')
                  : what
                    ? t('sealed.tapToViewAttachment', { attachment: what })
                    : t('sealed.tapToView')}
          </span>
          <span className="sealed__meta">{t('sealed.from', { from: message.from, time })}</span>
          <span className="sealed__meta sealed__meta--soft">
            <FlameIcon />
            {readFor} · {expired ? t('sealed.expiring') : t('sealed.burnsIn', { duration: left })}
          </span>
          <EncryptedLabel className="sealed__meta sealed__meta--soft" />
        </span>
      </button>
      {failure && (
        <p
          className={elsewhere ? 'inline-note' : 'inline-error'}
          role="alert"
          data-failure={elsewhere ? 'sealed-for-other-devices' : 'error'}
        >
          {failure.text}
        </p>
      )}
    </div>
  );
}
