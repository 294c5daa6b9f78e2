import { z } from 'zod';

/** Most user-perceived characters (grapheme clusters) in a display name. */
export const MAX_DISPLAY_NAME_GRAPHEMES = 64;

/**
 * Letters, marks, numbers, punctuation, symbols and spaces of any script. Everything else is
 * refused: control characters, format characters (bidi overrides and isolates, zero-width
 * characters), line and paragraph separators, unassigned and private-use code points, and lone
 * surrogates.
 */
const ALLOWED = /^[\p{L}\p{M}\p{N}\p{P}\p{S}\p{Zs}]+$/u;

/** A display name as it is stored: NFC, trimmed, each run of spaces one U+0020. */
export function normalizeDisplayName(raw: string): string {
  return raw
    .normalize('NFC')
    .trim()
    .replace(/\p{Zs}+/gu, ' ');
}

/** User-perceived characters in `s` (`Intl.Segmenter` graphemes). */
export function graphemeCount(s: string): number {
  let n = 0;
  for (const _ of new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(s)) n += 1;
  return n;
}

/**
 * A display name in any script (张三), apart from the ASCII username: normalised by
 * `normalizeDisplayName`, then 1–64 graphemes of `ALLOWED` characters. Parsing returns the
 * normalised name.
 */
export const DisplayName = z
  .string()
  .max(1024)
  .transform(normalizeDisplayName)
  .pipe(
    z
      .string()
      .min(1, 'display name: at least one character')
      .refine(
        (s) => ALLOWED.test(s),
        'display name: letters, marks, numbers, punctuation, symbols and spaces only',
      )
      .refine(
        (s) => graphemeCount(s) <= MAX_DISPLAY_NAME_GRAPHEMES,
        `display name: at most ${MAX_DISPLAY_NAME_GRAPHEMES} characters`,
      ),
  );
export type DisplayName = z.infer<typeof DisplayName>;
