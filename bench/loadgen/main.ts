/**
 * Load generator process. The orchestrator (`bench/run.ts`) forks it with an IPC channel, sends one
 * `job`, and gets one `result` back (an idle job first answers `connected`, then waits for
 * `release`). It runs in its own process so that it never shares an event loop with the server.
 */
import type { LoadgenCommand, LoadgenMessage, LoadJob } from '../lib/jobs.ts';
import { connectIdle, releaseIdle } from './idle.ts';
import { runSync } from './reconnect-sync.ts';
import { runTraffic } from './traffic.ts';

function reply(message: LoadgenMessage): Promise<void> {
  return new Promise((resolve) => {
    if (process.send) process.send(message, undefined, undefined, () => resolve());
    else resolve();
  });
}

function nextCommand(): Promise<LoadgenCommand> {
  return new Promise((resolve) => process.once('message', (command: LoadgenCommand) => resolve(command)));
}

async function run(job: LoadJob): Promise<void> {
  switch (job.kind) {
    case 'closed':
    case 'open':
      await reply({ type: 'result', result: await runTraffic(job) });
      return;
    case 'sync':
      await reply({ type: 'result', result: await runSync(job) });
      return;
    case 'idle': {
      const fleet = await connectIdle(job);
      await reply({ type: 'connected', result: fleet.result });
      const command = await nextCommand();
      if (command.type !== 'release') throw new Error(`expected release, got ${command.type}`);
      await reply({ type: 'result', result: { released: await releaseIdle(fleet) } });
      return;
    }
  }
}

const command = await nextCommand();
try {
  if (command.type !== 'job') throw new Error(`expected a job, got ${command.type}`);
  await run(command.job);
} catch (error) {
  await reply({ type: 'failed', error: error instanceof Error ? error.message : String(error) });
}
process.disconnect?.();
process.exit(0);
