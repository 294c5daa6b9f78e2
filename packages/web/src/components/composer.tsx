import { MAX_TEXT_LENGTH } from '@cinder/protocol';
import {
  type ClipboardEvent,
  type FormEvent,
  type KeyboardEvent,
  type Ref,
  useEffect,
  useId,
  useImperativeHandle,
  useRef,
  useState,
} from 'react';
import { useTranslation } from 'react-i18next';
import { useVoiceRecorder } from '../hooks/use-voice-recorder.ts';
import { useFormat } from '../i18n/use-format.ts';
import { type BurnSettings, TTL_CHOICES, VIEW_CHOICES } from '../lib/burn-options.ts';
import { describeError } from '../lib/errors.ts';
import { checkFile, describeFileError } from '../lib/media.ts';
import { ChoiceGroup } from './choice-group.tsx';
import { DraftAttachment } from './draft-attachment.tsx';
import { EncryptedLabel } from './encrypted-label.tsx';
import { FlameIcon, PaperclipIcon, SendIcon } from './icons.tsx';
import { UploadProgress } from './upload-progress.tsx';
import { VoiceButton } from './voice-button.tsx';

/**
 * The burn state of one chat's draft: whether the message being written is a burn message, and
 * the policy burn uses when it is on (kept for the chat when burn goes off again).
 */
export interface DraftBurn {
  burn: boolean;
  settings: BurnSettings;
}

/** A change of a {@link DraftBurn}, computed from the chat's state when it applies. */
export type DraftBurnUpdate = (current: DraftBurn) => DraftBurn;

/** A file send the composer asks for; the promise rejects with the SDK's error. */
export interface FileSendRequest {
  file: File;
  /** The caption: the draft text. */
  text: string;
  burn: BurnSettings | null;
  signal: AbortSignal;
  onProgress: (sent: number, total: number) => void;
}

/** What the conversation can do to the composer: attach a file dropped anywhere on it. */
export interface ComposerHandle {
  attach: (file: File) => void;
}

/** Props of {@link Composer}. */
export interface ComposerProps {
  peer: string;
  /** This chat's draft burn state: a sent burn message turns it off for the next draft. */
  burn: DraftBurn;
  onBurnChange: (update: DraftBurnUpdate) => void;
  /** The draft text this chat had when the composer was last shown. @default '' */
  initialText?: string;
  /** Every change of the draft text, so the chat keeps it while another chat is open. */
  onTextChange?: (text: string) => void;
  onSend: (text: string, burn: BurnSettings | null) => void;
  onSendFile: (request: FileSendRequest) => Promise<void>;
  /** A new message is being written (the box was empty), or burn was switched on. */
  onDraftStart?: () => void;
  ref?: Ref<ComposerHandle>;
}

const MAX_ROWS = 6;

/** A file upload in flight: bytes the server holds, of how many; Cancel pressed or not. */
interface Progress {
  sent: number;
  total: number;
  cancelling: boolean;
}

/**
 * The message box: Enter sends, Shift+Enter adds a line, the flame toggles burn after reading for
 * this draft only: once a burn message is sent the next draft is a normal one, and a screen
 * reader hears so.
 * A file comes from the paperclip, a paste or a drop (the conversation forwards drops to
 * `attach`), or the hold-to-record mic; the text becomes its caption. While a file uploads the
 * composer shows the progress and a Cancel; a failed or cancelled upload keeps the draft (text
 * and file) and says why.
 */
