import { CinderError, CredentialsBody, ROUTES } from '@cinder/protocol';
import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import type { Bus } from '../bus/bus.ts';
import type { Accounts, DeviceIdentity } from '../core/accounts.ts';
import { checkHealth } from '../core/health.ts';
import type { Metrics } from '../core/metrics.ts';
import type { Logger } from '../logger.ts';
import type { Storage } from '../storage/storage.ts';
import { clientAddress } from './client-address.ts';
import { errorResponse, onError } from './errors.ts';
import { readJson } from './json-body.ts';
import { noStore, securityHeaders } from './security-headers.ts';
import { webApp } from './static.ts';

/** What the HTTP API needs from the server. */
export interface AppDeps {
  accounts: Accounts;
  storage: Storage;
  /** Checked by `/healthz` and reported by `/metrics`. */
  bus: Bus;
  metrics: Metrics;
  logger: Logger;
  now: () => number;
  webRoot: string;
  corsOrigin: string | null;
  /** Reverse proxies trusted to say the client's address (see `clientAddress`). */
  trustProxy: number;
}

/** Largest JSON body the API reads (credentials are far smaller). */
const MAX_BODY_BYTES = 16 * 1024;

/** The hono app: the `/v1` API, `/healthz`, `/metrics` and the web app, with security headers. */
export function createApp(deps: AppDeps): Hono {
  const { accounts, storage, metrics, logger, now } = deps;
  const app = new Hono();

  app.use('*', async (c, next) => {
    const started = performance.now();
    await next();
    // Method and status only: paths and bodies are the client's and may carry anything.
    logger.debug(
      { method: c.req.method, status: c.res.status, ms: Math.round(performance.now() - started) },
      'http',
    );
  });
  app.use('*', securityHeaders(deps.corsOrigin));
  app.use('/v1/*', noStore);
  if (deps.corsOrigin) {
    app.use(
      '/v1/*',
      cors({
        origin: deps.corsOrigin,
        allowHeaders: ['Authorization', 'Content-Type'],
        allowMethods: ['GET', 'POST', 'DELETE', 'OPTIONS'],
      }),
    );
  }
  app.use(
    '/v1/*',
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: (c) => {
        // The rest of the body is still on its way and will not be read: end the connection
        // after this answer, so the client's next request does not meet a reset.
        c.header('Connection', 'close');
        return errorResponse(
          c,
          new CinderError('PAYLOAD_TOO_LARGE', `Bodies are limited to ${MAX_BODY_BYTES} bytes`),
        );
      },
    }),
  );

  const authenticate = async (c: Context): Promise<DeviceIdentity> => {
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1]) throw new CinderError('UNAUTHORIZED', 'Send the device token as Authorization: Bearer');
    return accounts.authenticate(match[1]);
  };

  app.post(ROUTES.register, async (c) =>
    c.json(
      await accounts.register(await readJson(c, CredentialsBody), clientAddress(c, deps.trustProxy)),
      201,
    ),
  );
  app.post(ROUTES.login, async (c) =>
    c.json(await accounts.login(await readJson(c, CredentialsBody), clientAddress(c, deps.trustProxy)), 200),
  );
  app.get(ROUTES.devices, async (c) => c.json(await accounts.listDevices(await authenticate(c))));
  app.delete(`${ROUTES.devices}/:id`, async (c) => {
    await accounts.revokeDevice(await authenticate(c), c.req.param('id'));
    return c.body(null, 204);
  });
  app.get(ROUTES.health, async (c) => {
    // 503 takes the node out of a load balancer's rotation: see `HealthBody`.
    const { status, body } = await checkHealth(storage, deps.bus);
    return c.json(body, status);
  });
  app.get('/metrics', (c) => c.json(metrics.snapshot(now())));
  app.all('/v1/*', (c) => errorResponse(c, new CinderError('NOT_FOUND', 'No such route')));
  app.get('*', webApp(deps.webRoot));

  app.notFound((c) => errorResponse(c, new CinderError('NOT_FOUND', 'No such route')));
  app.onError(onError(logger));
  return app;
}
