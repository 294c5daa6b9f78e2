import { randomBytes } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ProcessOutput, type TestServer, testServer, waitFor } from '../../../test/kit/index.ts';
import { type CinderRunner, cinderRunner, ok, waitForOutput } from './cinder-process.ts';

let server: TestServer;
let cli: CinderRunner;
let home: string;

beforeAll(async () => {
  server = await testServer();
  cli = await cinderRunner(server.url);
  home = cli.home;
});

afterAll(async () => {
  await cli?.close();
  await server?.close();
});

/** Run the real binary as `profile` and collect its output. */
function cinder(profile: string, ...args: string[]): Promise<ProcessOutput> {
  return cli.run(profile, ...args);
}

/** Run the real binary as `profile` with extra environment. */
function cinderWith(profile: string, extraEnv: NodeJS.ProcessEnv, ...args: string[]): Promise<ProcessOutput> {
  return cli.runWith(profile, extraEnv, ...args);
}

// Each step spawns the command (node + tsx): allow for a busy machine.
describe('cinder, two profiles, one burn round trip', { timeout: 120_000 }, () => {
  it('sends, lists sealed, opens once, burns everywhere', async () => {
    const marker = randomBytes(16).toString('hex');
    expect(ok(await cinder('alice', 'register', 'alice'))).toContain('alice');
    expect(ok(await cinder('bob', 'register', 'bob'))).toContain('bob');
    expect(ok(await cinder('bob', 'whoami')).trim()).toBe('bob');

    const id = ok(await cinder('alice', 'send', 'bob', marker, '--burn', '--view', '10s')).trim();
    expect(id).toMatch(/^\S+$/);

    // alice's device keeps her own text until the burn.
    expect(ok(await cinder('alice', 'inbox', 'bob'))).toContain(marker);
    expect(await readFile(join(home, 'alice.json'), 'utf8')).toContain(marker);

    const inbox = ok(await cinder('bob', 'inbox'));
    expect(inbox).toContain(id);
    expect(inbox).toContain(`[sealed · burns in`);
    expect(inbox).toContain(`cinder open ${id}]`);
    expect(inbox).not.toContain(marker);

    // alice listens while bob opens: her device must hear the burn, and never the content.
    const listener = cli.start('alice', ['listen', '--json']);
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
    // listen deletes alice's own copy from her profile as it hears the burn, not at her next command.
    const aliceFile = join(home, 'alice.json');
    await waitFor(async () => !(await readFile(aliceFile, 'utf8')).includes(marker), {
      interval: 50,
      what: 'the burned text to leave alice’s profile',
    });
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

describe('cinder errors, revoke and profiles', { timeout: 120_000 }, () => {
  it('reports usage errors with exit 2 and failures as "error: … (CODE)" with exit 1, never echoing content', async () => {
    const marker = randomBytes(16).toString('hex');
    ok(await cinder('dave', 'register', 'dave'));

    const badTtl = await cinder('dave', 'send', 'dave', 'x', '--ttl', '1x');
    expect(badTtl.code).toBe(2);
    expect(badTtl.stderr).toContain('Not a duration: "1x"');

    const badExt = await cinder('dave', 'send', 'dave', marker, '--ext', `{"${marker}`);
    expect(badExt.code).toBe(2);
    expect(badExt.stderr).toContain('--ext is not valid JSON');
    expect(badExt.stderr).not.toContain(marker);

    const missing = await cinder('dave', 'open', 'm_does_not_exist');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error: .+ \(NOT_FOUND\)\n$/);

    const noProfile = await cinder('nobody', 'inbox');
    expect(noProfile.code).toBe(1);
    expect(noProfile.stderr).toMatch(/^error: profile "nobody" is not signed in.* \(UNAUTHORIZED\)\n$/);

    const unknown = await cinder('dave', 'frobnicate');
    expect(unknown.code).toBe(2);
  });

  it('lets only the sender revoke, and a revoked message cannot be opened', async () => {
    const marker = randomBytes(16).toString('hex');
    ok(await cinder('erin', 'register', 'erin'));
    ok(await cinder('frank', 'register', 'frank'));
    const id = ok(await cinder('erin', 'send', 'frank', marker, '--ttl', '1h')).trim();

    const senderOpens = await cinder('erin', 'open', id);
    expect(senderOpens.code).toBe(1);
    expect(senderOpens.stderr).toContain('(FORBIDDEN)');

    const recipientRevokes = await cinder('frank', 'revoke', id);
    expect(recipientRevokes.code).toBe(1);
    expect(recipientRevokes.stderr).toContain('(FORBIDDEN)');

    expect(ok(await cinder('erin', 'revoke', id))).toContain(id);
    const late = await cinder('frank', 'open', id);
    expect(late.code).toBe(1);
    expect(late.stderr).toContain('(BURNED)');
    expect(late.stdout + late.stderr).not.toContain(marker);
    expect(await readFile(join(home, 'erin.json'), 'utf8')).not.toContain(marker);
  });

  it('serialises concurrent commands on one profile without losing or tearing anything', async () => {
    ok(await cinder('gina', 'register', 'gina'));
    ok(await cinder('hank', 'register', 'hank'));
    const texts = ['one', 'two', 'three', 'four'].map((t) => `${t}-${randomBytes(4).toString('hex')}`);
    const results = await Promise.all(texts.map((t) => cinder('gina', 'send', 'hank', t)));
    const ids = results.map((r) => ok(r).trim());
    expect(new Set(ids).size).toBe(4);

    const listed = ok(await cinder('gina', 'inbox', 'hank', '--json'));
    const messages = JSON.parse(listed) as Array<{ id: string; text: string }>;
    expect(messages.map((m) => m.id).sort()).toEqual([...ids].sort());
    expect(messages.map((m) => m.text).sort()).toEqual([...texts].sort());
    // Still one valid store file, and no lock left behind.
    JSON.parse(await readFile(join(home, 'gina.json'), 'utf8'));
    await expect(stat(join(home, 'gina.lock'))).rejects.toThrow();
  });

  it('logout signs the device out on the server and deletes the profile', async () => {
    ok(await cinder('ivan', 'register', 'ivan'));
    const env = { CINDER_PASSWORD: 'ivan-long-password' };
    ok(await cinderWith('ivan2', env, 'login', 'ivan'));
    const before = JSON.parse(ok(await cinder('ivan', 'devices', '--json'))) as unknown[];
    expect(before).toHaveLength(2);

    expect(ok(await cinder('ivan2', 'logout'))).toContain('logged out');
    await expect(stat(join(home, 'ivan2.json'))).rejects.toThrow();
    const after = JSON.parse(ok(await cinder('ivan', 'devices', '--json'))) as Array<{ current: boolean }>;
    expect(after).toHaveLength(1);
    expect(after[0]?.current).toBe(true);

    const gone = await cinder('ivan2', 'whoami');
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain('(UNAUTHORIZED)');
  });
});
