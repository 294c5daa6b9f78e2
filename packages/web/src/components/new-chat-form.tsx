import { Username } from '@cinder/protocol';
import { type FormEvent, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { goTo } from '../hooks/use-hash-route.ts';
import { PlusIcon } from './icons.tsx';

/** Start (or jump to) a conversation by typing a username. */
export function NewChatForm({ me }: { me: string }) {
  const { t } = useTranslation();
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const id = useId();

  function submit(event: FormEvent) {
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
    setName('');
    goTo(peer);
  }

  return (
    <form className="new-chat" onSubmit={submit} noValidate>
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
      <button type="submit" className="icon-button icon-button--filled" aria-label={t('newChat.submit')}>
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
