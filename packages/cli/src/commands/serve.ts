import { CinderError } from '@cinder/protocol';
import type { CinderServer, ServerOptions } from '@cinder/server';
// The flag table alone: `@cinder/server/args` imports nothing heavy, so `cinder --help` and the
// client commands never load the server (SQLite, PostgreSQL, Redis, hono, ws, argon2).
import { parseServerArgs, SERVER_FLAGS } from '@cinder/server/args';
import { Command } from 'commander';
import { type CliContext, note } from '../context.ts';

/** `cinder serve`: run a server in this process until SIGINT / SIGTERM. */
export function serveCommand(ctx: CliContext): Command {
  const command = new Command('serve')
    .description('run a Cinder server (same flags and environment as npm start)')
    // Flags the CLI does not know yet still reach the server's parser, which judges them.
    .allowUnknownOption()
    .allowExcessArguments()
    .action(async (_options: Record<string, unknown>, cmd: Command) => {
      let options: ServerOptions;
      try {
        options = parseServerArgs(serverArgv(cmd), ctx.io.env);
      } catch (error) {
        cmd.error(`error: ${messageOf(error)}`);
      }
      // Loaded here, not at the top: only `cinder serve` pays for the server's dependencies.
      const { startServer } = await import('@cinder/server');
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
  // Declared only so `cinder serve --help` lists them, from the server's own flag table; the
  // server's parser reads the values (and the CINDER_* environment), so the two cannot drift.
  for (const [name, flag] of Object.entries(SERVER_FLAGS)) {
    command.option(
      `--${name} ${flag.arg}`,
      `${flag.help.replaceAll('`', '')} (env ${flag.env}, default ${flag.default})`,
    );
  }
  return command;
}

/** Rebuild the argv the server's parser expects from what commander parsed. */
function serverArgv(cmd: Command): string[] {
  const argv: string[] = [];
  for (const option of cmd.options) {
    const key = option.attributeName();
    if (cmd.getOptionValueSource(key) !== 'cli') continue;
    argv.push(option.long ?? '', String(cmd.getOptionValue(key)));
  }
  return [...argv, ...cmd.args];
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
