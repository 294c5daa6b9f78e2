import { type HoldHandlers, useHold, useHoldToViewSetting } from './use-hold-to-view.ts';
import { usePageAttention } from './use-page-attention.ts';

/**
 * Why opened burn content is blurred, or that it is not: `away` while the page has no focus or is
 * hidden, `hold` while hold-to-view is on and nobody is pressing it, `clear` otherwise.
 */
export type Veil = 'clear' | 'away' | 'hold';

/** What {@link useVeil} returns. */
export interface VeilControl {
  veil: Veil;
  /** Hold-to-view is on in this browser: the content is a hold target. */
  hold: boolean;
  /** Spread on the hold target (they do nothing while hold-to-view is off). */
  handlers: HoldHandlers;
}

/**
 * The deterrence state of one opened burn content: blurred when the page is not attended, and with
 * hold-to-view, blurred except while held. The view window is not paused by any of it: the server
 * burned the message at open, and the window is the reader's, counted by the app.
 */
export function useVeil(): VeilControl {
  const attended = usePageAttention();
  const hold = useHoldToViewSetting();
  const { held, handlers } = useHold(hold && attended);
  const veil: Veil = !attended ? 'away' : hold && !held ? 'hold' : 'clear';
  return { veil, hold, handlers };
}
