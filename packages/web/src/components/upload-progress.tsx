import { useTranslation } from 'react-i18next';
import { formatBytes } from '../lib/media.ts';

/** Props of {@link UploadProgress}. */
export interface UploadProgressProps {
  sent: number;
  total: number;
  /** Cancel was pressed; the SDK stops once the chunk in flight is stored. */
  cancelling: boolean;
  onCancel: () => void;
}

/** The upload of a file being sent: a progress bar (a `<progress>`, no inline style) and Cancel. */
export function UploadProgress({ sent, total, cancelling, onCancel }: UploadProgressProps) {
  const { t } = useTranslation();
  const percent = total > 0 ? Math.floor((sent / total) * 100) : 0;
  return (
    <div className="upload" data-testid="upload">
      <progress
        className="upload__bar"
        max={total || 1}
        value={sent}
        aria-label={t('media.uploadProgress')}
      />
      <span className="upload__text" aria-live="polite">
        {t('media.uploading', { percent, sent: formatBytes(sent), total: formatBytes(total) })}
      </span>
      <button type="button" className="link-button" onClick={onCancel} disabled={cancelling}>
        {cancelling ? t('media.cancelling') : t('media.cancelUpload')}
      </button>
    </div>
  );
}
