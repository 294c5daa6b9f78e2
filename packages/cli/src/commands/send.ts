import { text as readStream } from 'node:stream/consumers';
import { CinderError, type Ext } from '@cinder/protocol';
import type { SendFileOptions, SendOptions, SentMessage } from '@cinder/sdk';
import { Command, InvalidArgumentError } from 'commander';
import { type CliContext, note, out, outJson, sessionFor } from '../context.ts';
import { parseUserDuration } from '../duration.ts';
import { oneLine } from '../format.ts';
import type { I18n } from '../i18n/i18n.ts';
import { localizedError } from '../i18n/localized-error.ts';
import { fileToSend, tooLarge } from '../local-file.ts';
import { progressLine } from '../progress.ts';
import type { Session } from '../session.ts';

interface SendCommandOptions {
  burn?: boolean;
  ttl?: number;
  view?: number;
  ext?: string;
  file?: string;
  json?: boolean;
}

/**
 * `cinder send <to> [text]`: send a message, print its id (or the SendResult with --json). With
 * `--file` the text is an optional caption and the file goes up first, with a progress line on
 * a terminal's stderr; Ctrl-C cancels the upload and nothing is sent.
 */
export function sendCommand(ctx: CliContext): Command {
  const { i18n } = ctx;
  const { t } = i18n;
  const duration = (value: string): number => durationArg(value, i18n);
  return new Command('send')
    .description(t('send.description'))
    .argument('<to>', t('send.to'))
    .argument('[text]', t('send.text'))
    .option('--file <path>', t('send.file'))
    .option('--burn', t('send.burn'))
    .option('--ttl <duration>', t('send.ttl'), duration)
    .option('--view <duration>', t('send.view'), duration)
    .option('--ext <json>', t('send.ext'))
    .option('--json', t('send.json'))
    .action(async (to: string, text: string | undefined, options: SendCommandOptions, cmd: Command) => {
      if (text === undefined && options.file === undefined) cmd.error(t('send.missingText'));
      const ext = options.ext === undefined ? undefined : parseExt(options.ext, cmd, i18n);
      const body = text === '-' ? stripFinalNewline(await readStream(ctx.io.stdin)) : text;
      // Checked before connecting: a missing or empty file is said at once.
      const file =
        options.file === undefined
          ? undefined
          : { path: options.file, data: await fileToSend(options.file, i18n) };
      const sendOptions: SendOptions = {};
      if (options.ttl !== undefined || options.view !== undefined) {
        sendOptions.burn = {
          ...(options.ttl !== undefined && { ttlSeconds: options.ttl }),
          ...(options.view !== undefined && { viewSeconds: options.view }),
        };
      } else if (options.burn === true) {
        sendOptions.burn = true;
      }
      if (ext !== undefined) sendOptions.ext = ext;
      await using session = await sessionFor(ctx, cmd);
      const result =
        file === undefined
          ? await session.client.send(to, body ?? '', sendOptions)
          : await sendFile(ctx, session, to, file.path, file.data, {
              ...sendOptions,
              ...(body !== undefined && { text: body }),
            });
      if (options.json) {
        // The protocol's SendResult: what the server stored, without echoing the content back.
        const { id, conversation, sentAt, burn: policy, size, attachment } = result;
        outJson(ctx.io, {
          id,
          conversation,
          sentAt,
          ...(policy && { burn: policy }),
          size,
          ...(attachment && { attachment }),
        });
      } else {
        out(ctx.io, result.id);
      }
    });
}

/**
 * Upload `file` and send it. A progress line on a terminal's stderr; the first Ctrl-C aborts
 * the upload (the SDK deletes the server's partial copy) and a second one kills as usual. The
 * SDK checks the signal between chunks, so a chunk on a stalled network is waited for: the
 * second Ctrl-C is the way out of that.
 */
async function sendFile(
  ctx: CliContext,
  session: Session,
  to: string,
  path: string,
  file: File,
  options: Pick<SendFileOptions, 'burn' | 'ext' | 'text'>,
): Promise<SentMessage> {
  const { i18n } = ctx;
  const abort = new AbortController();
  const progress = progressLine(ctx.io.stderr, oneLine(file.name), i18n);
  const cancel = (): void => {
    progress.done();
    note(ctx.io, i18n.t('send.cancelling'));
    abort.abort();
  };
  process.once('SIGINT', cancel);
  try {
    return await session.client.sendFile(to, file, {
      ...options,
      signal: abort.signal,
      onProgress: (p) => {
        // The SDK looks at the signal before each chunk only, so a Ctrl-C during the last one
        // would still send the message: failing here makes the upload stop and delete itself.
        if (abort.signal.aborted) throw new CinderError('CANCELLED', 'The upload was cancelled');
        progress.update(p);
      },
    });
  } catch (error) {
    if (error instanceof CinderError && error.code === 'PAYLOAD_TOO_LARGE') {
      throw tooLarge(path, file, options.burn !== undefined, error, i18n);
    }
    if (error instanceof CinderError && error.code === 'CANCELLED') {
      throw localizedError('CANCELLED', i18n.t('send.uploadCancelled', { path }), { cause: error });
    }
    throw error;
  } finally {
    progress.done();
    process.off('SIGINT', cancel);
  }
}

function durationArg(value: string, i18n: I18n): number {
  try {
    return parseUserDuration(value);
  } catch (error) {
    if (!(error instanceof CinderError)) throw error;
    throw new InvalidArgumentError(i18n.t('duration.invalid', { value }));
  }
}

// Parsed here rather than with a commander argParser: commander's message for a bad option
// argument quotes the value, and ext is message content that must never be echoed.
function parseExt(value: string, cmd: Command, i18n: I18n): Ext {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    cmd.error(i18n.t('send.extNotJson'));
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    cmd.error(i18n.t('send.extNotObject'));
  }
  return parsed as Ext;
}

// `echo hi | cinder send bob -` should send "hi", not "hi\n".
function stripFinalNewline(text: string): string {
  return text.replace(/\r?\n$/, '');
}
