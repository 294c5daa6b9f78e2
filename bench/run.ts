/**
 * `npm run bench`: Cinder against the bare baseline in the same run, on this machine.
 * See bench/README.md for what each scenario measures and how to read the table.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchUsername, loginDevice, registerDevices } from './lib/accounts.ts';
import { runCluster } from './lib/cluster.ts';
import { scanForMarker, waitForBurnedBlobsGone, waitForCleanDisk } from './lib/disk-scan.ts';
import type { DeviceCreds, TrafficResult } from './lib/jobs.ts';
import { machineInfo } from './lib/machine.ts';
import { parseSettings, type ScenarioId, type Settings, UsageError } from './lib/options.ts';
import { BENCH_DIR } from './lib/paths.ts';
import { runProfile } from './lib/profile.ts';
import {
  type BenchResults,
  cinderProblems,
  clientNotes,
  evaluateGoals,
  type PerTarget,
  toMarkdown,
} from './lib/report.ts';
import { combineRounds } from './lib/rounds.ts';
import {
  closeTraffic,
  runIdle,
  runLatency,
  runSaturation,
  runSyncScenario,
  type TargetRun,
} from './lib/scenarios.ts';
import { ServerTarget, type TargetKind } from './lib/server-target.ts';
import { buildPackages, runStartup } from './lib/startup.ts';

/** Sockets a server process may hold below its open-file limit (files, the listener, the database). */
const FD_HEADROOM = 200;
/** Warm-up of every saturation round after a target's first (the server is warm already). */
const ROUND_WARMUP_MS = 500;
/** The contract's bound on content outliving its burn on disk, plus time for one scan. */
const DISK_CLEAN_WITHIN_MS = 6_000;

const began = performance.now();

const fixed = (n: number): string => (Number.isFinite(n) ? n.toFixed(2) : '–');

/** The load generator's crypto per message of a Cinder traffic run, for the progress line. */
function clientLog(result: TrafficResult): string {
  const c = result.client;
  if (c === undefined) return '';
  const us = (n: number): string => (Number.isFinite(n) ? `${Math.round(n)} µs` : '–');
  return `; client seal ${us(c.sealCpuUsPerMessage)}, open ${us(c.openCpuUsPerMessage)} per message (${c.mode})`;
}

/** Progress on stderr, stamped with the time since start (stdout carries only the table). */
function log(line: string): void {
  process.stderr.write(`[${((performance.now() - began) / 1000).toFixed(1).padStart(5)} s] ${line}\n`);
}

function devicesNeeded(settings: Settings): number {
  let n = 0;
  if (settings.scenarios.includes('idle')) n = Math.max(n, settings.idleDevices);
  if (settings.scenarios.includes('sat100') || settings.scenarios.includes('sat100-file'))
    n = Math.max(n, 2 * settings.smallPairs);
  if (settings.scenarios.includes('sat1000') || settings.scenarios.includes('latency'))
    n = Math.max(n, 2 * settings.largePairs);
  return n;
}

