import type { CinderClient } from '@cinder/sdk';
import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import { saveHoldToView, useHoldToViewSetting } from '../hooks/use-hold-to-view.ts';
import type { Me } from '../session/sdk-types.ts';
import '../styles/deterrence.css';

/** Props of {@link DeterrenceSettings}: what the settings dialog gives every section. */
export interface DeterrenceSettingsProps {
  client: CinderClient;
  me: Me;
}

/**
 * The settings section for opened burn messages: hold-to-view on or off, kept in this browser
 * (localStorage) and applied at once, also to a message that is open right now. It says what is
 * always on (blur in the background, the watermark) and what none of it can stop (a camera).
 */
export function DeterrenceSettings(_props: DeterrenceSettingsProps) {
  const { t } = useTranslation();
  const hold = useHoldToViewSetting();
  const id = useId();

  return (
    <fieldset className="settings__group" aria-describedby={`${id}-always`} data-testid="deterrence-settings">
      <legend className="settings__legend">{t('deterrence.legend')}</legend>
      <label className="settings__option">
        <input
          type="checkbox"
          className="settings__radio"
          checked={hold}
          aria-describedby={`${id}-hold`}
          onChange={(event) => saveHoldToView(event.target.checked)}
        />
        {t('deterrence.holdToViewSetting')}
      </label>
      <p id={`${id}-hold`} className="settings__hint">
        {t('deterrence.holdToViewHint')}
      </p>
      <p id={`${id}-always`} className="settings__hint">
        {t('deterrence.alwaysHint')}
      </p>
    </fieldset>
  );
}
