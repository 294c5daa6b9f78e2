import { type FileHandle, open, unlink } from 'node:fs/promises';
import { ENGLISH, type I18n } from './i18n/i18n.ts';
import { localizedError } from './i18n/localized-error.ts';

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
export async function createSavedFile(path: string, i18n: I18n = ENGLISH): Promise<SavedFile> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'wx', 0o600);
  } catch (error) {
    throw createError(path, error, i18n);
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

function createError(path: string, error: unknown, i18n: I18n): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  const say = (message: string) => localizedError('BAD_REQUEST', message, { cause: error });
  if (code === 'EEXIST') return say(i18n.t('saved.exists', { path }));
  if (code === 'ENOENT') return say(i18n.t('saved.noDirectory', { path }));
  if (code === 'EISDIR') return say(i18n.t('saved.directory', { path }));
  if (code === 'EACCES' || code === 'EPERM') return say(i18n.t('saved.denied', { path }));
  return error;
}
