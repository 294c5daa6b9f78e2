import { setTimeout as sleep } from 'node:timers/promises';
import { type CliIo, out } from './context.ts';
import { multiLine } from './format.ts';
import { ENGLISH, type I18n } from './i18n/i18n.ts';

/**
 * Show an opened message's text: raw, byte for byte, when stdout is piped; escaped on a
 * terminal, for `viewSeconds` (0: no window) on the alternate screen.
 */
export async function showText(
  io: CliIo,
  text: string,
  viewSeconds: number,
  i18n: I18n = ENGLISH,
): Promise<void> {
  if (!io.stdout.isTTY) out(io, text);
  else if (viewSeconds > 0) await showForSeconds(io, text, viewSeconds, i18n);
  else out(io, multiLine(text));
}

const ALT_SCREEN_ON = '\u001b[?1049h\u001b[H\u001b[2J';
const ALT_SCREEN_OFF = '\u001b[?1049l';
const CLEAR_LINE = '\r\u001b[2K';

/**
 * Show the text on the terminal's alternate screen for `seconds`, with a countdown, then leave
 * it. The alternate screen is not part of the scrollback, so leaving it erases the text from
 * the terminal. Any key (or Ctrl-C, or SIGTERM) closes it early.
 */
async function showForSeconds(io: CliIo, text: string, seconds: number, i18n: I18n): Promise<void> {
  const closed = new AbortController();
  const close = (): void => closed.abort();
  const keys = io.stdin.isTTY ? io.stdin : null;
  process.on('SIGINT', close);
  process.on('SIGTERM', close);
  if (keys) {
    keys.setRawMode(true);
    keys.resume();
    keys.on('data', close);
  }
  io.stdout.write(ALT_SCREEN_ON);
  io.stdout.write(`${multiLine(text)}\n\n`);
  try {
    for (let left = seconds; left > 0 && !closed.signal.aborted; left--) {
      io.stdout.write(`${CLEAR_LINE}${i18n.t('view.countdown', { left: i18n.formatDuration(left) })}`);
      await sleep(1000, undefined, { signal: closed.signal }).catch(() => {});
    }
  } finally {
    io.stdout.write(ALT_SCREEN_OFF);
    process.off('SIGINT', close);
    process.off('SIGTERM', close);
    if (keys) {
      keys.off('data', close);
      keys.setRawMode(false);
      keys.pause();
    }
  }
  out(io, i18n.t('view.burned'));
}
