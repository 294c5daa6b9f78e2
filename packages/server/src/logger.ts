import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import pino, { type Logger } from 'pino';
import type { LogLevel } from './config.ts';
import { safeError } from './safe-error.ts';

export type { Logger };
export { safeError };

/** A logger and how to flush it before exit. */
export interface ServerLogger {
  logger: Logger;
  /** Write out buffered lines. */
  flush(): void;
  /** Flush, silence the logger (late calls become no-ops) and release a log file. */
  close(): void;
}

/**
 * A pino logger writing JSON lines to `file`, or to stdout. A log file is its owner's alone (600,
 * also when an older version left it readable to others); a directory created for it is 700.
 */
export function createLogger(level: LogLevel, file: string | null): ServerLogger {
  if (file) {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    closeSync(openSync(file, 'a', 0o600));
    chmodSync(file, 0o600);
  }
  const destination = pino.destination({ dest: file ?? 1, sync: false, mode: 0o600 });
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
