import { chmodSync, closeSync, lstatSync, mkdirSync, openSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Mode of the data directory: its owner only. */
export const PRIVATE_DIR_MODE = 0o700;
/** Mode of every file in it (the database holds unopened burn messages and password hashes). */
export const PRIVATE_FILE_MODE = 0o600;

/**
 * Make the data directory its owner's alone before the database opens: create it 700 (or
 * tighten it), tighten every file already in it to 600 (data dirs of older versions were 755 and
 * 644), and create the database file 600 if it is missing. SQLite creates the WAL and the
 * shared-memory file with the database file's mode, so they are 600 too. Explicit modes, so the
 * process umask does not matter.
 */
export function makePrivate(dataDir: string, databaseFile: string): void {
  mkdirSync(dataDir, { recursive: true, mode: PRIVATE_DIR_MODE });
  chmodSync(dataDir, PRIVATE_DIR_MODE);
  for (const name of readdirSync(dataDir)) {
    const path = join(dataDir, name);
    if (lstatSync(path).isFile()) chmodSync(path, PRIVATE_FILE_MODE);
  }
  closeSync(openSync(join(dataDir, databaseFile), 'a', PRIVATE_FILE_MODE));
}
