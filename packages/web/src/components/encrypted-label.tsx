import { useTranslation } from 'react-i18next';
import { LockIcon } from './icons.tsx';

/** "End-to-end encrypted" with a lock: said wherever a burn message is written, sealed or shown. */
export function EncryptedLabel({ className }: { className?: string }) {
  const { t } = useTranslation();
  return (
    <span className={className ? `e2e ${className}` : 'e2e'}>
      <LockIcon />
      {t('encrypted')}
    </span>
  );
}
