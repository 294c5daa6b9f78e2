import type { UploadProgress } from '@cinder/sdk';
import { formatSize } from './format.ts';
import { ENGLISH, type I18n } from './i18n/i18n.ts';

const CLEAR_LINE = '\r\u001b[2K';

/** An upload's progress as one updating line on a terminal. */
export interface ProgressLine {
  /** Show the upload's progress so far (`onProgress` of `sendFile`). */
  update(progress: UploadProgress): void;
  /** Erase the line, so what follows starts on a clean one; later updates draw nothing. */
  done(): void;
}

/**
 * A progress line on `stream` when it is a terminal (`uploading photo.jpg  45% · 108 KB of
 * 240 KB`), rewritten in place; nothing at all when it is not, so logs and pipes stay clean.
 */
export function progressLine(stream: NodeJS.WriteStream, label: string, i18n: I18n = ENGLISH): ProgressLine {
  if (!stream.isTTY) return { update: () => {}, done: () => {} };
  let shown = false;
  let finished = false;
  const draw = (sent: number, total: number): void => {
    if (finished) return;
    const percent = total > 0 ? Math.floor((sent / total) * 100) : 0;
    const line = i18n.t('send.uploading', {
      label,
      percent,
      sent: formatSize(sent),
      total: formatSize(total),
    });
    stream.write(`${CLEAR_LINE}${line}`);
    shown = true;
  };
  return {
    update: (p) => draw(p.sent, p.total),
    done: () => {
      if (shown) stream.write(CLEAR_LINE);
      shown = false;
      finished = true;
    },
  };
}
