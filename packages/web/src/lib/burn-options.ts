/**
 * How long the reader sees the text after opening, in seconds. 0 = until the reader closes it.
 * The composer labels them in the page's language ("5 s", "5秒").
 */
export const VIEW_CHOICES: readonly number[] = [5, 10, 30, 0];

/** How long a burn message may wait unopened before the server burns it, in seconds ("1 hour", "1小时"). */
export const TTL_CHOICES: readonly number[] = [3600, 86_400, 7 * 86_400];

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
