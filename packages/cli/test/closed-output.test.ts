import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));

it('ends quietly when the reader of its output goes away (cinder --help | head -1)', async () => {
  const child = spawn(process.execPath, ['--conditions=@cinder/source', '--import', 'tsx', MAIN, '--help'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  // Like `head -1`: read the first chunk, then close the pipe before the rest is written.
  child.stdout.once('data', () => child.stdout.destroy());
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  expect(stderr).not.toContain('EPIPE');
  expect(code).toBe(0);
});
