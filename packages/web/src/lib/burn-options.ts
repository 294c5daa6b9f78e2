/** A choice offered by the composer for a burn message. */
export interface BurnChoice {
  seconds: number;
  label: string;
}

/** How long the reader sees the text after opening. 0 = until the reader closes it. */
export const VIEW_CHOICES: readonly BurnChoice[] = [
  { seconds: 5, label: '5 s' },
  { seconds: 10, label: '10 s' },
  { seconds: 30, label: '30 s' },
  { seconds: 0, label: 'Until closed' },
];

/** How long a burn message may wait unopened before the server burns it. */
export const TTL_CHOICES: readonly BurnChoice[] = [
  { seconds: 3600, label: '1 hour' },
  { seconds: 86_400, label: '1 day' },
  { seconds: 7 * 86_400, label: '7 days' },
];

/** The burn policy the composer sends with a burn message. */
export interface BurnSettings {
  viewSeconds: number;
  ttlSeconds: number;
}

/**
 * Composer defaults: a short window that fits a sentence, and a day to open it.
 * @default { viewSeconds: 10, ttlSeconds: 86400 }
 */
export const DEFAULT_BURN: BurnSettings = { viewSeconds: 10, ttlSeconds: 86_400 };

/** How long the burn animation plays before the text leaves the page. Matches `--burn-duration` in CSS. */
export const BURN_ANIMATION_MS = 1400;
