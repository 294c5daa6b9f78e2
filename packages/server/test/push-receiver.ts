import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';

// web-push-testing (CommonJS, no types): a push service that speaks the Web Push protocol
// (RFC 8030 requests, VAPID checked against the subscription's applicationServerKey) and decrypts
// each payload (RFC 8291) with the subscription's private key, keeping the plaintext.
const require = createRequire(import.meta.url);
const WebPushTestingServer = require('web-push-testing/src/server.js') as new (
  model: unknown,
  port: number,
) => { startServer(): void; _server: Server };
const { PushApiModel } = require('web-push-testing/src/PushApiModel.js') as {
  PushApiModel: new () => { notifyUrl: string };
};

/** A subscription the receiver made: what a browser's `PushSubscription.toJSON()` gives, and its handle. */
export interface ReceiverSubscription {
  endpoint: string;
  keys: { p256dh: string; auth: string };
  clientHash: string;
}

/** A local push service on a port of its own. */
export interface PushReceiver extends AsyncDisposable {
  readonly url: string;
  /** Subscribe as a browser would, for the server's VAPID public key. */
  subscribe(applicationServerKey: string): Promise<ReceiverSubscription>;
  /** The decrypted payloads received for a subscription, in order, as raw strings. */
  received(subscription: ReceiverSubscription): Promise<string[]>;
  /** Make the subscription expired: pushes to it are answered 410 Gone from now on. */
  expire(subscription: ReceiverSubscription): Promise<void>;
  close(): Promise<void>;
}

async function post(url: string, body: unknown): Promise<unknown> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${url} answered ${res.status}: ${text}`);
  return text === '' || text === 'OK' ? undefined : JSON.parse(text);
}

/**
 * Start web-push-testing in this process on 127.0.0.1's free port (its model is a module-level
 * singleton: one receiver at a time per process). Its endpoints are `http://localhost:<port>/…`,
 * so the server under test must accept `http:` endpoints (`pushInsecureEndpoints`).
 */
export async function startPushReceiver(): Promise<PushReceiver> {
  const model = new PushApiModel();
  const service = new WebPushTestingServer(model, 0);
  const log = console.log;
  console.log = () => {}; // its "Server running on port 0", logged once it listens
  let server: Server;
  try {
    service.startServer();
    server = service._server;
    if (!server.listening) await new Promise((resolve) => server.once('listening', resolve));
  } finally {
    console.log = log;
  }
  const port = (server.address() as AddressInfo).port;
  const url = `http://localhost:${port}`;
  model.notifyUrl = `${url}/notify/`;
  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return {
    url,
    async subscribe(applicationServerKey) {
      const body = (await post(`${url}/subscribe`, { userVisibleOnly: 'true', applicationServerKey })) as {
        data: ReceiverSubscription;
      };
      return body.data;
    },
    async received(subscription) {
      const body = (await post(`${url}/get-notifications`, { clientHash: subscription.clientHash })) as {
        data: { messages: string[] };
      };
      return body.data.messages;
    },
    async expire(subscription) {
      await post(`${url}/expire-subscription/${subscription.clientHash}`, {});
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
