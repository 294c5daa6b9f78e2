import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

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
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may contain spaces; fields are counted after its closing paren.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  return ((utime + stime) * 1000) / ticksPerSecond();
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
