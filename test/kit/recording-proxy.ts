import { Agent, createServer, request } from 'node:http';
import { connect, type Socket } from 'node:net';

/** One HTTP request as the server behind a {@link RecordingProxy} received it. */
export interface RecordedRequest {
  method: string;
  /** Path and query, e.g. `/v1/uploads/f_abc?offset=0`. */
  path: string;
  /** The body after HTTP framing (Content-Length or chunked) is undone: the bytes the server reads. */
  body: Buffer;
}

/** A reverse proxy in front of one server that keeps everything clients send it. */
export interface RecordingProxy extends AsyncDisposable {
  /** Base URL to give clients instead of the server's, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  /** Every HTTP request forwarded, in arrival order. */
  readonly requests: RecordedRequest[];
  /**
   * Every WebSocket message clients sent (text and binary, fragments joined, unmasked): the
   * payloads the server's WebSocket parser reads. Control frames (ping, pong, close) are left out.
   */
  readonly messages: Buffer[];
  /** Frames it could not read as plain RFC 6455 (a compressed or malformed frame): none expected. */
  readonly unreadable: string[];
  /** Stop listening and cut every connection. Idempotent. */
  close(): Promise<void>;
}

/**
 * Reads the client-to-server half of a WebSocket connection frame by frame (RFC 6455 §5.2):
 * unmasks each payload and joins fragments into messages. The server turns permessage-deflate off,
 * so a frame with an RSV bit set is not something it would read: it is reported, not guessed at.
 */
function frameReader(onMessage: (payload: Buffer) => void, onUnreadable: (why: string) => void) {
  let pending = Buffer.alloc(0);
  let fragments: Buffer[] = [];
  let broken = false;
  return (data: Buffer) => {
    if (broken) return;
    pending = Buffer.concat([pending, data]);
    for (;;) {
      if (pending.length < 2) return;
      const b0 = pending[0] as number;
      const b1 = pending[1] as number;
      let length = b1 & 0x7f;
      let at = 2;
      if (length === 126) {
        if (pending.length < 4) return;
        length = pending.readUInt16BE(2);
        at = 4;
      } else if (length === 127) {
        if (pending.length < 10) return;
        length = Number(pending.readBigUInt64BE(2));
        at = 10;
      }
      const masked = (b1 & 0x80) !== 0;
      const end = at + (masked ? 4 : 0) + length;
      if (pending.length < end) return;
      if ((b0 & 0x70) !== 0) {
        broken = true;
        onUnreadable(`a frame with RSV bits ${(b0 & 0x70) >> 4}`);
        return;
      }
      const payload = Buffer.from(pending.subarray(end - length, end));
      if (masked) {
        const mask = pending.subarray(at, at + 4);
        for (let i = 0; i < payload.length; i++)
          payload[i] = (payload[i] as number) ^ (mask[i % 4] as number);
      }
      pending = pending.subarray(end);
      const opcode = b0 & 0x0f;
      if (opcode >= 0x8) continue; // control frames carry no message data
      if (opcode !== 0x0) fragments = [];
      fragments.push(payload);
      if ((b0 & 0x80) !== 0) {
        onMessage(Buffer.concat(fragments));
        fragments = [];
      }
    }
  };
}

/**
 * A reverse proxy on 127.0.0.1, port 0, in front of the server at `target` (an `http://` base
 * URL), recording what reaches the server through it: each HTTP request's body as the server's
 * HTTP parser delivers it, and each WebSocket message as its WebSocket parser delivers it.
 * Requests are forwarded whole (the body is read, then sent on), responses streamed back as they
 * are. Clients given `url` reach the server only through it, so for them this is every byte of
 * content the server receives. `await using` closes it.
 */
export async function recordingProxy(target: string): Promise<RecordingProxy> {
  const upstream = new URL(target);
  const host = upstream.hostname;
  const port = Number(upstream.port || 80);
  const agent = new Agent({ keepAlive: false });
  const requests: RecordedRequest[] = [];
  const messages: Buffer[] = [];
  const unreadable: string[] = [];
  const sockets = new Set<Socket>();

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('error', () => res.destroy());
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      requests.push({ method: req.method ?? '', path: req.url ?? '', body });
      const headers = { ...req.headers };
      // The body is forwarded whole, with its length, whatever framing the client used.
      delete headers['transfer-encoding'];
      if (body.length > 0 || headers['content-length'] !== undefined)
        headers['content-length'] = String(body.length);
      const forward = request({ host, port, method: req.method, path: req.url, headers, agent }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.rawHeaders);
        answer.pipe(res);
      });
      forward.on('error', () => res.destroy());
      forward.end(body);
    });
  });

  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  server.on('upgrade', (req, client: Socket, head: Buffer) => {
    const read = frameReader(
      (payload) => messages.push(payload),
      (why) => unreadable.push(why),
    );
    const toServer = connect(port, host);
    sockets.add(toServer);
    toServer.once('close', () => sockets.delete(toServer));
    const cut = () => {
      client.destroy();
      toServer.destroy();
    };
    client.on('error', cut);
    toServer.on('error', cut);
    client.on('close', cut);
    toServer.on('close', cut);
    toServer.once('connect', () => {
      const lines = [`${req.method} ${req.url} HTTP/1.1`];
      for (let i = 0; i < req.rawHeaders.length; i += 2)
        lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      toServer.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (head.length > 0) {
        read(head);
        toServer.write(head);
      }
      client.on('data', (data: Buffer) => {
        read(data);
        toServer.write(data);
      });
      toServer.pipe(client);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the proxy has no port');

  let closing: Promise<void> | null = null;
  const close = () => {
    closing ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
      server.closeAllConnections();
      agent.destroy();
    });
    return closing;
  };
  return {
    url: `http://127.0.0.1:${address.port}`,
    requests,
    messages,
    unreadable,
    close,
    [Symbol.asyncDispose]: close,
  };
}
