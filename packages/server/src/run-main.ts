import { parseServerArgs, SERVER_USAGE } from './args.ts';
import { resolveConfig } from './config.ts';
import { safeError } from './safe-error.ts';
import { type CinderServer, startServer } from './server.ts';

/**
 * Run the server as a process: parse flags and environment, start, and close gracefully on
 * SIGTERM / SIGINT (exit 0). Bad flags or unsupported backends print a clear message and set
 * exit code 1. Resolves to the server, or null when it did not start.
 */
export async function runMain(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<CinderServer | null> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`Usage: cinder-server [options]\n${SERVER_USAGE}\n`);
    return null;
  }
  let server: CinderServer;
  try {
    const options = parseServerArgs(argv, env);
    resolveConfig(options); // fail fast on bad values before opening anything
    server = await startServer(options);
  } catch (error) {
    process.stderr.write(`cinder: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
    return null;
  }
  const stop = () => {
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  process.on('uncaughtException', exitOnUncaught);
  process.on('unhandledRejection', exitOnUncaught);
  return server;
}

/**
 * An error nothing caught is a bug outside every per-socket guard: the process state is unknown,
 * so it still exits (a supervisor restarts it; acknowledged writes are on disk). Only what it
 * prints changes: the class, code and stack, never the message, which may quote content
 * (node's default handler prints message and stack).
 */
function exitOnUncaught(error: unknown): void {
  const line = {
    level: 60,
    time: Date.now(),
    service: 'cinder',
    err: safeError(error),
    msg: 'uncaught error; exiting',
  };
  process.stderr.write(`${JSON.stringify(line)}\n`);
  process.exit(1);
}
