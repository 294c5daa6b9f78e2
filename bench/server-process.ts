/**
 * The Cinder server under test, as its own process: `startServer` with rate limits off (a
 * saturation run is one device sending thousands of messages a second, which the defaults rightly
 * refuse), no cap on connections per address (the load generators open thousands of devices from
 * each 127.0.0.x address, where the default allows 256) and logs at `warn`. Everything else is
 * the default configuration a user gets.
 *
 * Run: node --expose-gc --conditions=@cinder/source --import tsx bench/server-process.ts --data-dir <dir>
 */
import { startServer } from '@cinder/server';
import { argValue, failStartup, serveOrchestrator } from './lib/server-child.ts';

const dataDir = argValue('--data-dir');
if (!dataDir) failStartup(new Error('--data-dir is required'));

try {
  const server = await startServer({
    port: 0,
    host: '127.0.0.1',
    dataDir,
    logLevel: 'warn',
    rateLimits: false,
    maxConnectionsPerAddress: 0,
  });
  serveOrchestrator(server.url, () => server.close());
} catch (error) {
  failStartup(error);
}
