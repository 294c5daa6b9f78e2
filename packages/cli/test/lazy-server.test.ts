import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const LOG_IMPORTS = fileURLToPath(new URL('./fixtures/log-imports.mjs', import.meta.url));

/** The server's dependencies: `cinder serve` loads them, no other command may. */
const SERVER_ONLY = [
  'pg',
  'ioredis',
  'better-sqlite3',
  '@node-rs/argon2',
  'hono',
  'pino',
  'ws',
  'prom-client',
];

/** Every package a `cinder` run resolved, by name. */
async function packagesLoaded(...args: string[]): Promise<Set<string>> {
  const { stdout, stderr } = await promisify(execFile)(process.execPath, [
    '--conditions=@cinder/source',
    '--import',
    'tsx',
    '--import',
    LOG_IMPORTS,
    MAIN,
    ...args,
  ]);
  expect(stdout).toContain('Usage: cinder');
  const names = new Set<string>();
  for (const [, name] of stderr.matchAll(/^resolved .*\/node_modules\/((?:@[^/]+\/)?[^/]+)\//gm)) {
    if (name) names.add(name);
  }
  return names;
}

describe('cinder loads the server only for serve', () => {
  it('--help resolves commander and the SDK but none of the server dependencies', async () => {
    const loaded = await packagesLoaded('--help');
    expect(loaded).toContain('commander');
    expect(loaded).toContain('zod');
    expect(SERVER_ONLY.filter((name) => loaded.has(name))).toEqual([]);
  });

  it('serve --help lists the server flags from @cinder/server/args alone', async () => {
    const loaded = await packagesLoaded('serve', '--help');
    expect(SERVER_ONLY.filter((name) => loaded.has(name))).toEqual([]);
  });
});
