import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Metrics } from '../core/metrics.ts';
import { type Logger, safeError } from '../logger.ts';

/** The Prometheus listener of a server: `GET /metrics`, and nothing else. */
export interface MetricsServer {
  /** The port it listens on (the real one when started with port 0). */
  readonly port: number;
  /** Stop listening and close its connections. Safe to call more than once. */
  close(): Promise<void>;
}

/** Scrapes are small and local: a slow or silent client is dropped after this long. */
const SCRAPE_TIMEOUT_MS = 10_000;

/**
 * Listen on `host`:`port` (0 picks a free port) for Prometheus: `GET /metrics` answers the
 * exposition of `metrics` (this server and its process); any other path is 404 and any other
 * method 405. It is apart from the public port so that the metrics stay on the operator's
 * network, as Prometheus exporters do; it binds 127.0.0.1 unless told otherwise.
 */
export async function startMetricsServer(options: {
  metrics: Metrics;
  port: number;
  host: string;
  logger: Logger;
}): Promise<MetricsServer> {
  const { metrics, logger } = options;
  metrics.sampleProcess();
  const server: Server = createServer({ requestTimeout: SCRAPE_TIMEOUT_MS }, (req, res) => {
    const path = (req.url ?? '').split('?', 1)[0];
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found: scrape /metrics\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end();
      return;
    }
    metrics.exposition().then(
      (text) => {
        res.writeHead(200, { 'content-type': metrics.contentType, 'cache-control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : text);
      },
      (error: unknown) => {
        logger.error({ err: safeError(error) }, 'metrics scrape failed');
        res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('Scrape failed\n');
      },
    );
  });
  server.timeout = SCRAPE_TIMEOUT_MS;
  const address = await new Promise<AddressInfo>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
  let closing: Promise<void> | null = null;
  return {
    port: address.port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
