/**
 * The bare baseline: the same burn cycle and the same frame shapes as Cinder, with nothing else.
 * No accounts (the `hello` token is the username), no validation (frames are `JSON.parse`d and
 * trusted), no receipts, no idempotency keys, no expiry, no rate limits, no logging, and one
 * transaction and one socket write per request. It exists to be measured in the same run as Cinder,
 * so that results are ratios, which hold on a noisy shared machine.
 *
 * Run: node --import tsx bench/baseline/server.ts --data-dir <dir>
 */
import { createServer } from 'node:http';
import { WS_PATH } from '@cinder/protocol';
import { type WebSocket, WebSocketServer } from 'ws';
import { argValue, failStartup, serveOrchestrator } from '../lib/server-child.ts';
import { BaselineStore, eventJson, type StoredEvent } from './store.ts';

/** Events per `events` frame during catch-up. */
const SYNC_CHUNK = 1000;

interface Frame {
  type: string;
  rid?: string;
  token?: string;
  cursor?: number | null;
  to?: string;
  text?: string;
  ext?: unknown;
  id?: string;
}

const dataDir = argValue('--data-dir');
if (!dataDir) failStartup(new Error('--data-dir is required'));
const store = new BaselineStore(dataDir);
const online = new Map<string, Set<WebSocket>>();

const http = createServer((req, res) => {
  res.writeHead(req.url === '/healthz' ? 200 : 404, { 'content-type': 'application/json' });
  res.end('{"ok":true,"protocol":1}');
});
// ws servers do not negotiate permessage-deflate unless asked to; said here to make it explicit.
const wss = new WebSocketServer({ server: http, path: WS_PATH, perMessageDeflate: false });

function reply(ws: WebSocket, rid: string | undefined, result: unknown): void {
  ws.send(JSON.stringify({ type: 'reply', rid, result }));
}

function fail(ws: WebSocket, rid: string | undefined, code: string): void {
  ws.send(JSON.stringify({ type: 'error', rid: rid ?? null, code, message: code }));
}

/** Push one event to every socket of its user, except the one that caused it. */
function push(event: StoredEvent, except?: WebSocket): void {
  const sockets = online.get(event.user);
  if (sockets === undefined) return;
  const frame = `{"type":"events","events":[${eventJson(event)}],"cursor":${event.seq}}`;
  for (const ws of sockets) if (ws !== except) ws.send(frame);
}

function hello(ws: WebSocket, user: string, cursor: number | null): void {
  let sockets = online.get(user);
  if (sockets === undefined) {
    sockets = new Set();
    online.set(user, sockets);
  }
  sockets.add(ws);
  ws.send(
    JSON.stringify({
      type: 'welcome',
      protocol: 1,
      user: { id: user, username: user },
      device: { id: user, name: 'baseline' },
      serverTime: Date.now(),
    }),
  );
  const head = store.head();
  if (cursor === null) {
    ws.send(JSON.stringify({ type: 'resync', messages: store.live(user), done: true, cursor: head }));
  } else {
    const events = store.eventsAfter(user, cursor);
    for (let i = 0; i < events.length; i += SYNC_CHUNK) {
      const chunk = events.slice(i, i + SYNC_CHUNK);
      const last = chunk[chunk.length - 1] as StoredEvent;
      ws.send(`{"type":"events","events":[${chunk.map(eventJson).join(',')}],"cursor":${last.seq}}`);
    }
  }
  ws.send(JSON.stringify({ type: 'synced', cursor: head }));
}

wss.on('connection', (ws) => {
  let user: string | undefined;
  ws.on('message', (data: Buffer) => {
    const frame = JSON.parse(data.toString()) as Frame;
    if (user === undefined) {
      if (frame.type !== 'hello' || !frame.token) return fail(ws, frame.rid, 'UNAUTHORIZED');
      user = frame.token;
      return hello(ws, user, frame.cursor ?? null);
    }
    switch (frame.type) {
      case 'send': {
        const to = frame.to ?? '';
        const text = frame.text ?? '';
        const { view, events } = store.send(user, to, text, JSON.stringify(frame.ext ?? {}));
        reply(ws, frame.rid, {
          id: view.id,
          conversation: view.conversation,
          sentAt: view.sentAt,
          burn: view.burn,
          size: view.size,
        });
        for (const event of events) push(event, ws);
        return;
      }
      case 'open': {
        const taken = store.take(user, Number(frame.id));
        if (!taken.ok) return fail(ws, frame.rid, taken.code);
        reply(ws, frame.rid, {
          id: frame.id,
          text: taken.text,
          ext: JSON.parse(taken.ext),
          viewSeconds: 0,
          burned: true,
        });
        for (const event of taken.events) push(event);
        return;
      }
      default:
        return reply(ws, frame.rid, {});
    }
  });
  ws.on('close', () => {
    if (user !== undefined) online.get(user)?.delete(ws);
  });
});

http.listen(0, '127.0.0.1', () => {
  const address = http.address();
  if (address === null || typeof address === 'string') failStartup(new Error('no address'));
  serveOrchestrator(`http://127.0.0.1:${address.port}`, async () => {
    for (const ws of wss.clients) ws.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
    await new Promise<void>((resolve) => http.close(() => resolve()));
    store.close();
  });
});
