import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { REPO_DIR } from './paths.ts';

/** Where and with what a run was made. */
export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGiB: number;
  kernel: string;
  node: string;
  sqlite: string;
  /** Versions of the packages on the hot path. */
  packages: Record<string, string>;
  /** Git commit of the code under test (with `-dirty` when the tree has changes). */
  commit: string;
  /** Per-process open-file limit: what caps the idle-device count. */
  openFilesLimit: number;
  date: string;
}

function packageVersion(name: string): string {
  try {
    const json = JSON.parse(readFileSync(join(REPO_DIR, 'node_modules', name, 'package.json'), 'utf8')) as {
      version?: string;
    };
    return json.version ?? '?';
  } catch {
    return '?';
  }
}

function run(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, {
      cwd: REPO_DIR,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return '?';
  }
}

async function sqliteVersion(): Promise<string> {
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(':memory:');
  const row = db.prepare('SELECT sqlite_version() AS v').get() as { v: string };
  db.close();
  return row.v;
}

/** Describe this machine and the software versions under test. */
export async function machineInfo(): Promise<MachineInfo> {
  const dirty = run('git', ['status', '--porcelain', '--', 'packages']) !== '';
  return {
    cpu: cpus()[0]?.model ?? '?',
    cores: cpus().length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    kernel: release(),
    node: process.version,
    sqlite: await sqliteVersion(),
    packages: Object.fromEntries(
      ['ws', 'better-sqlite3', 'hono', '@hono/node-server', 'zod', '@node-rs/argon2'].map((name) => [
        name,
        packageVersion(name),
      ]),
    ),
    commit: `${run('git', ['rev-parse', '--short', 'HEAD'])}${dirty ? '-dirty' : ''}`,
    openFilesLimit: Number(run('sh', ['-c', 'ulimit -n'])) || 0,
    date: new Date().toISOString(),
  };
}
