import { useTranslation } from 'react-i18next';
import { FlameIcon, LockIcon, UndoIcon } from './icons.tsx';

/** The main pane when no chat is open (wide screens only). */
export function WelcomePane({ username }: { username: string }) {
  const { t } = useTranslation();
  return (
    <section className="welcome" aria-label={t('welcome.label')}>
      <div className="welcome__ember" aria-hidden="true">
        <FlameIcon />
      </div>
      <h2>{t('welcome.hello', { username })}</h2>
      <p className="welcome__lead">{t('welcome.lead')}</p>
      <ul className="welcome__tips">
        <li>
          <FlameIcon />
          {t('welcome.tipFlame')}
        </li>
        <li>
          <LockIcon />
          {t('welcome.tipSealed')}
        </li>
        <li>
          <UndoIcon />
          {t('welcome.tipRevoke')}
        </li>
      </ul>
    </section>
  );
}
