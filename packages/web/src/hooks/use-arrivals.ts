import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { StoredMessage } from '../session/sdk-types.ts';

/**
 * A sentence for a screen reader's polite live region when the peer's messages arrive while the
 * chat is open. Burn messages are announced as sealed, never with their content.
 */
export function useArrivals(messages: readonly StoredMessage[] | undefined): string {
  const { i18n } = useTranslation();
  const seen = useRef<Set<string> | null>(null);
  const [announcement, setAnnouncement] = useState('');
  useEffect(() => {
    if (!messages) return;
    if (seen.current === null) {
      // The first load is history, not news.
      seen.current = new Set(messages.map((m) => m.id));
      return;
    }
    const fresh = messages.filter((m) => !m.mine && !seen.current?.has(m.id));
    for (const m of messages) seen.current.add(m.id);
    const last = fresh.at(-1);
    if (!last) return;
    setAnnouncement(
      last.burn
        ? i18n.t('conversation.arrivedBurn', { from: last.from })
        : i18n.t('conversation.arrived', { from: last.from, text: last.text ?? '' }),
    );
  }, [messages, i18n]);
  return announcement;
}
