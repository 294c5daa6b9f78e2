import type { ServerOptions } from '@cinder/server';
import { type TestServer, testServer } from '../kit/index.ts';
import { WEB_ROOT } from './web-build.ts';

/** A real Cinder server serving the built web app. */
export type WebServer = TestServer;

/** A `testServer` (127.0.0.1, port 0, temp data dir) that serves the built web app. */
export function startWebServer(options: ServerOptions = {}): Promise<WebServer> {
  return testServer({ webRoot: WEB_ROOT, ...options });
}
