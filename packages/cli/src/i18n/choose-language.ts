import type { Lang } from './languages.ts';

/** Where the language of a run came from. */
export type LanguageSource = '--lang' | 'CINDER_LANG' | 'locale' | 'default';

/** The language of a run, or the value that named none (with the language to say so in). */
export type LanguageChoice =
  | { ok: true; lang: Lang; source: LanguageSource }
  | { ok: false; lang: Lang; source: '--lang' | 'CINDER_LANG'; value: string };

/**
 * `--lang` / `CINDER_LANG` as a language: `en` or `zh-CN`, in any case, with `_` for `-`;
 * null for anything else (those two name a language exactly, unlike a locale).
 */
export function langFromTag(tag: string): Lang | null {
  const normal = tag.trim().replace('_', '-').toLowerCase();
  if (normal === 'en') return 'en';
  if (normal === 'zh-cn') return 'zh-CN';
  return null;
}

/**
 * A POSIX locale (`language[_territory][.codeset][@modifier]`) as a language. Chinese of
 * mainland China and Singapore, and Chinese without a territory, is zh-CN; Traditional Chinese
 * (zh_TW, zh_HK, zh_MO, or a `Hant` script) is English until cinder speaks zh-TW; every other
 * locale, C and POSIX included, is English.
 */
export function langFromLocale(locale: string): Lang {
  const [name = ''] = locale.split(/[.@]/);
  const [language = '', ...rest] = name.split(/[_-]/);
  if (language.toLowerCase() !== 'zh') return 'en';
  const subtags = rest.map((s) => s.toLowerCase());
  if (subtags.some((s) => s === 'tw' || s === 'hk' || s === 'mo' || s === 'hant')) return 'en';
  return 'zh-CN';
}

/**
 * The last `--lang` value on the command line (as commander takes the last one), before a
 * `--` that ends the options; undefined without one.
 */
export function langArgument(argv: readonly string[]): string | undefined {
  let value: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--') break;
    if (arg === '--lang' && i + 1 < argv.length) value = argv[++i];
    else if (arg.startsWith('--lang=')) value = arg.slice('--lang='.length);
  }
  return value;
}

/**
 * The language of a run: `--lang`, else `CINDER_LANG`, else the POSIX locale of messages (the
 * first non-empty of LC_ALL, LC_MESSAGES, LANG), else English. An unknown `--lang` or
 * `CINDER_LANG` value is not skipped: the run fails with a usage error in the language the
 * sources after it choose.
 */
export function chooseLanguage(argv: readonly string[], env: NodeJS.ProcessEnv): LanguageChoice {
  const fromLocale = (): LanguageChoice => {
    const locale = env.LC_ALL || env.LC_MESSAGES || env.LANG;
    return locale
      ? { ok: true, lang: langFromLocale(locale), source: 'locale' }
      : { ok: true, lang: 'en', source: 'default' };
  };
  const fromEnv = (): LanguageChoice => {
    const value = env.CINDER_LANG;
    if (!value) return fromLocale();
    const lang = langFromTag(value);
    if (lang) return { ok: true, lang, source: 'CINDER_LANG' };
    return { ok: false, lang: fromLocale().lang, source: 'CINDER_LANG', value };
  };
  const value = langArgument(argv);
  if (value === undefined) return fromEnv();
  const lang = langFromTag(value);
  if (lang) return { ok: true, lang, source: '--lang' };
  const fallback = fromEnv();
  return { ok: false, lang: fallback.lang, source: '--lang', value };
}
