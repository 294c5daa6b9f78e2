import type { CinderClient } from '@cinder/sdk';
import { useEffect, useSyncExternalStore } from 'react';

/**
 * The display names one client has read (`client.displayName(username)`), asked once per user
 * per page session. A failed read is forgotten, so the next view of that user asks again. A
 * `keyChange` event (the client read the key directory and found other devices) reads the name
 * again too: it costs one request, only when the keys changed.
 */
class DisplayNames {
  readonly #client: CinderClient;
  readonly #names = new Map<string, string | null>();
  readonly #asked = new Set<string>();
  readonly #listeners = new Set<() => void>();

  constructor(client: CinderClient) {
    this.#client = client;
    client.on('keyChange', (change) => {
      if (!this.#asked.has(change.username)) return;
      this.#asked.delete(change.username);
      this.request(change.username);
    });
  }

  /** Calls `listener` after each change; returns the unsubscribe. */
  readonly subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  /** `username`'s display name: null when they set none, undefined while not known. */
  get(username: string): string | null | undefined {
    return this.#names.get(username);
  }

  /** Read `username`'s display name unless it was read (or is being read) already. */
  request(username: string): void {
    if (this.#asked.has(username)) return;
    this.#asked.add(username);
    this.#client.displayName(username).then(
      (name) => {
        if (this.#names.has(username) && this.#names.get(username) === name) return;
        this.#names.set(username, name);
        for (const l of this.#listeners) l();
      },
      () => this.#asked.delete(username),
    );
  }
}

const byClient = new WeakMap<CinderClient, DisplayNames>();

function displayNamesOf(client: CinderClient): DisplayNames {
  let names = byClient.get(client);
  if (!names) {
    names = new DisplayNames(client);
    byClient.set(client, names);
  }
  return names;
}

/**
 * `username`'s display name (any script, user content: render it as text, never as markup or
 * through i18n interpolation), null when they set none or while it loads; callers then show the
 * username.
 */
export function useDisplayName(client: CinderClient, username: string): string | null {
  const names = displayNamesOf(client);
  useEffect(() => names.request(username), [names, username]);
  return useSyncExternalStore(names.subscribe, () => names.get(username) ?? null);
}
