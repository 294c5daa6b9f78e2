import { randomBytes } from 'node:crypto';
import { ROUTES } from '@cinder/protocol';
import { keyFingerprint } from '@cinder/sdk';
import { describe, expect, it } from 'vitest';
import { passwordOf, postJson } from '../../../test/kit/index.ts';
import { ok, serverAndCli } from './cinder-process.ts';

const setup = serverAndCli();

/** `cinder verify --json` as parsed. */
interface Verified {
  username: string;
  safetyNumber: string;
  verified: boolean;
  devices: Array<{ id: string; fingerprint: string; createdAt: number }>;
  changed: boolean;
}

/** `cinder devices --json` as parsed. */
interface ListedDevice {
  id: string;
  publicKey: string | null;
  fingerprint: string | null;
  current: boolean;
}

async function verifyJson(profile: string, peer: string): Promise<Verified> {
  return JSON.parse(ok(await setup.cli.run(profile, 'verify', peer, '--json'))) as Verified;
}

async function devicesJson(profile: string): Promise<ListedDevice[]> {
  return JSON.parse(ok(await setup.cli.run(profile, 'devices', '--json'))) as ListedDevice[];
}

/** Sign in another device of `username` with the CLI, as profile `profile`. */
async function loginAs(profile: string, username: string): Promise<void> {
  ok(await setup.cli.runWith(profile, { CINDER_PASSWORD: passwordOf(username) }, 'login', username));
}

const NOTICE =
  "bob's safety number changed (a device was added or removed, or a key was replaced). " +
  'Check it with: cinder verify bob';
const SAFETY_NUMBER = /^\d{5}( \d{5}){11}$/;

