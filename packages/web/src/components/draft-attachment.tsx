import { kindOf } from '@cinder/sdk';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { formatBytes, kindLabel } from '../lib/media.ts';
import { CloseIcon } from './icons.tsx';
import { KindIcon } from './kind-icon.tsx';

/** Props of {@link DraftAttachment}. */
export interface DraftAttachmentProps {
  file: File;
  /** Remove the file from the draft; absent while it uploads. */
  onRemove?: (() => void) | undefined;
}

/**
 * The chosen file above the message box: its name and size, and for an image a small preview
 * from the sender's own file (an object URL revoked when the chip goes). The recipient of a burn
 * message never gets a preview: their bubble shows kind and size only.
 */
export function DraftAttachment({ file, onRemove }: DraftAttachmentProps) {
  const { t } = useTranslation();
  const kind = kindOf(file.type);
  const preview = usePreview(kind === 'image' ? file : null);
  return (
    <div className="draft-file" data-testid="draft-file" data-kind={kind}>
      {preview ? (
        <img className="draft-file__preview" src={preview} alt="" />
      ) : (
        <span className="draft-file__icon" aria-hidden="true">
          <KindIcon kind={kind} />
        </span>
      )}
      <span className="draft-file__text">
        <span className="draft-file__name">{file.name}</span>
        <span className="draft-file__meta">
          {t('media.describe', { kind: kindLabel(kind, t), size: formatBytes(file.size) })}
        </span>
      </span>
      {onRemove && (
        <button
          type="button"
          className="icon-button draft-file__remove"
          onClick={onRemove}
          aria-label={t('media.remove', { name: file.name })}
        >
          <CloseIcon />
        </button>
      )}
    </div>
  );
}

function usePreview(file: File | null): string | null {
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    if (!file) {
      setUrl(null);
      return;
    }
    const objectUrl = URL.createObjectURL(file);
    setUrl(objectUrl);
    return () => URL.revokeObjectURL(objectUrl);
  }, [file]);
  return url;
}
