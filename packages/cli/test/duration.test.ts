import { CinderError, parseDuration as protocolParseDuration } from '@cinder/protocol';
import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../src/duration.ts';

describe('parseDuration', () => {
  it("is the protocol package's, the one the server's flags use", () => {
    expect(parseDuration).toBe(protocolParseDuration);
  });

  it.each([
    ['0', 0],
    ['90', 90],
    ['10s', 10],
    ['30m', 1800],
    ['1h', 3600],
    ['7d', 604_800],
    ['2w', 1_209_600],
    ['1h30m', 5400],
    ['1d2h3m4s', 93_784],
    ['1.5h', 5400],
    [' 10S ', 10],
  ])('parses %j as %i seconds', (input, seconds) => {
    expect(parseDuration(input)).toBe(seconds);
  });

  it.each(['', 'h', '10x', '1h 30m', '10 s', '-5s', '10s5', 'abc', '1.5s', '1e3'])(
    'rejects %j as BAD_REQUEST',
    (input) => {
      const attempt = (): number => parseDuration(input);
      expect(attempt).toThrow(CinderError);
      try {
        attempt();
      } catch (error) {
        expect((error as CinderError).code).toBe('BAD_REQUEST');
      }
    },
  );
});

describe('formatDuration', () => {
  it.each([
    [-3, '0s'],
    [0, '0s'],
    [59, '59s'],
    [60, '1m'],
    [3599, '59m'],
    [3600, '1h'],
    [3660, '1h 1m'],
    [86_399, '23h 59m'],
    [86_400, '1d'],
    [6 * 86_400 + 23 * 3600 + 59, '6d 23h'],
  ])('formats %i seconds as %j', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });

  it('round-trips what it prints', () => {
    for (const seconds of [5, 120, 7200, 90_000]) {
      expect(parseDuration(formatDuration(seconds).replace(' ', ''))).toBe(seconds);
    }
  });
});
