import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh directory under the system temp dir; `remove` deletes it and everything in it. */
export interface TempDir extends Disposable {
  readonly path: string;
  remove(): void;
}

/** A fresh temp directory, removed by `remove()` or at the end of a `using` block. */
export function tempDir(prefix = 'cinder-test-'): TempDir {
  const path = mkdtempSync(join(tmpdir(), prefix));
  const remove = () => rmSync(path, { recursive: true, force: true });
  return { path, remove, [Symbol.dispose]: remove };
}
