import type { CinderClient } from '@cinder/sdk';
import { useEffect, useState } from 'react';
import type { ClientState } from '../session/sdk-types.ts';

/** The client's connection state, and whether the browser itself reports being offline. */
export function useClientState(client: CinderClient): { state: ClientState; browserOnline: boolean } {
  const [state, setState] = useState<ClientState>(client.state);
  const [browserOnline, setBrowserOnline] = useState(navigator.onLine);
  useEffect(() => {
    const onState = (s: ClientState) => setState(s);
    client.on('state', onState);
    setState(client.state);
    return () => client.off('state', onState);
  }, [client]);
  useEffect(() => {
    const update = () => setBrowserOnline(navigator.onLine);
    window.addEventListener('online', update);
    window.addEventListener('offline', update);
    return () => {
      window.removeEventListener('online', update);
      window.removeEventListener('offline', update);
    };
  }, []);
  return { state, browserOnline };
}
