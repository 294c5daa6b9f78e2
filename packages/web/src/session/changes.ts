import type { CinderClient } from '@cinder/sdk';

type Listener = () => void;

const registries = new WeakMap<CinderClient, Set<Listener>>();

/**
 * Calls `listener` whenever the client's local data may have changed: on its events, and when the
 * app touches it after a local action (a send emits no event on the sending device).
 */
export function watchChanges(client: CinderClient, listener: Listener): () => void {
  let listeners = registries.get(client);
  if (!listeners) {
    listeners = new Set();
    registries.set(client, listeners);
    const notify = () => {
      for (const l of listeners ?? []) l();
    };
    client.on('message', notify);
    client.on('receipt', notify);
    client.on('burned', notify);
    client.on('recalled', notify);
    client.on('state', notify);
  }
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Tell every live query of this client to reload (after send, revoke, markRead). */
export function touch(client: CinderClient): void {
  for (const l of registries.get(client) ?? []) l();
}
