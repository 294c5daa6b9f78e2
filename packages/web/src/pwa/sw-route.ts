/**
 * What the service worker does with one request. `network`: it stays out of the way and the
 * browser fetches as if no worker existed (nothing is read from or written to a cache). `shell`:
 * a page navigation, answered from the network and, when that fails, by the precached
 * `index.html`. `precache`: a file of the app shell, answered from the precache.
 */
export type SwRoute = 'network' | 'shell' | 'precache';

/**
 * Paths the worker never answers: the API (`/v1`, which carries messages, blobs and the WebSocket
 * upgrade) and the health check. Matched as a whole segment, so `/v1x` is not among them.
 */
const NETWORK_ONLY = /^\/(?:v1|healthz)(?:\/|$)/;

/** One request as the route sees it. */
export interface SwRequest {
  /** The request's URL. */
  readonly url: URL;
  /** `Request.mode`: `navigate` for a page load. */
  readonly mode: string;
  /** `Request.method`. */
  readonly method: string;
}

/**
 * The route of `request` for a worker on `origin`; `precached(url)` says whether the URL is a
 * precache entry. Only same-origin GETs are ever answered by the worker.
 */
export function swRouteOf(request: SwRequest, origin: string, precached: (url: URL) => boolean): SwRoute {
  const { url } = request;
  if (request.method !== 'GET' || url.origin !== origin || NETWORK_ONLY.test(url.pathname)) return 'network';
  if (request.mode === 'navigate') return 'shell';
  return precached(url) ? 'precache' : 'network';
}
