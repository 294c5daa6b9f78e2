import { Command, InvalidArgumentError } from 'commander';
import { type CliContext, out, outJson, sessionFor } from '../context.ts';
import { messageLine } from '../format.ts';

interface InboxOptions {
  limit: number;
  json?: boolean;
}

/** `cinder inbox [peer]`: sync, then list every conversation's messages, or one conversation's. */
export function inboxCommand(ctx: CliContext): Command {
  return new Command('inbox')
    .description('sync, then list messages: all conversations, or the one with <peer>')
    .argument('[peer]', 'only the conversation with this user')
    .option('-n, --limit <count>', 'show at most the last <count> messages per conversation', countArg, 50)
    .option('--json', 'print JSON instead of lines')
    .action(async (peer: string | undefined, options: InboxOptions, cmd: Command) => {
      await using session = await sessionFor(ctx, cmd);
      const { client } = session;
      const now = Date.now();
      if (peer !== undefined) {
        const messages = (await client.messages(peer)).slice(-options.limit);
        if (options.json) outJson(ctx.io, messages);
        else for (const m of messages) out(ctx.io, messageLine(m, now));
        return;
      }
      const conversations = await client.conversations();
      const listed = [];
      for (const c of conversations) {
        listed.push({ ...c, messages: (await client.messages(c.peer)).slice(-options.limit) });
      }
      if (options.json) {
        outJson(ctx.io, listed);
        return;
      }
      if (listed.length === 0) out(ctx.io, 'no messages');
      for (const c of listed) {
        const counts = [c.unread > 0 && `${c.unread} unread`, c.sealed > 0 && `${c.sealed} sealed`].filter(
          Boolean,
        );
        out(ctx.io, [c.peer, ...counts].join(' · '));
        for (const m of c.messages) out(ctx.io, `  ${messageLine(m, now)}`);
      }
    });
}

function countArg(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive whole number');
  return n;
}
