import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { redisAnswersPing, waitFor } from '../../../test/kit/index.ts';

/** A free TCP port on 127.0.0.1 (free when asked; another process could take it after). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * A `redis-server` of the test's own on a free port, without persistence, that the test can kill
 * and start again on the same port: a real Redis outage for the nodes using it.
 */
export class RedisServer {
  readonly port: number;
  #process: ChildProcess | null = null;

  private constructor(port: number) {
    this.port = port;
  }

  static async start(): Promise<RedisServer> {
    const server = new RedisServer(await freePort());
    await server.restart();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Start it (again) and wait until it answers, up to a minute. */
  async restart(): Promise<void> {
    if (this.#process) throw new Error('already running');
    const child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    this.#process = child;
    const outcome = await waitFor(
      async () =>
        child.exitCode !== null
          ? 'exited'
          : (await redisAnswersPing('127.0.0.1', this.port, 2000)) && 'answers',
      { timeout: 60_000, interval: 50, what: `redis-server on port ${this.port}` },
    ).catch(() => 'silent');
    if (outcome !== 'answers') {
      await this.kill();
      throw new Error(`redis-server did not start on port ${this.port} (${outcome})`);
    }
  }

  /** SIGKILL: every connection drops at once. */
  async kill(): Promise<void> {
    const child = this.#process;
    this.#process = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
}
