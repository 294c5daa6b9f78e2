import { useTranslation } from 'react-i18next';
import '../styles/recall.css';

/** Props of {@link RecalledPlaceholder}. */
export interface RecalledPlaceholderProps {
  /** The sender, who recalled it. */
  by: string;
  mine: boolean;
}

/** What is left of a message its sender recalled (消息撤回): who recalled it. Never content. */
export function RecalledPlaceholder({ by, mine }: RecalledPlaceholderProps) {
  const { t } = useTranslation();
  return (
    <div className="bubble-group" data-kind="recalled">
      <p className="recalled">
        {mine ? t('conversationActions.recalledByMe') : t('conversationActions.recalledByPeer', { peer: by })}
      </p>
    </div>
  );
}
