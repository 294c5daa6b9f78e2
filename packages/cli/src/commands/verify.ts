import { CinderError } from '@cinder/protocol';
import type { CinderClient, KeyChange, KeyStatus } from '@cinder/sdk';
import { Command } from 'commander';
import { type CliContext, cinderCommand, globalsOf, note, out, outJson, sessionFor } from '../context.ts';
import { formatTime } from '../format.ts';
import { keyChangeNotice, safetyNumberLines } from '../safety.ts';

interface VerifyOptions {
  mark?: boolean;
  json?: boolean;
}

/**
 * `cinder verify <user>`: the safety number of the conversation with `user` (docs/crypto.md,
 * "Verification"), whether `user`'s current keys are the ones marked verified, and each of
 * `user`'s device key fingerprints. `--mark` records the keys as verified after the two users
 * compared the number; it refuses when `user`'s keys changed since this device last saw them,
 * because the number the user compared before this run is then not the one that would be marked.
 */
export function verifyCommand(ctx: CliContext): Command {
  return new Command('verify')
    .description('show the safety number of the conversation with <user>, to compare it with theirs')
    .argument('<user>', 'the other user')
    .option(
      '--mark',
      'mark the number shown as verified, once you compared it with <user>; ' +
        'refused if their keys changed since this device last saw them',
    )
    .option(
      '--json',
      'print { username, safetyNumber, verified, devices: [{ id, fingerprint, createdAt }], changed } as JSON',
    )
    .action(async (user: string, options: VerifyOptions, cmd: Command) => {
      const globals = globalsOf(cmd);
      const command = (...args: string[]): string => cinderCommand(globals, ...args);
      // This user's change is reported below, with the number; another peer's (a pending burn
      // send flushed at connect) gets the usual notice.
      let change: KeyChange | undefined;
      await using session = await sessionFor(ctx, cmd, {
        onKeyChange: (c) => {
          if (c.username === user) change = c;
          else note(ctx.io, keyChangeNotice(c, command('verify', c.username)));
        },
      });
      const { client, identity } = session;
      const status = await client.keyStatus(user);
      if (change) {
        note(
          ctx.io,
          `${user}'s safety number changed since this device last saw it ` +
            '(a device was added or removed, or a key was replaced).',
        );
        if (change.verified) note(ctx.io, `You had verified ${user}'s keys: they are not verified any more.`);
      }
      const mark = options.mark === true && !change;
      if (mark) await markVerified(client, status, command);
      if (options.json) {
        const { username, safetyNumber, verified, devices } = status;
        outJson(ctx.io, { username, safetyNumber, verified: verified || mark, devices, changed: !!change });
      } else {
        for (const line of describe(status, identity.username, mark, command)) out(ctx.io, line);
      }
      if (options.mark && change) {
        throw new CinderError(
          'CONFLICT',
          `not marked: ${user}'s safety number changed since this device last saw it. ` +
            `Compare the number above with ${user}, then run: ${command('verify', user, '--mark')}`,
        );
      }
    });
}

/**
 * Mark `status`'s number verified. The SDK refuses (`CONFLICT`) a number that is not the current
 * one: the keys changed between reading them and marking them.
 */
async function markVerified(
  client: CinderClient,
  status: KeyStatus,
  command: (...args: string[]) => string,
): Promise<void> {
  const user = status.username;
  try {
    await client.markVerified(user, status.safetyNumber);
  } catch (error) {
    if (error instanceof CinderError && error.code === 'CONFLICT') {
      throw new CinderError(
        'CONFLICT',
        `not marked: ${user}'s safety number changed while it was being marked: run ${command('verify', user)} again`,
        { cause: error },
      );
    }
    throw error;
  }
}

/** The text form: the number in 3 lines of 4 groups, the verdict, the devices, what to do next. */
function describe(
  status: KeyStatus,
  me: string,
  marked: boolean,
  command: (...args: string[]) => string,
): string[] {
  const user = status.username;
  const lines = [`Safety number of ${me} and ${user}:`, ''];
  for (const line of safetyNumberLines(status.safetyNumber)) lines.push(`    ${line}`);
  lines.push('');
  if (marked)
    lines.push(`Verified: marked now. ${command('verify', user)} says whether the keys are still these.`);
  else if (status.verified) lines.push(`Verified: ${user}'s keys are the ones you marked as verified.`);
  else lines.push('Not verified.');
  lines.push('');
  if (status.devices.length === 0) {
    lines.push(`${user} has no device with a key: burn messages to ${user} cannot be sent.`);
  } else {
    lines.push(`${user}'s device keys:`);
    for (const d of [...status.devices].sort((a, b) => a.createdAt - b.createdAt)) {
      lines.push(`  ${d.id}  key ${d.fingerprint}  added ${formatTime(d.createdAt)}`);
    }
  }
  if (!marked && !status.verified) {
    lines.push(
      '',
      `Compare the number with ${user} in person, or over a channel you trust other than Cinder (a call):`,
      `${user} sees the same number with: cinder verify ${me}`,
      `If the numbers match: ${command('verify', user, '--mark')}`,
    );
  }
  return lines;
}
