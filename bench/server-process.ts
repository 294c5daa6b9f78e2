/**
 * The Cinder server under test, as its own process: `startServer` with rate limits off (a
 * saturation run is one device sending thousands of messages a second, which the defaults rightly
 * refuse), no cap on connections per address (the load generators open thousands of devices from
 * each 127.0.0.x address, where the default allows 256) and logs at `warn`; with `--metrics`, the
 * metrics listener on a free port (the cluster scenario reads `cinder_postgres_queries_total`
 * there; off otherwise, since it samples the event loop and GC). Everything else is the default
 * configuration a user gets.
 *
 * Run: node --expose-gc --conditions=@cinder/source --import tsx bench/server-process.ts --data-dir <dir>
 *   [--database-url <url> --database-schema <schema>] [--redis-url <url> --redis-prefix <prefix>]
 *   [--bus memory|redis|postgres] [--metrics]
 */
import { type ServerOptions, startServer } from '@cinder/server';
import { argValue, failStartup, serveOrchestrator } from './lib/server-child.ts';

const dataDir = argValue('--data-dir');
if (!dataDir) failStartup(new Error('--data-dir is required'));

/** The cluster's options, only those given (an absent one keeps the server's default). */
function clusterOptions(): Partial<ServerOptions> {
  const options: Partial<ServerOptions> = {};
  const databaseUrl = argValue('--database-url');
  const databaseSchema = argValue('--database-schema');
  const redisUrl = argValue('--redis-url');
  const redisPrefix = argValue('--redis-prefix');
  const bus = argValue('--bus');
  if (databaseUrl !== undefined) options.databaseUrl = databaseUrl;
  if (databaseSchema !== undefined) options.databaseSchema = databaseSchema;
  if (redisUrl !== undefined) options.redisUrl = redisUrl;
  if (redisPrefix !== undefined) options.redisPrefix = redisPrefix;
  if (bus !== undefined) options.bus = bus as NonNullable<ServerOptions['bus']>;
  if (process.argv.includes('--metrics')) options.metricsPort = 0;
  return options;
}

try {
  const server = await startServer({
    port: 0,
    host: '127.0.0.1',
    dataDir,
    logLevel: 'warn',
    rateLimits: false,
    maxConnectionsPerAddress: 0,
    ...clusterOptions(),
  });
  serveOrchestrator(server.url, () => server.close(), server.metricsUrl);
} catch (error) {
  failStartup(error);
}
