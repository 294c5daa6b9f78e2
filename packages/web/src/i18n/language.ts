/** The languages of the web app, as BCP 47 tags (also `<html lang>` and i18next's language). */
export const LANGUAGES = ['en', 'zh-CN'] as const;

/** One of {@link LANGUAGES}. */
export type Language = (typeof LANGUAGES)[number];

/**
 * Each language's name in itself, as a language switch shows it: a reader who cannot read the
 * current language still finds their own. Never translated.
 */
export const AUTONYMS: Readonly<Record<Language, string>> = {
  en: 'English',
  'zh-CN': '简体中文',
};

/** Where the language picked in settings is kept (localStorage). */
export const LANGUAGE_STORAGE_KEY = 'cinder-language';

/** True for a tag of one of the app's languages, exactly as {@link LANGUAGES} spells it. */
export function isLanguage(tag: unknown): tag is Language {
  return typeof tag === 'string' && (LANGUAGES as readonly string[]).includes(tag);
}

/**
 * The app's language for a browser tag, or null when the app has none for it: any English is
 * `en`; Chinese written in simplified characters (zh, zh-CN, zh-SG, zh-Hans…) is `zh-CN`.
 * Traditional Chinese (zh-TW, zh-HK, zh-MO, zh-Hant…) is not Simplified Chinese: null, so a
 * later language of the browser, or English, is used.
 */
export function languageOf(tag: string): Language | null {
  let locale: Intl.Locale;
  try {
    locale = new Intl.Locale(tag);
  } catch {
    return null;
  }
  if (locale.language === 'en') return 'en';
  if (locale.language === 'zh') return locale.maximize().script === 'Hans' ? 'zh-CN' : null;
  return null;
}

/**
 * The language to show: the one saved in settings if any; else the first of the browser's
 * languages (`navigator.languages`, in the person's order of preference) the app has; else English.
 */
export function chooseLanguage(saved: string | null, browser: readonly string[]): Language {
  if (isLanguage(saved)) return saved;
  for (const tag of browser) {
    const language = languageOf(tag);
    if (language) return language;
  }
  return 'en';
}

/**
 * The locale for `Intl` formatting in `language`: the browser's own variant when it is one of
 * that language (en-GB keeps its day-month dates and 24-hour clock), else the language itself.
 */
export function intlLocale(language: Language, browser: readonly string[]): string {
  for (const tag of browser) if (languageOf(tag) === language) return tag;
  return language;
}
