import { useEffect, useState } from 'react';

/**
 * Whether the person is looking at this page: the window has focus and the page is visible.
 * False the moment the window loses focus (another app, a screenshot tool, another tab) or the
 * page is hidden (a switched tab, a locked phone, an app switcher), true again when both return.
 *
 * Focus is followed through the window's own `focus` and `blur` events rather than re-read from
 * `document.hasFocus()` on every change, so a blur is acted on at the event, before anything else
 * can draw the page.
 */
export function usePageAttention(): boolean {
  const [focused, setFocused] = useState(() => document.hasFocus());
  const [visible, setVisible] = useState(() => document.visibilityState === 'visible');

  useEffect(() => {
    // Element focus events reach window listeners only in the capture phase; these are bubble-phase
    // listeners, and the target check keeps them to the window's own focus changes.
    function onFocus(event: FocusEvent) {
      if (event.target === window) setFocused(true);
    }
    function onBlur(event: FocusEvent) {
      if (event.target === window) setFocused(false);
    }
    function onVisibility() {
      setVisible(document.visibilityState === 'visible');
    }
    window.addEventListener('focus', onFocus);
    window.addEventListener('blur', onBlur);
    document.addEventListener('visibilitychange', onVisibility);
    window.addEventListener('pagehide', onVisibility);
    // Anything that changed between the first render and these listeners.
    setFocused(document.hasFocus());
    onVisibility();
    return () => {
      window.removeEventListener('focus', onFocus);
      window.removeEventListener('blur', onBlur);
      document.removeEventListener('visibilitychange', onVisibility);
      window.removeEventListener('pagehide', onVisibility);
    };
  }, []);

  return focused && visible;
}
