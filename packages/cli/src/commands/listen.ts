import { CinderError } from '@cinder/protocol';
import type { Burned, CinderClient, ClientState } from '@cinder/sdk';
import { Command } from 'commander';
import { type CliContext, globalsOf, note, out, outJson, sessionFor } from '../context.ts';
import { messageLine } from '../format.ts';
import { localizedError } from '../i18n/localized-error.ts';
import { type Profile, resolveProfile } from '../profile.ts';
import { withProfileStore } from '../session.ts';

interface ListenOptions {
  json?: boolean;
}

/**
 * `cinder listen`: print message, receipt and burned events as they arrive, one line each
 * (NDJSON with --json), until Ctrl-C. Sealed messages arrive without content, so none is shown.
 *
 * It runs on a memory copy of the profile so that other commands can use the profile
 * meanwhile; they catch up from the saved cursor. Burns are the exception: a burned message is
 * deleted from the profile file at once, because the sender's text must not outlive its burn.
 */
export function listenCommand(ctx: CliContext): Command {
  const { i18n } = ctx;
  const { t, formatTime } = i18n;
  return new Command('listen')
    .description(t('listen.description'))
    .option('--json', t('listen.json'))
    .action(async (options: ListenOptions, cmd: Command) => {
      const json = options.json === true;
      // Known before connecting: burns in the sync backlog are purged from the file too.
      const profile = resolveProfile(globalsOf(cmd).profile, ctx.io.env, i18n);
      let purging: Promise<void> = Promise.resolve();
      const onBurned = (b: Burned): void => {
        if (json) outJson(ctx.io, { event: 'burned', ...b });
        else {
          const reason = t(`reason.${b.reason}`);
          out(ctx.io, t('listen.burned', { id: b.messageId, time: formatTime(b.at), reason }));
        }
        purging = purging.then(() => purge(ctx, profile, b.messageId));
      };
      await using session = await sessionFor(ctx, cmd, {
        detached: true,
        beforeConnect: (client) => {
          client.on('message', (m) => {
            if (json) outJson(ctx.io, { event: 'message', ...m });
            // Own messages sent from another device of this account: not for us to open.
            else {
              const line = messageLine({ ...m, mine: m.from === client.me?.username }, Date.now(), i18n);
              out(ctx.io, t('listen.message', { line }));
            }
          });
          client.on('receipt', (r) => {
            if (json) outJson(ctx.io, { event: 'receipt', ...r });
            else {
              const type = t(`receipt.${r.type}`);
              out(ctx.io, t('listen.receipt', { id: r.messageId, time: formatTime(r.at), type, by: r.by }));
            }
          });
          client.on('burned', onBurned);
        },
      });
      const { username, url } = session.identity;
      note(ctx.io, t('listen.listening', { username, url }));
      const ended = await untilStopped(session.client, (state) => note(ctx.io, t(`listen.state.${state}`)));
      await purging;
      if (ended === 'unauthorized') throw localizedError('UNAUTHORIZED', t('listen.signedOut'));
    });
}

/** Resolve on SIGINT / SIGTERM ('stopped'), or when the device is signed out ('unauthorized'). */
function untilStopped(
  client: CinderClient,
  report: (state: Extract<ClientState, 'reconnecting' | 'connected'>) => void,
): Promise<'stopped' | 'unauthorized'> {
  return new Promise((resolve) => {
    const finish = (how: 'stopped' | 'unauthorized'): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      offState();
      resolve(how);
    };
    const stop = (): void => finish('stopped');
    const offState = client.on('state', (state) => {
      if (state === 'unauthorized') finish('unauthorized');
      else if (state === 'reconnecting' || state === 'connected') report(state);
    });
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/** Delete a burned message from the profile file now, rather than at the next command's sync. */
async function purge(ctx: CliContext, profile: Profile, messageId: string): Promise<void> {
  try {
    await withProfileStore(
      profile,
      async (store) => {
        if (await store.getMessage(messageId)) await store.commit({ deleteMessages: [messageId] });
      },
      ctx.i18n,
    );
  } catch (error) {
    // The next command's sync applies the burn from the server's log in any case.
    note(ctx.io, ctx.i18n.t('listen.purgeFailed', { code: CinderError.from(error).code }));
  }
}
