import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CpuProfile, summarize, summaryMarkdown } from '../profile/summarize.ts';
import { benchUsername, registerDevices } from './accounts.ts';
import type { TrafficResult } from './jobs.ts';
import type { Settings } from './options.ts';
import { closeTraffic, runLatency, runSaturation, type TargetRun } from './scenarios.ts';
import { ServerTarget } from './server-target.ts';

/**
 * `npm run bench -- --profile`: run each target with `node --cpu-prof` through one saturated run
 * (the small set of pairs, closed loop), then summarise where its CPU time went. The profiles land
 * in `<out>/profile/<target>.cpuprofile` (open them in Chrome DevTools) with `summary.md` beside.
 */
export async function runProfile(settings: Settings): Promise<void> {
  const dir = join(settings.outDir, 'profile');
  await mkdir(dir, { recursive: true });
  const root = await mkdtemp(join(tmpdir(), 'cinder-bench-profile-'));
  const run = randomBytes(3).toString('hex');
  const marker = `burnmark${randomBytes(6).toString('hex')}`;
  const parts: string[] = [];
  const pairs = settings.profileRate === undefined ? settings.smallPairs : settings.largePairs;
  try {
    for (const kind of settings.targets) {
      const profileDir = join(root, `${kind}-profile`);
      const loadgenDir = join(root, `${kind}-loadgen-profile`);
      let window: [number, number] = [0, 0];
      const dataDir = join(root, kind);
      await mkdir(dataDir, { recursive: true });
      const server = await ServerTarget.start({ kind, dataDir, cpuProfileDir: profileDir });
      try {
        const usernames = Array.from({ length: 2 * pairs }, (_, i) => benchUsername(run, 'p', i));
        const devices = await registerDevices(kind, server.url, usernames);
        const target: TargetRun = {
          server,
          devices,
          sync: undefined,
          marker,
          trafficPairs: pairs,
          loadgenProfileDir: loadgenDir,
        };
        let result: TrafficResult;
        try {
          result =
            settings.profileRate === undefined
              ? await runSaturation(target, pairs, settings)
              : await runLatency(target, settings.profileRate, settings);
        } finally {
          await closeTraffic(target);
        }
        process.stderr.write(
          `  ${kind} profiled run: ${Math.round(result.rate)} cycles/s, ${Math.round(result.serverCpuUsPerCycle)} µs/cycle\n`,
        );
        window = result.windowMonotonicUs;
        parts.push(
          `${kind}: ${Math.round(result.rate)} cycles/s, ${Math.round(result.serverCpuUsPerCycle)} µs server CPU per cycle (profiling slows both).\n`,
        );
      } finally {
        await server.stop();
      }
      const text = await readProfile(profileDir);
      await writeFile(join(dir, `${kind}.cpuprofile`), text);
      // The load generator's profile shows whether it, not the server, was the bottleneck.
      const loadgenText = await readProfile(loadgenDir);
      await writeFile(join(dir, `${kind}-loadgen.cpuprofile`), loadgenText);
      const [fromUs, toUs] = window;
      parts.push(
        summaryMarkdown(
          settings.profileRate === undefined
            ? `${kind} server, saturated (${pairs} pairs), measured window only`
            : `${kind} server, ${settings.profileRate}/s offered (${pairs} pairs), measured window only`,
          summarize(JSON.parse(text) as CpuProfile, { fromUs, toUs }),
        ),
        summaryMarkdown(
          `${kind} load generator, same window`,
          summarize(JSON.parse(loadgenText) as CpuProfile, { fromUs, toUs, limit: 12 }),
        ),
      );
    }
  } finally {
    if (!settings.keep) await rm(root, { recursive: true, force: true });
  }
  const markdown = parts.join('\n');
  await writeFile(join(dir, 'summary.md'), markdown);
  process.stdout.write(`${markdown}\n`);
}

/** The main thread's profile: the largest one (tsx's module loader thread writes a small second one). */
async function readProfile(dir: string): Promise<string> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile'));
  const sized = await Promise.all(files.map(async (f) => ({ f, size: (await stat(join(dir, f))).size })));
  const main = sized.sort((a, b) => b.size - a.size)[0];
  if (main === undefined) throw new Error(`no CPU profile was written in ${dir}`);
  return readFile(join(dir, main.f), 'utf8');
}
