import { open } from 'node:fs/promises';
import { CinderError } from '@cinder/protocol';
import { fileFrom } from '@cinder/sdk/node';
import { formatSize } from './format.ts';

/**
 * The file at `path` for `sendFile`, checked first so the user hears what is wrong with it in
 * words (no such file, a directory, not readable, empty) rather than as a failed upload.
 */
export async function fileToSend(path: string): Promise<File> {
  let size: number;
  try {
    await using handle = await open(path, 'r');
    const stats = await handle.stat();
    if (stats.isDirectory()) throw new CinderError('BAD_REQUEST', `${path} is a directory, not a file`);
    if (!stats.isFile()) throw new CinderError('BAD_REQUEST', `${path} is not a regular file`);
    size = stats.size;
  } catch (error) {
    throw fileError(path, error);
  }
  if (size === 0) throw new CinderError('BAD_REQUEST', `${path} is empty: there is nothing to send`);
  return fileFrom(path);
}

function fileError(path: string, error: unknown): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new CinderError('NOT_FOUND', `no such file: ${path}`, { cause: error });
  if (code === 'EISDIR') {
    return new CinderError('BAD_REQUEST', `${path} is a directory, not a file`, { cause: error });
  }
  if (code === 'EACCES' || code === 'EPERM') {
    return new CinderError('FORBIDDEN', `cannot read ${path}: permission denied`, { cause: error });
  }
  return error;
}

/**
 * PAYLOAD_TOO_LARGE in words: the file's size and the server's limit, read from the server's
 * message (`Uploads are limited to <n> bytes`). A burn file is sealed before upload and grows a
 * little, so one just under the limit can still pass it.
 */
export function tooLarge(path: string, file: File, burn: boolean, error: CinderError): CinderError {
  const match = /limited to (\d+) bytes/.exec(error.message)?.[1];
  const limit = match === undefined ? undefined : Number(match);
  let size = formatSize(file.size);
  let server =
    limit === undefined ? 'the server takes less' : `the server takes at most ${formatSize(limit)}`;
  // Rounded alike ("293 KB … at most 293 KB"): the exact byte counts tell them apart.
  if (limit !== undefined && formatSize(limit) === size) {
    size += ` (${file.size} bytes)`;
    server += ` (${limit} bytes)`;
  }
  const sealed = burn ? ' (a burn file grows a little as it is sealed)' : '';
  return new CinderError(
    'PAYLOAD_TOO_LARGE',
    `${path} is too large to send: ${size}, and ${server}${sealed}; nothing was sent`,
    { cause: error },
  );
}
