import { useTranslation } from 'react-i18next';
import type { PendingSend } from '../lib/timeline.ts';
import { AlertIcon, ClockIcon, FlameIcon } from './icons.tsx';

/** Props of {@link PendingBubble}. */
export interface PendingBubbleProps {
  pending: PendingSend;
  connected: boolean;
  onRetry: () => void;
  onDiscard: () => void;
}

/** A message on its way (or that failed), shown until the server confirms it. */
export function PendingBubble({ pending, connected, onRetry, onDiscard }: PendingBubbleProps) {
  const { t } = useTranslation();
  const burn = pending.burn !== null;
  return (
    <div className="bubble-group" data-kind="pending">
      <div
        className={`bubble bubble--mine bubble--pending${burn ? ' bubble--burn' : ''}${pending.error ? ' bubble--failed' : ''}`}
      >
        {burn && (
          <span className="bubble__badge">
            <FlameIcon />
            {t('composer.burn')}
          </span>
        )}
        <p className="bubble__text">{pending.text}</p>
      </div>
      {pending.error ? (
        <p className="meta meta--error" role="alert">
          <AlertIcon />
          <span>{t('pending.notSent', { reason: pending.error })}</span>
          <button type="button" className="link-button" onClick={onRetry}>
            {t('pending.retry')}
          </button>
          <button type="button" className="link-button" onClick={onDiscard}>
            {t('pending.discard')}
          </button>
        </p>
      ) : (
        <p className="meta">
          <ClockIcon />
          <span>{connected ? t('pending.sending') : t('pending.waiting')}</span>
        </p>
      )}
    </div>
  );
}
