import type { EnglishMessages, MessageKey } from './en.ts';
import { CATALOGS, type Lang } from './languages.ts';

/** The `{{name}}` placeholders of a message template, as a union of names. */
type Placeholders<S extends string> = S extends `${string}{{${infer P}}}${infer Rest}`
  ? P | Placeholders<Rest>
  : never;

/** The arguments of `t` after the key: none, or an object with a value for every placeholder. */
export type MessageParams<K extends MessageKey> = [Placeholders<EnglishMessages[K]>] extends [never]
  ? []
  : [params: { readonly [P in Placeholders<EnglishMessages[K]>]: string | number }];

/** What the CLI says things with: one language's messages, dates and durations. */
export interface I18n {
  /** The language chosen for this run. */
  readonly lang: Lang;
  /** The message `key` in this language, its `{{name}}` placeholders filled from `params`. */
  t<K extends MessageKey>(key: K, ...params: MessageParams<K>): string;
  /**
   * A timestamp in local time to the second: `2026-01-01 18:00:00` in English (sortable, one
   * reading in every English-speaking country), `2026/01/01 18:00:00` in Chinese (Intl's zh-CN).
   */
  formatTime(ms: number): string;
  /**
   * Seconds as a short duration rounded down to its two largest units, through Intl's narrow
   * units: `45s`, `3h 5m`, `6d 23h` in English; `45秒`, `3小时5分钟` in Chinese. Negative is 0.
   */
  formatDuration(totalSeconds: number): string;
}

const PLACEHOLDER = /\{\{(\w+)\}\}/g;

/** `template` with each `{{name}}` replaced by `params[name]` (left as is when absent). */
export function interpolate(
  template: string,
  params: Readonly<Record<string, string | number>> = {},
): string {
  return template.replace(PLACEHOLDER, (whole, name: string) =>
    Object.hasOwn(params, name) ? String(params[name]) : whole,
  );
}

/** The `{{name}}` placeholders of `template`, sorted and without repeats. */
export function placeholdersOf(template: string): string[] {
  return [...new Set(Array.from(template.matchAll(PLACEHOLDER), (m) => m[1] ?? ''))].sort();
}

const UNITS = [
  ['day', 86_400],
  ['hour', 3600],
  ['minute', 60],
  ['second', 1],
] as const;

/** The I18n of `lang`. Its Intl formatters are made once, here. */
export function createI18n(lang: Lang): I18n {
  const messages = CATALOGS[lang];
  const units = UNITS.map(
    ([unit, seconds]) =>
      [new Intl.NumberFormat(lang, { style: 'unit', unit, unitDisplay: 'narrow' }), seconds] as const,
  );
  const list = new Intl.ListFormat(lang, { type: 'unit', style: 'narrow' });
  const time = new Intl.DateTimeFormat(lang, {
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  });
  return {
    lang,
    t: (key, ...params) => interpolate(messages[key], params[0]),
    formatTime: (ms) => (lang === 'en' ? isoLike(time.formatToParts(ms)) : time.format(ms)),
    formatDuration: (totalSeconds) => {
      const s = Math.max(0, Math.floor(totalSeconds));
      // The largest unit that fits (seconds for 0), and below days and hours the next one down
      // when it is not zero: `3h 5m`, but `58m`, not `58m 12s`.
      const found = units.findIndex(([, size]) => s >= size);
      const at = found === -1 ? units.length - 1 : found;
      const parts: string[] = [];
      units.forEach(([format, size], i) => {
        if (i === at) parts.push(format.format(Math.floor(s / size)));
        if (i === at + 1 && at < 2) {
          const count = Math.floor((s % (units[at]?.[1] ?? 1)) / size);
          if (count > 0) parts.push(format.format(count));
        }
      });
      return list.format(parts);
    },
  };
}

function isoLike(parts: Intl.DateTimeFormatPart[]): string {
  const part = (type: Intl.DateTimeFormatPartTypes): string =>
    parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')} ${part('hour')}:${part('minute')}:${part('second')}`;
}

/** English: the default, and what the exported helpers speak when no language is given. */
export const ENGLISH: I18n = createI18n('en');
