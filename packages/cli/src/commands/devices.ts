import { keyFingerprint } from '@cinder/sdk';
import { Command } from 'commander';
import { type CliContext, out, outJson, sessionFor } from '../context.ts';
import { oneLine } from '../format.ts';

interface DevicesOptions {
  json?: boolean;
}

/**
 * `cinder devices`: this account's signed-in devices; `*` marks this one. Each shows its key's
 * fingerprint, as the other user's `cinder verify` lists it, or `no key` for a device signed in
 * without one (burn messages are not sealed to it).
 */
export function devicesCommand(ctx: CliContext): Command {
  return new Command('devices')
    .description(ctx.i18n.t('devices.description'))
    .option('--json', ctx.i18n.t('devices.json'))
    .action(async (options: DevicesOptions, cmd: Command) => {
      const { t, formatTime } = ctx.i18n;
      await using session = await sessionFor(ctx, cmd);
      const devices = (await session.client.devices()).map((d) => ({
        ...d,
        fingerprint: d.publicKey === null ? null : keyFingerprint(d.publicKey),
      }));
      if (options.json) {
        outJson(ctx.io, devices);
        return;
      }
      for (const d of devices) {
        const key =
          d.fingerprint === null ? t('devices.noKey') : t('devices.key', { fingerprint: d.fingerprint });
        const seen =
          d.lastSeenAt === null
            ? t('devices.neverSeen')
            : t('devices.seen', { time: formatTime(d.lastSeenAt) });
        const mark = d.current ? '*' : ' ';
        const added = formatTime(d.createdAt);
        out(ctx.io, t('devices.line', { mark, id: d.id, name: oneLine(d.name), key, added, seen }));
      }
    });
}
