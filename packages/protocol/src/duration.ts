import { CinderError } from './errors.ts';

const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/** What `parseDuration` accepts, for error and help texts. */
export const DURATION_HINT = 'seconds, or e.g. 10s, 30m, 1h, 7d, 2w, 1h30m';

/**
 * Whole seconds from a human duration: `90` (seconds), `10s`, `30m`, `1h`, `7d`, `2w`, or parts
 * written together such as `1h30m` or `1.5h`. Case and surrounding white space do not matter;
 * white space inside (`10 s`, `1h 30m`) does. The one parser of the server's flags and the CLI.
 * Throws `BAD_REQUEST` for anything else, and for values that are not a whole, safe number of
 * seconds (rounding would silently change what was asked for).
 */
export function parseDuration(input: string): number {
  const text = input.trim().toLowerCase();
  let total = 0;
  if (/^\d+$/.test(text)) total = Number(text);
  else {
    const part = /(\d+(?:\.\d+)?)([smhdw])/y;
    let consumed = 0;
    for (let match = part.exec(text); match !== null; match = part.exec(text)) {
      const [, amount = '', unit = ''] = match;
      total += Number(amount) * (UNIT_SECONDS[unit] ?? Number.NaN);
      consumed = part.lastIndex;
    }
    if (text.length === 0 || consumed !== text.length) {
      throw new CinderError('BAD_REQUEST', `Not a duration: "${input}" (use ${DURATION_HINT})`);
    }
  }
  if (!Number.isSafeInteger(total)) {
    throw new CinderError('BAD_REQUEST', `Not a duration: "${input}" (must be a whole number of seconds)`);
  }
  return total;
}
