import {
  AccountSettingsBody,
  ChangePasswordBody,
  CinderError,
  CredentialsBody,
  DeleteAccountBody,
  MAX_UPLOAD_PUT_BYTES,
  ProfileBody,
  PushPreferencesBody,
  PushSubscribeBody,
  ROUTES,
  UploadCreateBody,
} from '@cinder/protocol';
import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import type { Bus } from '../bus/bus.ts';
import type { Accounts, DeviceIdentity } from '../core/accounts.ts';
import { checkLive, checkReady } from '../core/health.ts';
import type { Metrics } from '../core/metrics.ts';
import type { Push } from '../core/push.ts';
import type { Uploads } from '../core/uploads.ts';
import type { Logger } from '../logger.ts';
import type { Storage } from '../storage/storage.ts';
import { clientAddress } from './client-address.ts';
import { errorResponse, onError } from './errors.ts';
import { readJson } from './json-body.ts';
import { readBytes } from './octet-body.ts';
import { noStore, securityHeaders } from './security-headers.ts';
import { webApp } from './static.ts';

/** What the HTTP API needs from the server. */
export interface AppDeps {
  accounts: Accounts;
  storage: Storage;
  /** Chunked uploads (`/v1/uploads`). */
  uploads: Uploads;
  /** Web Push subscriptions (`/v1/push/*`). */
  push: Push;
  /** Checked by `/healthz` and `/readyz`. */
  bus: Bus;
  /** Times every request and counts error answers (served on the metrics listener, not here). */
  metrics: Metrics;
  logger: Logger;
  webRoot: string;
  corsOrigin: string | null;
  /** Reverse proxies trusted to say the client's address (see `clientAddress`). */
  trustProxy: number;
}

/** Largest JSON body the API reads (credentials are far smaller). */
const MAX_BODY_BYTES = 16 * 1024;

/** An upload's id in a path: what `newId` makes (anything else is NOT_FOUND without a look-up). */
const UPLOAD_ID = /^f_[A-Za-z0-9_-]{1,62}$/;

/** The answer for every message blob that cannot be served, whatever the reason. */
const NO_MESSAGE = 'No such message';

/**
 * The byte range a `Range` header asks for, inclusive: null for none (or one this server does not
 * serve, such as several ranges: then the whole blob), 'unsatisfiable' when it starts past the end.
 */
export function byteRange(
  header: string | undefined,
  size: number,
): [number, number] | null | 'unsatisfiable' {
  const match = /^bytes=(\d{0,15})-(\d{0,15})$/.exec(header?.trim() ?? '');
  if (!match || (match[1] === '' && match[2] === '')) return null;
  if (match[1] === '') {
    const suffix = Number(match[2]);
    if (suffix === 0) return 'unsatisfiable';
    return [Math.max(0, size - suffix), size - 1];
  }
  const start = Number(match[1]);
  const end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (start >= size) return 'unsatisfiable';
  if (end < start) return null;
  return [start, end];
}

/**
 * The hono app: the `/v1` API, `/healthz`, `/readyz` and the web app, with security headers.
 * `/metrics` is not here: it has a listener of its own (`http/metrics-server.ts`).
 */
