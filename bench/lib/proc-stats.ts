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

/** A CPU-time reading of a process at a moment, to measure the CPU spent between two readings. */
export interface CpuMark {
  /** Wall clock, `performance.now()` ms. */
  wallMs: number;
  /** Process CPU time so far, ms. */
  cpuMs: number;
}

/** Read a process's CPU time now; NaN if the process is gone (a run whose server died still reports). */
export function markCpu(pid: number): CpuMark {
  let cpuMs = Number.NaN;
  try {
    cpuMs = readCpuMs(pid);
  } catch {
    // No such process: the traffic result will show the lost cycles.
  }
  return { wallMs: performance.now(), cpuMs };
}
