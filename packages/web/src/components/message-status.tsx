import { useTranslation } from 'react-i18next';
import type { StoredMessage } from '../session/sdk-types.ts';
import { CheckIcon, DoubleCheckIcon } from './icons.tsx';

/** The delivery state of one of my messages, as a word and a tick. */
export function MessageStatus({ status }: { status: StoredMessage['status'] }) {
  const { t } = useTranslation();
  switch (status) {
    case 'read':
      return (
        <span className="status status--read" data-status="read">
          <DoubleCheckIcon />
          {t('status.read')}
        </span>
      );
    case 'delivered':
      return (
        <span className="status status--delivered" data-status="delivered">
          <DoubleCheckIcon />
          {t('status.delivered')}
        </span>
      );
    default:
      return (
        <span className="status status--sent" data-status="sent">
          <CheckIcon />
          {t('status.sent')}
        </span>
      );
  }
}
