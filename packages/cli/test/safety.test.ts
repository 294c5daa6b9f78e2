import { describe, expect, it } from 'vitest';
import { keyChangeNotice, safetyNumberLines } from '../src/safety.ts';

describe('safetyNumberLines', () => {
  it('lays the 12 groups out as 3 lines of 4, every digit kept in order', () => {
    const groups = Array.from({ length: 12 }, (_, i) => String(10_000 + i * 7_919).slice(0, 5));
    const lines = safetyNumberLines(groups.join(' '));
    expect(lines).toEqual([
      groups.slice(0, 4).join(' '),
      groups.slice(4, 8).join(' '),
      groups.slice(8).join(' '),
    ]);
  });
});

describe('keyChangeNotice', () => {
  it('names the user and the command that shows the new number', () => {
    const notice = keyChangeNotice({ username: 'bob', at: 1, verified: false }, 'cinder verify bob');
    expect(notice).toBe(
      "bob's safety number changed (a device was added or removed, or a key was replaced). " +
        'Check it with: cinder verify bob',
    );
  });

  it('says so when the keys that changed had been verified', () => {
    const notice = keyChangeNotice({ username: 'bob', at: 1, verified: true }, 'cinder verify bob');
    expect(notice.split('\n')).toHaveLength(2);
    expect(notice).toContain('not verified any more');
  });
});
