import type { CinderServer, ServerOptions } from '@cinder/server';
import { Command } from 'commander';
import { type CliContext, note, out } from '../context.ts';
import { localizedError } from '../i18n/localized-error.ts';

/**
 * `cinder serve`: run a server in this process until SIGINT / SIGTERM. `@cinder/server` is an
 * optional peer of the CLI (a person who only sends and opens messages does not need SQLite,
 * PostgreSQL or argon2 compiled), so it is loaded here, at the first use, and nowhere else; the
 * server's own parser reads the flags, its usage text is `cinder serve --help`.
 */
export function serveCommand(ctx: CliContext): Command {
  const { t } = ctx.i18n;
  return new Command('serve')
    .description(t('serve.description'))
    .usage(t('serve.usage'))
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .action(async (_options: Record<string, unknown>, cmd: Command) => {
      const args = await loadServer(ctx, cmd, () => import('@cinder/server/args'));
      if (cmd.args.includes('--help') || cmd.args.includes('-h')) {
        // The server's own usage text: its flags and environment, in English.
        out(ctx.io, `${t('serve.usageLine')}\n\n${args.SERVER_USAGE}`);
        return;
      }
      let options: ServerOptions;
      try {
        options = args.parseServerArgs(cmd.args, ctx.io.env);
      } catch (error) {
        cmd.error(t('serve.badFlags', { reason: messageOf(error) }));
      }
      const { startServer } = await loadServer(ctx, cmd, () => import('@cinder/server'));
      let server: CinderServer;
      try {
        server = await startServer(options);
      } catch (error) {
        // Start-up errors (port taken, bad data dir) name settings, never message content.
        throw localizedError('UNAVAILABLE', t('serve.didNotStart', { reason: messageOf(error) }), {
          cause: error,
        });
      }
      note(ctx.io, t('serve.serving', { url: server.url }));
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolve();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      note(ctx.io, t('serve.shuttingDown'));
      await server.close();
    });
}

/** A module of `@cinder/server`, or a clear error when the optional peer is not installed. */
async function loadServer<T>(ctx: CliContext, cmd: Command, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if (
      (error as { code?: unknown }).code === 'ERR_MODULE_NOT_FOUND' &&
      messageOf(error).includes('@cinder/server')
    ) {
      cmd.error(ctx.i18n.t('serve.needsServer'));
    }
    throw error;
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
