import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

let clockTicks: number | undefined;

/** Kernel clock ticks per second (`getconf CLK_TCK`), the unit of CPU times in /proc/<pid>/stat. */
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/**
 * CPU time (user + system, all threads) a process has used so far, in milliseconds, read from
 * /proc/<pid>/stat. Reading /proc needs no cooperation from the process, so the Cinder server and
 * the baseline are measured the same way; resolution is one clock tick (10 ms), negligible over
 * measurement windows of seconds.
 */
export function readCpuMs(pid: number): number {
  return (statCpuTicks(readFileSync(`/proc/${pid}/stat`, 'utf8')) * 1000) / ticksPerSecond();
}

/** User + system CPU time of a `/proc/<pid>/stat` line, in clock ticks (fields 14 and 15). */
export function statCpuTicks(stat: string): number {
  // The command name (field 2) may contain spaces; fields are counted after its closing paren.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(rest[11]) + Number(rest[12]);
}

/**
 * Whether a `/proc/<pid>/cmdline` is a PostgreSQL backend serving `database`. A backend sets its
 * title to `postgres: [cluster: ]<user> <database> <host>(<port>) <state>` (NUL-padded); the
 * server's own background processes (checkpointer, WAL writer) name no database.
 */
export function isPostgresBackendOf(cmdline: string, database: string): boolean {
  if (!cmdline.startsWith('postgres: ')) return false;
  return cmdline.replace(/\0/g, ' ').trim().split(/\s+/).includes(database);
}

/**
 * CPU time so far of every PostgreSQL backend serving `database` on this machine, ms by pid,
 * read from /proc (the cmdline and stat of another user's process are readable by all).
 */
export function postgresBackendsCpuMs(database: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (!isPostgresBackendOf(readFileSync(`/proc/${entry}/cmdline`, 'latin1'), database)) continue;
      out.set(Number(entry), readCpuMs(Number(entry)));
    } catch {
      // The process ended between the listing and the read.
    }
  }
  return out;
}

/**
 * CPU spent between two readings of a set of processes (ms by pid): a process present at both
 * counts its difference, one that appeared since counts all its time (it started inside the
 * window), one that ended is lost (its last time is unknown; a pool keeps its connections).
 */
export function cpuDeltaMs(before: ReadonlyMap<number, number>, after: ReadonlyMap<number, number>): number {
  let sum = 0;
  for (const [pid, ms] of after) sum += ms - (before.get(pid) ?? 0);
  return sum;
}

/** Resident set size of a process, in bytes (VmRSS of /proc/<pid>/status). */
export function readRssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  return match?.[1] ? Number(match[1]) * 1024 : Number.NaN;
}

/** I/O counters of a process (/proc/<pid>/io). */
export interface IoCounters {
  /** write-family syscalls: socket writes and file writes alike. */
  writeSyscalls: number;
  /** Bytes the process caused to be written to storage (the SQLite WAL and database). */
  diskWriteBytes: number;
}

/** Read a process's I/O counters. */
export function readIo(pid: number): IoCounters {
  const io = readFileSync(`/proc/${pid}/io`, 'utf8');
  const field = (name: string): number =>
    Number(new RegExp(`^${name}: (\\d+)$`, 'm').exec(io)?.[1] ?? Number.NaN);
  return { writeSyscalls: field('syscw'), diskWriteBytes: field('write_bytes') };
}

/** Readings of a process at a moment, to measure what it spent between two readings. */
export interface CpuMark {
  /** Wall clock, `performance.now()` ms. */
  wallMs: number;
  /** Process CPU time so far, ms. */
  cpuMs: number;
  io: IoCounters;
}

/** Read a process's CPU time and I/O counters now; NaN if the process is gone. */
export function markCpu(pid: number): CpuMark {
  let cpuMs = Number.NaN;
  let io: IoCounters = { writeSyscalls: Number.NaN, diskWriteBytes: Number.NaN };
  try {
    cpuMs = readCpuMs(pid);
    io = readIo(pid);
  } catch {
    // No such process (a run whose server died still reports; its lost cycles show why).
  }
  return { wallMs: performance.now(), cpuMs, io };
}
