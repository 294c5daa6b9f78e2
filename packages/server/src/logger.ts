import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import pino, { type Logger } from 'pino';
import type { LogLevel } from './config.ts';

export type { Logger };

/** A logger and how to flush it before exit. */
export interface ServerLogger {
  logger: Logger;
  /** Write out buffered lines. */
  flush(): void;
  /** Flush, silence the logger (late calls become no-ops) and release a log file. */
  close(): void;
}

/**
 * An error as logged: its type, code and stack frames, never its message. Messages of foreign
 * errors can quote their input (JSON.parse does), and input may be message content.
 */
export function safeError(error: unknown): Record<string, unknown> {
  if (typeof error === 'object' && error !== null && SAFE.has(error)) return error as Record<string, unknown>;
  if (!(error instanceof Error)) return remember({ type: typeof error });
  const code = (error as { code?: unknown }).code;
  const frames = (error.stack ?? '').split('\n').filter((line) => line.trimStart().startsWith('at '));
  const fields: Record<string, unknown> = { type: error.name, stack: frames.join('\n') };
  if (typeof code === 'string' || typeof code === 'number') fields.code = code;
  if (error.name === 'CinderError') fields.message = error.message; // safe by contract
  return remember(fields);
}

/**
 * What `safeError` produced. Callers log `{ err: safeError(e) }` and the `err` serializer runs
 * `safeError` again: its own output passes through unchanged, anything else is reduced.
 */
const SAFE = new WeakSet<object>();

function remember(fields: Record<string, unknown>): Record<string, unknown> {
  SAFE.add(fields);
  return fields;
}

/** A pino logger writing JSON lines to `file`, or to stdout. */
export function createLogger(level: LogLevel, file: string | null): ServerLogger {
  if (file) mkdirSync(dirname(file), { recursive: true });
  const destination = pino.destination({ dest: file ?? 1, sync: false });
  const logger = pino(
    {
      level,
      base: { service: 'cinder' },
      // Only `safeError` output may carry an error; raw errors are never serialised.
      serializers: { err: safeError },
    },
    destination,
  );
  const flush = () => {
    try {
      destination.flushSync();
    } catch {
      // Nothing buffered yet (the stream is still opening): nothing to lose.
    }
  };
  return {
    logger,
    flush,
    close: () => {
      flush();
      logger.level = 'silent';
      if (file) destination.end();
    },
  };
}
