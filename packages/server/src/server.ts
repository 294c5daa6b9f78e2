import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import webPush from 'web-push';
import type { Bus } from './bus/bus.ts';
import { createBus } from './bus/create-bus.ts';
import { resolveConfig, type ServerOptions } from './config.ts';
import { Accounts } from './core/accounts.ts';
import { BurnEngine } from './core/burn-engine.ts';
import { Hub } from './core/hub.ts';
import { Metrics } from './core/metrics.ts';
import { Push } from './core/push.ts';
import { createLimiters } from './core/rate-limit.ts';
import { Sweeper } from './core/sweeper.ts';
import { TimedStorage } from './core/timed-storage.ts';
import { Uploads } from './core/uploads.ts';
import { createApp } from './http/app.ts';
import { ConnectionGuard } from './http/connection-guard.ts';
import { type MetricsServer, startMetricsServer } from './http/metrics-server.ts';
import { createLogger, safeError } from './logger.ts';
import { createStorage, describeBackends } from './storage/create-storage.ts';
import type { VapidKeys } from './storage/storage.ts';
import { TurnScheduler } from './turn.ts';
import { Gateway } from './ws/gateway.ts';

/** A running Cinder server. */
export interface CinderServer extends AsyncDisposable {
  /** Base URL, e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  /** The port it listens on (the real one when started with port 0). */
  readonly port: number;
  /**
   * The Prometheus scrape URL of its metrics listener, e.g. `http://127.0.0.1:9464/metrics`;
   * null when `metricsPort` was not set.
   */
  readonly metricsUrl: string | null;
  /**
   * Graceful stop: stop accepting, close sockets with 1001, finish the sweep, checkpoint the
   * WAL and close the database. Safe to call more than once.
   */
  close(): Promise<void>;
}

function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve(server.address() as AddressInfo);
    });
  });
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * Start a Cinder server: SQLite storage under `dataDir` (recovered and checkpointed before
 * anything is served) or PostgreSQL (`databaseUrl`), an in-process or Redis (`redisUrl`) bus,
 * the HTTP API and web app, the WebSocket gateway, the expiry sweeper and, with `metricsPort`,
 * the Prometheus listener. Resolves once it is listening; logs `{ msg: "listening", url,
 * metricsUrl }`.
 */
