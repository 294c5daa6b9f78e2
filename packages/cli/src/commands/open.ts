import { setTimeout as sleep } from 'node:timers/promises';
import { CinderError } from '@cinder/protocol';
import { Command } from 'commander';
import { type CliContext, type CliIo, out, outJson, sessionFor } from '../context.ts';
import { multiLine } from '../format.ts';

interface OpenOptions {
  json?: boolean;
}

/**
 * `cinder open <id>`: print a message's text. A burn message burns on the server in the same
 * step, so this works once; the view window, if any, is a countdown on the terminal.
 */
export function openCommand(ctx: CliContext): Command {
  return new Command('open')
    .description('print a message; a burn message burns as it opens, so this works once')
    .argument('<id>', 'message id, as shown by cinder inbox')
    .option('--json', 'print { id, text, ext, viewSeconds } as JSON')
    .action(async (id: string, options: OpenOptions, cmd: Command) => {
      const opened = await openOnce(ctx, cmd, id);
      if (options.json) {
        outJson(ctx.io, opened);
        return;
      }
      const viewSeconds = opened.viewSeconds ?? 0;
      if (!ctx.io.stdout.isTTY) {
        // Piped: the raw text, byte for byte, for whatever reads it.
        out(ctx.io, opened.text);
      } else if (viewSeconds > 0) {
        await showForSeconds(ctx.io, opened.text, viewSeconds);
      } else {
        out(ctx.io, multiLine(opened.text));
      }
    });
}

async function openOnce(ctx: CliContext, cmd: Command, id: string) {
  // The session closes before anything is shown: the server burned the message already and
  // the view window lives only in this process.
  await using session = await sessionFor(ctx, cmd);
  try {
    return await session.client.open(id);
  } catch (error) {
    if (error instanceof CinderError && error.code === 'BURNED') {
      throw new CinderError('BURNED', `already burned: message ${id} was opened, expired or revoked`, {
        cause: error,
      });
    }
    // Refused before anything was taken: the message waits for a device it was sealed to.
    if (error instanceof CinderError && error.code === 'SEALED_FOR_OTHER_DEVICES') {
      throw new CinderError(
        'SEALED_FOR_OTHER_DEVICES',
        `message ${id} was sealed before this device was added: open it on a device that existed ` +
          'when it was sent (cinder devices lists them); it stays unopened there',
        { cause: error },
      );
    }
    if (error instanceof CinderError && error.code === 'DECRYPT_FAILED') {
      throw new CinderError(
        'DECRYPT_FAILED',
        `message ${id} burned, but its content could not be decrypted on this device`,
        { cause: error },
      );
    }
    // The server may have burned it and the reply with the only copy of the content been lost.
    if (error instanceof CinderError && (error.code === 'DISCONNECTED' || error.code === 'TIMEOUT')) {
      throw new CinderError(
        error.code,
        'no reply from the server: if this was a burn message, it may have burned with its content',
        { cause: error },
      );
    }
    throw error;
  }
}

const ALT_SCREEN_ON = '\u001b[?1049h\u001b[H\u001b[2J';
const ALT_SCREEN_OFF = '\u001b[?1049l';
const CLEAR_LINE = '\r\u001b[2K';

/**
 * Show the text on the terminal's alternate screen for `seconds`, with a countdown, then leave
 * it. The alternate screen is not part of the scrollback, so leaving it erases the text from
 * the terminal. Any key (or Ctrl-C, or SIGTERM) closes it early.
 */
async function showForSeconds(io: CliIo, text: string, seconds: number): Promise<void> {
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
      io.stdout.write(`${CLEAR_LINE}[burning in ${left}s · press any key to close]`);
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
  out(io, '[burned · the text is gone]');
}
