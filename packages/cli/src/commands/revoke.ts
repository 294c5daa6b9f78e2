import { Command } from 'commander';
import { type CliContext, out, sessionFor } from '../context.ts';

/** `cinder revoke <id>`: the sender burns its own unopened burn message everywhere. */
export function revokeCommand(ctx: CliContext): Command {
  return new Command('revoke')
    .description(ctx.i18n.t('revoke.description'))
    .argument('<id>', ctx.i18n.t('revoke.id'))
    .action(async (id: string, _options: unknown, cmd: Command) => {
      await using session = await sessionFor(ctx, cmd);
      await session.client.revoke(id);
      out(ctx.io, ctx.i18n.t('revoke.done', { id }));
    });
}
