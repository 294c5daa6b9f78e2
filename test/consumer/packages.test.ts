import { type ChildProcess, spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeBrowser, launchChromium } from '../e2e/browser.ts';
import { collectOutput, type ProcessOutput, type TestServer, testServer, waitFor } from '../kit/index.ts';

// The packages as a developer adopting Cinder gets them: `npm pack`ed, installed from the tarballs
// into a project outside the repository, and used there with plain `node`, `require`, a strict
// `tsc`, a Vite bundle in Chromium, and the packed `cinder` command. Nothing here runs the
// TypeScript source or sees the workspace.

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const APP = fileURLToPath(new URL('./app/', import.meta.url));
const PACKAGES = ['@cinder/protocol', '@cinder/sdk', '@cinder/cli'];
/** Every burn flow ends like this: sealed on arrival, opened once, then BURNED, burned as opened. */
const BURNED_ONCE = { sealed: true, opened: true, second: 'BURNED', reason: 'opened' };

const children = new Set<ChildProcess>();

/** ProcessOutput a command to its end (no shell), with the consumer's directory as cwd by default. */
function run(
  command: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv },
): Promise<ProcessOutput> {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  child.on('close', () => children.delete(child));
  return collectOutput(child);
}

/** The run's stdout, or a failure that shows what it printed. */
function ok(result: ProcessOutput, what: string): string {
  if (result.code !== 0) {
    throw new Error(
      `${what} exited ${result.code}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`,
    );
  }
  return result.stdout;
}

let consumer: string;
let server: TestServer;
let tag = 0;
const nextTag = () => `${process.pid}-${tag++}`;

beforeAll(async () => {
  consumer = await mkdtemp(join(tmpdir(), 'cinder-consumer-'));
  const tarballs = join(consumer, 'tarballs');
  await mkdir(tarballs);
  // `prepack` builds each package, so the tarballs hold what `npm publish` would.
  ok(
    await run('npm', ['pack', ...PACKAGES.flatMap((p) => ['-w', p]), '--pack-destination', tarballs], {
      cwd: REPO,
    }),
    'npm pack',
  );
  const files = await readdir(tarballs);
  const tarball = (name: string) => `file:./tarballs/${files.find((f) => f.startsWith(`cinder-${name}-`))}`;
  await writeFile(
    join(consumer, 'package.json'),
    JSON.stringify({
      name: 'cinder-consumer',
      private: true,
      type: 'module',
      dependencies: {
        '@cinder/protocol': tarball('protocol'),
        '@cinder/sdk': tarball('sdk'),
        '@cinder/cli': tarball('cli'),
      },
      devDependencies: { '@types/node': '20.19.43' },
    }),
  );
  await cp(APP, consumer, { recursive: true });
  ok(
    await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], {
      cwd: consumer,
    }),
    'npm install of the tarballs',
  );
  server = await testServer({ webRoot: join(consumer, 'web', 'dist') });
});

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await server?.close();
  if (consumer) await rm(consumer, { recursive: true, force: true });
});

describe('the packed packages, installed outside the repository', () => {
  it('ship compiled JavaScript and declarations, not sources or tests', async () => {
    const sdk = await readdir(join(consumer, 'node_modules', '@cinder', 'sdk'));
    expect(sdk.sort()).toEqual(['README.md', 'dist', 'package.json']);
    const dist = await readdir(join(consumer, 'node_modules', '@cinder', 'sdk', 'dist'));
    expect(dist).toContain('index.js');
    expect(dist).toContain('index.d.ts');
    expect(dist.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
  });

  it('(a) plain Node ESM imports @cinder/sdk and burns a message', async () => {
    const out = ok(
      await run(process.execPath, ['esm.mjs', server.url, nextTag()], { cwd: consumer }),
      'esm.mjs',
    );
    expect(JSON.parse(out)).toEqual(BURNED_ONCE);
  });

  it('(b) CommonJS require()s @cinder/sdk and @cinder/sdk/node and burns a message', async () => {
    const out = ok(
      await run(process.execPath, ['cjs.cjs', server.url, nextTag(), consumer], { cwd: consumer }),
      'cjs.cjs',
    );
    expect(JSON.parse(out)).toEqual(BURNED_ONCE);
  });

  it('(c) a strict TypeScript consumer type-checks, declarations included (no skipLibCheck)', async () => {
    const tsc = join(REPO, 'node_modules', 'typescript', 'bin', 'tsc');
    ok(await run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: consumer }), 'tsc');
  });

  it('(c) a strict TypeScript browser app (lib dom, no @types/node) type-checks against the SDK', async () => {
    const tsc = join(REPO, 'node_modules', 'typescript', 'bin', 'tsc');
    ok(
      await run(process.execPath, [tsc, '-p', 'browser-ts/tsconfig.json'], { cwd: consumer }),
      'tsc (browser)',
    );
  });

  it('(e) the packed cinder command: --help, then a burn round trip', async () => {
    const cinder = join(consumer, 'node_modules', '.bin', 'cinder');
    const help = ok(await run(cinder, ['--help'], { cwd: consumer }), 'cinder --help');
    expect(help).toContain('Usage: cinder');
    // The server is an optional peer: without it, `serve` says what to install.
    const serve = await run(cinder, ['serve', '--port', '0'], { cwd: consumer });
    expect(serve.code).not.toBe(0);
    expect(serve.stderr).toContain('npm install @cinder/server');
    const t = nextTag();
    const env = (profile: string) => ({
      CINDER_HOME: join(consumer, 'cinder-home'),
      CINDER_URL: server.url,
      CINDER_PROFILE: profile,
      CINDER_PASSWORD: `${profile}-long-password`,
    });
    const [alice, bob] = [`alice-cli-${t}`, `bob-cli-${t}`];
    ok(await run(cinder, ['register', alice], { cwd: consumer, env: env(alice) }), 'register alice');
    ok(await run(cinder, ['register', bob], { cwd: consumer, env: env(bob) }), 'register bob');
    const secret = `cli secret ${t}`;
    const id = ok(
      await run(cinder, ['send', bob, secret, '--burn'], { cwd: consumer, env: env(alice) }),
      'send',
    ).trim();
    expect(ok(await run(cinder, ['inbox'], { cwd: consumer, env: env(bob) }), 'inbox')).not.toContain(secret);
    expect(ok(await run(cinder, ['open', id], { cwd: consumer, env: env(bob) }), 'open')).toContain(secret);
    const again = await run(cinder, ['open', id], { cwd: consumer, env: env(bob) });
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('BURNED');
    expect(again.stdout + again.stderr).not.toContain(secret);
  });
});

describeBrowser('a Vite app bundling the packed @cinder/sdk', () => {
  it('(d) runs the burn flow in Chromium', async () => {
    const vite = join(REPO, 'node_modules', 'vite', 'bin', 'vite.js');
    ok(
      await run(process.execPath, [vite, 'build', '--logLevel', 'warn'], { cwd: join(consumer, 'web') }),
      'vite build',
    );
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on('pageerror', (error) => problems.push(error.message));
      await page.goto(`${server.url}/?tag=${nextTag()}`);
      const result = await waitFor(() => page.evaluate(() => document.body.dataset.result), {
        what: 'the page to finish its burn flow',
      });
      expect(JSON.parse(result)).toEqual(BURNED_ONCE);
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
