import { Username } from '@cinder/protocol';
import type { CinderClient } from '@cinder/sdk';
import { type FormEvent, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { goTo } from '../hooks/use-hash-route.ts';
import { PlusIcon } from './icons.tsx';

/**
 * Start (or jump to) a conversation by typing a username. A name the server does not know (or a
 * user who blocked me: they look alike, as a send would show) does not open a chat.
 */
export function NewChatForm({ me, client }: { me: string; client: CinderClient }) {
  const { t } = useTranslation();
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [checking, setChecking] = useState(false);
  const id = useId();

  async function submit(event: FormEvent) {
    event.preventDefault();
    const peer = name.trim().toLowerCase().replace(/^@/, '');
    if (!Username.safeParse(peer).success) {
      setError(t('newChat.badUsername'));
      return;
    }
    if (peer === me) {
      setError(t('newChat.self'));
      return;
    }
    setError(null);
    setChecking(true);
    try {
      if (!(await client.userExists(peer))) {
        setError(t('conversationActions.noUser', { name: peer }));
        return;
      }
    } catch {
      // Offline or timed out: the answer is unknown, so the chat opens and a send will tell.
    } finally {
      setChecking(false);
    }
    setName('');
    goTo(peer);
  }

  return (
    <form className="new-chat" onSubmit={(e) => void submit(e)} noValidate aria-busy={checking}>
      <label className="visually-hidden" htmlFor={id}>
        {t('newChat.label')}
      </label>
      <input
        id={id}
        className="new-chat__input"
        placeholder={t('newChat.placeholder')}
        autoCapitalize="none"
        autoCorrect="off"
        autoComplete="off"
        spellCheck={false}
        value={name}
        onChange={(e) => setName(e.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
      />
      <button
        type="submit"
        className="icon-button icon-button--filled"
        aria-label={checking ? t('conversationActions.checking') : t('newChat.submit')}
        disabled={checking}
      >
        <PlusIcon />
      </button>
      {error && (
        <p id={`${id}-error`} className="inline-error new-chat__error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
