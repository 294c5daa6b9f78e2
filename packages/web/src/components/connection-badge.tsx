import { useTranslation } from 'react-i18next';
import type { ClientState } from '../session/sdk-types.ts';

/** What a person should read for each connection state. */
export type Connection = 'connected' | 'connecting' | 'reconnecting' | 'offline';

/** Folds the client state and the browser's online flag into what the UI shows. */
export function connectionOf(state: ClientState, browserOnline: boolean): Connection {
  switch (state) {
    case 'connected':
      return 'connected';
    case 'connecting':
      return browserOnline ? 'connecting' : 'offline';
    case 'reconnecting':
      return browserOnline ? 'reconnecting' : 'offline';
    case 'idle':
    case 'closed':
    case 'unauthorized':
      return 'offline';
  }
}

/** A dot and a word for the connection, announced politely to screen readers. */
export function ConnectionBadge({ connection }: { connection: Connection }) {
  const { t } = useTranslation();
  return (
    <span className={`connection connection--${connection}`} role="status" data-connection={connection}>
      <span className="connection__dot" aria-hidden="true" />
      <span className="connection__label">{t(`connection.${connection}`)}</span>
    </span>
  );
}
