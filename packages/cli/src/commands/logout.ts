import { CinderError } from '@cinder/protocol';
import { CinderClient, type Identity, type Store } from '@cinder/sdk';
import { Command } from 'commander';
import { type CliContext, globalsOf, out } from '../context.ts';
import { deleteProfile, resolveProfile } from '../profile.ts';
import { withProfileStore } from '../session.ts';

interface LogoutOptions {
  force?: boolean;
}

/** `cinder logout`: sign this device out everywhere, then delete the profile. */
export function logoutCommand(ctx: CliContext): Command {
  return new Command('logout')
    .description('sign this device out everywhere and delete the profile')
    .option('--force', 'delete the profile even if it is damaged or not signed in')
    .action(async (options: LogoutOptions, cmd: Command) => {
      const profile = resolveProfile(globalsOf(cmd).profile, ctx.io.env);
      await withProfileStore(profile, async (store) => {
        const identity = await identityOf(store, options.force === true);
        if (identity) {
          try {
            // No sync needed: signing out is one HTTP request with the device's token.
            await new CinderClient({ url: identity.url, store }).signOut();
          } catch (error) {
            // The SDK has cleared the store already: the device is unusable here either way.
            await deleteProfile(profile);
            const cause = CinderError.from(error);
            throw new CinderError(
              cause.code,
              `signed out on this machine, but the server was not told (${cause.message}): ` +
                'the device stays signed in there until revoked from another device',
              { cause },
            );
          }
        }
        await deleteProfile(profile);
      });
      out(ctx.io, `logged out; profile "${profile.name}" deleted`);
    });
}

async function identityOf(store: Store, force: boolean): Promise<Identity | null> {
  let identity: Identity | null;
  try {
    identity = await store.getIdentity();
  } catch (error) {
    // A damaged store file: only --force may throw it away.
    if (force) return null;
    throw error;
  }
  if (!identity && !force) throw new CinderError('UNAUTHORIZED', 'this profile is not signed in');
  return identity;
}
