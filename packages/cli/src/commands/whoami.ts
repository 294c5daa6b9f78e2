import { Command } from 'commander';
import { type CliContext, globalsOf, out, outJson } from '../context.ts';
import { lockProfile, requireIdentity, resolveProfile } from '../profile.ts';

interface WhoamiOptions {
  json?: boolean;
}

/** `cinder whoami`: who this profile is signed in as, and where. Offline: reads the profile only. */
export function whoamiCommand(ctx: CliContext): Command {
  return new Command('whoami')
    .description(ctx.i18n.t('whoami.description'))
    .option('--json', ctx.i18n.t('whoami.json'))
    .action(async (options: WhoamiOptions, cmd: Command) => {
      const profile = resolveProfile(globalsOf(cmd).profile, ctx.io.env, ctx.i18n);
      const identity = await (async () => {
        await using _lock = await lockProfile(profile, ctx.i18n);
        // Awaited here: a promise returned as is would reject while the lock is released, with
        // no handler yet, and end the process as an unhandled rejection.
        return await requireIdentity(profile, ctx.i18n);
      })();
      if (options.json) {
        // Never the token: it is the device's secret.
        const { username, deviceId, deviceName, url } = identity;
        outJson(ctx.io, { username, deviceId, deviceName, server: url, profile: profile.name });
      } else {
        out(ctx.io, identity.username);
      }
    });
}
