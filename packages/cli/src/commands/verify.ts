import { CinderError } from '@cinder/protocol';
import type { CinderClient, KeyChange, KeyStatus } from '@cinder/sdk';
import { Command } from 'commander';
import { type CliContext, cinderCommand, globalsOf, note, out, outJson, sessionFor } from '../context.ts';
import type { I18n } from '../i18n/i18n.ts';
import { localizedError } from '../i18n/localized-error.ts';
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
  const { i18n } = ctx;
  const { t } = i18n;
  return new Command('verify')
    .description(t('verify.description'))
    .argument('<user>', t('verify.user'))
    .option('--mark', t('verify.mark'))
    .option('--json', t('verify.json'))
    .action(async (user: string, options: VerifyOptions, cmd: Command) => {
      const globals = globalsOf(cmd);
      const command = (...args: string[]): string => cinderCommand(globals, ...args);
      // This user's change is reported below, with the number; another peer's (a pending burn
      // send flushed at connect) gets the usual notice.
      let change: KeyChange | undefined;
      await using session = await sessionFor(ctx, cmd, {
        onKeyChange: (c) => {
          if (c.username === user) change = c;
          else note(ctx.io, keyChangeNotice(c, command('verify', c.username), i18n));
        },
      });
      const { client, identity } = session;
      const status = await client.keyStatus(user);
      if (change) {
        note(ctx.io, t('verify.changed', { user }));
        if (change.verified) note(ctx.io, t('verify.wasVerified', { user }));
      }
      const mark = options.mark === true && !change;
      if (mark) await markVerified(client, status, command, i18n);
      if (options.json) {
        const { username, safetyNumber, verified, devices } = status;
        outJson(ctx.io, { username, safetyNumber, verified: verified || mark, devices, changed: !!change });
      } else {
        for (const line of describe(status, identity.username, mark, command, i18n)) out(ctx.io, line);
      }
      if (options.mark && change) {
        const again = command('verify', user, '--mark');
        throw localizedError('CONFLICT', t('verify.notMarkedChanged', { user, command: again }));
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
  i18n: I18n,
): Promise<void> {
  const user = status.username;
  try {
    await client.markVerified(user, status.safetyNumber);
  } catch (error) {
    if (error instanceof CinderError && error.code === 'CONFLICT') {
      const again = command('verify', user);
      throw localizedError('CONFLICT', i18n.t('verify.notMarkedRace', { user, command: again }), {
        cause: error,
      });
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
  i18n: I18n,
): string[] {
  const { t } = i18n;
  const user = status.username;
  const lines = [t('verify.title', { me, user }), ''];
  for (const line of safetyNumberLines(status.safetyNumber)) lines.push(`    ${line}`);
  lines.push('');
  if (marked) lines.push(t('verify.markedNow', { command: command('verify', user) }));
  else if (status.verified) lines.push(t('verify.verified', { user }));
  else lines.push(t('verify.notVerified'));
  lines.push('');
  if (status.devices.length === 0) {
    lines.push(t('verify.noDevices', { user }));
  } else {
    lines.push(t('verify.deviceKeys', { user }));
    for (const d of [...status.devices].sort((a, b) => a.createdAt - b.createdAt)) {
      const added = i18n.formatTime(d.createdAt);
      lines.push(t('verify.deviceLine', { id: d.id, fingerprint: d.fingerprint, added }));
    }
  }
  if (!marked && !status.verified) {
    lines.push(
      '',
      t('verify.compare', { user }),
      t('verify.theySee', { user, me }),
      t('verify.ifMatch', { command: command('verify', user, '--mark') }),
    );
  }
  return lines;
}
