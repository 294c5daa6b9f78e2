/**
 * Load generator process. The orchestrator (`bench/run.ts`) forks it with an IPC channel and sends
 * jobs: `pairs` connects a set of pairs and answers `ready`, after which traffic jobs run on them
 * one after another until `exit`; `sync` answers one `result`; `idle` answers `connected`, holds
 * the sockets until `release`, then answers `result`. It runs in its own process so that it never
 * shares an event loop with the server.
 */
import type { LoadgenCommand, LoadgenMessage, LoadJob } from '../lib/jobs.ts';
import { connectIdle, releaseIdle } from './idle.ts';
import { runSync } from './reconnect-sync.ts';
import { TrafficSession } from './traffic.ts';

function reply(message: LoadgenMessage): Promise<void> {
  return new Promise((resolve) => {
    if (process.send) process.send(message, undefined, undefined, () => resolve());
    else resolve();
  });
}

/** Tell the orchestrator a long step is still moving (it restarts its timeout). */
function progress(): void {
  void reply({ type: 'progress' });
}

const inbox: LoadgenCommand[] = [];
let wake: (() => void) | undefined;
process.on('message', (command: LoadgenCommand) => {
  inbox.push(command);
  wake?.();
});

async function nextCommand(): Promise<LoadgenCommand> {
  while (inbox.length === 0) await new Promise<void>((resolve) => (wake = resolve));
  return inbox.shift() as LoadgenCommand;
}

async function nextJob(): Promise<LoadJob | undefined> {
  const command = await nextCommand();
  if (command.type === 'exit') return undefined;
  if (command.type !== 'job') throw new Error(`expected a job, got ${command.type}`);
  return command.job;
}

/** Run jobs until the orchestrator is done with this process. */
async function serve(): Promise<void> {
  let session: TrafficSession | undefined;
  try {
    for (let job = await nextJob(); job !== undefined; job = await nextJob()) {
      switch (job.kind) {
        case 'pairs':
          session = await TrafficSession.connect(job);
          await reply({ type: 'ready' });
          break;
        case 'closed':
        case 'open':
          if (session === undefined) throw new Error('traffic job before pairs');
          await reply({ type: 'result', result: await session.run(job, progress) });
          break;
        case 'sync':
          await reply({ type: 'result', result: await runSync(job, progress) });
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
  } finally {
    await session?.close();
  }
}

try {
  await serve();
} catch (error) {
  await reply({ type: 'failed', error: error instanceof Error ? error.message : String(error) });
}
process.disconnect?.();
process.exit(0);
