import type { ChildProcess } from 'node:child_process';

/** What a finished child process printed, and how it exited. */
export interface ProcessOutput {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Everything `child` writes to stdout and stderr, once it has exited and its streams closed. */
export function collectOutput(child: ChildProcess): Promise<ProcessOutput> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => {
    stdout += d;
  });
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}
