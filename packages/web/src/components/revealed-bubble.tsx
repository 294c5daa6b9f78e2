import { type KeyboardEvent, useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { useNow } from '../hooks/use-now.ts';
import { useVeil } from '../hooks/use-veil.ts';
import { useFormat } from '../i18n/use-format.ts';
import { describeAttachment } from '../lib/media.ts';
import type { Revealed } from '../lib/timeline.ts';
import { CountdownRing } from './countdown-ring.tsx';
import { EncryptedLabel } from './encrypted-label.tsx';
import { FlameIcon } from './icons.tsx';
import { KindIcon } from './kind-icon.tsx';
import { Watermark } from './watermark.tsx';

/** Props of {@link RevealedBubble}. */
export interface RevealedBubbleProps {
  revealed: Revealed;
  onClose: () => void;
  /** The reader's username, drawn as a faint watermark over the text; none without it. */
  reader?: string | undefined;
}

/**
 * An opened burn message: the text, the view window running out, then the burn animation.
 * The server burned it already; this is the only copy, and it lives in memory.
 *
 * Deterrence (hooks/use-veil.ts): the text blurs while the page has no focus or is hidden, and
 * with hold-to-view on, except while the bubble is pressed (or Space / Enter held on it). It
 * unblurs by itself when the page is looked at again: the view window keeps counting, so a
 * "tap to show" would cost the reader seconds of a message that cannot be opened twice.
 */
export function RevealedBubble({ revealed, onClose, reader }: RevealedBubbleProps) {
  const { t } = useTranslation();
  const format = useFormat();
  const burning = revealed.phase === 'burning';
  const timed = revealed.viewSeconds > 0;
  const now = useNow(200, timed && !burning);
  const totalMs = revealed.viewSeconds * 1000;
  const remainingMs = Math.max(0, revealed.openedAt + totalMs - now);
  const ref = useRef<HTMLElement>(null);
  const { veil, hold, handlers } = useVeil();

  // Move focus to the text the reader asked to see, so keyboard and screen-reader users land on it.
  useEffect(() => {
    ref.current?.focus();
  }, []);

  function onKeyDown(event: KeyboardEvent) {
    if (event.key === 'Escape') onClose();
    else handlers.onKeyDown(event);
  }

  const classes = ['bubble', 'bubble--theirs', 'bubble--revealed'];
  if (burning) classes.push('bubble--burning');
  if (veil !== 'clear') classes.push(`deterrence--${veil}`);
  if (hold) classes.push('deterrence__target');

  return (
    <div className="bubble-group" data-kind="revealed">
      <article
        ref={ref}
        tabIndex={-1}
        className={classes.join(' ')}
        data-veil={veil}
        aria-label={t('revealed.label', { from: revealed.from })}
        onKeyDown={onKeyDown}
        onKeyUp={handlers.onKeyUp}
        onBlur={handlers.onBlur}
        onPointerDown={handlers.onPointerDown}
        onPointerUp={handlers.onPointerUp}
        onPointerCancel={handlers.onPointerCancel}
        onPointerLeave={handlers.onPointerLeave}
        onContextMenu={handlers.onContextMenu}
      >
        {revealed.attachment && (
          <p className="bubble__attachment" data-attachment={revealed.attachment.kind}>
            <KindIcon kind={revealed.attachment.kind} />
            {describeAttachment(revealed.attachment.kind, revealed.attachment.size, t)}
            {burning ? '' : t('revealed.openInViewer')}
          </p>
        )}
        {(revealed.text !== '' || !revealed.attachment) && (
          <div className="deterrence__frame">
            {/* Out of the accessibility tree only while away: a focused page reads as usual. */}
            <p className="bubble__text deterrence__content" aria-hidden={veil === 'away' ? true : undefined}>
              {revealed.text}
            </p>
            {reader && <Watermark name={reader} dense={false} />}
            {veil === 'hold' && (
              <p className="deterrence__hint" aria-hidden="true">
                {t('deterrence.holdToRead')}
              </p>
            )}
          </div>
        )}
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
