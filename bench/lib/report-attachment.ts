import type { BlobCheck } from './disk-scan.ts';
import { isCorrect, type TrafficResult } from './jobs.ts';
import { correctnessLine, int, kb, ms, ratio, table } from './markdown.ts';

/** The attachment scenario (`sat100-file`): Cinder's text cycle and attachment cycle, same run. */
export interface AttachmentResults {
  pairs: number;
  /** Size of each file before sealing. */
  bytes: number;
  /** The text cycle, run in the same rounds as the attachment cycle (median round). */
  text: TrafficResult;
  /** The attachment cycle (median round). */
  file: TrafficResult;
  /** What `blobs/` held of burned messages after the run. */
  blobs?: BlobCheck;
}

const mbPerSecond = (bytes: number): string => (Number.isFinite(bytes) ? (bytes / 1e6).toFixed(1) : '–');
const us = (n: number): string => (Number.isFinite(n) ? `${int(n)} µs` : '–');

/**
 * The table of the attachment scenario: each metric for the text cycle and the attachment cycle,
 * and attachment/text (above 1: the attachment cycle's number is larger).
 */
export function attachmentSection(a: AttachmentResults): string[] {
  const rows: string[][] = [];
  const row = (metric: string, pick: (v: TrafficResult) => number, fmt: (n: number) => string): void => {
    rows.push([metric, fmt(pick(a.text)), fmt(pick(a.file)), ratio(pick(a.file), pick(a.text))]);
  };
  const line = (metric: string, text: string, file: string, r = ''): void => {
    rows.push([metric, text, file, r]);
  };
  row('burn cycles/s', (v) => v.rate, int);
  if ((a.file.rounds?.length ?? 0) > 1) {
    const each = (v: TrafficResult): string => (v.rounds ?? [v]).map((x) => int(x.rate)).join(' · ');
    line('cycles/s of each round, in order (median above)', each(a.text), each(a.file));
  }
  row('server CPU µs/cycle', (v) => v.serverCpuUsPerCycle, int);
  row(
    'warm-up before the window, s (until each pair completed its first cycles)',
    (v) => (v.warmupMs ?? Number.NaN) / 1000,
    (n) => (Number.isFinite(n) ? n.toFixed(1) : '–'),
  );
  row('server CPU % of a core', (v) => v.serverCpuPercent, int);
  row(
    'server write syscalls/cycle',
    (v) => v.serverWriteSyscallsPerCycle,
    (n) => n.toFixed(1),
  );
  row('server disk writes/cycle', (v) => v.serverDiskBytesPerCycle, kb);
  const moved = a.file.attachment;
  line(
    'MB/s moved (uploads + downloads, 10^6 bytes)',
    '–',
    moved === undefined ? '–' : mbPerSecond(moved.movedBytesPerSecond),
  );
  line('bytes moved per cycle', '–', moved === undefined ? '–' : kb(moved.movedBytesPerCycle));
  row('load generator CPU % of a core', (v) => v.loadgenCpuPercent, int);
  row('load generator CPU µs/cycle', (v) => v.loadgenCpuUsPerCycle, int);
  row('client seal CPU per message', (v) => v.client?.sealCpuUsPerMessage ?? Number.NaN, us);
  row('client open + decrypt CPU per message', (v) => v.client?.openCpuUsPerMessage ?? Number.NaN, us);
  line(
    'cycle p50 / p99 ms',
    `${ms(a.text.latency.cycle.p50)} / ${ms(a.text.latency.cycle.p99)}`,
    `${ms(a.file.latency.cycle.p50)} / ${ms(a.file.latency.cycle.p99)}`,
    `p99 ${ratio(a.file.latency.cycle.p99, a.text.latency.cycle.p99)}`,
  );
  const size = `${int(a.bytes / 1024)} KiB`;
  return [
    `### Burn cycle with a ${size} attachment (Cinder, ${int(a.pairs)} pairs, ${int(a.file.window ?? 0)} in flight per pair)`,
    '',
    `Each round runs the text cycle, then the same pairs and window with a ${size} file on every message: sealed as the SDK seals a burn file (before the window, like the text), uploaded (\`POST /v1/uploads\`, \`PUT\` per chunk), attached to the send, downloaded by the recipient before the open, checked after the drain.`,
    '',
    table(['metric', 'text cycle', `${size} attachment cycle`, 'attachment/text'], rows, [
      '---',
      '---:',
      '---:',
      '---:',
    ]),
    '',
  ];
}

/** The correctness rows of the attachment scenario (Cinder's column only). */
export function attachmentChecks(a: AttachmentResults): Array<[string, string]> {
  return [
    [`text cycle beside the attachment, ${int(a.pairs)} pairs`, correctnessLine(a.text.correctness)],
    [`attachment cycle, ${int(a.pairs)} pairs`, correctnessLine(a.file.correctness)],
    ['blobs/ holds no blob of a burned message', blobLine(a.blobs)],
  ];
}

function blobLine(b: BlobCheck | undefined): string {
  if (b === undefined) return '– (not checked)';
  const others = b.others > 0 ? `; ${int(b.others)} other files` : '';
  if (b.left.length === 0 && b.cleanAfterMs !== null)
    return `✅ none of ${int(b.burned)} burned blobs left ${ms(b.cleanAfterMs / 1000)} s after the last burn${others}`;
  return `❌ ${int(b.left.length)} of ${int(b.burned)} burned blobs still there: ${b.left.slice(0, 3).join(', ')}${others}`;
}

/** Correctness problems of the attachment scenario, one line each. */
export function attachmentProblems(a: AttachmentResults): string[] {
  const problems: string[] = [];
  if (!isCorrect(a.text.correctness))
    problems.push(`text cycle beside the attachment: ${correctnessLine(a.text.correctness)}`);
  if (!isCorrect(a.file.correctness))
    problems.push(`attachment cycle: ${correctnessLine(a.file.correctness)}`);
  if (a.blobs === undefined) problems.push('attachment cycle: blobs/ was not checked');
  else if (a.blobs.left.length > 0)
    problems.push(
      `attachment cycle: ${a.blobs.left.length} blobs of burned messages still in blobs/ 6 s after the last burn`,
    );
  return problems;
}
