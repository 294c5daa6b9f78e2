import { FlameIcon, LockIcon, UndoIcon } from './icons.tsx';

/** The main pane when no chat is open (wide screens only). */
export function WelcomePane({ username }: { username: string }) {
  return (
    <section className="welcome" aria-label="Welcome">
      <div className="welcome__ember" aria-hidden="true">
        <FlameIcon />
      </div>
      <h2>Hi {username}.</h2>
      <p className="welcome__lead">Pick a chat, or start one with a username on the left.</p>
      <ul className="welcome__tips">
        <li>
          <FlameIcon />
          Flip the flame in the composer to send a burn message.
        </li>
        <li>
          <LockIcon />
          It arrives sealed and end-to-end encrypted; it opens only when your friend taps it, once.
        </li>
        <li>
          <UndoIcon />
          Changed your mind? Revoke it before it is opened.
        </li>
      </ul>
    </section>
  );
}
