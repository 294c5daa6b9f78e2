export { parseDuration, parseServerArgs, SERVER_FLAGS, SERVER_USAGE, type ServerFlag } from './args.ts';
export type { LogLevel, RateLimitOptions, ServerOptions } from './config.ts';
export { runMain } from './run-main.ts';
export { type CinderServer, startServer } from './server.ts';
