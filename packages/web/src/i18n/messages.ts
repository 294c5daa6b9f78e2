import type { en } from './en.ts';

/**
 * The shape every language provides: the English resource's keys, each a string. A plural's
 * `_one` form is optional, since languages such as Chinese have only the `_other` form
 * (`Intl.PluralRules('zh-CN')` never answers "one").
 */
export type Localized<T> = {
  [K in keyof T as K extends `${string}_one` ? never : K]: T[K] extends string ? string : Localized<T[K]>;
} & {
  [K in keyof T as K extends `${string}_one` ? K : never]?: string;
};

/** The resource of one language. */
export type Messages = Localized<typeof en>;
