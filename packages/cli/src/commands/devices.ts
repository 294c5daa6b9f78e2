import { keyFingerprint } from '@cinder/sdk';
import { Command } from 'commander';
import { type CliContext, out, outJson, sessionFor } from '../context.ts';
import { formatTime, oneLine } from '../format.ts';

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
    .description("list this account's signed-in devices (* is this one) and their key fingerprints")
    .option('--json', 'print JSON instead of lines; each device has its fingerprint (null: no key)')
    .action(async (options: DevicesOptions, cmd: Command) => {
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
        const key = d.fingerprint === null ? 'no key' : `key ${d.fingerprint}`;
        const seen = d.lastSeenAt === null ? 'never seen' : `seen ${formatTime(d.lastSeenAt)}`;
        out(
          ctx.io,
          `${d.current ? '*' : ' '} ${d.id}  ${oneLine(d.name)}  ${key}  added ${formatTime(d.createdAt)}  ${seen}`,
        );
      }
    });
}
