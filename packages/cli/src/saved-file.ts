import { type FileHandle, open, unlink } from 'node:fs/promises';
import { CinderError } from '@cinder/protocol';

/**
 * A file created for an attachment before the message is opened, so every reason it cannot be
 * written (it exists, no such directory, no permission) is said while a burn message is still
 * unopened. Created exclusively (`wx`: never replaces a file, nor follows a link planted at the
 * path) and owner-only (0600).
 */
export interface SavedFile {
  readonly path: string;
  /** Write the bytes and close the file. */
  write(data: Uint8Array): Promise<void>;
  /** Close and delete the file: the open failed or brought no attachment. */
  discard(): Promise<void>;
}

/** Create `path` for an attachment; BAD_REQUEST in words if it cannot be. */
export async function createSavedFile(path: string): Promise<SavedFile> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'wx', 0o600);
  } catch (error) {
    throw createError(path, error);
  }
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await handle.close();
  };
  return {
    path,
    async write(data) {
      try {
        await handle.writeFile(data);
      } finally {
        await close();
      }
    },
    async discard() {
      await close();
      await unlink(path).catch(() => {});
    },
  };
}

function createError(path: string, error: unknown): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  const say = (message: string) => new CinderError('BAD_REQUEST', message, { cause: error });
  if (code === 'EEXIST') return say(`${path} exists: refusing to overwrite it (the message was not opened)`);
  if (code === 'ENOENT') return say(`cannot create ${path}: no such directory (the message was not opened)`);
  if (code === 'EISDIR') return say(`${path} is a directory: give a file path (the message was not opened)`);
  if (code === 'EACCES' || code === 'EPERM') {
    return say(`cannot create ${path}: permission denied (the message was not opened)`);
  }
  return error;
}
