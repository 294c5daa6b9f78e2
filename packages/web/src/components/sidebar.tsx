import type { ConversationSummary, Me } from '../session/sdk-types.ts';
import { Avatar } from './avatar.tsx';
import { Brand } from './brand.tsx';
import { type Connection, ConnectionBadge } from './connection-badge.tsx';
import { ConversationList } from './conversation-list.tsx';
import { LogOutIcon } from './icons.tsx';
import { NewChatForm } from './new-chat-form.tsx';

/** Props of {@link Sidebar}. */
export interface SidebarProps {
  me: Me;
  connection: Connection;
  conversations: readonly ConversationSummary[] | undefined;
  active: string | null;
  now: number;
  onSignOut: () => void;
}

/** The left column: who I am, the connection, new chat, and the chat list. */
export function Sidebar({ me, connection, conversations, active, now, onSignOut }: SidebarProps) {
  return (
    <aside className="sidebar" aria-label="Chats and account">
      <header className="sidebar__header">
        <Brand compact />
        <ConnectionBadge connection={connection} />
      </header>
      <NewChatForm me={me.username} />
      <ConversationList conversations={conversations} active={active} now={now} />
      <footer className="sidebar__footer">
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
          onClick={onSignOut}
          aria-label="Sign out"
          title="Sign out"
        >
          <LogOutIcon />
        </button>
      </footer>
    </aside>
  );
}
