import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import type { Context } from 'hono';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
};

/** Shown when the web app was not built. No inline script or style: the CSP forbids them. */
const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Cinder</title></head>
<body><h1>Cinder server is running</h1>
<p>The web app is not built. Run <code>npm run build</code>, then reload.</p>
<p>The API is at <code>/v1</code>; health at <code>/healthz</code>.</p></body></html>
`;

/**
 * Vite puts content-hashed names under assets/: those never change. Every other file is
 * revalidated on each use: index.html, and above all the service worker (sw.js, its registerSW.js)
 * and manifest.webmanifest, so an installed app sees a new release on its next launch.
 */
function cacheControlOf(pathname: string): string {
  return pathname.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache';
}

async function fileAt(path: string): Promise<Buffer | null> {
  try {
    if (!(await stat(path)).isFile()) return null;
    return await readFile(path);
  } catch {
    return null;
  }
}

/**
 * Serve the built web app from `webRoot`: files by path, and `index.html` for any other GET
 * without a file extension (client-side routes). Paths never leave `webRoot`.
 */
export function webApp(webRoot: string) {
  const root = resolve(webRoot);
  return async (c: Context): Promise<Response> => {
    let pathname: string;
    try {
      pathname = decodeURIComponent(new URL(c.req.url).pathname);
    } catch {
      return c.text('Bad path', 400);
    }
    const target = normalize(join(root, pathname));
    if (target !== root && !target.startsWith(root + sep)) return c.text('Not found', 404);
    const file = pathname.endsWith('/') ? null : await fileAt(target);
    if (file) {
      const type = CONTENT_TYPES[extname(target).toLowerCase()] ?? 'application/octet-stream';
      return c.body(new Uint8Array(file), 200, {
        'Content-Type': type,
        'Cache-Control': cacheControlOf(pathname),
      });
    }
    if (extname(pathname) !== '') return c.text('Not found', 404);
    const index = await fileAt(join(root, 'index.html'));
    return c.body(index ? new Uint8Array(index) : NOT_BUILT, 200, {
      'Content-Type': 'text/html; charset=utf-8',
      'Cache-Control': 'no-cache',
    });
  };
}
