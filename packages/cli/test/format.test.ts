import { describe, expect, it } from 'vitest';
import { burnsIn, messageLine, multiLine, oneLine } from '../src/format.ts';

describe('terminal safety', () => {
  it('oneLine neutralises escape sequences and line breaks', () => {
    const shown = oneLine('a\nb\u001b[31mc\u0007\u009bd\u2028e\tf');
    expect(shown).toBe('a⏎b\\u001b[31mc\\u0007\\u009bd\\u2028e f');
    // biome-ignore lint/suspicious/noControlCharactersInRegex: asserting none are left
    expect(shown).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
  });

  it('multiLine keeps line breaks and tabs, escapes the rest', () => {
    expect(multiLine('a\nb\tc\u001b]0;title\u0007')).toBe('a\nb\tc\\u001b]0;title\\u0007');
  });
});

describe('messageLine', () => {
  const now = Date.UTC(2026, 0, 1);
  const base = { id: 'm1', from: 'alice', sentAt: now };

  it('shows a received burn message sealed, with how to open it and never any text', () => {
    const line = messageLine({ ...base, burn: { expiresAt: now + 58 * 60_000 + 500 } }, now);
    expect(line).toMatch(/^m1 {2}\S+ \S+ {2}alice {2}\[sealed · burns in 58m · cinder open m1\]$/);
  });

  it("shows the sender's own unopened burn text, marked as such", () => {
    const line = messageLine({ ...base, mine: true, text: 'hi', burn: { expiresAt: now + 5000 } }, now);
    expect(line).toContain('[burn · unopened · burns in 5s] hi');
  });

  it("does not offer to open a sealed message of the account's own", () => {
    const line = messageLine({ ...base, mine: true, burn: { expiresAt: now + 5000 } }, now);
    expect(line).toContain('[sealed · sent · burns in 5s]');
    expect(line).not.toContain('cinder open');
  });

  it('says burning once the deadline has passed', () => {
    expect(burnsIn(now - 1, now)).toBe('burning');
  });
});
