import 'i18next';
import type { en } from './en.ts';

// Keys of `t` and `<Trans>` are checked against the English resource.
declare module 'i18next' {
  interface CustomTypeOptions {
    defaultNS: 'translation';
    resources: { translation: typeof en };
  }
}
