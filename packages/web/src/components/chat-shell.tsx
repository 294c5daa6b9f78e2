import type { CinderClient } from '@cinder/sdk';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useClientState } from '../hooks/use-client-state.ts';
import { useHashRoute } from '../hooks/use-hash-route.ts';
import { useLiveQuery } from '../hooks/use-live-query.ts';
import { useNow } from '../hooks/use-now.ts';
import { DEFAULT_BURN } from '../lib/burn-options.ts';
import type { KeyNotices } from '../session/key-notices.ts';
import type { Me } from '../session/sdk-types.ts';
import type { ComposerPrefs } from './composer.tsx';
import { connectionOf } from './connection-badge.tsx';
import { ConversationView } from './conversation-view.tsx';
import { Sidebar } from './sidebar.tsx';
import { WelcomePane } from './welcome-pane.tsx';

/** Props of {@link ChatShell}. */
export interface ChatShellProps {
  client: CinderClient;
  me: Me;
  /** Key-change notices of this client, by peer. */
  notices: KeyNotices;
  onSignOut: () => void;
}

/** The signed-in app: chat list beside the open conversation (one at a time on a phone). */
export function ChatShell({ client, me, notices, onSignOut }: ChatShellProps) {
  const { t } = useTranslation();
  const { peer } = useHashRoute();
  const { state, browserOnline } = useClientState(client);
  const connection = connectionOf(state, browserOnline);
  const { data: conversations } = useLiveQuery(client, 'conversations', () => client.conversations());
  const now = useNow(60_000);
  const [prefs, setPrefs] = useState<ComposerPrefs>({ burn: false, settings: DEFAULT_BURN });

  const unread = (conversations ?? []).reduce((sum, c) => sum + c.unread + c.sealed, 0);
  useEffect(() => {
    document.title = unread > 0 ? t('app.titleUnread', { count: unread }) : t('app.title');
  }, [unread, t]);

  return (
    <div className="shell" data-view={peer ? 'conversation' : 'list'}>
      <Sidebar
        client={client}
        me={me}
        connection={connection}
        conversations={conversations}
        active={peer}
        now={now}
        onSignOut={onSignOut}
      />
      <main className="main">
        {peer ? (
          <ConversationView
            key={peer}
            client={client}
            me={me}
            notices={notices}
            peer={peer}
            connection={connection}
            prefs={prefs}
            onPrefsChange={setPrefs}
          />
        ) : (
          <WelcomePane username={me.username} />
        )}
      </main>
    </div>
  );
}
