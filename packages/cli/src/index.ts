export type { CliIo } from './context.ts';
export { formatDuration, parseDuration } from './duration.ts';
export type { Profile } from './profile.ts';
export { DEFAULT_PROFILE, DEFAULT_SERVER_URL, resolveProfile } from './profile.ts';
export { buildProgram, EXIT_CODES, run } from './program.ts';
