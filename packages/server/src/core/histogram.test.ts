import { describe, expect, it } from 'vitest';
import { Exposition } from '../../../../test/kit/prometheus.ts';
import { Histogram } from './histogram.ts';

describe('Histogram', () => {
  it('writes cumulative buckets, +Inf, sum and count per label set, in the Prometheus text format', () => {
    const h = new Histogram('t_seconds', 'Test durations.\nSecond line \\ here.', ['verb', 'kind'], [0.1, 1]);
    h.observe(['read', 'a'], 0.05);
    h.observe(['read', 'a'], 0.1); // on a bound: counted in it (le is "less or equal")
    h.observe(['read', 'a'], 0.5);
    h.observe(['read', 'a'], 7);
    h.observe(['write', 'say "hi"\\'], 0.2);
    const text = h.render();
    expect(text.split('\n').slice(0, 2)).toEqual([
      '# HELP t_seconds Test durations.\\nSecond line \\\\ here.',
      '# TYPE t_seconds histogram',
    ]);
    const scrape = new Exposition(text);
    expect(scrape.help.get('t_seconds')).toBe('Test durations.\nSecond line \\ here.');
    const read = { verb: 'read', kind: 'a' };
    expect(scrape.find('t_seconds_bucket', read).map((s) => [s.labels.le, s.value])).toEqual([
      ['0.1', 2],
      ['1', 3],
      ['+Inf', 4],
    ]);
    expect(scrape.value('t_seconds_sum', read)).toBeCloseTo(7.65);
    expect(scrape.value('t_seconds_count', read)).toBe(4);
    const write = { verb: 'write', kind: 'say "hi"\\' };
    expect(scrape.value('t_seconds_bucket', { ...write, le: '0.1' })).toBe(0);
    expect(scrape.value('t_seconds_bucket', { ...write, le: '1' })).toBe(1);
    expect(scrape.value('t_seconds_count', write)).toBe(1);
  });

  it('declares a family with no observations yet, and takes no labels', () => {
    const h = new Histogram('lag_seconds', 'Lag.', [], [1]);
    expect(new Exposition(h.render()).samples).toEqual([]);
    h.observe([], 2);
    expect(h.render()).toBe(
      [
        '# HELP lag_seconds Lag.',
        '# TYPE lag_seconds histogram',
        'lag_seconds_bucket{le="1"} 0',
        'lag_seconds_bucket{le="+Inf"} 1',
        'lag_seconds_sum 2',
        'lag_seconds_count 1',
        '',
      ].join('\n'),
    );
  });
});
