import { en, type Messages } from './en.ts';
import { zhCN } from './zh-cn.ts';

/** The languages `cinder` speaks, as `--lang` and `CINDER_LANG` name them (BCP 47 tags). */
export const LANGUAGES = ['en', 'zh-CN'] as const;

/** A language `cinder` speaks. */
export type Lang = (typeof LANGUAGES)[number];

/** Each language's catalog; a language listed in `LANGUAGES` without one is a compile error. */
export const CATALOGS: { readonly [L in Lang]: Messages } = { en, 'zh-CN': zhCN };