export async function startServer(options: ServerOptions = {}): Promise<CinderServer> {
  const config = resolveConfig(options);
  const { logger, close: closeLogger } = createLogger(config.logLevel, config.logFile);
  // One server's turn ends: the storage announces its commits, the hub and the connections
  // gather their wake-ups and writes behind them (turn.ts).
  const turn = new TurnScheduler();
  const backend = createStorage(config, logger, turn);
  let vapidKeys: VapidKeys;
  try {
    await backend.init();
  } catch (error) {
    logger.fatal({ err: safeError(error) }, 'storage failed to open');
    closeLogger();
    throw error;
  }
  try {
    // Made at the first start and kept (docs/push.md): browsers subscribed with its public half.
    vapidKeys = await backend.push.vapidKeys(() => webPush.generateVAPIDKeys());
  } catch (error) {
    logger.fatal({ err: safeError(error) }, 'push keys failed to load');
    await backend.close();
    closeLogger();
    throw error;
  }
  let bus: Bus;
  try {
    bus = await createBus(config, logger);
  } catch (error) {
    logger.fatal({ err: safeError(error) }, 'bus failed to connect');
    await backend.close();
    closeLogger();
    throw error;
  }

  const now = config.now;
  // A node alone keeps its log tails by itself; the nodes of a cluster feed each other's.
  const hub = new Hub(bus, logger, turn, config.bus === 'memory' ? null : (backend.logFeed ?? null));
  const metrics = new Metrics({ bus, devicesOnline: () => hub.size });
  const storage = new TimedStorage(backend, metrics);
  const limiters = createLimiters(config.rateLimits, now, {
    redisUrl: config.redisUrl,
    redisPrefix: config.redisPrefix,
    logger,
    maxUploadBytes: config.maxUploadBytes,
  });
  const push = new Push({
    storage,
    keys: vapidKeys,
    subject: config.vapidSubject,
    allowInsecureEndpoints: config.pushInsecureEndpoints,
    isConnected: (userId, deviceId) => hub.hasDevice(userId, deviceId),
    metrics,
    logger,
    now,
  });
  const engine = new BurnEngine({
    storage,
    hub,
    limiters,
    metrics,
    logger,
    now,
    maxTtlSeconds: config.maxTtlSeconds,
    recallWindowSeconds: config.recallWindowSeconds,
    push,
  });
  const accounts = new Accounts({ storage, hub, engine, limiters, now, logger });
  const sweeper = new Sweeper({
    engine,
    storage,
    metrics,
    logger,
    now,
    intervalMs: config.sweepIntervalMs,
    retentionSeconds: config.tombstoneRetentionSeconds,
  });
  const uploads = new Uploads({
    storage,
    now,
    maxBytes: config.maxUploadBytes,
    ttlSeconds: config.uploadTtlSeconds,
    limiter: limiters.uploadBytes,
  });
  const app = createApp({
    accounts,
    storage,
    uploads,
    push,
    bus,
    metrics,
    logger,
    webRoot: config.webRoot,
    corsOrigin: config.corsOrigin,
    trustProxy: config.trustProxy,
  });
  // A connection must send its request in time; one that sends nothing is closed as well
  // (`timeout`, idle sockets; ws turns it off on upgraded ones, which have the hello timeout).
  const requestTimeout = config.requestTimeoutMs;
  const httpServer = createAdaptorServer({
    fetch: app.fetch,
    serverOptions: {
      requestTimeout,
      headersTimeout: requestTimeout,
      connectionsCheckingInterval: Math.min(30_000, Math.max(100, Math.floor(requestTimeout / 4))),
    },
  }) as Server;
  httpServer.timeout = requestTimeout;
  const guard = new ConnectionGuard({
    maxConnections: config.maxConnections,
    // Behind reverse proxies every connection comes from one of them: they cap per client.
    maxPerAddress: config.trustProxy > 0 ? 0 : config.maxConnectionsPerAddress,
    logger,
  });
  guard.attach(httpServer);
  const gateway = new Gateway({
    accounts,
    engine,
    storage,
    hub,
    metrics,
    logger,
    now,
    maxFrameBytes: config.maxFrameBytes,
    helloTimeoutMs: config.helloTimeoutMs,
    turn,
    heartbeatMs: config.heartbeatMs,
    maxBufferedPerConnection: config.maxBufferedPerConnection,
    maxBufferedTotal: config.maxBufferedTotal,
    onWelcomed: (socket) => guard.spoke(socket),
  });
  gateway.attach(httpServer);

  let address: AddressInfo;
  let metricsServer: MetricsServer | null = null;
  try {
    // Burn what expired while the server was down before anyone can see it, and remove the
    // uploads past their deadline.
    await sweeper.runOnce();
    if (config.metricsPort !== null) {
      metricsServer = await startMetricsServer({
        metrics,
        port: config.metricsPort,
        host: config.metricsHost,
        logger,
      });
    }
    address = await listen(httpServer, config.port, config.host);
  } catch (error) {
    logger.fatal(
      {
        err: safeError(error),
        port: config.port,
        host: config.host,
        metricsPort: config.metricsPort,
        metricsHost: config.metricsHost,
      },
      'failed to start',
    );
    await metricsServer?.close();
    await gateway.close();
    await push.close();
    await bus.close();
    await limiters.close();
    await storage.close();
    closeLogger();
    throw error;
  }
  sweeper.start();
  const url = `http://${urlHost(config.host)}:${address.port}`;
  const metricsUrl = metricsServer && `http://${urlHost(config.metricsHost)}:${metricsServer.port}/metrics`;
  logger.info({ url, metricsUrl, dataDir: config.dataDir, ...describeBackends(config) }, 'listening');

  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      logger.info({}, 'shutting down');
      const httpClosed = new Promise<void>((resolve) => httpServer.close(() => resolve()));
      await gateway.close();
      await sweeper.stop();
      // After the gateway: no send can queue a push any more. Pushes under way are cut.
      await push.close();
      await hub.close();
      await bus.close();
      await limiters.close();
      // Closed late: a scrape during the shutdown still sees its counts.
      await metricsServer?.close();
      httpServer.closeIdleConnections();
      const cut = setTimeout(() => httpServer.closeAllConnections(), 2000);
      await httpClosed;
      clearTimeout(cut);
      await storage.close();
      logger.info({}, 'stopped');
      closeLogger();
    })();
    return closing;
  };

  return {
    url,
    port: address.port,
    metricsUrl,
    close,
    [Symbol.asyncDispose]: close,
  };
}
