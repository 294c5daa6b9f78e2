import { type MouseEvent, type SyntheticEvent, useEffect, useId, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { useNow } from '../hooks/use-now.ts';
import { useFormat } from '../i18n/use-format.ts';
import { describeAttachment, formatBytes, kindLabel } from '../lib/media.ts';
import type { Revealed } from '../lib/timeline.ts';
import { CountdownRing } from './countdown-ring.tsx';
import { EncryptedLabel } from './encrypted-label.tsx';
import { FileIcon, FlameIcon } from './icons.tsx';

/** Props of {@link MediaViewer}. */
export interface MediaViewerProps {
  revealed: Revealed;
  /** Close the viewer: the attachment burns (its object URL is revoked) and the bubble burns away. */
  onClose: () => void;
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
 */
export function MediaViewer({ revealed, onClose }: MediaViewerProps) {
  const { t } = useTranslation();
  const format = useFormat();
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const attachment = revealed.attachment;
  const timed = revealed.viewSeconds > 0;
  const now = useNow(200, timed);
  const totalMs = revealed.viewSeconds * 1000;
  const remainingMs = Math.max(0, revealed.openedAt + totalMs - now);

  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
  }, []);

  if (!attachment?.url) return null;
  const url = attachment.url;
  const title = t('viewer.title', { kind: kindLabel(attachment.kind, t), from: revealed.from });

  return (
    <dialog
      ref={ref}
      className="viewer"
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
      <div className="viewer__stage">
        {attachment.kind === 'image' && (
          <img
            className="viewer__media"
            src={url}
            alt={revealed.text || title}
            draggable={false}
            onDragStart={noDrag}
          />
        )}
        {attachment.kind === 'video' && (
          // biome-ignore lint/a11y/useMediaCaption: a person's own video has no caption track.
          <video
            className="viewer__media"
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
      </div>
      <footer className="viewer__footer">
        {revealed.text && <p className="viewer__caption">{revealed.text}</p>}
        <p className="viewer__meta">
          {describeAttachment(attachment.kind, attachment.size, t)} · {t('viewer.openedOnce')} ·{' '}
          <EncryptedLabel />
        </p>
      </footer>
    </dialog>
  );
}
