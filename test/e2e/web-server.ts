import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ServerOptions, startServer } from '@cinder/server';
import { WEB_ROOT } from './web-build.ts';

/** A real Cinder server on 127.0.0.1 port 0 serving the built web app, with its own data dir. */
export interface WebServer {
  url: string;
  close(): Promise<void>;
}

/** Start a server in this process; `close` stops it and deletes its data. */
export async function startWebServer(options: ServerOptions = {}): Promise<WebServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'cinder-e2e-'));
  const server = await startServer({
    port: 0,
    host: '127.0.0.1',
    dataDir,
    logLevel: 'silent',
    webRoot: WEB_ROOT,
    ...options,
  });
  return {
    url: server.url,
    async close() {
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
