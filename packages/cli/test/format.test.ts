import { describe, expect, it } from 'vitest';
import { attachmentLabel, burnsIn, formatSize, messageLine, multiLine, oneLine } from '../src/format.ts';

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

describe('attachments on listing lines', () => {
  const now = Date.UTC(2026, 0, 1);
  const base = { id: 'm1', from: 'alice', sentAt: now };

  it('formatSize counts in units of 1024 with one decimal below 10', () => {
    expect(formatSize(0)).toBe('0 B');
    expect(formatSize(1023)).toBe('1023 B');
    expect(formatSize(1024)).toBe('1 KB');
    expect(formatSize(10_035)).toBe('9.8 KB');
    expect(formatSize(240 * 1024 + 300)).toBe('240 KB');
    expect(formatSize(25 * 1024 * 1024)).toBe('25 MB');
    expect(formatSize(3 * 1024 ** 3)).toBe('3 GB');
  });

  it('names the kind and size, and the file name with its control characters escaped', () => {
    expect(attachmentLabel({ kind: 'image', size: 245_760 })).toBe('Photo · 240 KB');
    expect(attachmentLabel({ kind: 'file', size: 100, name: 'a\u001b[2Jb.pdf' })).toBe(
      'File · 100 B · a\\u001b[2Jb.pdf',
    );
  });

  it('shows a normal message with its attachment and caption', () => {
    const line = messageLine(
      { ...base, text: 'look', attachment: { kind: 'voice', size: 2048, name: 'v.ogg' } },
      now,
    );
    expect(line).toMatch(/ {2}\[Voice · 2 KB · v\.ogg\] look$/);
  });

  it('tells the reader of a sealed burn attachment to open it with --out', () => {
    const line = messageLine(
      { ...base, burn: { expiresAt: now + 5000 }, attachment: { kind: 'video', size: 5 * 1024 * 1024 } },
      now,
    );
    expect(line).toContain('[sealed · Video · 5 MB · burns in 5s · cinder open m1 --out <path>]');
  });
});
