import {
  type FocusEvent,
  type KeyboardEvent,
  type MouseEvent,
  type PointerEvent,
  useCallback,
  useEffect,
  useState,
  useSyncExternalStore,
} from 'react';

/** Where this browser keeps the hold-to-view choice (localStorage): "1" when on. */
export const HOLD_TO_VIEW_KEY = 'cinder-hold-to-view';
/** Tells this page's components that the choice changed (`storage` events reach only other tabs). */
const CHANGED = 'cinder-hold-to-view-changed';

/** The hold-to-view choice of this browser; off when never set or when storage is unavailable. */
export function readHoldToView(): boolean {
  try {
    return localStorage.getItem(HOLD_TO_VIEW_KEY) === '1';
  } catch {
    return false;
  }
}

/** Remember the hold-to-view choice in this browser; every open burn content follows it at once. */
export function saveHoldToView(on: boolean): void {
  try {
    if (on) localStorage.setItem(HOLD_TO_VIEW_KEY, '1');
    else localStorage.removeItem(HOLD_TO_VIEW_KEY);
  } catch {
    // Storage refused (a private window's quota): the choice lasts for this page only.
  }
  window.dispatchEvent(new Event(CHANGED));
}

function subscribe(onChange: () => void): () => void {
  function onStorage(event: StorageEvent) {
    if (event.key === HOLD_TO_VIEW_KEY || event.key === null) onChange();
  }
  window.addEventListener(CHANGED, onChange);
  window.addEventListener('storage', onStorage);
  return () => {
    window.removeEventListener(CHANGED, onChange);
    window.removeEventListener('storage', onStorage);
  };
}

/** Whether hold-to-view is on in this browser, following changes from settings and other tabs. */
export function useHoldToViewSetting(): boolean {
  return useSyncExternalStore(subscribe, readHoldToView, () => false);
}

/** The event handlers that make an element a hold target; spread them on it. */
export interface HoldHandlers {
  onPointerDown: (event: PointerEvent) => void;
  onPointerUp: () => void;
  onPointerCancel: () => void;
  onPointerLeave: () => void;
  onKeyDown: (event: KeyboardEvent) => void;
  onKeyUp: (event: KeyboardEvent) => void;
  onBlur: (event: FocusEvent) => void;
  onContextMenu: (event: MouseEvent) => void;
}

/** Controls inside a hold target keep their own press (a button's click, a voice note's player). */
const CONTROLS = 'button, a, input, select, textarea, audio';

/**
 * Press and hold: `held` is true while a pointer is down on the target (mouse button, finger, pen)
 * or while Space or Enter is held with the target itself focused, and false on release, on leaving
 * the target, and whenever `enabled` turns false (the page lost focus: a key-up may never come).
 * A long press on a phone opens no context menu on the target.
 */
export function useHold(enabled: boolean): { held: boolean; handlers: HoldHandlers } {
  const [held, setHeld] = useState(false);
  useEffect(() => {
    if (!enabled) setHeld(false);
  }, [enabled]);
  const release = useCallback(() => setHeld(false), []);

  const handlers: HoldHandlers = {
    onPointerDown(event) {
      if (!enabled || event.button !== 0) return;
      if (event.target instanceof Element && event.target.closest(CONTROLS)) return;
      setHeld(true);
    },
    onPointerUp: release,
    onPointerCancel: release,
    onPointerLeave: release,
    onKeyDown(event) {
      if (!enabled || event.target !== event.currentTarget) return;
      if (event.key !== ' ' && event.key !== 'Enter') return;
      // Space would scroll the conversation under the finger.
      event.preventDefault();
      setHeld(true);
    },
    onKeyUp(event) {
      if (event.key === ' ' || event.key === 'Enter') setHeld(false);
    },
    onBlur(event) {
      if (event.target === event.currentTarget) setHeld(false);
    },
    onContextMenu(event) {
      if (enabled) event.preventDefault();
    },
  };
  return { held: enabled && held, handlers };
}
