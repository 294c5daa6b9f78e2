import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CinderServer, startServer } from '@cinder/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../bin/cinder.js', import.meta.url));

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

let server: CinderServer;
let dataDir: string;
let home: string;
const children = new Set<ChildProcess>();

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'cinder-cli-data-'));
  home = await mkdtemp(join(tmpdir(), 'cinder-cli-home-'));
  server = await startServer({ port: 0, host: '127.0.0.1', dataDir, logLevel: 'silent' });
});

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await server?.close();
  await rm(dataDir, { recursive: true, force: true });
  await rm(home, { recursive: true, force: true });
});

function envFor(profile: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: home,
    CINDER_HOME: home,
    CINDER_URL: server.url,
    CINDER_PROFILE: profile,
    CINDER_PASSWORD: `${profile}-long-password`,
  };
}

function start(profile: string, args: string[]): ChildProcess {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: envFor(profile),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

/** Run the real binary as `profile` and collect its output. */
function cinder(profile: string, ...args: string[]): Promise<Result> {
  const child = start(profile, args);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => {
    stdout += d;
  });
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

/** Resolve with all of `stream`'s text so far once it satisfies `done`. */
function waitForOutput(stream: NodeJS.ReadableStream, done: (text: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`timed out; got: ${text}`)), 20_000);
    stream.on('data', (d) => {
      text += d;
      if (done(text)) {
        clearTimeout(timer);
        resolve(text);
      }
    });
  });
}

function ok(result: Result): string {
  expect(result.stderr.includes('error:') ? result.stderr : '').toBe('');
  expect(result.code).toBe(0);
  return result.stdout;
}

describe('cinder, two profiles, one burn round trip', () => {
  it('sends, lists sealed, opens once, burns everywhere', async () => {
    const marker = randomBytes(16).toString('hex');
    expect(ok(await cinder('alice', 'register', 'alice'))).toContain('alice');
    expect(ok(await cinder('bob', 'register', 'bob'))).toContain('bob');
    expect(ok(await cinder('bob', 'whoami')).trim()).toBe('bob');

    const id = ok(await cinder('alice', 'send', 'bob', marker, '--burn', '--view', '10s')).trim();
    expect(id).toMatch(/^\S+$/);

    // alice's device keeps her own text until the burn.
    expect(ok(await cinder('alice', 'inbox', 'bob'))).toContain(marker);

    const inbox = ok(await cinder('bob', 'inbox'));
    expect(inbox).toContain(id);
    expect(inbox).toContain(`[sealed · burns in`);
    expect(inbox).toContain(`cinder open ${id}]`);
    expect(inbox).not.toContain(marker);

    // alice listens while bob opens: her device must hear the burn, and never the content.
    const listener = start('alice', ['listen', '--json']);
    const ready = waitForOutput(listener.stderr!, (t) => t.includes('listening'));
    const heard = waitForOutput(listener.stdout!, (t) => t.includes('"burned"'));
    await ready;

    const opened = await cinder('bob', 'open', id);
    expect(ok(opened)).toBe(`${marker}\n`);

    const burnedLine = (await heard).split('\n').find((l) => l.includes('"burned"'));
    expect(JSON.parse(burnedLine ?? '{}')).toMatchObject({
      event: 'burned',
      messageId: id,
      reason: 'opened',
    });
    expect(await heard).not.toContain(marker);
    const exited = new Promise((resolve) => listener.on('exit', resolve));
    listener.kill('SIGTERM');
    expect(await exited).toBe(0);

    const again = await cinder('bob', 'open', id);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^error: already burned.*\(BURNED\)\n$/);
    expect(again.stdout).toBe('');
    expect(again.stderr).not.toContain(marker);

    const aliceAfter = ok(await cinder('alice', 'inbox', 'bob'));
    expect(aliceAfter).not.toContain(id);
    expect(aliceAfter).not.toContain(marker);
    expect(ok(await cinder('bob', 'inbox', 'alice'))).not.toContain(id);

    for (const profile of ['alice', 'bob']) {
      const file = join(home, `${profile}.json`);
      expect(await readFile(file, 'utf8')).not.toContain(marker);
      expect((await stat(file)).mode & 0o777).toBe(0o600);
    }
  });
});