async function prepare(
  kind: TargetKind,
  settings: Settings,
  root: string,
  run: string,
  marker: string,
): Promise<TargetRun> {
  const dataDir = join(root, kind);
  await mkdir(dataDir, { recursive: true });
  let server = await ServerTarget.start({ kind, dataDir });
  const count = devicesNeeded(settings);
  const started = performance.now();
  const usernames = Array.from({ length: count }, (_, i) => benchUsername(run, 'u', i));
  const devices: DeviceCreds[] = await registerDevices(kind, server.url, usernames, (done) =>
    log(`  ${kind}: registered ${done}/${count}`),
  );
  let sync: TargetRun['sync'];
  if (settings.scenarios.includes('sync')) {
    const [alice, bobOnline] = await registerDevices(kind, server.url, [
      benchUsername(run, 'sa', 0),
      benchUsername(run, 'sb', 0),
    ]);
    if (alice === undefined || bobOnline === undefined) throw new Error('sync registration failed');
    const bobOffline = await loginDevice(kind, server.url, bobOnline.username);
    sync = { alice, bobOnline, bobOffline };
  }
  if (kind === 'cinder') {
    log(`  cinder: ${count} devices registered in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  const uses = (id: ScenarioId): boolean => settings.scenarios.includes(id);
  if (uses('idle')) {
    // A fresh process on the same data: registration hashed thousands of passwords (argon2, 19 MiB
    // each), and the allocator keeps that memory resident; idle sockets would then fill it without
    // growing the RSS, and the per-device figure would come out too low.
    await server.stop();
    server = await ServerTarget.start({ kind, dataDir });
  }
  const trafficPairs = uses('sat1000') || uses('latency') ? settings.largePairs : settings.smallPairs;
  return { server, devices, sync, marker, trafficPairs };
}

/** One line of progress for a traffic result. */
function trafficLog(v: TrafficResult): string {
  const moved =
    v.attachment === undefined ? '' : `, ${(v.attachment.movedBytesPerSecond / 1e6).toFixed(1)} MB/s moved`;
  return `${Math.round(v.rate)} cycles/s, ${Math.round(v.serverCpuUsPerCycle)} µs/cycle, server ${Math.round(v.serverCpuPercent)}% CPU${moved}${clientLog(v)}`;
}

/**
 * The attachment cycle on Cinder (`sat100-file`): in each round the text cycle, then the same
 * pairs with a file on every message, both with `fileWindow` cycles in flight per pair, so both
 * see the same machine and the same load. The upload ids of every
 * completed cycle go to `burnedUploads` for the check of `blobs/` after the run (and out of the
 * result, which would otherwise carry thousands of ids into latest.json).
 */
async function runAttachment(
  cinder: TargetRun,
  settings: Settings,
  burnedUploads: string[],
): Promise<NonNullable<BenchResults['attachment']>> {
  const pairs = settings.smallPairs;
  const attachment = { bytes: settings.attachmentBytes, presealRate: settings.filePresealRate };
  const text: TrafficResult[] = [];
  const file: TrafficResult[] = [];
  const label = `${pairs} pairs, ${Math.round(settings.attachmentBytes / 1024)} KiB attachment`;
  for (let i = 0; i < settings.rounds; i++) {
    const round = {
      ...settings,
      window: settings.fileWindow,
      warmupMs: i === 0 ? settings.warmupMs : ROUND_WARMUP_MS,
      durationMs: Math.round(settings.durationMs / settings.rounds),
    };
    const of = settings.rounds > 1 ? `, round ${i + 1}/${settings.rounds}` : '';
    const t = await runSaturation(cinder, pairs, round);
    text.push(t);
    log(`  cinder   text cycle ${pairs} pairs${of}: ${trafficLog(t)}`);
    const f = await runSaturation(cinder, pairs, round, attachment);
    burnedUploads.push(...(f.attachment?.burnedUploads ?? []));
    if (f.attachment) f.attachment.burnedUploads = [];
    file.push(f);
    log(`  cinder   ${label}${of}: ${trafficLog(f)}`);
  }
  return { pairs, bytes: settings.attachmentBytes, text: combineRounds(text), file: combineRounds(file) };
}

function withoutOutDir({ outDir: _, ...rest }: Settings): BenchResults['settings'] {
  return rest;
}

async function main(): Promise<void> {
  const settings = parseSettings(process.argv.slice(2), join(BENCH_DIR, 'results'));
  await mkdir(settings.outDir, { recursive: true });
  if (settings.profile) {
    await runProfile(settings);
    return;
  }
  const machine = await machineInfo();
  const run = randomBytes(3).toString('hex');
  // Every message text carries the marker; the disk check searches the data dirs for it.
  const marker = `burnmark${randomBytes(6).toString('hex')}`;
  const notes: string[] = [];
  const maxIdle = machine.openFilesLimit > 0 ? machine.openFilesLimit - FD_HEADROOM : settings.idleDevices;
  const requestedIdle = settings.idleDevices;
  if (settings.idleDevices > maxIdle) {
    notes.push(
      `idle devices capped at ${maxIdle} (asked ${requestedIdle}): the open-file limit here is ${machine.openFilesLimit} per process and cannot be raised without CAP_SYS_RESOURCE, and a server holds one descriptor per socket.`,
    );
    settings.idleDevices = maxIdle;
  }
  const root = await mkdtemp(join(tmpdir(), 'cinder-bench-'));
  const plain = settings.scenarios.some((id) => id !== 'startup' && id !== 'cluster');
  const shown = [
    ...(plain ? settings.targets : []),
    ...(settings.scenarios.includes('cluster') ? settings.clusterTargets : []),
  ];
  log(`bench ${settings.mode}: ${settings.scenarios.join(', ')} on ${shown.join(' + ')} (data in ${root})`);

  const runs = new Map<TargetKind, TargetRun>();
  /** Uploads of every burned attachment cycle: none may keep a file in Cinder's `blobs/`. */
  const burnedUploads: string[] = [];
  const results: BenchResults = {
    machine,
    settings: withoutOutDir(settings),
    saturation: [],
    latency: [],
    disk: {},
    goals: [],
    correct: true,
    problems: [],
    notes,
    durationMs: 0,
  };
  try {
    if (settings.scenarios.includes('startup')) {
      // First, while no server under test runs: start-up is a measure of the machine's idle time.
      log('  building the packages (tsc -b) so dist/ matches the source');
      await buildPackages();
      results.startup = await runStartup(settings.startupRuns, root, log);
    }
    // Prepared side by side: nothing is measured yet, and the baseline has no accounts to create.
    // The cluster scenario starts targets of its own.
    const targets = settings.scenarios.some((id) => id !== 'startup' && id !== 'cluster')
      ? settings.targets
      : [];
    const prepared = await Promise.all(targets.map((kind) => prepare(kind, settings, root, run, marker)));
    for (const [i, kind] of targets.entries()) runs.set(kind, prepared[i] as TargetRun);
    // Each scenario runs on every target back to back, so both see the same machine weather.
    const each = async <T>(
      label: string,
      fn: (r: TargetRun) => Promise<T>,
      show: (r: T) => string,
    ): Promise<PerTarget<T>> => {
      const out: PerTarget<T> = {};
      for (const [kind, r] of runs) {
        const value = await fn(r);
        out[kind] = value;
        log(`  ${kind.padEnd(8)} ${label}: ${show(value)}`);
      }
      return out;
    };
    for (const id of settings.scenarios) {
      switch (id) {
        case 'startup':
          break; // measured above
        case 'idle':
          results.idle = {
            requested: requestedIdle,
            result: await each(
              `idle ${settings.idleDevices}`,
              (r) => runIdle(r, settings.idleDevices),
              (v) => `${v.devices} devices, ${(v.rssPerDeviceBytes / 1024).toFixed(1)} KB RSS/device`,
            ),
          };
          break;
        case 'sat100':
        case 'sat1000': {
          const pairs = id === 'sat100' ? settings.smallPairs : settings.largePairs;
          // Rounds alternate the targets (rounds.ts); each is a slice of the measured window.
          const rounds = new Map<TargetKind, TrafficResult[]>();
          const variant: TrafficResult[] = [];
          for (let i = 0; i < settings.rounds; i++) {
            const round = await each(
              `saturation ${pairs} pairs${settings.rounds > 1 ? `, round ${i + 1}/${settings.rounds}` : ''}`,
              (r) =>
                runSaturation(r, pairs, {
                  ...settings,
                  warmupMs: i === 0 ? settings.warmupMs : ROUND_WARMUP_MS,
                  durationMs: Math.round(settings.durationMs / settings.rounds),
                }),
              (v) =>
                `${Math.round(v.rate)} cycles/s, ${Math.round(v.serverCpuUsPerCycle)} µs/cycle, server ${Math.round(v.serverCpuPercent)}% CPU${clientLog(v)}`,
            );
            for (const [kind, value] of Object.entries(round) as Array<[TargetKind, TrafficResult]>) {
              rounds.set(kind, [...(rounds.get(kind) ?? []), value]);
            }
            const cinder = runs.get('cinder');
            if (settings.directoryVariant && cinder !== undefined) {
              // The same Cinder, pairs and stock, reading the key directory the other way.
              const keysEverySend = !settings.keysEverySend;
              const value = await runSaturation(cinder, pairs, {
                ...settings,
                keysEverySend,
                warmupMs: ROUND_WARMUP_MS,
                durationMs: Math.round(settings.durationMs / settings.rounds),
              });
              variant.push(value);
              log(
                `  cinder   saturation ${pairs} pairs, key directory ${keysEverySend ? 'before every send' : 'read once'}: ${Math.round(value.rate)} cycles/s, ${Math.round(value.serverCpuUsPerCycle)} µs/cycle, server ${Math.round(value.serverCpuPercent)}% CPU`,
              );
            }
          }
          const result: PerTarget<TrafficResult> = {};
          for (const [kind, list] of rounds) result[kind] = combineRounds(list);
          results.saturation.push({
            pairs,
            result,
            ...(variant.length > 0 ? { directoryVariant: combineRounds(variant) } : {}),
          });
          break;
        }
        case 'sat100-file': {
          const cinder = runs.get('cinder');
          if (cinder === undefined) {
            notes.push('sat100-file runs on Cinder only (the baselines have no uploads): skipped.');
            break;
          }
          results.attachment = await runAttachment(cinder, settings, burnedUploads);
          break;
        }
        case 'latency':
          for (const rate of settings.rates) {
            const result = await each(
              `latency @ ${rate}/s`,
              (r) => runLatency(r, rate, settings),
              (v) =>
                `p99 stored ${fixed(v.latency.sendToStored.p99)} delivered ${fixed(v.latency.sendToDelivered.p99)} open→burned ${fixed(v.latency.openToBurned.p99)} ms${v.overloaded ? ' (overloaded)' : ''}`,
            );
            results.latency.push({ rate, result });
          }
          break;
        case 'cluster':
          // Alone on the machine: the other scenarios' servers and load generators are closed.
          await Promise.all([...runs.values()].map(closeTraffic));
          results.cluster = await runCluster(
            {
              pairs: settings.clusterPairs,
              window: settings.window,
              warmupMs: settings.warmupMs,
              durationMs: settings.durationMs,
              openRate: settings.clusterRate,
              presealRate: settings.presealRate,
              validateEvery: settings.validateEvery,
              ackEveryMs: settings.ackEveryMs,
              targets: settings.clusterTargets,
            },
            root,
            run,
            marker,
            log,
          );
          break;
        case 'sync':
          // The traffic pairs are done; their sockets would only sit idle beside the sync.
          await Promise.all([...runs.values()].map(closeTraffic));
          results.sync = await each(
            `sync ${settings.syncEvents} events`,
            (r) => runSyncScenario(r, settings),
            (v) => `${v.syncMs.map((x) => x.toFixed(0)).join(', ')} ms`,
          );
          break;
      }
    }
    const cinder = runs.get('cinder');
    if (results.attachment !== undefined && cinder !== undefined) {
      results.attachment.blobs = await waitForBurnedBlobsGone(
        join(cinder.server.dataDir, 'blobs'),
        burnedUploads,
        DISK_CLEAN_WITHIN_MS,
      );
    }
    for (const [kind, r] of runs) {
      // Only Cinder promises a clean disk; the baseline is scanned once to show what it leaves.
      results.disk[kind] =
        kind === 'cinder'
          ? await waitForCleanDisk(r.server.dataDir, marker, DISK_CLEAN_WITHIN_MS)
          : { ...(await scanForMarker(r.server.dataDir, marker)), cleanAfterMs: null };
    }
  } finally {
    await Promise.all([...runs.values()].map(closeTraffic));
    await Promise.all([...runs.values()].map((r) => r.server.stop()));
    if (!settings.keep) await rm(root, { recursive: true, force: true });
  }
  results.notes.push(...clientNotes(results));
  results.goals = evaluateGoals(results);
  results.problems = cinderProblems(results);
  results.correct = results.problems.length === 0;
  results.durationMs = performance.now() - began;
  const markdown = toMarkdown(results);
  await writeFile(join(settings.outDir, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(join(settings.outDir, 'latest.md'), markdown);
  process.stdout.write(`${markdown}\n`);
  log(`done in ${(results.durationMs / 1000).toFixed(1)} s; results in ${settings.outDir}/latest.{json,md}`);
  if (!results.correct) process.exitCode = 1;
}

main().catch((error: unknown) => {
  if (error instanceof UsageError) {
    (error.exitCode === 0 ? process.stdout : process.stderr).write(`${error.message}\n`);
    process.exit(error.exitCode);
  }
  log(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
