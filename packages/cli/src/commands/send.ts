import { text as readStream } from 'node:stream/consumers';
import { CinderError, type Ext } from '@cinder/protocol';
import type { SendFileOptions, SendOptions, SentMessage } from '@cinder/sdk';
import { Command, InvalidArgumentError } from 'commander';
import { type CliContext, note, out, outJson, sessionFor } from '../context.ts';
import { parseDuration } from '../duration.ts';
import { oneLine } from '../format.ts';
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
  return new Command('send')
    .description('send a message (or a file, with --file) and print its id')
    .argument('<to>', 'recipient username')
    .argument('[text]', 'message text, or the caption with --file; "-" reads it from stdin')
    .option('--file <path>', 'send this file (a photo, voice note, video or any file); text is its caption')
    .option('--burn', 'burn after reading (default ttl 7d, view until closed)')
    .option('--ttl <duration>', 'burn if unopened after this long, e.g. 1h (implies --burn)', durationArg)
    .option(
      '--view <duration>',
      'how long the reader sees it after open, e.g. 10s (implies --burn)',
      durationArg,
    )
    .option('--ext <json>', 'app attributes, a JSON object, e.g. \'{"k":1}\'')
    .option('--json', 'print the SendResult as JSON')
    .action(async (to: string, text: string | undefined, options: SendCommandOptions, cmd: Command) => {
      if (text === undefined && options.file === undefined) {
        cmd.error("error: missing required argument 'text' (or give --file)");
      }
      const ext = options.ext === undefined ? undefined : parseExt(options.ext, cmd);
      const body = text === '-' ? stripFinalNewline(await readStream(ctx.io.stdin)) : text;
      // Checked before connecting: a missing or empty file is said at once.
      const file =
        options.file === undefined ? undefined : { path: options.file, data: await fileToSend(options.file) };
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
  const abort = new AbortController();
  const progress = progressLine(ctx.io.stderr, oneLine(file.name));
  const cancel = (): void => {
    progress.done();
    note(ctx.io, 'cancelling the upload… (Ctrl-C again to quit at once)');
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
      throw tooLarge(path, file, options.burn !== undefined, error);
    }
    if (error instanceof CinderError && error.code === 'CANCELLED') {
      throw new CinderError('CANCELLED', `upload of ${path} cancelled: nothing was sent`, { cause: error });
    }
    throw error;
  } finally {
    progress.done();
    process.off('SIGINT', cancel);
  }
}

function durationArg(value: string): number {
  try {
    return parseDuration(value);
  } catch (error) {
    throw new InvalidArgumentError(error instanceof CinderError ? error.message : 'invalid duration');
  }
}

// Parsed here rather than with a commander argParser: commander's message for a bad option
// argument quotes the value, and ext is message content that must never be echoed.
function parseExt(value: string, cmd: Command): Ext {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    cmd.error('error: --ext is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    cmd.error('error: --ext must be a JSON object');
  }
  return parsed as Ext;
}

// `echo hi | cinder send bob -` should send "hi", not "hi\n".
function stripFinalNewline(text: string): string {
  return text.replace(/\r?\n$/, '');
}
