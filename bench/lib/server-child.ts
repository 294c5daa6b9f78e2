import type { ServerCommand, ServerMessage } from './jobs.ts';

function tell(message: ServerMessage): void {
  process.send?.(message);
}

/**
 * Wire a server child process to the orchestrator: announce the URL, then answer `gc` (collect
 * garbage, report memory, so idle-memory readings are not inflated by garbage) and `stop` (close
 * cleanly and exit, which is also when `--cpu-prof` writes its profile).
 */
export function serveOrchestrator(
  url: string,
  close: () => Promise<void>,
  metricsUrl: string | null = null,
): void {
  tell({ type: 'listening', url, metricsUrl });
  process.on('message', (command: ServerCommand) => {
    if (command.type === 'gc') {
      const gc = (globalThis as { gc?: () => void }).gc;
      // Twice: the first pass may only promote what the second can then free.
      gc?.();
      gc?.();
      tell({ type: 'memory', memory: process.memoryUsage() });
    } else if (command.type === 'stop') {
      void close()
        .catch(() => {})
        .finally(() => process.exit(0));
    }
  });
  // The orchestrator died: do not outlive it.
  process.on('disconnect', () => {
    void close()
      .catch(() => {})
      .finally(() => process.exit(0));
  });
}

/** Report a startup failure and exit. The message never carries request content. */
export function failStartup(error: unknown): never {
  tell({ type: 'failed', error: error instanceof Error ? error.message : String(error) });
  process.exit(1);
}

/** Value of `--name value` in this process's arguments. */
export function argValue(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index >= 0 ? process.argv[index + 1] : undefined;
}
