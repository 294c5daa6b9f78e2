import type { AttachmentKind } from '@cinder/protocol';
import { CinderError } from '@cinder/sdk';
import type { TFunction } from 'i18next';

/** What a bubble calls each kind of attachment: "Photo", "照片". */
export function kindLabel(kind: AttachmentKind, t: TFunction): string {
  return t(`media.kind.${kind}`);
}

/**
 * A byte count as a person reads it: "512 B", "240 KB", "1.2 MB" (powers of 1000, like file
 * managers). The symbols are the same in every language of the app (Chinese apps write "KB" too).
 */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes}\u00a0B`;
  if (bytes < 1_000_000) return `${Math.round(bytes / 1000)}\u00a0KB`;
  if (bytes < 1_000_000_000) return `${trim(bytes / 1_000_000)}\u00a0MB`;
  return `${trim(bytes / 1_000_000_000)}\u00a0GB`;
}

function trim(n: number): string {
  return n >= 10 ? String(Math.round(n)) : n.toFixed(1).replace(/\.0$/, '');
}

/** "Photo · 240 KB": all a sealed bubble may say about an attachment. */
export function describeAttachment(kind: AttachmentKind, size: number, t: TFunction): string {
  return t('media.describe', { kind: kindLabel(kind, t), size: formatBytes(size) });
}

/**
 * Why a chosen file cannot be sent, checked before any byte leaves the device; null when it can.
 * A dropped folder arrives as a `File` of size 0 with no type, so it is reported as empty too.
 */
export function checkFile(file: File, t: TFunction): string | null {
  if (file.size === 0) return t('media.empty', { name: file.name });
  return null;
}

/**
 * A sentence for a failed file send that a person can act on: the server's limit for one too
 * large (the SDK's message carries it), a name or type the server refuses, or null to fall back
 * to the generic error text.
 */
export function describeFileError(
  error: unknown,
  file: { name: string; size: number },
  t: TFunction,
): string | null {
  if (!(error instanceof CinderError)) return null;
  if (error.code === 'PAYLOAD_TOO_LARGE') {
    const limit = /(\d+)\s*bytes/.exec(error.message)?.[1];
    const what = { name: file.name, size: formatBytes(file.size) };
    return limit
      ? t('media.tooLargeLimit', { ...what, limit: formatBytes(Number(limit)) })
      : t('media.tooLarge', what);
  }
  if (error.code === 'BAD_REQUEST') return t('media.unsupported', { name: file.name });
  if (error.code === 'CANCELLED') return t('media.cancelled');
  return null;
}