// Each step spawns the command (node + tsx): allow for a busy machine.
describe('cinder verify, devices and key changes', { timeout: 300_000 }, () => {
  it('shows one safety number on both sides, which changes with a new device, and says so at the next send', async () => {
    ok(await setup.cli.run('alice', 'register', 'alice'));
    ok(await setup.cli.run('bob', 'register', 'bob'));

    // Both sides compute the same 60 digits; the text form shows them as 3 lines of 4 groups.
    const first = await verifyJson('alice', 'bob');
    expect(first.safetyNumber).toMatch(SAFETY_NUMBER);
    expect(first).toMatchObject({ username: 'bob', verified: false, changed: false });
    expect((await verifyJson('bob', 'alice')).safetyNumber).toBe(first.safetyNumber);
    const text = ok(await setup.cli.run('bob', 'verify', 'alice'));
    const shown = text.split('\n').filter((line) => /^ {4}\d{5} \d{5} \d{5} \d{5}$/.test(line));
    expect(shown).toHaveLength(3);
    expect(shown.map((line) => line.trim()).join(' ')).toBe(first.safetyNumber);
    expect(text).toContain('Not verified.');
    expect(text).toContain('alice sees the same number with: cinder verify bob\n');
    expect(text).toContain('If the numbers match: cinder verify alice --mark\n');

    // The fingerprints alice sees are the ones bob's devices list, each keyFingerprint(publicKey).
    const bobDevices = await devicesJson('bob');
    expect(bobDevices).toHaveLength(1);
    const [bob1] = bobDevices;
    expect(bob1?.publicKey).toEqual(expect.any(String));
    expect(bob1?.fingerprint).toBe(keyFingerprint(bob1?.publicKey ?? ''));
    expect(first.devices.map((d) => [d.id, d.fingerprint])).toEqual([[bob1?.id, bob1?.fingerprint]]);
    expect(ok(await setup.cli.run('bob', 'devices'))).toMatch(
      new RegExp(`^\\* ${bob1?.id} {2}.+ {2}key ${bob1?.fingerprint} {2}added `, 'm'),
    );

    // Marked verified after comparing; a burn send to unchanged keys says nothing about them.
    expect(ok(await setup.cli.run('alice', 'verify', 'bob', '--mark'))).toContain('Verified: marked now.');
    expect(await verifyJson('alice', 'bob')).toMatchObject({ verified: true, changed: false });
    const marker = randomBytes(16).toString('hex');
    const sent = await setup.cli.run('alice', 'send', 'bob', marker, '--burn');
    const before = ok(sent).trim();
    expect(sent.stderr).not.toContain('safety number changed');

    // bob signs in a second device: it cannot open what was sealed before it existed.
    await loginAs('bob2', 'bob');
    const early = await setup.cli.run('bob2', 'open', before);
    expect(early.code).toBe(1);
    expect(early.stderr).toBe(
      `error: message ${before} was sealed before this device was added: open it on a device that ` +
        'existed when it was sent (cinder devices lists them); it stays unopened there (SEALED_FOR_OTHER_DEVICES)\n',
    );
    expect(early.stdout + early.stderr).not.toContain(marker);

    // alice's next burn send tells her, and the verified mark is gone.
    const second = randomBytes(16).toString('hex');
    const changed = await setup.cli.run('alice', 'send', 'bob', second, '--burn');
    const after = ok(changed).trim();
    expect(changed.stderr).toContain(`${NOTICE}\n`);
    expect(changed.stderr).toContain("You had verified bob's keys: they are not verified any more.");

    const now = await verifyJson('alice', 'bob');
    expect(now.safetyNumber).toMatch(SAFETY_NUMBER);
    expect(now.safetyNumber).not.toBe(first.safetyNumber);
    expect(now).toMatchObject({ verified: false, changed: false });
    expect(now.devices).toHaveLength(2);
    expect((await verifyJson('bob', 'alice')).safetyNumber).toBe(now.safetyNumber);
    expect((await verifyJson('bob2', 'alice')).safetyNumber).toBe(now.safetyNumber);
    const listed = await devicesJson('bob2');
    expect(listed).toHaveLength(2);
    for (const d of listed) expect(d.fingerprint).toBe(keyFingerprint(d.publicKey ?? ''));
    expect(now.devices.map((d) => d.fingerprint).sort()).toEqual(listed.map((d) => d.fingerprint).sort());

    // The first message still opens on the device that existed; the second on the new one.
    expect(ok(await setup.cli.run('bob', 'open', before))).toBe(`${marker}\n`);
    expect(ok(await setup.cli.run('bob2', 'open', after))).toBe(`${second}\n`);
  });

  it('verify --mark refuses keys that changed since this device last saw them, after showing the new number', async () => {
    ok(await setup.cli.run('carol', 'register', 'carol'));
    ok(await setup.cli.run('dan', 'register', 'dan'));
    const seen = await verifyJson('carol', 'dan');
    await loginAs('dan2', 'dan');

    const refused = await setup.cli.run('carol', 'verify', 'dan', '--mark');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("dan's safety number changed since this device last saw it");
    expect(refused.stderr).toMatch(/error: not marked: .*cinder verify dan --mark \(CONFLICT\)\n$/);
    const shownNumber = refused.stdout
      .split('\n')
      .filter((line) => /^ {4}\d{5}/.test(line))
      .map((line) => line.trim())
      .join(' ');
    expect(shownNumber).toMatch(SAFETY_NUMBER);
    expect(shownNumber).not.toBe(seen.safetyNumber);
    expect(await verifyJson('carol', 'dan')).toMatchObject({ safetyNumber: shownNumber, verified: false });

    // Run again (the number unchanged since): marked.
    ok(await setup.cli.run('carol', 'verify', 'dan', '--mark'));
    expect(await verifyJson('carol', 'dan')).toMatchObject({ safetyNumber: shownNumber, verified: true });
    // A verify after a change does not repeat the generic notice: it explains the change itself.
    await loginAs('dan3', 'dan');
    const again = await setup.cli.run('carol', 'verify', 'dan');
    ok(again);
    expect(again.stderr).toContain("dan's safety number changed since this device last saw it");
    expect(again.stderr).toContain("You had verified dan's keys: they are not verified any more.");
    expect(again.stderr).not.toContain('Check it with');
    expect(again.stdout).toContain('Not verified.');
  });

  it('devices says "no key" for a device signed in without one, and verify leaves it out', async () => {
    ok(await setup.cli.run('erin', 'register', 'erin'));
    ok(await setup.cli.run('frank', 'register', 'frank'));
    const before = await verifyJson('frank', 'erin');
    // A client that publishes no key (one signed in before keys existed).
    const keyless = await postJson(new URL(ROUTES.login, setup.server.url).href, {
      username: 'erin',
      password: passwordOf('erin'),
    });
    expect(keyless.status).toBe(200);
    const keylessId = (keyless.body as { device: { id: string } }).device.id;

    const listed = await devicesJson('erin');
    expect(listed.find((d) => d.id === keylessId)).toMatchObject({ publicKey: null, fingerprint: null });
    expect(ok(await setup.cli.run('erin', 'devices'))).toMatch(
      new RegExp(`^ {2}${keylessId} {2}.+ {2}no key {2}added `, 'm'),
    );

    const after = await verifyJson('frank', 'erin');
    expect(after).toMatchObject({ safetyNumber: before.safetyNumber, changed: false });
    expect(after.devices.map((d) => d.id)).not.toContain(keylessId);
  });
});
