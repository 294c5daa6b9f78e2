import { describe, expect, it } from 'vitest';
import { chooseLanguage, intlLocale, languageOf } from './language.ts';

describe('chooseLanguage', () => {
  it('takes Simplified Chinese from any zh tag but a traditional one', () => {
    for (const tag of ['zh', 'zh-CN', 'zh-SG', 'zh-Hans', 'zh-Hans-HK', 'zh-cn'])
      expect(chooseLanguage(null, [tag]), tag).toBe('zh-CN');
    for (const tag of ['zh-TW', 'zh-HK', 'zh-MO', 'zh-Hant', 'zh-Hant-CN'])
      expect(chooseLanguage(null, [tag]), tag).toBe('en');
  });

  it('walks the browser languages in order, to the first the app has', () => {
    expect(chooseLanguage(null, ['fr-FR', 'zh-CN', 'en'])).toBe('zh-CN');
    expect(chooseLanguage(null, ['zh-TW', 'zh-CN'])).toBe('zh-CN');
    expect(chooseLanguage(null, ['en-GB', 'zh-CN'])).toBe('en');
    expect(chooseLanguage(null, ['de', 'ja'])).toBe('en');
    expect(chooseLanguage(null, [])).toBe('en');
    expect(chooseLanguage(null, ['not a tag', 'zh'])).toBe('zh-CN');
  });

  it('lets the language saved in settings win over the browser', () => {
    expect(chooseLanguage('en', ['zh-CN'])).toBe('en');
    expect(chooseLanguage('zh-CN', ['en-US'])).toBe('zh-CN');
    // Anything else saved there is not a choice.
    expect(chooseLanguage('fr', ['zh-CN'])).toBe('zh-CN');
    expect(chooseLanguage('', ['en-US'])).toBe('en');
  });
});

describe('languageOf', () => {
  it('maps English and Simplified Chinese only', () => {
    expect(languageOf('en-AU')).toBe('en');
    expect(languageOf('zh-Hans-SG')).toBe('zh-CN');
    expect(languageOf('ja-JP')).toBeNull();
    expect(languageOf('x')).toBeNull();
  });
});

describe('intlLocale', () => {
  it('keeps the browser’s variant of the chosen language for dates and numbers', () => {
    expect(intlLocale('en', ['en-GB', 'zh-CN'])).toBe('en-GB');
    expect(intlLocale('zh-CN', ['en-GB', 'zh-SG'])).toBe('zh-SG');
    expect(intlLocale('zh-CN', ['en-US'])).toBe('zh-CN');
    expect(intlLocale('en', ['zh-CN'])).toBe('en');
  });
});
