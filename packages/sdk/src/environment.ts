import { IndexedDbStore } from './store/indexeddb.ts';
import { MemoryStore } from './store/memory.ts';
import type { Store } from './store/store.ts';

/**
 * The part of the WebSocket API the SDK uses: the browser's `WebSocket` and the `ws` package both
 * fit. Handlers take `never` because the SDK only assigns them (each implementation passes its
 * own event type) and reads events defensively.
 */
export interface WebSocketLike {
  readonly readyState: number;
  onopen: ((event: never) => void) | null;
  onmessage: ((event: never) => void) | null;
  onclose: ((event: never) => void) | null;
  onerror: ((event: never) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

/** A WebSocket class, e.g. `globalThis.WebSocket` or `ws`'s default export. */
export type WebSocketConstructor = new (url: string) => WebSocketLike;

function isNode(): boolean {
  return typeof globalThis.process?.versions?.node === 'string';
}

/**
 * `globalThis.WebSocket` when the runtime has one (browsers, Node 22+), else the `ws` package.
 * `ws` is imported dynamically so browser bundles never load it.
 */
export async function defaultWebSocket(): Promise<WebSocketConstructor> {
  const native = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (native) return native;
  const ws = await import('ws');
  return ws.default;
}

/** MemoryStore in Node.js, IndexedDbStore in browsers (MemoryStore where neither applies). */
export function defaultStore(): Store {
  if (!isNode() && typeof globalThis.indexedDB !== 'undefined') return new IndexedDbStore();
  return new MemoryStore();
}

// Order matters: Edge and Opera also say "Chrome", Chrome also says "Safari".
const BROWSERS: ReadonlyArray<readonly [RegExp, string]> = [
  [/Edg\//, 'Edge'],
  [/OPR\//, 'Opera'],
  [/Firefox\//, 'Firefox'],
  [/Chrome\//, 'Chrome'],
  [/Safari\//, 'Safari'],
];
const SYSTEMS: ReadonlyArray<readonly [RegExp, string]> = [
  [/Android/, 'Android'],
  [/iPhone|iPad|iPod/, 'iOS'],
  [/Windows/, 'Windows'],
  [/Mac OS X|Macintosh/, 'macOS'],
  [/CrOS/, 'ChromeOS'],
  [/Linux/, 'Linux'],
];

/** A readable label for this device: "Node.js 20.20.2 on linux", "Firefox on Linux". */
export function defaultDeviceName(): string {
  if (isNode()) return `Node.js ${globalThis.process.versions.node} on ${globalThis.process.platform}`;
  const ua = globalThis.navigator?.userAgent ?? '';
  const browser = BROWSERS.find(([re]) => re.test(ua))?.[1] ?? 'Browser';
  const system = SYSTEMS.find(([re]) => re.test(ua))?.[1];
  return system ? `${browser} on ${system}` : browser;
}

/**
 * A random idempotency key for a send. `crypto.randomUUID` exists only in secure contexts, so a
 * page served over plain http on a LAN address falls back to `getRandomValues`.
 */
export function newClientKey(): string {
  if (typeof globalThis.crypto.randomUUID === 'function') return globalThis.crypto.randomUUID();
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