export function Composer({
  peer,
  burn: prefs,
  onBurnChange,
  initialText = '',
  onTextChange,
  onSend,
  onSendFile,
  onDraftStart,
  ref,
}: ComposerProps) {
  const { t } = useTranslation();
  const format = useFormat();
  const [text, setText] = useState(initialText);
  const [announcement, setAnnouncement] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [progress, setProgress] = useState<Progress | null>(null);
  const [error, setError] = useState<string | null>(null);
  const abort = useRef<AbortController | null>(null);
  const input = useRef<HTMLTextAreaElement>(null);
  const picker = useRef<HTMLInputElement>(null);
  const optionsId = useId();
  const rows = Math.min(MAX_ROWS, Math.max(1, text.split('\n').length));
  const uploading = progress !== null;
  const canSend = !uploading && (file !== null || text.trim().length > 0);
  const recorder = useVoiceRecorder((voice) => void sendFile(voice, ''));

  useEffect(() => {
    input.current?.focus();
  }, []);

  // Leaving the conversation cancels an upload in flight.
  useEffect(() => () => abort.current?.abort(), []);

  function attach(chosen: File) {
    if (uploading) return;
    const problem = checkFile(chosen, t);
    setError(problem);
    if (problem) return;
    setFile(chosen);
    onDraftStart?.();
    input.current?.focus();
  }

  useImperativeHandle(ref, () => ({ attach }));

  // biome-ignore lint/correctness/useExhaustiveDependencies: report each new text, not each new callback.
  useEffect(() => {
    onTextChange?.(text);
  }, [text]);

  /** A burn message went out: the next draft starts as a normal message. */
  function burnSent() {
    onBurnChange((current) => ({ ...current, burn: false }));
    setAnnouncement(t('account.burnSent'));
  }

  /** Send `chosen` with `caption`; on success clear what was sent, on failure keep it and say why. */
  async function sendFile(chosen: File, caption: string) {
    const problem = checkFile(chosen, t);
    if (problem) {
      setError(problem);
      return;
    }
    const controller = new AbortController();
    abort.current = controller;
    setError(null);
    setProgress({ sent: 0, total: chosen.size, cancelling: false });
    const burn = prefs.burn ? prefs.settings : null;
    try {
      await onSendFile({
        file: chosen,
        text: caption,
        burn,
        signal: controller.signal,
        onProgress: (sent, total) => {
          if (!controller.signal.aborted) setProgress({ sent, total, cancelling: false });
        },
      });
      setFile((current) => (current === chosen ? null : current));
      if (caption !== '') setText((current) => (current === caption ? '' : current));
      if (burn) burnSent();
    } catch (failure) {
      // A voice note that did not go out becomes the draft's file, so it is not lost.
      setFile(chosen);
      setError(describeFileError(failure, chosen, t) ?? describeError(failure, t));
    } finally {
      if (abort.current === controller) abort.current = null;
      setProgress(null);
      input.current?.focus();
    }
  }

  function send(event?: FormEvent) {
    event?.preventDefault();
    if (!canSend) return;
    if (file) {
      void sendFile(file, text);
      return;
    }
    onSend(text, prefs.burn ? prefs.settings : null);
    if (prefs.burn) burnSent();
    setText('');
    setError(null);
    input.current?.focus();
  }

  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      send();
    }
  }

  function onPaste(event: ClipboardEvent<HTMLTextAreaElement>) {
    const pasted = event.clipboardData.files[0];
    if (!pasted) return;
    event.preventDefault();
    attach(pasted);
  }

  const setSettings = (patch: Partial<BurnSettings>) =>
    onBurnChange((current) => ({ ...current, settings: { ...current.settings, ...patch } }));

  return (
    <form
      className={prefs.burn ? 'composer composer--burn' : 'composer'}
      onSubmit={send}
      aria-label={t('composer.label')}
    >
      {prefs.burn && (
        <div className="composer__options" id={optionsId}>
          <ChoiceGroup
            legend={t('composer.visibleFor')}
            name="view"
            choices={VIEW_CHOICES}
            label={(seconds) => (seconds > 0 ? format.seconds(seconds) : t('composer.untilClosed'))}
            value={prefs.settings.viewSeconds}
            onChange={(viewSeconds) => setSettings({ viewSeconds })}
          />
          <ChoiceGroup
            legend={t('composer.burnsAfter')}
            name="ttl"
            choices={TTL_CHOICES}
            label={format.duration}
            value={prefs.settings.ttlSeconds}
            onChange={(ttlSeconds) => setSettings({ ttlSeconds })}
          />
          <EncryptedLabel className="composer__e2e" />
        </div>
      )}
      {(file || error || progress) && (
        <div className="composer__attachment">
          {file && <DraftAttachment file={file} onRemove={uploading ? undefined : () => setFile(null)} />}
          {progress && (
            <UploadProgress
              sent={progress.sent}
              total={progress.total}
              cancelling={progress.cancelling}
              onCancel={() => {
                abort.current?.abort();
                setProgress((current) => current && { ...current, cancelling: true });
              }}
            />
          )}
          {error && (
            <p className="composer__error" role="alert" data-testid="composer-error">
              {error}
            </p>
          )}
        </div>
      )}
      {recorder.error && !error && (
        <p className="composer__attachment composer__error" role="alert">
          {recorder.error}
        </p>
      )}
      <div className="composer__row">
        <button
          type="button"
          className="burn-toggle"
          aria-pressed={prefs.burn}
          aria-controls={prefs.burn ? optionsId : undefined}
          onClick={() => {
            if (!prefs.burn) onDraftStart?.();
            setAnnouncement('');
            onBurnChange((current) => ({ ...current, burn: !current.burn }));
          }}
          title={prefs.burn ? t('composer.burnOn') : t('composer.burnOff')}
        >
          <FlameIcon />
          <span className="burn-toggle__label">{t('composer.burn')}</span>
        </button>
        <label className="visually-hidden" htmlFor={`${optionsId}-text`}>
          {prefs.burn ? t('composer.burnMessageTo', { peer }) : t('composer.messageTo', { peer })}
        </label>
        <textarea
          id={`${optionsId}-text`}
          ref={input}
          className="composer__input"
          rows={rows}
          maxLength={MAX_TEXT_LENGTH}
          placeholder={
            file
              ? t('composer.caption')
              : prefs.burn
                ? t('composer.burnPlaceholder')
                : t('composer.placeholder', { peer })
          }
          value={text}
          onChange={(e) => {
            if (text === '' && e.target.value !== '') onDraftStart?.();
            setText(e.target.value);
          }}
          onKeyDown={onKeyDown}
          onPaste={onPaste}
          enterKeyHint="send"
          autoComplete="off"
        />
        <button
          type="button"
          className="icon-button composer__tool"
          onClick={() => picker.current?.click()}
          disabled={uploading}
          aria-label={t('composer.attach')}
          title={t('composer.attachTitle')}
        >
          <PaperclipIcon />
        </button>
        <input
          ref={picker}
          type="file"
          className="visually-hidden"
          tabIndex={-1}
          aria-hidden="true"
          data-testid="file-input"
          onChange={(e) => {
            const chosen = e.target.files?.[0];
            e.target.value = '';
            if (chosen) attach(chosen);
          }}
        />
        {!file && <VoiceButton recorder={recorder} disabled={uploading} />}
        <button type="submit" className="send-button" disabled={!canSend} aria-label={t('composer.send')}>
          <SendIcon />
        </button>
      </div>
      <p className="visually-hidden" aria-live="polite">
        {announcement}
      </p>
    </form>
  );
}
