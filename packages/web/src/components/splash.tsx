import { useTranslation } from 'react-i18next';
import { Brand } from './brand.tsx';

/** Shown while the saved device resumes, or while the server cannot be reached. */
export function Splash({ unreachable = false }: { unreachable?: boolean }) {
  const { t } = useTranslation();
  return (
    <main className="splash" aria-busy={!unreachable}>
      <Brand />
      <p className="splash__text" role="status">
        {unreachable ? t('splash.unreachable') : t('splash.connecting')}
      </p>
    </main>
  );
}