export function createApp(deps: AppDeps): Hono {
  const { accounts, storage, metrics, logger } = deps;
  const app = new Hono();

  /** An error answer, counted by code. */
  const answerError = (c: Context, error: CinderError): Response => {
    metrics.error(error.code, 'http');
    return errorResponse(c, error);
  };

  app.use('*', async (c, next) => {
    const started = performance.now();
    await next();
    const ms = performance.now() - started;
    // The route's pattern, never its path: paths and bodies are the client's and may carry anything.
    metrics.http(c.req.method, c.req.routePath, c.res.status, ms / 1000);
    logger.debug({ method: c.req.method, status: c.res.status, ms: Math.round(ms) }, 'http');
  });
  app.use('*', securityHeaders(deps.corsOrigin));
  app.use('/v1/*', noStore);
  if (deps.corsOrigin) {
    app.use(
      '/v1/*',
      cors({
        origin: deps.corsOrigin,
        allowHeaders: ['Authorization', 'Content-Type'],
        allowMethods: ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS'],
      }),
    );
  }
  // Upload bytes (`PUT /v1/uploads/:id`) have a limit of their own, checked as they stream in.
  const jsonLimit = bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: (c) => {
      // The rest of the body is still on its way and will not be read: end the connection
      // after this answer, so the client's next request does not meet a reset.
      c.header('Connection', 'close');
      return answerError(
        c,
        new CinderError('PAYLOAD_TOO_LARGE', `Bodies are limited to ${MAX_BODY_BYTES} bytes`),
      );
    },
  });
  app.use('/v1/*', (c, next) =>
    c.req.method === 'PUT' && c.req.path.startsWith(`${ROUTES.uploads}/`) ? next() : jsonLimit(c, next),
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
  app.post(ROUTES.password, async (c) => {
    const who = await authenticate(c);
    const body = await readJson(c, ChangePasswordBody);
    await accounts.changePassword(who, body, clientAddress(c, deps.trustProxy));
    return c.body(null, 204);
  });
  app.delete(ROUTES.account, async (c) => {
    const who = await authenticate(c);
    const body = await readJson(c, DeleteAccountBody);
    await accounts.deleteAccount(who, body.password, clientAddress(c, deps.trustProxy));
    return c.body(null, 204);
  });
  app.get(ROUTES.profile, async (c) => c.json(await accounts.profile(await authenticate(c))));
  app.put(ROUTES.profile, async (c) => {
    const who = await authenticate(c);
    return c.json(await accounts.setProfile(who, (await readJson(c, ProfileBody)).displayName));
  });
  app.get(ROUTES.settings, async (c) => c.json(await accounts.settings(await authenticate(c))));
  app.put(ROUTES.settings, async (c) => {
    const who = await authenticate(c);
    return c.json(await accounts.changeSettings(who, await readJson(c, AccountSettingsBody)));
  });
  app.get(ROUTES.blocks, async (c) => c.json(await accounts.listBlocked(await authenticate(c))));
  app.put(`${ROUTES.blocks}/:username`, async (c) => {
    await accounts.block(await authenticate(c), c.req.param('username') ?? '');
    return c.body(null, 204);
  });
  app.delete(`${ROUTES.blocks}/:username`, async (c) => {
    await accounts.unblock(await authenticate(c), c.req.param('username') ?? '');
    return c.body(null, 204);
  });
  // Web Push (docs/push.md). The key is public: a browser needs it before it can subscribe.
  app.get(ROUTES.pushKey, (c) => c.json({ publicKey: deps.push.publicKey }));
  app.get(ROUTES.pushSubscription, async (c) => c.json(await deps.push.status(await authenticate(c))));
  app.put(ROUTES.pushSubscription, async (c) => {
    const who = await authenticate(c);
    return c.json(await deps.push.subscribe(who, await readJson(c, PushSubscribeBody)));
  });
  app.delete(ROUTES.pushSubscription, async (c) => {
    await deps.push.unsubscribe(await authenticate(c));
    return c.body(null, 204);
  });
  app.put(ROUTES.pushPreferences, async (c) => {
    const who = await authenticate(c);
    return c.json(await deps.push.setPreviews(who, (await readJson(c, PushPreferencesBody)).previews));
  });
  const uploadId = (c: Context): string => {
    const id = c.req.param('id') ?? '';
    if (!UPLOAD_ID.test(id)) throw new CinderError('NOT_FOUND', 'No such upload');
    return id;
  };
  app.post(ROUTES.uploads, async (c) => {
    const who = await authenticate(c);
    return c.json(await deps.uploads.create(who, (await readJson(c, UploadCreateBody)).size), 201);
  });
  app.get(`${ROUTES.uploads}/:id`, async (c) =>
    c.json(await deps.uploads.status(await authenticate(c), uploadId(c))),
  );
  app.put(`${ROUTES.uploads}/:id`, async (c) => {
    const who = await authenticate(c);
    const id = uploadId(c);
    const offset = c.req.query('offset') ?? '';
    if (!/^\d{1,15}$/.test(offset))
      throw new CinderError('BAD_REQUEST', 'offset must be a whole number of bytes');
    const type = (c.req.header('content-type') ?? '').split(';')[0]?.trim().toLowerCase();
    if (type !== 'application/octet-stream') {
      throw new CinderError('BAD_REQUEST', 'Send the bytes as application/octet-stream');
    }
    const bytes = await readBytes(c, MAX_UPLOAD_PUT_BYTES);
    return c.json(await deps.uploads.append(who, id, Number(offset), bytes));
  });
  app.delete(`${ROUTES.uploads}/:id`, async (c) => {
    await deps.uploads.cancel(await authenticate(c), uploadId(c));
    return c.body(null, 204);
  });
  // A live message's blob, for its sender's and recipient's devices. A burned message, a made-up
  // id, a message of other users and one without an attachment get the same NOT_FOUND.
  app.get(ROUTES.messageBlob, async (c) => {
    const who = await authenticate(c);
    const id = c.req.param('id') ?? '';
    const blob = id.length <= 64 ? await storage.uploads.blob(id, who.userId) : null;
    if (!blob) throw new CinderError('NOT_FOUND', NO_MESSAGE);
    const range = byteRange(c.req.header('range'), blob.size);
    c.header('Accept-Ranges', 'bytes');
    if (range === 'unsatisfiable') {
      c.header('Content-Range', `bytes */${blob.size}`);
      return c.body(null, 416);
    }
    const [start, end] = range ?? [0, blob.size - 1];
    const body = await blob.open(start, end);
    c.header('Content-Type', 'application/octet-stream');
    c.header('Content-Length', String(end - start + 1));
    if (range) c.header('Content-Range', `bytes ${start}-${end}/${blob.size}`);
    return c.body(body, range ? 206 : 200);
  });
  // /healthz is SPEC.md's "200 when the server can serve", the same check as /readyz; /livez
  // answers while the process does. 503 takes the node out of a load balancer's rotation.
  for (const route of [ROUTES.health, ROUTES.ready]) {
    app.get(route, async (c) => {
      const { status, body } = await checkReady(storage, deps.bus);
      return c.json(body, status);
    });
  }
  app.get(ROUTES.live, async (c) => {
    const { status, body } = await checkLive(storage, deps.bus);
    return c.json(body, status);
  });
  // Metrics are for the operator's network only: here (the public port) there are none, and
  // the path must not fall through to the web app's client-side routes.
  app.all('/metrics', (c) => answerError(c, new CinderError('NOT_FOUND', 'No such route')));
  app.all('/v1/*', (c) => answerError(c, new CinderError('NOT_FOUND', 'No such route')));
  app.get('*', webApp(deps.webRoot));

  app.notFound((c) => answerError(c, new CinderError('NOT_FOUND', 'No such route')));
  const answerThrown = onError(logger);
  app.onError((error, c) => {
    metrics.error(CinderError.from(error).code, 'http');
    return answerThrown(error, c);
  });
  return app;
}
