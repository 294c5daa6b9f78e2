import { describe, expect, it } from 'vitest';
import { en } from './en.ts';
import { createTranslator } from './translator.ts';
import { zhCN } from './zh-cn.ts';

/** Every string of a resource by its dotted key. */
function flatten(resource: object, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(resource)) {
    if (typeof value === 'string') out.set(`${prefix}${key}`, value);
    else for (const [k, v] of flatten(value as object, `${prefix}${key}.`)) out.set(k, v);
  }
  return out;
}

/** The `{{values}}` and `<elements>` a string uses, sorted. */
function slots(text: string): string[] {
  return [...text.matchAll(/\{\{[^}]*\}\}|<[^>]*>/g)].map((m) => m[0]).sort();
}

describe('the zh-CN resource', () => {
  it('says every English key (a plural may drop its "_one" form) with the same values and elements', () => {
    const english = flatten(en);
    const chinese = flatten(zhCN);
    for (const [key, text] of english) {
      if (key.endsWith('_one')) continue;
      const translated = chinese.get(key);
      expect(translated, key).toBeDefined();
      expect(slots(translated ?? ''), key).toEqual(slots(text));
    }
    expect([...chinese.keys()].filter((k) => !english.has(k))).toEqual([]);
  });
});

describe('createTranslator', () => {
  it('fills values as given: a message text is never read as a key or a placeholder', () => {
    const { t } = createTranslator('en');
    const text = '{{peer}} $t(auth.password) <strong>&amp;';
    expect(t('chats.previewMine', { text })).toBe(`You: ${text}`);
  });

  it('chooses English plural forms by count, and Chinese has one', () => {
    expect(createTranslator('en').t('chats.sealed', { count: 1 })).toBe(' sealed burn message');
    expect(createTranslator('en').t('chats.sealed', { count: 2 })).toBe(' sealed burn messages');
    expect(createTranslator('zh-CN').t('chats.sealed', { count: 1 })).toBe(' 条未打开的阅后即焚消息');
  });
});
