import { formatClock, formatFull } from '../lib/format.ts';
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
  const at = formatClock(placeholder.at);
  return (
    <div className="bubble-group" data-kind="burned">
      <p
        className={`placeholder placeholder--${placeholder.reason}`}
        data-reason={placeholder.reason}
        title={formatFull(placeholder.at)}
      >
        <FlameIcon />
        <span>{describe(placeholder.reason, mine, peer, at)}</span>
      </p>
    </div>
  );
}

function describe(reason: Placeholder['reason'], mine: boolean | null, peer: string, at: string): string {
  switch (reason) {
    case 'opened':
      return mine ? `Opened by ${peer} · burned ${at}` : `Burned · opened ${at}`;
    case 'expired':
      return `Burned · expired unopened ${at}`;
    case 'revoked':
      return mine ? `Burned · you revoked it ${at}` : `Burned · revoked by ${peer} ${at}`;
  }
}
