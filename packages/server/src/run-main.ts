import { parseServerArgs, SERVER_USAGE } from './args.ts';
import { resolveConfig } from './config.ts';
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
  return server;
}
