import { CinderError } from '@cinder/protocol';
import { CinderClient, type Store } from '@cinder/sdk';
import { Command } from 'commander';
import { type CliContext, globalsOf, note, out } from '../context.ts';
import { resolveProfile } from '../profile.ts';
import { readPassword } from '../prompt.ts';
import { deviceName, serverUrl, withProfileStore } from '../session.ts';

/** `cinder register <username>`: create an account; this profile becomes its first device. */
export function registerCommand(ctx: CliContext): Command {
  return new Command('register')
    .description('create an account; this profile becomes its first device')
    .argument('<username>', '3–32 of a-z 0-9 _ . -, starting with a letter or digit')
    .action(async (username: string, _options: unknown, cmd: Command) => {
      await signIn(ctx, cmd, username, 'register');
    });
}

/** `cinder login <username>`: sign this profile in as a new device of an existing account. */
export function loginCommand(ctx: CliContext): Command {
  return new Command('login')
    .description('sign in to an existing account as a new device')
    .argument('<username>')
    .action(async (username: string, _options: unknown, cmd: Command) => {
      await signIn(ctx, cmd, username, 'login');
    });
}

async function signIn(
  ctx: CliContext,
  cmd: Command,
  username: string,
  mode: 'register' | 'login',
): Promise<void> {
  const globals = globalsOf(cmd);
  const profile = resolveProfile(globals.profile, ctx.io.env);
  const url = serverUrl(globals, ctx.io.env);
  // Checked before asking for the password, and again once the profile is held.
  await withProfileStore(profile, (store) => ensureSignedOut(store, profile.name));
  const password = await readPassword(
    { env: ctx.io.env, input: ctx.io.stdin, output: ctx.io.stderr },
    mode === 'register',
  );
  await withProfileStore(profile, async (store) => {
    await ensureSignedOut(store, profile.name);
    const client = new CinderClient({ url, store, deviceName: deviceName() });
    try {
      if (mode === 'register') await client.register(username, password);
      else await client.login(username, password);
    } finally {
      await client.close();
    }
  });
  out(ctx.io, `${mode === 'register' ? 'registered' : 'logged in'} as ${username}`);
  note(ctx.io, `profile "${profile.name}" on ${url}`);
}

// Signing in again would silently drop the saved device and its messages: make it explicit.
async function ensureSignedOut(store: Store, profileName: string): Promise<void> {
  const existing = await store.getIdentity();
  if (existing) {
    throw new CinderError(
      'CONFLICT',
      `profile "${profileName}" is already signed in as ${existing.username}: ` +
        'run cinder logout first, or use another --profile',
    );
  }
}
