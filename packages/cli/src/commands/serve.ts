import { CinderError } from '@cinder/protocol';
import { type CinderServer, parseServerArgs, type ServerOptions, startServer } from '@cinder/server';
import { Command } from 'commander';
import { type CliContext, note } from '../context.ts';

// Declared here only so `cinder serve --help` lists them; the server's own parser reads the
// values (and the CINDER_* environment), so `cinder serve` and `npm start` cannot drift apart.
const SERVER_FLAGS: ReadonlyArray<[flags: string, description: string]> = [
  ['--port <port>', 'port to listen on (env CINDER_PORT, default 8080)'],
  ['--host <host>', 'interface to bind (env CINDER_HOST, default 127.0.0.1; 0.0.0.0 serves a network)'],
  ['--data-dir <dir>', 'SQLite data directory (env CINDER_DATA_DIR, default ./data)'],
  ['--database-url <url>', 'PostgreSQL URL instead of SQLite (env CINDER_DATABASE_URL)'],
  ['--redis-url <url>', 'Redis URL for pub/sub between nodes (env CINDER_REDIS_URL)'],
  ['--max-ttl <duration>', 'cap on a burn message unopened lifetime (default 30 days)'],
  ['--tombstone-retention <duration>', 'how long tombstones are kept (default 30 days)'],
  ['--max-frame-bytes <bytes>', 'largest inbound WebSocket frame (default 65536)'],
  ['--log-level <level>', 'fatal, error, warn, info (default), debug, trace or silent'],
  ['--log-file <path>', 'write logs to this file instead of stdout'],
  ['--web-root <dir>', 'directory of the web app to serve (default packages/web/dist)'],
  ['--cors-origin <origin>', 'allow this browser origin (default: same origin only)'],
];

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
  for (const [flags, description] of SERVER_FLAGS) command.option(flags, description);
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
