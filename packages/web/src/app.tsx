import { useSyncExternalStore } from 'react';
import { AuthScreen } from './components/auth-screen.tsx';
import { ChatShell } from './components/chat-shell.tsx';
import { ElsewhereScreen } from './components/elsewhere-screen.tsx';
import { Splash } from './components/splash.tsx';
import type { SessionController } from './session/session-controller.ts';

/** The root: splash while resuming, the sign-in screen, or the chat. */
export function App({ session }: { session: SessionController }) {
  const current = useSyncExternalStore(session.subscribe, session.getSnapshot);
  switch (current.status) {
    case 'starting':
      return <Splash />;
    case 'unreachable':
      return <Splash unreachable />;
    case 'elsewhere':
      return <ElsewhereScreen onUseHere={() => void session.start(true)} />;
    case 'signed-out':
      return <AuthScreen notice={current.notice} onSubmit={(mode, u, p) => session.signIn(mode, u, p)} />;
    case 'signed-in':
      return (
        <ChatShell
          key={current.me.deviceId}
          client={current.client}
          me={current.me}
          notices={current.notices}
          onSignOut={() => void session.signOut()}
          onDeleteAccount={(password) => session.deleteAccount(password)}
        />
      );
  }
}
