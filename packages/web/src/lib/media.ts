import type { AttachmentKind } from '@cinder/protocol';
import { CinderError } from '@cinder/sdk';

/** What a bubble calls each kind of attachment. */
export const KIND_LABELS = {
  image: 'Photo',
  voice: 'Voice message',
  video: 'Video',
  file: 'File',
} as const satisfies { [K in AttachmentKind]: string };

/** A byte count as a person reads it: "512 B", "240 KB", "1.2 MB" (powers of 1000, like file managers). */
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
export function describeAttachment(kind: AttachmentKind, size: number): string {
  return `${KIND_LABELS[kind]} · ${formatBytes(size)}`;
}

/**
 * Why a chosen file cannot be sent, checked before any byte leaves the device; null when it can.
 * A dropped folder arrives as a `File` of size 0 with no type, so it is reported as empty too.
 */
export function checkFile(file: File): string | null {
  if (file.size === 0) return `“${file.name}” is empty (or a folder): choose a file with something in it.`;
  return null;
}

/**
 * A sentence for a failed file send that a person can act on: the server's limit for one too
 * large (the SDK's message carries it), a name or type the server refuses, or null to fall back
 * to the generic error text.
 */
export function describeFileError(error: unknown, file: { name: string; size: number }): string | null {
  if (!(error instanceof CinderError)) return null;
  if (error.code === 'PAYLOAD_TOO_LARGE') {
    const limit = /(\d+)\s*bytes/.exec(error.message)?.[1];
    const what = `“${file.name}” is ${formatBytes(file.size)}`;
    return limit
      ? `${what}: too large. This server accepts files up to ${formatBytes(Number(limit))}.`
      : `${what}: too large for this server.`;
  }
  if (error.code === 'BAD_REQUEST') {
    return `“${file.name}” cannot be sent: its name or type is not supported. Rename it or choose another file.`;
  }
  if (error.code === 'CANCELLED') return 'Upload cancelled. Your file and text are still here.';
  return null;
}
