import { useTranslation } from 'react-i18next';
import { Brand } from './brand.tsx';

/** Shown when another tab of this browser is the active Cinder tab. */
export function ElsewhereScreen({ onUseHere }: { onUseHere: () => void }) {
  const { t } = useTranslation();
  return (
    <main className="splash">
      <Brand />
      <p className="splash__text">{t('splash.elsewhere')}</p>
      <button type="button" className="button button--primary" onClick={onUseHere}>
        {t('splash.useHere')}
      </button>
    </main>
  );
}
