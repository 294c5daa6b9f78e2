import { CinderError } from '@cinder/protocol';

const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/**
 * Parse a human duration into whole seconds: `90` (seconds), `10s`, `30m`, `1h`, `7d`, `2w`,
 * or a sum of parts such as `1h30m`. Throws `BAD_REQUEST` for anything else, and for values
 * that are not whole seconds or are too large to be meaningful.
 */
export function parseDuration(input: string): number {
  const text = input.trim().toLowerCase();
  if (/^\d+$/.test(text)) return checked(Number(text), input);
  const part = /(\d+(?:\.\d+)?)([smhdw])/gy;
  let total = 0;
  let consumed = 0;
  for (let match = part.exec(text); match !== null; match = part.exec(text)) {
    const [, amount = '', unit = ''] = match;
    total += Number(amount) * (UNIT_SECONDS[unit] ?? Number.NaN);
    consumed = part.lastIndex;
  }
  if (text.length === 0 || consumed !== text.length) {
    throw new CinderError(
      'BAD_REQUEST',
      `invalid duration "${input}": use e.g. 90, 10s, 30m, 1h, 7d or 1h30m`,
    );
  }
  return checked(total, input);
}

function checked(seconds: number, input: string): number {
  // Rounding would silently change what the user asked for; say so instead.
  if (!Number.isSafeInteger(seconds)) {
    throw new CinderError('BAD_REQUEST', `invalid duration "${input}": must be a whole number of seconds`);
  }
  return seconds;
}

/**
 * Format seconds as a short, rounded-down human duration for status lines:
 * `45s`, `58m`, `3h 5m`, `6d 23h`. Negative values count as 0.
 */
export function formatDuration(totalSeconds: number): string {
  const s = Math.max(0, Math.floor(totalSeconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86_400) return joinParts(Math.floor(s / 3600), 'h', Math.floor((s % 3600) / 60), 'm');
  return joinParts(Math.floor(s / 86_400), 'd', Math.floor((s % 86_400) / 3600), 'h');
}

function joinParts(major: number, majorUnit: string, minor: number, minorUnit: string): string {
  return minor > 0 ? `${major}${majorUnit} ${minor}${minorUnit}` : `${major}${majorUnit}`;
}
