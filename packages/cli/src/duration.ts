import { parseDuration } from '@cinder/protocol';
import { ENGLISH, type I18n } from './i18n/i18n.ts';

export { parseDuration };

/**
 * Format seconds as a short, rounded-down human duration for status lines, through Intl:
 * `45s`, `58m`, `3h 5m`, `6d 23h` in English, `3小时5分钟` in Chinese. Negative values count as 0.
 */
export function formatDuration(totalSeconds: number, i18n: I18n = ENGLISH): string {
  return i18n.formatDuration(totalSeconds);
}

/** Chinese duration units and the letters `parseDuration` knows them by, longest first. */
const CHINESE_UNITS: ReadonlyArray<readonly [string, string]> = [
  ['个小时', 'h'],
  ['小时', 'h'],
  ['分钟', 'm'],
  ['星期', 'w'],
  ['秒钟', 's'],
  ['秒', 's'],
  ['分', 'm'],
  ['时', 'h'],
  ['天', 'd'],
  ['日', 'd'],
  ['周', 'w'],
];

/**
 * A duration typed by a person: what `parseDuration` takes (`90`, `10s`, `1h30m`, `1.5h`), and
 * the same with Chinese units (`10秒`, `5分钟`, `1小时30分`, `7天`, `2周`). BAD_REQUEST otherwise.
 */
export function parseUserDuration(input: string): number {
  let text = input;
  for (const [unit, letter] of CHINESE_UNITS) text = text.replaceAll(unit, letter);
  return parseDuration(text);
}
