import { Trans, useTranslation } from 'react-i18next';
import { useFormat } from '../i18n/use-format.ts';
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
  const { t } = useTranslation();
  const format = useFormat();
  return (
    <div className="bubble-group" data-kind="key-change">
      <div className="key-notice" role="note" data-verified={notice.verified ? 'true' : 'false'}>
        <ShieldAlertIcon className="key-notice__icon" />
        <p className="key-notice__text">
          <Trans
            i18nKey={notice.verified ? 'keyNotice.textVerified' : 'keyNotice.text'}
            values={{ peer: notice.peer }}
            components={{ strong: <strong /> }}
          />
        </p>
        <p className="key-notice__meta">
          <time dateTime={new Date(notice.at).toISOString()} title={format.full(notice.at)}>
            {format.clock(notice.at)}
          </time>
          <button type="button" className="link-button" onClick={onShowSafetyNumber}>
            {t('keyNotice.view')}
          </button>
        </p>
      </div>
    </div>
  );
}
