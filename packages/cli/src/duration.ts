export { parseDuration } from '@cinder/protocol';

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
