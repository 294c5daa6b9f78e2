import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The `bench/` directory. */
export const BENCH_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
/** The repository root, the working directory of every child process. */
export const REPO_DIR = join(BENCH_DIR, '..');
