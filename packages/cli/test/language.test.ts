import { describe, expect, it } from 'vitest';
import { chooseLanguage, langArgument, langFromLocale, langFromTag } from '../src/i18n/choose-language.ts';

describe('langFromLocale', () => {
  it.each([
    ['zh_CN.UTF-8', 'zh-CN'],
    ['zh_CN.GB18030', 'zh-CN'],
    ['zh_CN', 'zh-CN'],
    ['zh_SG.UTF-8', 'zh-CN'],
    ['zh', 'zh-CN'],
    ['zh_CN.UTF-8@pinyin', 'zh-CN'],
    ['zh_TW.UTF-8', 'en'],
    ['zh_HK.UTF-8', 'en'],
    ['zh_MO', 'en'],
    ['zh-Hant-TW', 'en'],
    ['en_US.UTF-8', 'en'],
    ['en_GB', 'en'],
    ['C', 'en'],
    ['C.UTF-8', 'en'],
    ['POSIX', 'en'],
    ['fr_FR.UTF-8', 'en'],
    ['ja_JP.UTF-8', 'en'],
  ])('%s is %s', (locale, lang) => {
    expect(langFromLocale(locale)).toBe(lang);
  });
});

describe('langFromTag', () => {
  it.each([
    ['en', 'en'],
    ['EN', 'en'],
    ['zh-CN', 'zh-CN'],
    ['zh-cn', 'zh-CN'],
    ['zh_CN', 'zh-CN'],
    [' zh-CN ', 'zh-CN'],
  ])('%j names %s', (tag, lang) => {
    expect(langFromTag(tag)).toBe(lang);
  });

  it.each(['', 'fr', 'zh', 'zh-TW', 'en-US', 'zh_CN.UTF-8', 'chinese'])('%j names no language', (tag) => {
    expect(langFromTag(tag)).toBeNull();
  });
});

describe('langArgument', () => {
  it('finds --lang <v> and --lang=<v> anywhere before --, the last one winning', () => {
    expect(langArgument(['inbox'])).toBeUndefined();
    expect(langArgument(['--lang', 'zh-CN', 'inbox'])).toBe('zh-CN');
    expect(langArgument(['send', 'bob', 'hi', '--lang=zh-CN'])).toBe('zh-CN');
    expect(langArgument(['--lang', 'en', 'inbox', '--lang', 'zh-CN'])).toBe('zh-CN');
    expect(langArgument(['send', 'bob', '--', '--lang', 'zh-CN'])).toBeUndefined();
    // A --lang without a value is commander's to report.
    expect(langArgument(['inbox', '--lang'])).toBeUndefined();
  });
});

describe('chooseLanguage', () => {
  const ZH = { LANG: 'zh_CN.UTF-8' };

  it('takes --lang first, then CINDER_LANG, then the locale, then English', () => {
    expect(chooseLanguage(['--lang', 'en'], { CINDER_LANG: 'zh-CN', ...ZH })).toEqual({
      ok: true,
      lang: 'en',
      source: '--lang',
    });
    expect(chooseLanguage([], { CINDER_LANG: 'en', ...ZH })).toEqual({
      ok: true,
      lang: 'en',
      source: 'CINDER_LANG',
    });
    expect(chooseLanguage([], ZH)).toEqual({ ok: true, lang: 'zh-CN', source: 'locale' });
    expect(chooseLanguage([], {})).toEqual({ ok: true, lang: 'en', source: 'default' });
    expect(chooseLanguage(['--lang', 'zh-CN'], {})).toMatchObject({ ok: true, lang: 'zh-CN' });
  });

  it('reads the locale as POSIX does: LC_ALL, then LC_MESSAGES, then LANG, the first one set', () => {
    expect(chooseLanguage([], { LC_ALL: 'C', LC_MESSAGES: 'zh_CN.UTF-8', LANG: 'zh_CN.UTF-8' }).lang).toBe(
      'en',
    );
    expect(chooseLanguage([], { LC_ALL: 'zh_CN.UTF-8', LANG: 'en_US.UTF-8' }).lang).toBe('zh-CN');
    expect(chooseLanguage([], { LC_MESSAGES: 'zh_SG.UTF-8', LANG: 'en_US.UTF-8' }).lang).toBe('zh-CN');
    expect(chooseLanguage([], { LC_ALL: '', LC_MESSAGES: '', LANG: 'zh_CN.UTF-8' }).lang).toBe('zh-CN');
    expect(chooseLanguage([], { LANG: 'zh_TW.UTF-8' }).lang).toBe('en');
    // An empty CINDER_LANG is unset.
    expect(chooseLanguage([], { CINDER_LANG: '', ...ZH })).toMatchObject({ ok: true, lang: 'zh-CN' });
  });

  it('refuses an unknown --lang or CINDER_LANG, to be said in the language the rest chooses', () => {
    expect(chooseLanguage(['--lang', 'fr'], ZH)).toEqual({
      ok: false,
      lang: 'zh-CN',
      source: '--lang',
      value: 'fr',
    });
    expect(chooseLanguage([], { CINDER_LANG: 'fr', ...ZH })).toEqual({
      ok: false,
      lang: 'zh-CN',
      source: 'CINDER_LANG',
      value: 'fr',
    });
    // A valid --lang makes a bad CINDER_LANG irrelevant.
    expect(chooseLanguage(['--lang', 'en'], { CINDER_LANG: 'fr' })).toMatchObject({ ok: true, lang: 'en' });
  });
});
