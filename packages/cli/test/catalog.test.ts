import { describe, expect, it } from 'vitest';
import { en, type MessageKey } from '../src/i18n/en.ts';
import { createI18n, interpolate, placeholdersOf } from '../src/i18n/i18n.ts';
import { CATALOGS, LANGUAGES } from '../src/i18n/languages.ts';

const KEYS = Object.keys(en) as MessageKey[];

/** Keys whose zh-CN text may hold no Chinese: it is only placeholders and punctuation. */
const NO_WORDS: ReadonlySet<MessageKey> = new Set(['message.sealedAttachment', 'error.fromServer']);

const HAN = /\p{Script=Han}/u;

describe('message catalogs', () => {
  it('has the languages --lang accepts, each with a catalog', () => {
    expect(LANGUAGES).toEqual(['en', 'zh-CN']);
    expect(Object.keys(CATALOGS).sort()).toEqual([...LANGUAGES].sort());
  });

  for (const lang of LANGUAGES) {
    describe(lang, () => {
      const catalog: Readonly<Record<string, string>> = CATALOGS[lang];

      it('has exactly the English keys, each a non-empty string', () => {
        expect(Object.keys(catalog).sort()).toEqual([...KEYS].sort());
        for (const key of KEYS) {
          expect(typeof catalog[key], key).toBe('string');
          expect(catalog[key]?.trim(), key).not.toBe('');
        }
      });

      it('has the same {{placeholders}} as English in every message', () => {
        for (const key of KEYS) {
          expect(placeholdersOf(catalog[key] ?? ''), key).toEqual(placeholdersOf(en[key]));
        }
      });
    });
  }

  it('says every zh-CN message in Chinese', () => {
    const untranslated = KEYS.filter((key) => !NO_WORDS.has(key) && !HAN.test(CATALOGS['zh-CN'][key]));
    expect(untranslated).toEqual([]);
  });

  it('keeps error codes, commands and options as they are in zh-CN', () => {
    const zh = CATALOGS['zh-CN'];
    expect(zh['help.footer']).toContain('BURNED、NOT_FOUND、UNAUTHORIZED');
    expect(zh['open.attachmentOnce']).toContain('--discard-attachment');
    expect(zh['profile.notSignedIn']).toContain('cinder register');
  });
});

describe('t', () => {
  it('fills placeholders, and leaves one without a value visible rather than empty', () => {
    expect(interpolate('{{a}} and {{b}}', { a: 1, b: 'two' })).toBe('1 and two');
    expect(interpolate('{{a}} and {{b}}', { a: 1 })).toBe('1 and {{b}}');
    expect(interpolate('{ id, text }', {})).toBe('{ id, text }');
  });

  it('speaks the chosen language', () => {
    expect(createI18n('en').t('revoke.done', { id: 'm1' })).toBe('revoked m1');
    expect(createI18n('zh-CN').t('revoke.done', { id: 'm1' })).toBe('已撤回 m1');
    expect(createI18n('zh-CN').t('receipt.read')).toBe('已读');
  });

  it('is typed by the English catalog: a missing parameter does not compile', () => {
    const { t } = createI18n('en');
    // @ts-expect-error revoke.done needs { id }
    expect(t('revoke.done')).toBe('revoked {{id}}');
    // @ts-expect-error no such key
    expect(() => t('no.such.key')).toThrow();
  });
});
