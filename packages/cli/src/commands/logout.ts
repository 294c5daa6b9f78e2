import { CinderError } from '@cinder/protocol';
import { CinderClient, type Identity, type Store } from '@cinder/sdk';
import { Command } from 'commander';
import { type CliContext, globalsOf, out } from '../context.ts';
import type { I18n } from '../i18n/i18n.ts';
import { isLocalized, localizedError } from '../i18n/localized-error.ts';
import { deleteProfile, resolveProfile } from '../profile.ts';
import { withProfileStore } from '../session.ts';

interface LogoutOptions {
  force?: boolean;
}

/** `cinder logout`: sign this device out everywhere, then delete the profile. */
export function logoutCommand(ctx: CliContext): Command {
  const { i18n } = ctx;
  return new Command('logout')
    .description(i18n.t('logout.description'))
    .option('--force', i18n.t('logout.force'))
    .action(async (options: LogoutOptions, cmd: Command) => {
      const profile = resolveProfile(globalsOf(cmd).profile, ctx.io.env, i18n);
      await withProfileStore(
        profile,
        async (store) => {
          const identity = await identityOf(store, options.force === true, i18n);
          if (identity) {
            try {
              // No sync needed: signing out is one HTTP request with the device's token.
              await new CinderClient({ url: identity.url, store }).signOut();
            } catch (error) {
              // The SDK has cleared the store already: the device is unusable here either way.
              await deleteProfile(profile);
              const cause = CinderError.from(error);
              const reason =
                isLocalized(cause) || i18n.lang === 'en' ? cause.message : i18n.t(`code.${cause.code}`);
              throw localizedError(cause.code, i18n.t('logout.serverNotTold', { reason }), { cause });
            }
          }
          await deleteProfile(profile);
        },
        i18n,
      );
      out(ctx.io, i18n.t('logout.done', { profile: profile.name }));
    });
}

async function identityOf(store: Store, force: boolean, i18n: I18n): Promise<Identity | null> {
  let identity: Identity | null;
  try {
    identity = await store.getIdentity();
  } catch (error) {
    // A damaged store file: only --force may throw it away.
    if (force) return null;
    throw error;
  }
  if (!identity && !force) throw localizedError('UNAUTHORIZED', i18n.t('logout.notSignedIn'));
  return identity;
}
