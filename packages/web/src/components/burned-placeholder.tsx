import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import { useFormat } from '../i18n/use-format.ts';
import type { BurnedPlaceholder as Placeholder } from '../session/sdk-types.ts';
import { FlameIcon } from './icons.tsx';

/** Props of {@link BurnedPlaceholder}. */
export interface BurnedPlaceholderProps {
  placeholder: Placeholder;
  /** Whether I sent it; null when the device never learned the sender (burned before delivery). */
  mine: boolean | null;
  peer: string;
}

/** What is left of a burned message: why and when it burned. Never any content. */
export function BurnedPlaceholder({ placeholder, mine, peer }: BurnedPlaceholderProps) {
  const { t } = useTranslation();
  const format = useFormat();
  const at = format.clock(placeholder.at);
  return (
    <div className="bubble-group" data-kind="burned">
      <p
        className={`placeholder placeholder--${placeholder.reason}`}
        data-reason={placeholder.reason}
        title={format.full(placeholder.at)}
      >
        <FlameIcon />
        <span>{describe(placeholder.reason, mine, peer, at, t)}</span>
      </p>
    </div>
  );
}

function describe(
  reason: Placeholder['reason'],
  mine: boolean | null,
  peer: string,
  time: string,
  t: TFunction,
): string {
  switch (reason) {
    case 'opened':
      return mine ? t('burned.openedByPeer', { peer, time }) : t('burned.opened', { time });
    case 'expired':
      return t('burned.expired', { time });
    case 'revoked':
      return mine ? t('burned.revokedByMe', { time }) : t('burned.revokedByPeer', { peer, time });
  }
}
