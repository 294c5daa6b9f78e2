const clock = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' });
const weekday = new Intl.DateTimeFormat(undefined, { weekday: 'short' });
const shortDate = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });
const fullDate = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** Numbers stay on one line with their unit ("6 d" never wraps between 6 and d). */
const NBSP = '\u00a0';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Wall-clock time of a timestamp, e.g. "12:03" or "12:03 PM" by locale. */
export function formatClock(at: number): string {
  return clock.format(at);
}

/** Full date and time, for tooltips and screen readers. */
export function formatFull(at: number): string {
  return fullDate.format(at);
}

/** Compact "last activity" for the conversation list: a time today, else a weekday or date. */
export function formatActivity(at: number, now: number = Date.now()): string {
  const startOfToday = new Date(now).setHours(0, 0, 0, 0);
  if (at >= startOfToday) return formatClock(at);
  if (at >= startOfToday - DAY) return 'Yesterday';
  if (at >= startOfToday - 6 * DAY) return weekday.format(at);
  return shortDate.format(at);
}

/** Time left until `deadline`, coarse as a person reads it: "6 d", "23 h", "14 min", "9 s". */
export function formatLeft(deadline: number, now: number = Date.now()): string {
  const ms = Math.max(0, deadline - now);
  if (ms >= 2 * DAY) return `${Math.floor(ms / DAY)}${NBSP}d`;
  if (ms >= 2 * HOUR) return `${Math.floor(ms / HOUR)}${NBSP}h`;
  if (ms >= 2 * MINUTE) return `${Math.floor(ms / MINUTE)}${NBSP}min`;
  return `${Math.ceil(ms / 1000)}${NBSP}s`;
}

/** A duration in seconds as a short label: "5 s", "1 h", "7 d". */
export function formatSeconds(seconds: number): string {
  if (seconds % 86_400 === 0) return `${seconds / 86_400}${NBSP}d`;
  if (seconds % 3600 === 0) return `${seconds / 3600}${NBSP}h`;
  if (seconds % 60 === 0) return `${seconds / 60}${NBSP}min`;
  return `${seconds}${NBSP}s`;
}
