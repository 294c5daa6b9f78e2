import { describe, expect, it } from 'vitest';
import { DisplayName, graphemeCount, MAX_DISPLAY_NAME_GRAPHEMES } from './display-name.ts';

const parse = (s: string) => DisplayName.safeParse(s);

describe('display names', () => {
  it('takes names in any script, normalised: NFC, trimmed, runs of spaces as one', () => {
    expect(parse('张三').data).toBe('张三');
    expect(parse('  Zoë   de la\u3000Cruz ').data).toBe('Zoë de la Cruz');
    expect(parse('Ame\u0301lie').data).toBe('Amélie'); // NFC
    expect(parse("O'Brien-Smith (work)").data).toBe("O'Brien-Smith (work)");
    expect(parse('مریم').data).toBe('مریم');
    expect(parse('★ Ada ★').data).toBe('★ Ada ★');
  });

  it('refuses empty names, control and format characters (bidi overrides, zero-width), and line breaks', () => {
    for (const bad of [
      '',
      '   ',
      'evil\u202Egnp.exe',
      'a\u2066b\u2069',
      'zero\u200Bwidth',
      'two\nlines',
      'tab\there',
      'nul\u0000',
      'lone\uD800',
      'para\u2029graph',
    ]) {
      expect(parse(bad).success, JSON.stringify(bad)).toBe(false);
    }
  });

  it('counts graphemes, not code units: 64 of them at most', () => {
    const family = '\u{1F469}\u{1F3FD}'; // one grapheme, four UTF-16 units
    expect(graphemeCount(family)).toBe(1);
    expect(parse('张'.repeat(MAX_DISPLAY_NAME_GRAPHEMES)).success).toBe(true);
    expect(parse('张'.repeat(MAX_DISPLAY_NAME_GRAPHEMES + 1)).success).toBe(false);
    expect(parse('e\u0301'.repeat(MAX_DISPLAY_NAME_GRAPHEMES)).success).toBe(true);
    expect(parse(family.repeat(MAX_DISPLAY_NAME_GRAPHEMES)).success).toBe(true);
  });
});
