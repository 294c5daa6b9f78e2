import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CpuProfile, summarize, summaryMarkdown } from '../profile/summarize.ts';
import { benchUsername, registerDevices } from './accounts.ts';
import type { Settings } from './options.ts';
import { runSaturation } from './scenarios.ts';
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
  try {
    for (const kind of settings.targets) {
      const profileDir = join(root, `${kind}-profile`);
      const dataDir = join(root, kind);
      await mkdir(dataDir, { recursive: true });
      const server = await ServerTarget.start({ kind, dataDir, cpuProfileDir: profileDir });
      try {
        const usernames = Array.from({ length: 2 * settings.smallPairs }, (_, i) =>
          benchUsername(run, 'p', i),
        );
        const devices = await registerDevices(kind, server.url, usernames);
        const result = await runSaturation(
          { server, devices, sync: undefined, marker },
          settings.smallPairs,
          settings,
        );
        process.stderr.write(
          `  ${kind} profiled run: ${Math.round(result.rate)} cycles/s, ${Math.round(result.serverCpuUsPerCycle)} µs/cycle\n`,
        );
        parts.push(
          `${kind}: ${Math.round(result.rate)} cycles/s, ${Math.round(result.serverCpuUsPerCycle)} µs server CPU per cycle (profiling slows both).\n`,
        );
      } finally {
        await server.stop();
      }
      const file = (await readdir(profileDir)).find((f) => f.endsWith('.cpuprofile'));
      if (file === undefined) throw new Error(`${kind}: no CPU profile was written`);
      const text = await readFile(join(profileDir, file), 'utf8');
      await writeFile(join(dir, `${kind}.cpuprofile`), text);
      parts.push(
        summaryMarkdown(
          `${kind} server, saturated (${settings.smallPairs} pairs)`,
          summarize(JSON.parse(text) as CpuProfile),
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
