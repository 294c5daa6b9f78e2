import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Every regular file under `dir`, recursively: what a residue search reads. A file or folder
 * removed while walking (a checkpoint's `-shm`, a dropped table's file) is skipped: nothing can
 * remain in it.
 */
export function filesUnder(dir: string): string[] {
  const found: string[] = [];
  const walk = (d: string) => {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    for (const name of names) {
      const path = join(d, name);
      try {
        const stat = statSync(path);
        if (stat.isDirectory()) walk(path);
        else if (stat.isFile()) found.push(path);
      } catch {
        // unlinked between readdir and stat
      }
    }
  };
  walk(dir);
  return found;
}
