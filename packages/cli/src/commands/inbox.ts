import { Command, InvalidArgumentError } from 'commander';
import { type CliContext, out, outJson, sessionFor } from '../context.ts';
import { messageLine } from '../format.ts';
import type { I18n } from '../i18n/i18n.ts';

const DEFAULT_LIMIT = 50;

interface InboxOptions {
  limit?: number;
  json?: boolean;
}

/** `cinder inbox [peer]`: sync, then list every conversation's messages, or one conversation's. */
export function inboxCommand(ctx: CliContext): Command {
  const { i18n } = ctx;
  const { t } = i18n;
  return (
    new Command('inbox')
      .description(t('inbox.description'))
      .argument('[peer]', t('inbox.peer'))
      // The default is in the description rather than commander's `(default: 50)`, which is English.
      .option('-n, --limit <count>', t('inbox.limit', { count: DEFAULT_LIMIT }), (value) =>
        countArg(value, i18n),
      )
      .option('--json', t('inbox.json'))
      .action(async (peer: string | undefined, options: InboxOptions, cmd: Command) => {
        const limit = options.limit ?? DEFAULT_LIMIT;
        await using session = await sessionFor(ctx, cmd);
        const { client } = session;
        const now = Date.now();
        if (peer !== undefined) {
          const messages = (await client.messages(peer)).slice(-limit);
          if (options.json) outJson(ctx.io, messages);
          else for (const m of messages) out(ctx.io, messageLine(m, now, i18n));
          return;
        }
        const conversations = await client.conversations();
        const listed = [];
        for (const c of conversations) {
          listed.push({ ...c, messages: (await client.messages(c.peer)).slice(-limit) });
        }
        if (options.json) {
          outJson(ctx.io, listed);
          return;
        }
        if (listed.length === 0) out(ctx.io, t('inbox.none'));
        for (const c of listed) {
          const counts = [
            c.unread > 0 && t('inbox.unread', { count: c.unread }),
            c.sealed > 0 && t('inbox.sealed', { count: c.sealed }),
          ].filter(Boolean);
          out(ctx.io, [c.peer, ...counts].join(' · '));
          for (const m of c.messages) out(ctx.io, `  ${messageLine(m, now, i18n)}`);
        }
      })
  );
}

function countArg(value: string, i18n: I18n): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError(i18n.t('inbox.limitInvalid'));
  return n;
}
