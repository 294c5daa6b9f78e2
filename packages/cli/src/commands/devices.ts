import { Command } from 'commander';
import { type CliContext, out, outJson, sessionFor } from '../context.ts';
import { formatTime } from '../format.ts';

interface DevicesOptions {
  json?: boolean;
}

/** `cinder devices`: this account's signed-in devices; `*` marks this one. */
export function devicesCommand(ctx: CliContext): Command {
  return new Command('devices')
    .description("list this account's signed-in devices (* is this one)")
    .option('--json', 'print JSON instead of lines')
    .action(async (options: DevicesOptions, cmd: Command) => {
      await using session = await sessionFor(ctx, cmd);
      const devices = await session.client.devices();
      if (options.json) {
        outJson(ctx.io, devices);
        return;
      }
      for (const d of devices) {
        const seen = d.lastSeenAt === null ? 'never seen' : `seen ${formatTime(d.lastSeenAt)}`;
        out(ctx.io, `${d.current ? '*' : ' '} ${d.id}  ${d.name}  added ${formatTime(d.createdAt)}  ${seen}`);
      }
    });
}
