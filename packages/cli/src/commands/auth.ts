import { CinderClient, type Store } from '@cinder/sdk';
import { Command } from 'commander';
import { type CliContext, globalsOf, note, out } from '../context.ts';
import type { I18n } from '../i18n/i18n.ts';
import { localizedError } from '../i18n/localized-error.ts';
import { resolveProfile } from '../profile.ts';
import { readPassword } from '../prompt.ts';
import { deviceName, serverUrl, withProfileStore } from '../session.ts';

/** `cinder register <username>`: create an account; this profile becomes its first device. */
export function registerCommand(ctx: CliContext): Command {
  return new Command('register')
    .description(ctx.i18n.t('register.description'))
    .argument('<username>', ctx.i18n.t('register.username'))
    .action(async (username: string, _options: unknown, cmd: Command) => {
      await signIn(ctx, cmd, username, 'register');
    });
}

/** `cinder login <username>`: sign this profile in as a new device of an existing account. */
export function loginCommand(ctx: CliContext): Command {
  return new Command('login')
    .description(ctx.i18n.t('login.description'))
    .argument('<username>', ctx.i18n.t('login.username'))
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
  const { i18n } = ctx;
  const globals = globalsOf(cmd);
  const profile = resolveProfile(globals.profile, ctx.io.env, i18n);
  const url = serverUrl(globals, ctx.io.env, i18n);
  // Checked before asking for the password, and again once the profile is held.
  await withProfileStore(profile, (store) => ensureSignedOut(store, profile.name, i18n), i18n);
  const password = await readPassword(
    { env: ctx.io.env, input: ctx.io.stdin, output: ctx.io.stderr, i18n },
    mode === 'register',
  );
  await withProfileStore(
    profile,
    async (store) => {
      await ensureSignedOut(store, profile.name, i18n);
      const client = new CinderClient({ url, store, deviceName: deviceName() });
      try {
        if (mode === 'register') await client.register(username, password);
        else await client.login(username, password);
      } finally {
        await client.close();
      }
    },
    i18n,
  );
  out(ctx.io, i18n.t(mode === 'register' ? 'auth.registered' : 'auth.loggedIn', { username }));
  note(ctx.io, i18n.t('auth.profileOn', { profile: profile.name, url }));
}

// Signing in again would silently drop the saved device and its messages: make it explicit.
async function ensureSignedOut(store: Store, profileName: string, i18n: I18n): Promise<void> {
  const existing = await store.getIdentity();
  if (existing) {
    const message = i18n.t('auth.alreadySignedIn', { profile: profileName, username: existing.username });
    throw localizedError('CONFLICT', message);
  }
}
