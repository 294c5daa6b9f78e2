import { describe, expect, it } from 'vitest';
import { type SwRequest, swRouteOf } from './sw-route.ts';

const ORIGIN = 'https://cinder.example';
const SHELL_FILES = new Set(['/index.html', '/assets/index-abc.js', '/manifest.webmanifest']);
const precached = (url: URL) => SHELL_FILES.has(url.pathname);

function route(path: string, mode = 'cors', method = 'GET', origin = ORIGIN): string {
  const request: SwRequest = { url: new URL(path, origin), mode, method };
  return swRouteOf(request, ORIGIN, precached);
}

describe('swRouteOf', () => {
  it('leaves the API, blobs, the WebSocket path and /healthz to the network, even as navigations', () => {
    for (const path of ['/v1', '/v1/', '/v1/devices', '/v1/blobs/abc', '/v1/ws', '/healthz', '/healthz/x']) {
      expect(route(path)).toBe('network');
      expect(route(path, 'navigate')).toBe('network');
    }
    // Even a URL that happened to be precached: /v1 is never answered from a cache.
    expect(
      swRouteOf({ url: new URL('/v1/x', ORIGIN), mode: 'cors', method: 'GET' }, ORIGIN, () => true),
    ).toBe('network');
  });

  it('answers navigations with the shell and shell files from the precache', () => {
    expect(route('/', 'navigate')).toBe('shell');
    expect(route('/chat/bob', 'navigate')).toBe('shell');
    expect(route('/v1x', 'navigate')).toBe('shell');
    expect(route('/assets/index-abc.js')).toBe('precache');
    expect(route('/manifest.webmanifest')).toBe('precache');
  });

  it('leaves everything else to the network: other files, other methods, other origins', () => {
    expect(route('/assets/index-new.js')).toBe('network');
    expect(route('/assets/index-abc.js', 'cors', 'POST')).toBe('network');
    expect(route('/', 'navigate', 'POST')).toBe('network');
    expect(route('/assets/index-abc.js', 'cors', 'GET', 'https://elsewhere.example')).toBe('network');
  });
});
