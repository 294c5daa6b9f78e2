import { type KeyboardEvent, useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { useNow } from '../hooks/use-now.ts';
import type { VoiceRecorder } from '../hooks/use-voice-recorder.ts';
import { MicIcon } from './icons.tsx';

/** Props of {@link VoiceButton}. */
export interface VoiceButtonProps {
  recorder: VoiceRecorder;
  disabled: boolean;
}

/** "0:07" for an elapsed time in ms. */
export function formatElapsed(ms: number): string {
  const seconds = Math.floor(Math.max(0, ms) / 1000);
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}

/**
 * Hold to record a voice note: press and hold (pointer, or Space/Enter on the keyboard), release
 * to send; sliding the pointer off the button or pressing Escape throws the recording away.
 */
export function VoiceButton({ recorder, disabled }: VoiceButtonProps) {
  const { t } = useTranslation();
  const { state, start, stop } = recorder;
  const active = state.phase !== 'idle';
  const now = useNow(250, state.phase === 'recording');

  useEffect(() => {
    if (!active) return;
    const onKey = (event: globalThis.KeyboardEvent) => {
      if (event.key === 'Escape') stop(false);
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [active, stop]);

  function onKeyDown(event: KeyboardEvent) {
    if ((event.key === ' ' || event.key === 'Enter') && !event.repeat) {
      event.preventDefault();
      start();
    }
  }

  function onKeyUp(event: KeyboardEvent) {
    if (event.key === ' ' || event.key === 'Enter') {
      event.preventDefault();
      stop(true);
    }
  }

  return (
    <>
      {active && (
        <span className="recording" role="status" data-testid="recording">
          <span className="recording__dot" aria-hidden="true" />
          {state.phase === 'recording' ? (
            <>
              <span className="recording__time" data-elapsed={Math.floor((now - state.startedAt) / 1000)}>
                {formatElapsed(now - state.startedAt)}
              </span>
              <span className="recording__hint">{t('voice.hint')}</span>
            </>
          ) : (
            <span className="recording__hint">{t('voice.starting')}</span>
          )}
        </span>
      )}
      <button
        type="button"
        className={
          active ? 'icon-button composer__tool composer__tool--recording' : 'icon-button composer__tool'
        }
        aria-label={t('voice.hold')}
        title={t('voice.hold')}
        aria-pressed={active}
        disabled={disabled}
        onPointerDown={(event) => {
          if (event.button !== 0) return;
          event.preventDefault();
          // Touch captures the pointer to the button; without the capture, sliding off it is a
          // pointerleave, which cancels.
          if (event.currentTarget.hasPointerCapture(event.pointerId))
            event.currentTarget.releasePointerCapture(event.pointerId);
          start();
        }}
        onPointerUp={() => stop(true)}
        onPointerLeave={() => stop(false)}
        onPointerCancel={() => stop(false)}
        onContextMenu={(event) => event.preventDefault()}
        onKeyDown={onKeyDown}
        onKeyUp={onKeyUp}
      >
        <MicIcon />
      </button>
    </>
  );
}
