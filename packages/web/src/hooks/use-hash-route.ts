import { useSyncExternalStore } from 'react';

/** The app's only route: `#/c/<peer>` opens a conversation; anything else shows the list. */
export interface Route {
  peer: string | null;
}

function subscribe(onChange: () => void): () => void {
  window.addEventListener('hashchange', onChange);
  return () => window.removeEventListener('hashchange', onChange);
}

function readPeer(): string | null {
  const match = /^#\/c\/([^/?#]+)$/.exec(window.location.hash);
  if (!match?.[1]) return null;
  try {
    return decodeURIComponent(match[1]);
  } catch {
    return null;
  }
}

/** The current route, following the location hash (so reloads and Back keep the open chat). */
export function useHashRoute(): Route {
  const peer = useSyncExternalStore(subscribe, readPeer);
  return { peer };
}

/** The href that opens the conversation with `peer`. */
export function chatHref(peer: string): string {
  return `#/c/${encodeURIComponent(peer)}`;
}

/** Navigate to a conversation, or back to the list with null. */
export function goTo(peer: string | null): void {
  window.location.hash = peer ? chatHref(peer) : '#/';
}
