import { link, readFile, rm, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { ENGLISH, type I18n } from './i18n/i18n.ts';
import { localizedError } from './i18n/localized-error.ts';

/** Options of `acquireLock`. */
export interface LockOptions {
  /**
   * How long to wait for another process to release the lock before failing with TIMEOUT.
   * @default 30_000
   */
  timeoutMs?: number;
  /** Shown in the TIMEOUT message, e.g. `profile "default"`. */
  what: string;
  /**
   * The language of the TIMEOUT message.
   * @default English
   */
  i18n?: I18n;
}

const POLL_MS = 50;

/**
 * Take an exclusive lock file holding our pid. Two `cinder` processes
 * on one profile would otherwise write the same store file at once; the store is one JSON file
 * rewritten through a shared temp file, so that can tear it. A lock left by a process that
 * died is taken over. Release it with `await using`.
 */
export async function acquireLock(path: string, options: LockOptions): Promise<AsyncDisposable> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  // The pid is written first and the lock appears by link(): it never exists half-written.
  const mine = `${path}.${process.pid}`;
  await writeFile(mine, String(process.pid), { mode: 0o600 });
  try {
    for (;;) {
      try {
        await link(mine, path);
        return { [Symbol.asyncDispose]: () => rm(path, { force: true }) };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      await waitOrBreak(path, deadline, options.what, options.i18n ?? ENGLISH);
    }
  } finally {
    await rm(mine, { force: true });
  }
}

/** Take over a lock whose holder died; otherwise wait a little, or give up at the deadline. */
async function waitOrBreak(path: string, deadline: number, what: string, i18n: I18n): Promise<void> {
  const holder = await holderOf(path);
  if (holder !== null && !isAlive(holder)) {
    await rm(path, { force: true });
    return;
  }
  if (Date.now() > deadline) {
    throw localizedError('TIMEOUT', i18n.t('lock.busy', { what, pid: holder ?? '?' }));
  }
  await sleep(POLL_MS);
}

/** The pid in the lock file; null if it vanished meanwhile. */
async function holderOf(path: string): Promise<number | null> {
  try {
    const pid = Number.parseInt(await readFile(path, 'utf8'), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
