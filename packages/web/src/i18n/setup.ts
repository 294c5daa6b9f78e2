import type { i18n } from 'i18next';
import { chooseLanguage, LANGUAGE_STORAGE_KEY, type Language } from './language.ts';
import { createTranslator } from './translator.ts';

/** The language saved in settings, if storage can be read at all. */
function savedLanguage(): string | null {
  try {
    return localStorage.getItem(LANGUAGE_STORAGE_KEY);
  } catch {
    return null;
  }
}

/**
 * The i18next instance of the page, in the language `chooseLanguage` picks from settings and the
 * browser. `<html lang>` follows it, and every later change of language.
 */
export function createPageI18n(): i18n {
  const instance = createTranslator(chooseLanguage(savedLanguage(), navigator.languages));
  document.documentElement.lang = instance.language;
  instance.on('languageChanged', (language) => {
    document.documentElement.lang = language;
  });
  return instance;
}

/** Switch the page to `language` and remember it over the browser's languages. */
export function saveLanguage(instance: i18n, language: Language): Promise<unknown> {
  try {
    localStorage.setItem(LANGUAGE_STORAGE_KEY, language);
  } catch {
    // Storage may be off (a private window's policy): the switch still holds for this page.
  }
  return instance.changeLanguage(language);
}
