import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';

/**
 * An HTTP and WebSocket proxy on 127.0.0.1 in front of `target` that holds the requests `hold`
 * matches until `release()`: a network that stalls one request at a time, so a test can act
 * while a client waits. Everything else passes through untouched; WebSocket upgrades are piped
 * byte for byte.
 */
export interface StallProxy extends AsyncDisposable {
  readonly url: string;
  /** Every request seen, as `METHOD /path?query`, in arrival order. */
  readonly seen: string[];
  /** Resolves once a request `hold` matches is being held. */
  held(): Promise<void>;
  /** Forward the held requests (and those that come later) to the target. */
  release(): void;
  close(): Promise<void>;
}

/** Start a `StallProxy` to the server at `target` (`http://host:port`). */
export async function stallProxy(
  target: string,
  hold: (method: string, path: string) => boolean,
): Promise<StallProxy> {
  const to = new URL(target);
  const seen: string[] = [];
  let released = false;
  const waiting: Array<() => void> = [];
  const tunnels = new Set<{ destroy(): void }>();
  let onHeld = (): void => {};
  const heldOnce = new Promise<void>((resolve) => {
    onHeld = resolve;
  });
  const server = createServer((req, res) => {
    const path = req.url ?? '/';
    seen.push(`${req.method} ${path}`);
    const forward = (): void => {
      const upstream = request(
        { host: to.hostname, port: to.port, method: req.method, path, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
    };
    if (!released && hold(req.method ?? '', path)) {
      waiting.push(forward);
      onHeld();
    } else {
      forward();
    }
  });
  server.on('upgrade', (req, socket, head) => {
    const upstream = connect(Number(to.port), to.hostname, () => {
      const lines = [`${req.method} ${req.url} HTTP/1.1`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) {
        lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      }
      upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (head.length > 0) upstream.write(head);
      upstream.pipe(socket).pipe(upstream);
    });
    tunnels.add(upstream).add(socket);
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const release = (): void => {
    released = true;
    for (const forward of waiting.splice(0)) forward();
  };
  const close = async (): Promise<void> => {
    release();
    server.closeAllConnections();
    for (const tunnel of tunnels) tunnel.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    held: () => heldOnce,
    release,
    close,
    [Symbol.asyncDispose]: close,
  };
}
