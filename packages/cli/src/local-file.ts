import { open } from 'node:fs/promises';
import { CinderError } from '@cinder/protocol';
import { fileFrom } from '@cinder/sdk/node';
import { formatSize } from './format.ts';
import { ENGLISH, type I18n } from './i18n/i18n.ts';
import { localizedError } from './i18n/localized-error.ts';

/**
 * The file at `path` for `sendFile`, checked first so the user hears what is wrong with it in
 * words (no such file, a directory, not readable, empty) rather than as a failed upload.
 */
export async function fileToSend(path: string, i18n: I18n = ENGLISH): Promise<File> {
  let size: number;
  try {
    await using handle = await open(path, 'r');
    const stats = await handle.stat();
    if (stats.isDirectory()) throw localizedError('BAD_REQUEST', i18n.t('file.directory', { path }));
    if (!stats.isFile()) throw localizedError('BAD_REQUEST', i18n.t('file.notRegular', { path }));
    size = stats.size;
  } catch (error) {
    throw fileError(path, error, i18n);
  }
  if (size === 0) throw localizedError('BAD_REQUEST', i18n.t('file.empty', { path }));
  return fileFrom(path);
}

function fileError(path: string, error: unknown, i18n: I18n): unknown {
  // Our own errors from inside the try, already in words.
  if (error instanceof CinderError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  const cause = { cause: error };
  if (code === 'ENOENT') return localizedError('NOT_FOUND', i18n.t('file.missing', { path }), cause);
  if (code === 'EISDIR') return localizedError('BAD_REQUEST', i18n.t('file.directory', { path }), cause);
  if (code === 'EACCES' || code === 'EPERM') {
    return localizedError('FORBIDDEN', i18n.t('file.denied', { path }), cause);
  }
  return error;
}

/**
 * PAYLOAD_TOO_LARGE in words: the file's size and the server's limit, read from the server's
 * message (`Uploads are limited to <n> bytes`). A burn file is sealed before upload and grows a
 * little, so one just under the limit can still pass it.
 */
export function tooLarge(
  path: string,
  file: File,
  burn: boolean,
  error: CinderError,
  i18n: I18n = ENGLISH,
): CinderError {
  const match = /limited to (\d+) bytes/.exec(error.message)?.[1];
  const limit = match === undefined ? undefined : Number(match);
  let size = formatSize(file.size);
  let shownLimit = limit === undefined ? '' : formatSize(limit);
  // Rounded alike ("293 KB … at most 293 KB"): the exact byte counts tell them apart.
  if (limit !== undefined && shownLimit === size) {
    size = i18n.t('file.bytes', { size, bytes: file.size });
    shownLimit = i18n.t('file.bytes', { size: shownLimit, bytes: limit });
  }
  const server =
    limit === undefined
      ? i18n.t('file.serverTakesLess')
      : i18n.t('file.serverTakesAtMost', { limit: shownLimit });
  const sealed = burn ? i18n.t('file.sealedGrows') : '';
  return localizedError('PAYLOAD_TOO_LARGE', i18n.t('file.tooLarge', { path, size, server, sealed }), {
    cause: error,
  });
}
