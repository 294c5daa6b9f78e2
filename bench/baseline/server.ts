/**
 * The bare baseline: the same burn cycle and the same frame shapes as Cinder, with nothing else.
 * No accounts (the `hello` token is the username), no validation (frames are `JSON.parse`d and
 * trusted), no receipts, no idempotency keys, no expiry, no rate limits, no logging, no secure
 * delete. It exists to be measured in the same run as Cinder, so that results are ratios, which
 * hold on a noisy shared machine.
 *
 * Two modes (`--mode`):
 * - `batched` (default): every frame that arrives in one event-loop tick is handled in one SQLite
 *   transaction; after the commit each socket gets its replies and one `events` frame, written
 *   with one syscall (the socket is corked for the tick). The floor of "ws + SQLite" here.
 * - `naive`: one transaction and one socket write per frame, the way a first version is written.
 *
 * Run: node --import tsx bench/baseline/server.ts --data-dir <dir> [--mode batched|naive]
 */
import { createServer } from 'node:http';
import type { Socket } from 'node:net';
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

/** Frames and events waiting to be written to one socket at the end of a batch. */
interface Outbox {
  frames: string[];
  events: StoredEvent[];
}

const dataDir = argValue('--data-dir');
if (!dataDir) failStartup(new Error('--data-dir is required'));
const mode = argValue('--mode') ?? 'batched';
if (mode !== 'batched' && mode !== 'naive') failStartup(new Error('--mode is batched or naive'));
const store = new BaselineStore(dataDir);
const online = new Map<string, Set<WebSocket>>();
const users = new WeakMap<WebSocket, string>();

/** Writes of the batch (or, in naive mode, of the one frame) in progress. */
let outboxes = new Map<WebSocket, Outbox>();

function outbox(ws: WebSocket): Outbox {
  let box = outboxes.get(ws);
  if (box === undefined) {
    box = { frames: [], events: [] };
    outboxes.set(ws, box);
  }
  return box;
}

/** Write every outbox: replies first, then the events in one frame; one syscall per socket. */
function flushOutboxes(): void {
  const boxes = outboxes;
  outboxes = new Map();
  for (const [ws, box] of boxes) {
    // ws exposes no cork; the socket underneath is where one write per tick is decided.
    const socket = (ws as unknown as { _socket: Socket })._socket;
    socket.cork();
    for (const frame of box.frames) ws.send(frame);
    if (box.events.length > 0) {
      const last = box.events[box.events.length - 1] as StoredEvent;
      ws.send(`{"type":"events","events":[${box.events.map(eventJson).join(',')}],"cursor":${last.seq}}`);
    }
    socket.uncork();
  }
}

function reply(ws: WebSocket, rid: string | undefined, result: unknown): void {
  outbox(ws).frames.push(JSON.stringify({ type: 'reply', rid, result }));
}

function fail(ws: WebSocket, rid: string | undefined, code: string): void {
  outbox(ws).frames.push(JSON.stringify({ type: 'error', rid: rid ?? null, code, message: code }));
}

/** Queue one event for every socket of its user, except the one that caused it. */
function push(event: StoredEvent, except?: WebSocket): void {
  const sockets = online.get(event.user);
  if (sockets === undefined) return;
  for (const ws of sockets) if (ws !== except) outbox(ws).events.push(event);
}

function hello(ws: WebSocket, user: string, cursor: number | null): void {
  let sockets = online.get(user);
  if (sockets === undefined) {
    sockets = new Set();
    online.set(user, sockets);
  }
  sockets.add(ws);
  users.set(ws, user);
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

/** Handle one request of an authenticated socket; must run inside a transaction. */
function handle(ws: WebSocket, user: string, frame: Frame): void {
  switch (frame.type) {
    case 'send': {
      const { view, events } = store.send(
        user,
        frame.to ?? '',
        frame.text ?? '',
        JSON.stringify(frame.ext ?? {}),
      );
      const { id, conversation, sentAt, burn, size } = view;
      reply(ws, frame.rid, { id, conversation, sentAt, burn, size });
      for (const event of events) push(event, ws);
      return;
    }
    case 'open': {
      const taken = store.take(user, Number(frame.id));
      if (!taken.ok) {
        fail(ws, frame.rid, taken.code);
        return;
      }
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
      reply(ws, frame.rid, {});
  }
}

/** Requests of the current tick (batched mode). */
let batch: Array<{ ws: WebSocket; user: string; frame: Frame }> = [];

function runBatch(): void {
  const requests = batch;
  batch = [];
  store.inTransaction(() => {
    for (const { ws, user, frame } of requests) handle(ws, user, frame);
  });
  flushOutboxes();
}

const http = createServer((req, res) => {
  res.writeHead(req.url === '/healthz' ? 200 : 404, { 'content-type': 'application/json' });
  res.end('{"ok":true,"protocol":1}');
});
// ws servers do not negotiate permessage-deflate unless asked to; said here to make it explicit.
const wss = new WebSocketServer({ server: http, path: WS_PATH, perMessageDeflate: false });

wss.on('connection', (ws) => {
  ws.on('message', (data: Buffer) => {
    const frame = JSON.parse(data.toString()) as Frame;
    const user = users.get(ws);
    if (user === undefined) {
      if (frame.type !== 'hello' || !frame.token) {
        ws.send(
          JSON.stringify({
            type: 'error',
            rid: frame.rid ?? null,
            code: 'UNAUTHORIZED',
            message: 'hello first',
          }),
        );
        return;
      }
      hello(ws, frame.token, frame.cursor ?? null);
      return;
    }
    if (mode === 'naive') {
      store.inTransaction(() => handle(ws, user, frame));
      flushOutboxes();
      return;
    }
    if (batch.length === 0) setImmediate(runBatch);
    batch.push({ ws, user, frame });
  });
  ws.on('close', () => {
    const user = users.get(ws);
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
