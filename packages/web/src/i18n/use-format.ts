import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import {
  formatActivity,
  formatClock,
  formatDay,
  formatDuration,
  formatFull,
  formatLeft,
  formatSeconds,
} from '../lib/format.ts';
import { intlLocale, isLanguage } from './language.ts';

/** The formatters of lib/format.ts, bound to the `Intl` locale of the chosen language. */
export interface Format {
  locale: string;
  clock: (at: number) => string;
  full: (at: number) => string;
  activity: (at: number, now: number) => string;
  day: (at: number, now: number) => string;
  left: (deadline: number, now: number) => string;
  seconds: (seconds: number) => string;
  duration: (seconds: number) => string;
}

/** Date, time and duration formatting in the language the page shows; follows a switch. */
export function useFormat(): Format {
  const { i18n } = useTranslation();
  const language = i18n.resolvedLanguage ?? i18n.language;
  return useMemo(() => {
    const locale = isLanguage(language) ? intlLocale(language, navigator.languages) : 'en';
    return {
      locale,
      clock: (at) => formatClock(at, locale),
      full: (at) => formatFull(at, locale),
      activity: (at, now) => formatActivity(at, now, locale),
      day: (at, now) => formatDay(at, now, locale),
      left: (deadline, now) => formatLeft(deadline, now, locale),
      seconds: (seconds) => formatSeconds(seconds, locale),
      duration: (seconds) => formatDuration(seconds, locale),
    };
  }, [language]);
}
