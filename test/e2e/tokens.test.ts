import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { blend, contrastRatio, parseColor, requiredRatio } from './contrast.ts';
import { ROOT } from './web-build.ts';

const STYLES = join(ROOT, 'packages/web/src/styles');
const tokensCss = readFileSync(join(STYLES, 'tokens.css'), 'utf8');
const baseCss = readFileSync(join(STYLES, 'base.css'), 'utf8');

/** The custom properties declared in `block` (name without the dashes → value). */
function properties(block: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const m of block.matchAll(/--([\w-]+):\s*([^;]+);/g))
    found.set(m[1] as string, (m[2] as string).trim());
  return found;
}

/** The light tokens (`:root`), and the dark ones (`:root` overridden by the dark-scheme block). */
function themes(): { light: Map<string, string>; dark: Map<string, string> } {
  const darkAt = tokensCss.indexOf('@media (prefers-color-scheme: dark)');
  expect(darkAt).toBeGreaterThan(0);
  const light = properties(tokensCss.slice(0, darkAt));
  const dark = new Map([...light, ...properties(tokensCss.slice(darkAt))]);
  return { light, dark };
}

/** Every hex colour in a gradient's value, in order. */
function stops(gradient: string): string[] {
  return gradient.match(/#[0-9a-f]{3,6}\b/gi) ?? [];
}

describe('WCAG contrast', () => {
  it('computes the ratios WCAG 2 defines (luminance, ratio, alpha over a background, AA thresholds)', () => {
    expect(contrastRatio(parseColor('#000'), parseColor('#fff'))).toBeCloseTo(21, 5);
    expect(contrastRatio(parseColor('#fff'), parseColor('#fff'))).toBe(1);
    // The numbers: white on the old ember orange fails; #767676 is the classic 4.54:1 grey.
    expect(contrastRatio(parseColor('#ffffff'), parseColor('#f97316'))).toBeCloseTo(2.8, 1);
    expect(contrastRatio(parseColor('rgb(118, 118, 118)'), parseColor('#fff'))).toBeCloseTo(4.54, 2);
    // Order does not matter; half-transparent black on white is a mid grey.
    expect(contrastRatio(parseColor('#fff'), parseColor('#595959'))).toBeCloseTo(
      contrastRatio(parseColor('#595959'), parseColor('#fff')),
      10,
    );
    expect(blend(parseColor('rgba(0, 0, 0, 0.5)'), parseColor('#fff'))).toMatchObject({ r: 127.5, a: 1 });
    expect(parseColor('rgb(234 88 12 / 0.35)')).toEqual({ r: 234, g: 88, b: 12, a: 0.35 });
    expect(() => parseColor('orange')).toThrow(/not a colour/);
    expect(requiredRatio(15, 400)).toBe(4.5);
    expect(requiredRatio(19, 700)).toBe(3);
    expect(requiredRatio(24, 400)).toBe(3);
  });
});

describe('design tokens meet WCAG AA', () => {
  const { light, dark } = themes();

  for (const [scheme, t] of [
    ['light', light],
    ['dark', dark],
  ] as const) {
    /** The ratio of token `fg` on token `bg` in this scheme. */
    const ratio = (fg: string, bg: string) => {
      const f = t.get(fg);
      const b = t.get(bg);
      if (!f || !b) throw new Error(`no token --${f ? bg : fg} in ${scheme}`);
      return contrastRatio(parseColor(f), parseColor(b));
    };
    const pairs: [string, string][] = [
      ...['text', 'text-2', 'text-3'].flatMap((fg) =>
        ['bg', 'surface', 'surface-2', 'surface-3'].map((bg): [string, string] => [fg, bg]),
      ),
      ['ember-text', 'bg'],
      ['ember-text', 'surface'],
      ['ember-text', 'ember-soft'],
      ['ember-text', 'theirs-bg'],
      ['mine-text', 'mine-bg'],
      ['theirs-text', 'theirs-bg'],
      ['sealed-text', 'sealed-bg'],
      ['sealed-soft', 'sealed-bg'],
      ['sealed-soft', 'sealed-bg-2'],
      ['danger', 'surface'],
      ['danger', 'danger-soft'],
      ['ok', 'surface'],
      ['warn', 'surface-2'],
    ];
    it(`${scheme}: text tokens on the surfaces they are used on reach 4.5:1`, () => {
      const low = pairs
        .map(([fg, bg]) => ({ pair: `--${fg} on --${bg}`, ratio: ratio(fg, bg) }))
        .filter((p) => p.ratio < 4.5)
        .map((p) => `${p.pair}: ${p.ratio.toFixed(2)}:1`);
      expect(low).toEqual([]);
    });

    it(`${scheme}: a text field's edge reaches 3:1 on the surfaces around it (WCAG 1.4.11)`, () => {
      const edges: [string, string][] = [
        ['border-input', 'surface'],
        ['border-input', 'bg'],
        ['ember-deep', 'surface'],
        ['focus', 'bg'],
        ['focus', 'surface'],
      ];
      const low = edges
        .map(([fg, bg]) => ({ pair: `--${fg} on --${bg}`, ratio: ratio(fg, bg) }))
        .filter((p) => p.ratio < 3)
        .map((p) => `${p.pair}: ${p.ratio.toFixed(2)}:1`);
      expect(low).toEqual([]);
    });
  }

  it('white text reaches 4.5:1 on every stop of the ember gradient and of every avatar colour', () => {
    const white = parseColor('#fff');
    const gradients = [
      ['--ember-grad', light.get('ember-grad') ?? ''],
      ...[...baseCss.matchAll(/\.(avatar--hue-\d)\s*\{\s*--avatar:\s*([^;]+);/g)].map((m) => [m[1], m[2]]),
    ] as [string, string][];
    expect(gradients.length).toBe(9);
    const low: string[] = [];
    for (const [name, value] of gradients) {
      const colors = stops(value);
      expect(colors.length, name).toBeGreaterThanOrEqual(2);
      for (const stop of colors) {
        const r = contrastRatio(white, parseColor(stop));
        if (r < 4.5) low.push(`${name} ${stop}: ${r.toFixed(2)}:1`);
      }
    }
    expect(low).toEqual([]);
  });
});
