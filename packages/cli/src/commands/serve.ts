import { CinderError } from '@cinder/protocol';
import type { CinderServer, ServerOptions } from '@cinder/server';
import { Command } from 'commander';
import { type CliContext, note, out } from '../context.ts';

/**
 * `cinder serve`: run a server in this process until SIGINT / SIGTERM. `@cinder/server` is an
 * optional peer of the CLI (a person who only sends and opens messages does not need SQLite,
 * PostgreSQL or argon2 compiled), so it is loaded here, at the first use, and nowhere else; the
 * server's own parser reads the flags, its usage text is `cinder serve --help`.
 */
export function serveCommand(ctx: CliContext): Command {
  return new Command('serve')
    .description('run a Cinder server (same flags and environment as npm start; needs @cinder/server)')
    .usage('[server flags]   (cinder serve --help lists them)')
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .action(async (_options: Record<string, unknown>, cmd: Command) => {
      const args = await loadServer(cmd, () => import('@cinder/server/args'));
      if (cmd.args.includes('--help') || cmd.args.includes('-h')) {
        out(ctx.io, `Usage: cinder serve [server flags]\n\n${args.SERVER_USAGE}`);
        return;
      }
      let options: ServerOptions;
      try {
        options = args.parseServerArgs(cmd.args, ctx.io.env);
      } catch (error) {
        cmd.error(`error: ${messageOf(error)}`);
      }
      const { startServer } = await loadServer(cmd, () => import('@cinder/server'));
      let server: CinderServer;
      try {
        server = await startServer(options);
      } catch (error) {
        // Start-up errors (port taken, bad data dir) name settings, never message content.
        throw new CinderError('UNAVAILABLE', `the server did not start: ${messageOf(error)}`, {
          cause: error,
        });
      }
      note(ctx.io, `cinder: serving ${server.url} (Ctrl-C to stop)`);
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolve();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      note(ctx.io, 'cinder: shutting down');
      await server.close();
    });
}

/** A module of `@cinder/server`, or a clear error when the optional peer is not installed. */
async function loadServer<T>(cmd: Command, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if (
      (error as { code?: unknown }).code === 'ERR_MODULE_NOT_FOUND' &&
      messageOf(error).includes('@cinder/server')
    ) {
      cmd.error('error: cinder serve needs the server package: npm install @cinder/server');
    }
    throw error;
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
