import { type KeyboardEvent, useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { useNow } from '../hooks/use-now.ts';
import { useFormat } from '../i18n/use-format.ts';
import { describeAttachment } from '../lib/media.ts';
import type { Revealed } from '../lib/timeline.ts';
import { CountdownRing } from './countdown-ring.tsx';
import { EncryptedLabel } from './encrypted-label.tsx';
import { FlameIcon } from './icons.tsx';
import { KindIcon } from './kind-icon.tsx';

/** Props of {@link RevealedBubble}. */
export interface RevealedBubbleProps {
  revealed: Revealed;
  onClose: () => void;
}

/**
 * An opened burn message: the text, the view window running out, then the burn animation.
 * The server burned it already; this is the only copy, and it lives in memory.
 */
export function RevealedBubble({ revealed, onClose }: RevealedBubbleProps) {
  const { t } = useTranslation();
  const format = useFormat();
  const burning = revealed.phase === 'burning';
  const timed = revealed.viewSeconds > 0;
  const now = useNow(200, timed && !burning);
  const totalMs = revealed.viewSeconds * 1000;
  const remainingMs = Math.max(0, revealed.openedAt + totalMs - now);
  const ref = useRef<HTMLElement>(null);

  // Move focus to the text the reader asked to see, so keyboard and screen-reader users land on it.
  useEffect(() => {
    ref.current?.focus();
  }, []);

  function onKeyDown(event: KeyboardEvent) {
    if (event.key === 'Escape') onClose();
  }

  return (
    <div className="bubble-group" data-kind="revealed">
      <article
        ref={ref}
        tabIndex={-1}
        className={
          burning
            ? 'bubble bubble--theirs bubble--revealed bubble--burning'
            : 'bubble bubble--theirs bubble--revealed'
        }
        aria-label={t('revealed.label', { from: revealed.from })}
        onKeyDown={onKeyDown}
      >
        {revealed.attachment && (
          <p className="bubble__attachment" data-attachment={revealed.attachment.kind}>
            <KindIcon kind={revealed.attachment.kind} />
            {describeAttachment(revealed.attachment.kind, revealed.attachment.size, t)}
            {burning ? '' : t('revealed.openInViewer')}
          </p>
        )}
        {(revealed.text !== '' || !revealed.attachment) && <p className="bubble__text">{revealed.text}</p>}
        <div className="revealed__footer">
          {burning ? (
            <span className="revealed__label">
              <FlameIcon />
              {t('revealed.burning')}
            </span>
          ) : timed ? (
            <>
              <CountdownRing remainingMs={remainingMs} totalMs={totalMs} />
              <span className="revealed__label" data-countdown={Math.ceil(remainingMs / 1000)}>
                {t('revealed.burnsIn', { duration: format.left(revealed.openedAt + totalMs, now) })}
              </span>
            </>
          ) : (
            <span className="revealed__label">
              <FlameIcon />
              {t('revealed.burnsWhenClosed')}
            </span>
          )}
          {!burning && (
            <button type="button" className="button button--ember button--small" onClick={onClose}>
              {timed ? t('revealed.burnNow') : t('revealed.closeAndBurn')}
            </button>
          )}
        </div>
      </article>
      <p className="meta">
        <time dateTime={new Date(revealed.sentAt).toISOString()}>{format.clock(revealed.sentAt)}</time>
        <span>{t('revealed.opened', { time: format.clock(revealed.openedAt) })}</span>
        <EncryptedLabel />
      </p>
    </div>
  );
}
