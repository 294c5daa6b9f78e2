import type { CinderClient } from '@cinder/sdk';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ConversationSummary, Me } from '../session/sdk-types.ts';
import { Avatar } from './avatar.tsx';
import { Brand } from './brand.tsx';
import { type Connection, ConnectionBadge } from './connection-badge.tsx';
import { ConversationList } from './conversation-list.tsx';
import { GearIcon, LogOutIcon } from './icons.tsx';
import { NewChatForm } from './new-chat-form.tsx';
import { SettingsDialog } from './settings-dialog.tsx';

/** Props of {@link Sidebar}. */
export interface SidebarProps {
  client: CinderClient;
  me: Me;
  connection: Connection;
  conversations: readonly ConversationSummary[] | undefined;
  active: string | null;
  now: number;
  onSignOut: () => void;
  /** Delete the account; rejects with a CinderError for the form to show. */
  onDeleteAccount: (password: string) => Promise<void>;
}

/** The left column: who I am, the connection, new chat, and the chat list. */
export function Sidebar({
  client,
  me,
  connection,
  conversations,
  active,
  now,
  onSignOut,
  onDeleteAccount,
}: SidebarProps) {
  const { t } = useTranslation();
  const [confirming, setConfirming] = useState(false);
  const [settingsOpen, setSettingsOpen] = useState(false);
  return (
    <aside className="sidebar" aria-label={t('sidebar.label')}>
      <header className="sidebar__header">
        <h1 className="sidebar__title">
          <Brand compact />
        </h1>
        <ConnectionBadge connection={connection} />
      </header>
      <NewChatForm me={me.username} client={client} />
      <ConversationList client={client} conversations={conversations} active={active} now={now} />
      <footer className="sidebar__footer">
        {confirming ? (
          <div className="sign-out">
            <p className="sign-out__text">{t('sidebar.signOutQuestion')}</p>
            <div className="sign-out__actions">
              {/* Focus lands on the harmless choice, since the icon button that had it is gone. */}
              <button
                type="button"
                className="button button--small"
                ref={(el) => el?.focus()}
                onClick={() => setConfirming(false)}
              >
                {t('sidebar.cancel')}
              </button>
              <button type="button" className="button button--small button--primary" onClick={onSignOut}>
                {t('sidebar.signOut')}
              </button>
            </div>
          </div>
        ) : (
          <>
            <Avatar name={me.username} size="sm" />
            <span className="sidebar__me">
              <span className="sidebar__username" data-testid="me">
                {me.username}
              </span>
              <span className="sidebar__device">{me.deviceName}</span>
            </span>
            <button
              type="button"
              className="icon-button"
              onClick={() => setSettingsOpen(true)}
              aria-haspopup="dialog"
              aria-label={t('sidebar.settings')}
              title={t('sidebar.settings')}
            >
              <GearIcon />
            </button>
            <button
              type="button"
              className="icon-button"
              onClick={() => setConfirming(true)}
              aria-label={t('sidebar.signOutMenu')}
              title={t('sidebar.signOut')}
            >
              <LogOutIcon />
            </button>
          </>
        )}
      </footer>
      {settingsOpen && (
        <SettingsDialog
          client={client}
          me={me}
          onDeleteAccount={onDeleteAccount}
          onClose={() => setSettingsOpen(false)}
        />
      )}
    </aside>
  );
}
