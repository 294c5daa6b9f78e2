import { type MouseEvent, type SyntheticEvent, useEffect, useId, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { useNow } from '../hooks/use-now.ts';
import { useVeil } from '../hooks/use-veil.ts';
import { useFormat } from '../i18n/use-format.ts';
import { describeAttachment, formatBytes, kindLabel } from '../lib/media.ts';
import type { Revealed } from '../lib/timeline.ts';
import { CountdownRing } from './countdown-ring.tsx';
import { EncryptedLabel } from './encrypted-label.tsx';
import { FileIcon, FlameIcon } from './icons.tsx';
import { Watermark } from './watermark.tsx';

/** Props of {@link MediaViewer}. */
export interface MediaViewerProps {
  revealed: Revealed;
  /** Close the viewer: the attachment burns (its object URL is revoked) and the bubble burns away. */
  onClose: () => void;
  /** The reader's username, drawn as a faint watermark over the photo or video; none without it. */
  reader?: string | undefined;
}

/** No "Save image as…" / "Save video as…" menu on the media. */
function noMenu(event: MouseEvent) {
  event.preventDefault();
}

/** Nothing to drag out of the page into a folder. */
function noDrag(event: SyntheticEvent) {
  event.preventDefault();
}

/**
 * The full-screen viewer of an opened burn attachment: the photo, the video or the voice note
 * (players without a download control), or for a file its name and size only, with the view
 * window's countdown and "Close & burn". A modal `<dialog>`: Escape closes it too, and closing
 * is the burn. There is no download button anywhere; a view-once file cannot be saved (the
 * browser would need to write it to disk, which a burn forbids), so a file shows what it was.
 *
 * Deterrence (hooks/use-veil.ts): the media and the caption blur while the page has no focus or
 * is hidden, and with hold-to-view on, except while the stage is pressed or Space / Enter is held
 * with the viewer itself focused (where focus goes when it opens in that mode). They unblur by
 * themselves when the page is looked at again, as the view window keeps counting. The reader's
 * name lies over the photo or video as a watermark.
 */
export function MediaViewer({ revealed, onClose, reader }: MediaViewerProps) {
  const { t } = useTranslation();
  const format = useFormat();
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const attachment = revealed.attachment;
  const timed = revealed.viewSeconds > 0;
  const now = useNow(200, timed);
  const totalMs = revealed.viewSeconds * 1000;
  const remainingMs = Math.max(0, revealed.openedAt + totalMs - now);
  const { veil, hold, handlers } = useVeil();

  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
  }, []);

  // With hold-to-view, the keyboard's hold target is the viewer itself, not "Close & burn"
  // (the first control, where a modal puts focus, and where a held Enter would burn it).
  useEffect(() => {
    if (hold) ref.current?.focus();
  }, [hold]);

  if (!attachment?.url) return null;
  const url = attachment.url;
  const title = t('viewer.title', { kind: kindLabel(attachment.kind, t), from: revealed.from });
  const visual = attachment.kind === 'image' || attachment.kind === 'video';
  const classes = ['viewer'];
  if (veil !== 'clear') classes.push(`deterrence--${veil}`);
  // Blurred and hidden from assistive technology only while away: a focused page reads as usual.
  const away = veil === 'away' ? true : undefined;

  return (
    <dialog
      ref={ref}
      className={classes.join(' ')}
      tabIndex={-1}
      data-veil={veil}
      aria-modal="true"
      aria-labelledby={titleId}
      data-testid="media-viewer"
      data-kind={attachment.kind}
      onCancel={(event) => {
        // Escape: close through the same path as the button, so it always burns.
        event.preventDefault();
        onClose();
      }}
      // A close the page did not ask for (the browser may force one on a repeated Escape) burns too.
      onClose={onClose}
      onContextMenu={noMenu}
      onKeyDown={handlers.onKeyDown}
      onKeyUp={handlers.onKeyUp}
      onBlur={handlers.onBlur}
    >
      <header className="viewer__header">
        <span className="viewer__title">
          <FlameIcon />
          <span id={titleId}>{title}</span>
        </span>
        {timed ? (
          <span className="viewer__countdown" data-countdown={Math.ceil(remainingMs / 1000)}>
            <CountdownRing remainingMs={remainingMs} totalMs={totalMs} />
            <span className="viewer__countdown-text">
              {t('revealed.burnsIn', { duration: format.left(revealed.openedAt + totalMs, now) })}
            </span>
          </span>
        ) : (
          <span className="viewer__countdown">{t('revealed.burnsWhenClosed')}</span>
        )}
        <button type="button" className="button button--ember button--small" onClick={onClose}>
          {t('revealed.closeAndBurn')}
        </button>
      </header>
      {/* biome-ignore lint/a11y/noStaticElementInteractions: a press-and-hold surface; its keyboard hold is on the dialog. */}
      <div
        className={
          hold ? 'viewer__stage deterrence__frame deterrence__target' : 'viewer__stage deterrence__frame'
        }
        onPointerDown={handlers.onPointerDown}
        onPointerUp={handlers.onPointerUp}
        onPointerCancel={handlers.onPointerCancel}
        onPointerLeave={handlers.onPointerLeave}
        onContextMenu={handlers.onContextMenu}
      >
        {attachment.kind === 'image' && (
          <img
            className="viewer__media deterrence__content"
            aria-hidden={away}
            src={url}
            alt={revealed.text || title}
            draggable={false}
            onDragStart={noDrag}
          />
        )}
        {attachment.kind === 'video' && (
          // biome-ignore lint/a11y/useMediaCaption: a person's own video has no caption track.
          <video
            className="viewer__media deterrence__content"
            aria-hidden={away}
            src={url}
            controls
            autoPlay
            playsInline
            controlsList="nodownload noremoteplayback"
            disablePictureInPicture
            disableRemotePlayback
          />
        )}
        {attachment.kind === 'voice' && (
          // biome-ignore lint/a11y/useMediaCaption: a voice note has no caption track.
          <audio
            className="viewer__audio"
            src={url}
            controls
            autoPlay
            controlsList="nodownload noremoteplayback"
            aria-label={t('viewer.voiceFrom', { from: revealed.from })}
          />
        )}
        {attachment.kind === 'file' && (
          <div className="viewer__file">
            <FileIcon className="viewer__file-icon" />
            <p className="viewer__file-name">{attachment.name}</p>
            <p className="viewer__file-meta">
              {formatBytes(attachment.size)} · {attachment.type}
            </p>
            <p className="viewer__file-note">{t('viewer.fileNote', { from: revealed.from })}</p>
          </div>
        )}
        {visual && reader && <Watermark name={reader} />}
        {visual && veil === 'hold' && (
          <p className="deterrence__hint" aria-hidden="true">
            {t('deterrence.holdToView')}
          </p>
        )}
      </div>
      <footer className="viewer__footer">
        {revealed.text && (
          <p className="viewer__caption deterrence__content" aria-hidden={away}>
            {revealed.text}
          </p>
        )}
        <p className="viewer__meta">
          {describeAttachment(attachment.kind, attachment.size, t)} · {t('viewer.openedOnce')} ·{' '}
          <EncryptedLabel />
        </p>
      </footer>
    </dialog>
  );
}
