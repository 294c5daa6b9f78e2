import type { CinderClient } from '@cinder/sdk';
import { useCallback, useEffect, useRef, useState } from 'react';
import { watchChanges } from '../session/changes.ts';

/** The latest result of a query against the client's local store, reloaded on every change. */
export interface LiveQuery<T> {
  /** Undefined until the first load finishes. */
  data: T | undefined;
  /** Reload now; resolves when the new data is in state. */
  refresh: () => Promise<void>;
}

/**
 * Runs `load` now and again whenever the client's data changes. Results that arrive out of order
 * are dropped, so the newest load always wins. `key` identifies the query (e.g. the peer).
 */
export function useLiveQuery<T>(client: CinderClient, key: string, load: () => Promise<T>): LiveQuery<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const loadRef = useRef(load);
  loadRef.current = load;
  const seq = useRef(0);

  const refresh = useCallback(async () => {
    const mine = ++seq.current;
    try {
      const value = await loadRef.current();
      if (mine === seq.current) setData(value);
    } catch {
      // The store closed under us (sign-out, page teardown): keep what is shown.
    }
  }, []);

  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` restarts the query on purpose.
  useEffect(() => {
    setData(undefined);
    void refresh();
    return watchChanges(client, () => void refresh());
  }, [client, key, refresh]);

  return { data, refresh };
}
