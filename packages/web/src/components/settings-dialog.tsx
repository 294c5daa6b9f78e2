import type { CinderClient } from '@cinder/sdk';
import { useEffect, useId, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { AUTONYMS, isLanguage, LANGUAGES } from '../i18n/language.ts';
import { saveLanguage } from '../i18n/setup.ts';
import type { Me } from '../session/sdk-types.ts';
import { AccountSettings } from './account-settings.tsx';
import { DeterrenceSettings } from './deterrence-settings.tsx';
import { DevicesSettings } from './devices-settings.tsx';
import { DialogHeader } from './dialog-header.tsx';
import { GearIcon } from './icons.tsx';
import { NotificationsSettings } from './notifications-settings.tsx';
import '../styles/settings.css';

/** Props of {@link SettingsDialog}. */
export interface SettingsDialogProps {
  /** The signed-in client, for the sections that talk to the server (account, devices, notifications). */
  client: CinderClient;
  me: Me;
  /** Delete the account; rejects with a CinderError for the form to show. */
  onDeleteAccount: (password: string) => Promise<void>;
  onClose: () => void;
}

/**
 * Settings: the language of the app (applies at once, the whole page re-renders in it, and is
 * remembered over the browser's languages), then one section per concern: account, devices,
 * burn-message deterrence, notifications. A modal `<dialog>`: focus moves into it, Escape and the
 * close button close it, and focus goes back to the gear that opened it.
 */
export function SettingsDialog({ client, me, onDeleteAccount, onClose }: SettingsDialogProps) {
  const { t, i18n } = useTranslation();
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const name = useId();
  const current = isLanguage(i18n.resolvedLanguage) ? i18n.resolvedLanguage : 'en';

  // Closing goes through the element (close button, Escape), whose `close` event unmounts it.
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
  }, []);

  return (
    <dialog
      ref={ref}
      className="settings"
      aria-labelledby={titleId}
      onClose={onClose}
      data-testid="settings-dialog"
    >
      <DialogHeader
        titleId={titleId}
        title={t('settings.title')}
        closeLabel={t('settings.close')}
        icon={<GearIcon />}
        markClassName="settings__mark"
        onClose={() => ref.current?.close()}
      />
      <fieldset className="settings__group" aria-describedby={`${name}-hint`}>
        <legend className="settings__legend">{t('settings.language')}</legend>
        <div className="settings__options">
          {LANGUAGES.map((language) => (
            <label key={language} className="settings__option">
              <input
                type="radio"
                className="settings__radio"
                name={name}
                value={language}
                checked={current === language}
                onChange={() => void saveLanguage(i18n, language)}
              />
              {/* In its own language, so a screen reader says it as a speaker of it would. */}
              <span lang={language}>{AUTONYMS[language]}</span>
            </label>
          ))}
        </div>
        <p id={`${name}-hint`} className="settings__hint">
          {t('settings.languageHint')}
        </p>
      </fieldset>
      <AccountSettings client={client} me={me} onDeleteAccount={onDeleteAccount} />
      <DevicesSettings client={client} me={me} />
      <DeterrenceSettings client={client} me={me} />
      <NotificationsSettings client={client} me={me} />
    </dialog>
  );
}
