import { describe, expect, it } from 'vitest';
import { RECALL_WINDOW_MS, recalledRows, recallWindowOf } from './recalls.ts';
import { buildTimeline } from './timeline.ts';

describe('recalls', () => {
  it('offers Recall for the server’s published window, and for the default before it is known', () => {
    expect(recallWindowOf({ recallWindowMs: 30_000 })).toBe(30_000);
    expect(recallWindowOf({ recallWindowMs: null })).toBe(RECALL_WINDOW_MS);
  });

  it('places a recall placeholder at the send time it knew, else at the recall', () => {
    const conversation = 'dm:alice:bob';
    const rows = recalledRows([
      {
        id: 'm1',
        conversation,
        from: 'bob',
        to: 'alice',
        sentAt: 1000,
        reason: 'recalled',
        by: 'bob',
        at: 9000,
      },
      { id: 'm2', conversation, reason: 'recalled', by: 'bob', at: 5000 },
    ]);
    expect(rows).toEqual([
      { id: 'm1', by: 'bob', at: 1000 },
      { id: 'm2', by: 'bob', at: 5000 },
    ]);
    const items = buildTimeline({
      me: 'alice',
      messages: [],
      burned: [],
      revealed: new Map(),
      pending: [],
      recalled: rows,
    });
    expect(items.filter((i) => i.kind === 'recalled').map((i) => [i.key, i.at])).toEqual([
      ['m1', 1000],
      ['m2', 5000],
    ]);
  });
});
