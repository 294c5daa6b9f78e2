export type { CliIo } from './context.ts';
export { formatDuration, parseDuration } from './duration.ts';
export { chooseLanguage, type LanguageChoice } from './i18n/choose-language.ts';
export { createI18n, type I18n } from './i18n/i18n.ts';
export { LANGUAGES, type Lang } from './i18n/languages.ts';
export type { Profile } from './profile.ts';
export { DEFAULT_PROFILE, DEFAULT_SERVER_URL, resolveProfile } from './profile.ts';
export { buildProgram, EXIT_CODES, run } from './program.ts';
