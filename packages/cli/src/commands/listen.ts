import { CinderError } from '@cinder/protocol';
import type { Burned, CinderClient, ClientState } from '@cinder/sdk';
import { Command } from 'commander';
import { type CliContext, globalsOf, note, out, outJson, sessionFor } from '../context.ts';
import { formatTime, messageLine } from '../format.ts';
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
  return new Command('listen')
    .description('print message / receipt / burned events as they arrive, until Ctrl-C')
    .option('--json', 'one JSON object per line: { event, ...payload }')
    .action(async (options: ListenOptions, cmd: Command) => {
      const json = options.json === true;
      // Known before connecting: burns in the sync backlog are purged from the file too.
      const profile = resolveProfile(globalsOf(cmd).profile, ctx.io.env);
      let purging: Promise<void> = Promise.resolve();
      const onBurned = (b: Burned): void => {
        if (json) outJson(ctx.io, { event: 'burned', ...b });
        else out(ctx.io, `burned   ${b.messageId}  ${formatTime(b.at)}  ${b.reason}`);
        purging = purging.then(() => purge(ctx, profile, b.messageId));
      };
      await using session = await sessionFor(ctx, cmd, {
        detached: true,
        beforeConnect: (client) => {
          client.on('message', (m) => {
            if (json) outJson(ctx.io, { event: 'message', ...m });
            // Own messages sent from another device of this account: not for us to open.
            else
              out(
                ctx.io,
                `message  ${messageLine({ ...m, mine: m.from === client.me?.username }, Date.now())}`,
              );
          });
          client.on('receipt', (r) => {
            if (json) outJson(ctx.io, { event: 'receipt', ...r });
            else out(ctx.io, `receipt  ${r.messageId}  ${formatTime(r.at)}  ${r.type} by ${r.by}`);
          });
          client.on('burned', onBurned);
        },
      });
      note(
        ctx.io,
        `cinder: listening as ${session.identity.username} on ${session.identity.url} (Ctrl-C to stop)`,
      );
      const ended = await untilStopped(session.client, (state) => note(ctx.io, `cinder: ${state}`));
      await purging;
      if (ended === 'unauthorized') throw new CinderError('UNAUTHORIZED', 'this device was signed out');
    });
}

/** Resolve on SIGINT / SIGTERM ('stopped'), or when the device is signed out ('unauthorized'). */
function untilStopped(
  client: CinderClient,
  report: (state: ClientState) => void,
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
    await withProfileStore(profile, async (store) => {
      if (await store.getMessage(messageId)) await store.commit({ deleteMessages: [messageId] });
    });
  } catch (error) {
    // The next command's sync applies the burn from the server's log in any case.
    note(ctx.io, `cinder: could not update the profile yet (${CinderError.from(error).code})`);
  }
}
