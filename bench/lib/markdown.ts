import type { Correctness } from './jobs.ts';

/** Number formats and Markdown pieces shared by the result tables. */

export const int = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–');
export const ms = (n: number): string => (Number.isFinite(n) ? (n < 10 ? n.toFixed(2) : n.toFixed(1)) : '–');
export const kb = (bytes: number): string =>
  Number.isFinite(bytes) ? `${(bytes / 1024).toFixed(1)} KB` : '–';
export const ratio = (a: number | undefined, b: number | undefined): string =>
  a !== undefined && b !== undefined && Number.isFinite(a) && Number.isFinite(b) && b !== 0
    ? (a / b).toFixed(2)
    : '–';

/** A correctness tally in one line: ✅ with the counts, or ❌ with what went wrong. */
export function correctnessLine(c: Correctness | undefined): string {
  if (c === undefined) return '–';
  const errors = Object.entries(c.errors)
    .map(([code, n]) => `${code}×${n}`)
    .join(' ');
  const bad = [
    c.lost ? `lost ${c.lost}` : '',
    errors ? `errors ${errors}` : '',
    c.sealedViolations ? `unsealed ${c.sealedViolations}` : '',
    c.contentMismatches ? `content mismatches ${c.contentMismatches}` : '',
    c.duplicates ? `duplicates ${c.duplicates}` : '',
    c.unexpected ? `unexpected ${c.unexpected}` : '',
    c.invalidFrames ? `invalid frames ${c.invalidFrames}` : '',
  ].filter(Boolean);
  const summary = `${int(c.completed)}/${int(c.started)} completed, ${int(c.framesValidated)} frames validated`;
  return bad.length === 0 ? `✅ ${summary}` : `❌ ${summary}; ${bad.join(', ')}`;
}

/** A Markdown table. */
export function table(header: string[], rows: string[][], align: string[]): string {
  const lines = [`| ${header.join(' | ')} |`, `| ${align.join(' | ')} |`];
  for (const r of rows) lines.push(`| ${r.join(' | ')} |`);
  return lines.join('\n');
}
