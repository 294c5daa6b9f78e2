import type { CinderClient } from '@cinder/sdk';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useBackgroundNotifications } from '../hooks/use-background-notifications.ts';
import { useClientState } from '../hooks/use-client-state.ts';
import { useHashRoute } from '../hooks/use-hash-route.ts';
import { useLiveQuery } from '../hooks/use-live-query.ts';
import { useNow } from '../hooks/use-now.ts';
import { type BurnSettings, DEFAULT_BURN, TTL_CHOICES, VIEW_CHOICES } from '../lib/burn-options.ts';
import type { KeyNotices } from '../session/key-notices.ts';
import type { Me } from '../session/sdk-types.ts';
import type { DraftBurn, DraftBurnUpdate } from './composer.tsx';
import { connectionOf } from './connection-badge.tsx';
import { type ChatDraft, ConversationView } from './conversation-view.tsx';
import { Sidebar } from './sidebar.tsx';
import { WelcomePane } from './welcome-pane.tsx';

/** Props of {@link ChatShell}. */
export interface ChatShellProps {
  client: CinderClient;
  me: Me;
  /** Key-change notices of this client, by peer. */
  notices: KeyNotices;
  onSignOut: () => void;
  /** Delete the account; rejects with a CinderError for the form to show. */
  onDeleteAccount: (password: string) => Promise<void>;
}

/** The signed-in app: chat list beside the open conversation (one at a time on a phone). */
export function ChatShell({ client, me, notices, onSignOut, onDeleteAccount }: ChatShellProps) {
  const { t } = useTranslation();
  const { peer } = useHashRoute();
  const { state, browserOnline } = useClientState(client);
  useBackgroundNotifications(client, me);
  const connection = connectionOf(state, browserOnline);
  const { data: conversations } = useLiveQuery(client, 'conversations', () => client.conversations());
  const now = useNow(60_000);
  const drafts = useDrafts(me.deviceId);

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
        onDeleteAccount={onDeleteAccount}
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
            draft={drafts.of(peer)}
          />
        ) : (
          <WelcomePane username={me.username} />
        )}
      </main>
    </div>
  );
}

/** The sessionStorage key of one device's per-chat burn settings. */
const SETTINGS_KEY = 'cinder.burn-settings.';

/** What the shell keeps of every chat's draft while another chat is open. */
interface Drafts {
  /** `peer`'s draft, as its conversation view takes it. */
  of: (peer: string) => ChatDraft;
}

/**
 * Each chat's draft: burn on or off belongs to the message being written in that chat, and its
 * text stays while another chat is open; both live in memory only, so a reload starts every chat
 * as a normal message. The burn settings (view window, ttl) a chat last used are its default the
 * next time burn is turned on there, kept in sessionStorage for this tab and this device
 * (packages/web/README.md, "Drafts and the burn toggle").
 */
function useDrafts(deviceId: string): Drafts {
  const [state, setState] = useState<DraftState>(() => ({ on: new Set(), settings: loadSettings(deviceId) }));
  const texts = useRef(new Map<string, string>());

  useEffect(() => saveSettings(deviceId, state.settings), [deviceId, state.settings]);

  const update = useCallback((peer: string, change: DraftBurnUpdate) => {
    setState((current) => {
      const before: DraftBurn = {
        burn: current.on.has(peer),
        settings: current.settings.get(peer) ?? DEFAULT_BURN,
      };
      const after = change(before);
      const on = after.burn === before.burn ? current.on : toggled(current.on, peer, after.burn);
      const settings = sameSettings(after.settings, before.settings)
        ? current.settings
        : new Map(current.settings).set(peer, after.settings);
      return on === current.on && settings === current.settings ? current : { on, settings };
    });
  }, []);

  return useMemo(
    () => ({
      of: (peer) => ({
        burn: { burn: state.on.has(peer), settings: state.settings.get(peer) ?? DEFAULT_BURN },
        onBurnChange: (change) => update(peer, change),
        text: texts.current.get(peer) ?? '',
        onTextChange: (text) => {
          if (text === '') texts.current.delete(peer);
          else texts.current.set(peer, text);
        },
      }),
    }),
    [state, update],
  );
}

/** The chats whose draft is a burn message, and each chat's last burn settings. */
interface DraftState {
  on: ReadonlySet<string>;
  settings: ReadonlyMap<string, BurnSettings>;
}

function toggled(set: ReadonlySet<string>, peer: string, present: boolean): ReadonlySet<string> {
  const next = new Set(set);
  if (present) next.add(peer);
  else next.delete(peer);
  return next;
}

function sameSettings(a: BurnSettings, b: BurnSettings): boolean {
  return a.viewSeconds === b.viewSeconds && a.ttlSeconds === b.ttlSeconds;
}

/**
 * This device's per-chat burn settings from sessionStorage; anything unreadable is dropped, and so
 * are the settings of any other device this tab was signed in as (who it chatted with is not left
 * behind for the next account).
 */
function loadSettings(deviceId: string): ReadonlyMap<string, BurnSettings> {
  const settings = new Map<string, BurnSettings>();
  try {
    for (const key of Object.keys(sessionStorage))
      if (key.startsWith(SETTINGS_KEY) && key !== SETTINGS_KEY + deviceId) sessionStorage.removeItem(key);
    const saved: unknown = JSON.parse(sessionStorage.getItem(SETTINGS_KEY + deviceId) ?? '{}');
    if (typeof saved !== 'object' || saved === null) return settings;
    for (const [peer, value] of Object.entries(saved)) {
      const { viewSeconds, ttlSeconds } = (value ?? {}) as Partial<BurnSettings>;
      if (
        typeof viewSeconds === 'number' &&
        typeof ttlSeconds === 'number' &&
        VIEW_CHOICES.includes(viewSeconds) &&
        TTL_CHOICES.includes(ttlSeconds)
      )
        settings.set(peer, { viewSeconds, ttlSeconds });
    }
  } catch {
    // Storage off or a value from elsewhere: every chat starts from the defaults.
  }
  return settings;
}

function saveSettings(deviceId: string, settings: ReadonlyMap<string, BurnSettings>): void {
  try {
    if (settings.size === 0) sessionStorage.removeItem(SETTINGS_KEY + deviceId);
    else sessionStorage.setItem(SETTINGS_KEY + deviceId, JSON.stringify(Object.fromEntries(settings)));
  } catch {
    // Storage full or off: the settings still hold for this page.
  }
}
