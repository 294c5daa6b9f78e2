import { CinderError } from '@cinder/sdk';
import { describe, expect, it } from 'vitest';
import { createTranslator } from '../i18n/translator.ts';
import { describeAttachment, describeFileError, formatBytes } from './media.ts';

const { t } = createTranslator('en');
const zh = createTranslator('zh-CN').t;

describe('media labels', () => {
  it('sizes read as a person reads them, on one line', () => {
    expect(formatBytes(0)).toBe('0\u00a0B');
    expect(formatBytes(999)).toBe('999\u00a0B');
    expect(formatBytes(240_000)).toBe('240\u00a0KB');
    expect(formatBytes(1_181_452)).toBe('1.2\u00a0MB');
    expect(formatBytes(2_000_000)).toBe('2\u00a0MB');
    expect(formatBytes(25_000_000)).toBe('25\u00a0MB');
  });

  it('a sealed bubble names the kind and the size only', () => {
    expect(describeAttachment('image', 240_000, t)).toBe('Photo · 240\u00a0KB');
    expect(describeAttachment('voice', 12_000, t)).toBe('Voice message · 12\u00a0KB');
    expect(describeAttachment('video', 3_400_000, t)).toBe('Video · 3.4\u00a0MB');
    expect(describeAttachment('file', 512, t)).toBe('File · 512\u00a0B');
    expect(describeAttachment('image', 240_000, zh)).toBe('照片 · 240\u00a0KB');
  });

  it('a too-large file is told the server’s limit from the SDK’s message; other errors fall through', () => {
    const file = { name: 'slides.pdf', size: 2_500_000 };
    const tooLarge = new CinderError('PAYLOAD_TOO_LARGE', 'Uploads are limited to 2000000 bytes');
    expect(describeFileError(tooLarge, file, t)).toBe(
      '“slides.pdf” is 2.5\u00a0MB: too large. This server accepts files up to 2\u00a0MB.',
    );
    expect(describeFileError(new CinderError('PAYLOAD_TOO_LARGE', 'no number'), file, t)).toMatch(
      /too large/,
    );
    expect(describeFileError(new CinderError('CANCELLED', 'x'), file, t)).toMatch(/cancelled/);
    expect(describeFileError(new CinderError('BAD_REQUEST', 'x'), file, t)).toMatch(/not supported/);
    expect(describeFileError(new CinderError('TIMEOUT', 'x'), file, t)).toBeNull();
    expect(describeFileError(new Error('x'), file, t)).toBeNull();
    expect(describeFileError(tooLarge, file, zh)).toBe(
      '“slides.pdf”大小为 2.5\u00a0MB，太大了。此服务器最多接受 2\u00a0MB 的文件。',
    );
  });
});
