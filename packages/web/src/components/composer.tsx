import { MAX_TEXT_LENGTH } from '@cinder/protocol';
import { type FormEvent, type KeyboardEvent, useEffect, useId, useRef, useState } from 'react';
import { type BurnSettings, TTL_CHOICES, VIEW_CHOICES } from '../lib/burn-options.ts';
import { ChoiceGroup } from './choice-group.tsx';
import { EncryptedLabel } from './encrypted-label.tsx';
import { FlameIcon, SendIcon } from './icons.tsx';

/** What the composer remembers between conversations: burn on/off and the chosen policy. */
export interface ComposerPrefs {
  burn: boolean;
  settings: BurnSettings;
}

/** Props of {@link Composer}. */
export interface ComposerProps {
  peer: string;
  prefs: ComposerPrefs;
  onPrefsChange: (prefs: ComposerPrefs) => void;
  onSend: (text: string, burn: BurnSettings | null) => void;
  /** A new message is being written (the box was empty), or burn was switched on. */
  onDraftStart?: () => void;
}

const MAX_ROWS = 6;

/** The message box: Enter sends, Shift+Enter adds a line, the flame toggles burn after reading. */
export function Composer({ peer, prefs, onPrefsChange, onSend, onDraftStart }: ComposerProps) {
  const [text, setText] = useState('');
  const input = useRef<HTMLTextAreaElement>(null);
  const optionsId = useId();
  const rows = Math.min(MAX_ROWS, Math.max(1, text.split('\n').length));
  const canSend = text.trim().length > 0;

  useEffect(() => {
    input.current?.focus();
  }, []);

  function send(event?: FormEvent) {
    event?.preventDefault();
    if (!canSend) return;
    onSend(text, prefs.burn ? prefs.settings : null);
    setText('');
    input.current?.focus();
  }

  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      send();
    }
  }

  const setSettings = (patch: Partial<BurnSettings>) =>
    onPrefsChange({ ...prefs, settings: { ...prefs.settings, ...patch } });

  return (
    <form
      className={prefs.burn ? 'composer composer--burn' : 'composer'}
      onSubmit={send}
      aria-label="Send a message"
    >
      {prefs.burn && (
        <div className="composer__options" id={optionsId}>
          <ChoiceGroup
            legend="Visible for"
            name="view"
            choices={VIEW_CHOICES}
            value={prefs.settings.viewSeconds}
            onChange={(viewSeconds) => setSettings({ viewSeconds })}
          />
          <ChoiceGroup
            legend="Burns unopened after"
            name="ttl"
            choices={TTL_CHOICES}
            value={prefs.settings.ttlSeconds}
            onChange={(ttlSeconds) => setSettings({ ttlSeconds })}
          />
          <EncryptedLabel className="composer__e2e" />
        </div>
      )}
      <div className="composer__row">
        <button
          type="button"
          className="burn-toggle"
          aria-pressed={prefs.burn}
          aria-controls={prefs.burn ? optionsId : undefined}
          onClick={() => {
            if (!prefs.burn) onDraftStart?.();
            onPrefsChange({ ...prefs, burn: !prefs.burn });
          }}
          title={prefs.burn ? 'Burn after reading is on' : 'Burn after reading is off'}
        >
          <FlameIcon />
          <span className="burn-toggle__label">Burn after reading</span>
        </button>
        <label className="visually-hidden" htmlFor={`${optionsId}-text`}>
          {prefs.burn ? `Burn message to ${peer}` : `Message to ${peer}`}
        </label>
        <textarea
          id={`${optionsId}-text`}
          ref={input}
          className="composer__input"
          rows={rows}
          maxLength={MAX_TEXT_LENGTH}
          placeholder={prefs.burn ? 'Burn message…' : `Message ${peer}`}
          value={text}
          onChange={(e) => {
            if (text === '' && e.target.value !== '') onDraftStart?.();
            setText(e.target.value);
          }}
          onKeyDown={onKeyDown}
          enterKeyHint="send"
          autoComplete="off"
        />
        <button type="submit" className="send-button" disabled={!canSend} aria-label="Send">
          <SendIcon />
        </button>
      </div>
    </form>
  );
}
