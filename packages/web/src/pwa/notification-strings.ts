import type { Language } from '../i18n/language.ts';

/**
 * The service worker's words: it has no React and no i18next (the worker bundle stays small, and
 * a push must show even before the app ever ran in this browser session). The page's own
 * notifications use the `notifications` section of the app's messages, worded the same.
 */
export interface WorkerStrings {
  /** Title of a burn message's notification: who sent one, never what. */
  burnTitle(from: string): string;
  /** Body of a normal message's notification that carries no preview. */
  newMessage: string;
  /** Title of a push the worker cannot read (an unknown version or a malformed payload). */
  fallbackTitle: string;
}

/** The worker's strings in each language of the app. */
export const WORKER_STRINGS: Readonly<Record<Language, WorkerStrings>> = {
  en: {
    burnTitle: (from) => `${from} sent a burn message`,
    newMessage: 'New message',
    fallbackTitle: 'Cinder',
  },
  'zh-CN': {
    burnTitle: (from) => `${from} 发来一条阅后即焚消息`,
    newMessage: '新消息',
    fallbackTitle: 'Cinder',
  },
};
