import { createConnection } from 'node:net';

/**
 * Whether a Redis answers `PING` at `host:port` within `timeoutMs`: a raw socket, no client and
 * no reconnect loop, so a Redis that is down costs one refused connection.
 */
export function redisAnswersPing(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(String(data).startsWith('+PONG')));
  });
}
