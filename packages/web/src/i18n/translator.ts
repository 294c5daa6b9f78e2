import { createInstance, type i18n } from 'i18next';
import { initReactI18next } from 'react-i18next';
import { en } from './en.ts';
import { LANGUAGES, type Language } from './language.ts';
import { zhCN } from './zh-cn.ts';

/**
 * An i18next instance in `language` with every resource bundled (they are small: no loading step,
 * no flash of English). Touches no DOM, so unit tests use it as the page does.
 */
export function createTranslator(language: Language): i18n {
  const instance = createInstance();
  void instance.use(initReactI18next).init({
    resources: { en: { translation: en }, 'zh-CN': { translation: zhCN } },
    lng: language,
    fallbackLng: 'en',
    supportedLngs: [...LANGUAGES],
    // React escapes what it renders; escaping here too would show "&amp;".
    interpolation: { escapeValue: false },
    initAsync: false,
  });
  return instance;
}
