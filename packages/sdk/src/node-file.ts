import { openAsBlob } from 'node:fs';
import { basename, extname } from 'node:path';

/** MIME types of the file extensions people send most; anything else is application/octet-stream. */
const TYPES: Readonly<Record<string, string>> = {
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.heic': 'image/heic',
  '.svg': 'image/svg+xml',
  '.mp4': 'video/mp4',
  '.m4v': 'video/mp4',
  '.mov': 'video/quicktime',
  '.webm': 'video/webm',
  '.mp3': 'audio/mpeg',
  '.m4a': 'audio/mp4',
  '.aac': 'audio/aac',
  '.ogg': 'audio/ogg',
  '.oga': 'audio/ogg',
  '.opus': 'audio/opus',
  '.wav': 'audio/wav',
  '.flac': 'audio/flac',
  '.pdf': 'application/pdf',
  '.txt': 'text/plain',
  '.md': 'text/markdown',
  '.csv': 'text/csv',
  '.json': 'application/json',
  '.zip': 'application/zip',
};

/** The MIME type of a path by its extension. */
export function typeOfPath(path: string): string {
  return TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * A file on disk as a `File` for `sendFile`: named after the path's last part, typed by its
 * extension unless `type` is given. The bytes are read when the send reads them.
 */
export async function fileFrom(path: string, type?: string): Promise<File> {
  const blob = await openAsBlob(path);
  return new File([blob], basename(path), { type: type ?? typeOfPath(path) });
}
