/**
 * Dates, times and durations in a locale, all through `Intl`. Each function takes the `Intl`
 * locale (see `intlLocale`); components get them bound to the chosen language from `useFormat`.
 */

/** Numbers stay on one line with their unit ("6 d" never wraps between 6 and d). */
const NBSP = '\u00a0';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** A duration unit `Intl.NumberFormat` knows. */
type Unit = 'second' | 'minute' | 'hour' | 'day';

/**
 * How each unit is written in a compact duration: the narrow symbol ("5 s", "23 h", "6 d"; "5秒"),
 * but minutes short, since a narrow "m" reads as metres ("14 min"; "14分钟").
 */
const COMPACT: Readonly<Record<Unit, 'narrow' | 'short'>> = {
  second: 'narrow',
  minute: 'short',
  hour: 'narrow',
  day: 'narrow',
};

/** Formatters are costly to build and a page formats hundreds of times a second: one per options. */
const formatters = new Map<string, Intl.DateTimeFormat | Intl.NumberFormat | Intl.RelativeTimeFormat>();

function cached<F extends Intl.DateTimeFormat | Intl.NumberFormat | Intl.RelativeTimeFormat>(
  key: string,
  make: () => F,
): F {
  let formatter = formatters.get(key);
  if (!formatter) {
    formatter = make();
    formatters.set(key, formatter);
  }
  return formatter as F;
}

function dateTime(locale: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  return cached(`dt ${locale} ${JSON.stringify(options)}`, () => new Intl.DateTimeFormat(locale, options));
}

/** Wall-clock time of a timestamp, e.g. "12:03" or "12:03 PM" by locale. */
export function formatClock(at: number, locale: string): string {
  return dateTime(locale, { hour: 'numeric', minute: '2-digit' }).format(at);
}

/** Full date and time, for tooltips and screen readers. */
export function formatFull(at: number, locale: string): string {
  return dateTime(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(at);
}

/** "Today", "Yesterday" (in the locale's words, capitalised to start a label), else null. */
function nearDay(at: number, now: number, locale: string): string | null {
  const startOfToday = new Date(now).setHours(0, 0, 0, 0);
  const days = at >= startOfToday ? 0 : at >= startOfToday - DAY ? -1 : null;
  if (days === null) return null;
  const words = cached(`rt ${locale}`, () => new Intl.RelativeTimeFormat(locale, { numeric: 'auto' })).format(
    days,
    'day',
  );
  return words.charAt(0).toLocaleUpperCase(locale) + words.slice(1);
}

/** Compact "last activity" for the conversation list: a time today, else a weekday or date. */
export function formatActivity(at: number, now: number, locale: string): string {
  const startOfToday = new Date(now).setHours(0, 0, 0, 0);
  if (at >= startOfToday) return formatClock(at, locale);
  const near = nearDay(at, now, locale);
  if (near) return near;
  if (at >= startOfToday - 6 * DAY) return dateTime(locale, { weekday: 'short' }).format(at);
  return dateTime(locale, { month: 'short', day: 'numeric' }).format(at);
}

/** The label between messages of different days: "Today", "Yesterday" or the date. */
export function formatDay(at: number, now: number, locale: string): string {
  return (
    nearDay(at, now, locale) ??
    dateTime(locale, { weekday: 'long', month: 'long', day: 'numeric' }).format(at)
  );
}

/**
 * `value` `unit`s, compact: "5 s", "14 min", "23 h", "6 d" in English, "5秒" in Chinese. Where
 * the locale runs a Latin unit symbol into the number ("5s"), a no-break space sets it apart, as
 * SI writes it; Chinese units follow the number directly.
 */
function compact(value: number, unit: Unit, locale: string): string {
  const parts = cached(
    `unit ${locale} ${unit}`,
    () => new Intl.NumberFormat(locale, { style: 'unit', unit, unitDisplay: COMPACT[unit] }),
  ).formatToParts(value);
  let out = '';
  for (const [i, part] of parts.entries()) {
    if (part.type === 'literal' && /^\s+$/.test(part.value)) {
      out += NBSP;
      continue;
    }
    const previous = parts[i - 1];
    if (part.type === 'unit' && previous?.type === 'integer' && /^\p{Script=Latin}/u.test(part.value))
      out += NBSP;
    out += part.value;
  }
  return out;
}

/** Time left until `deadline`, coarse as a person reads it: "6 d", "23 h", "14 min", "9 s". */
export function formatLeft(deadline: number, now: number, locale: string): string {
  const ms = Math.max(0, deadline - now);
  if (ms >= 2 * DAY) return compact(Math.floor(ms / DAY), 'day', locale);
  if (ms >= 2 * HOUR) return compact(Math.floor(ms / HOUR), 'hour', locale);
  if (ms >= 2 * MINUTE) return compact(Math.floor(ms / MINUTE), 'minute', locale);
  return compact(Math.ceil(ms / SECOND), 'second', locale);
}

/** The largest unit that divides `seconds` wholly, and how many of it. */
function wholeUnit(seconds: number): [number, Unit] {
  if (seconds !== 0 && seconds % 86_400 === 0) return [seconds / 86_400, 'day'];
  if (seconds !== 0 && seconds % 3600 === 0) return [seconds / 3600, 'hour'];
  if (seconds !== 0 && seconds % 60 === 0) return [seconds / 60, 'minute'];
  return [seconds, 'second'];
}

/** A duration in seconds as a short label: "5 s", "1 h", "7 d"; "5秒". */
export function formatSeconds(seconds: number, locale: string): string {
  const [value, unit] = wholeUnit(seconds);
  return compact(value, unit, locale);
}

/** A duration in seconds spelled out: "1 hour", "7 days"; "1小时", "7天". */
export function formatDuration(seconds: number, locale: string): string {
  const [value, unit] = wholeUnit(seconds);
  return cached(
    `long ${locale} ${unit}`,
    () => new Intl.NumberFormat(locale, { style: 'unit', unit, unitDisplay: 'long' }),
  ).format(value);
}
