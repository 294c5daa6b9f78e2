import { formatClock, formatFull } from '../lib/format.ts';
import type { KeyNotice } from '../session/notice-store.ts';
import { ShieldAlertIcon } from './icons.tsx';

/** Props of {@link KeyChangeNotice}. */
export interface KeyChangeNoticeProps {
  notice: KeyNotice;
  onShowSafetyNumber: () => void;
}

/**
 * A line in the timeline saying the peer's device keys changed, where this device saw it: before
 * the next burn message, which is sealed to the new keys. Offers the safety-number view.
 */
export function KeyChangeNotice({ notice, onShowSafetyNumber }: KeyChangeNoticeProps) {
  return (
    <div className="bubble-group" data-kind="key-change">
      <div className="key-notice" role="note" data-verified={notice.verified ? 'true' : 'false'}>
        <ShieldAlertIcon className="key-notice__icon" />
        <p className="key-notice__text">
          <strong>{notice.peer}’s safety number changed</strong>: a device was added or removed, or a key was
          replaced.{notice.verified ? ' You had marked it as verified.' : ''} Verify it again.
        </p>
        <p className="key-notice__meta">
          <time dateTime={new Date(notice.at).toISOString()} title={formatFull(notice.at)}>
            {formatClock(notice.at)}
          </time>
          <button type="button" className="link-button" onClick={onShowSafetyNumber}>
            View safety number
          </button>
        </p>
      </div>
    </div>
  );
}
