import { describe, expect, it } from 'vitest';
import { emptyCorrectness, type TrafficResult } from './jobs.ts';
import {
  type AttachmentResults,
  attachmentChecks,
  attachmentProblems,
  attachmentSection,
} from './report-attachment.ts';

const lat = { count: 10, p50: 5, p99: 20, p999: 30, max: 40 };

function traffic(
  rate: number,
  serverCpuUsPerCycle: number,
  overrides: Partial<TrafficResult> = {},
): TrafficResult {
  return {
    kind: 'closed',
    pairs: 100,
    window: 4,
    overloaded: false,
    cyclesInWindow: rate * 5,
    windowMs: 5000,
    rate,
    serverCpuMs: 1,
    serverCpuUsPerCycle,
    serverCpuPercent: 80,
    serverWriteSyscallsPerCycle: 16,
    serverDiskBytesPerCycle: 30_000,
    loadgenCpuPercent: 60,
    loadgenCpuUsPerCycle: 100,
    latency: { sendToStored: lat, sendToDelivered: lat, openToBurned: lat, cycle: lat },
    correctness: { ...emptyCorrectness(), started: 10, completed: 10 },
    extensions: '',
    windowMonotonicUs: [0, 1],
    ...overrides,
  };
}

function results(overrides: Partial<AttachmentResults> = {}): AttachmentResults {
  return {
    pairs: 100,
    bytes: 256 * 1024,
    text: traffic(4000, 200),
    file: traffic(200, 2000, {
      attachment: {
        bytes: 256 * 1024,
        movedBytesPerSecond: 104_864_000,
        movedBytesPerCycle: 524_320,
        uploadedBytes: 1,
        downloadedBytes: 1,
        burnedUploads: [],
      },
    }),
    blobs: { burned: 1000, left: [], others: 0, cleanAfterMs: 120 },
    ...overrides,
  };
}

describe('the attachment section', () => {
  it('puts the text and attachment cycles side by side with attachment/text', () => {
    const md = attachmentSection(results()).join('\n');
    expect(md).toContain('| metric | text cycle | 256 KiB attachment cycle | attachment/text |');
    expect(md).toContain('| burn cycles/s | 4,000 | 200 | 0.05 |');
    expect(md).toContain('| server CPU µs/cycle | 200 | 2,000 | 10.00 |');
    expect(md).toContain('| MB/s moved (uploads + downloads, 10^6 bytes) | – | 104.9 |  |');
    expect(md).toContain('| bytes moved per cycle | – | 512.0 KB |  |');
  });

  it('passes when every cycle completed and no burned blob is left', () => {
    expect(attachmentProblems(results())).toEqual([]);
    const checks = attachmentChecks(results());
    expect(checks.map(([, line]) => line.startsWith('✅'))).toEqual([true, true, true]);
  });

  it('fails on a lost cycle, a burned blob left, or a check not made', () => {
    const lost = results({
      file: traffic(200, 2000, {
        correctness: { ...emptyCorrectness(), started: 10, completed: 9, lost: 1 },
      }),
    });
    expect(attachmentProblems(lost)).toEqual([
      expect.stringContaining('attachment cycle: ❌ 9/10 completed'),
    ]);
    const left = results({ blobs: { burned: 10, left: ['f_1'], others: 2, cleanAfterMs: null } });
    expect(attachmentProblems(left)).toEqual([expect.stringContaining('1 blobs of burned messages')]);
    expect(attachmentChecks(left)[2]?.[1]).toMatch(
      /^❌ 1 of 10 burned blobs still there: f_1; 2 other files/,
    );
    const { blobs: _, ...unchecked } = results();
    expect(attachmentProblems(unchecked)).toEqual(['attachment cycle: blobs/ was not checked']);
  });
});
