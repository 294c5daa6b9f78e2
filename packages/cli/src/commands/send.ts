import { text as readStream } from 'node:stream/consumers';
import { CinderError, type Ext } from '@cinder/protocol';
import { Command, InvalidArgumentError } from 'commander';
import { type CliContext, out, outJson, sessionFor } from '../context.ts';
import { parseDuration } from '../duration.ts';

interface SendOptions {
  burn?: boolean;
  ttl?: number;
  view?: number;
  ext?: string;
  json?: boolean;
}

/** `cinder send <to> <text>`: send a message, print its id (or the SendResult with --json). */
export function sendCommand(ctx: CliContext): Command {
  return new Command('send')
    .description('send a message and print its id')
    .argument('<to>', 'recipient username')
    .argument('<text>', 'message text; "-" reads it from stdin')
    .option('--burn', 'burn after reading (default ttl 7d, view until closed)')
    .option('--ttl <duration>', 'burn if unopened after this long, e.g. 1h (implies --burn)', durationArg)
    .option(
      '--view <duration>',
      'how long the reader sees it after open, e.g. 10s (implies --burn)',
      durationArg,
    )
    .option('--ext <json>', 'app attributes, a JSON object, e.g. \'{"k":1}\'')
    .option('--json', 'print the SendResult as JSON')
    .action(async (to: string, text: string, options: SendOptions, cmd: Command) => {
      const ext = options.ext === undefined ? undefined : parseExt(options.ext, cmd);
      const body = text === '-' ? stripFinalNewline(await readStream(ctx.io.stdin)) : text;
      const burn =
        options.ttl !== undefined || options.view !== undefined
          ? {
              ...(options.ttl !== undefined && { ttlSeconds: options.ttl }),
              ...(options.view !== undefined && { viewSeconds: options.view }),
            }
          : options.burn === true
            ? true
            : undefined;
      await using session = await sessionFor(ctx, cmd);
      const result = await session.client.send(to, body, {
        ...(burn !== undefined && { burn }),
        ...(ext !== undefined && { ext }),
      });
      if (options.json) {
        // The protocol's SendResult: what the server stored, without echoing the content back.
        const { id, conversation, sentAt, burn: policy, size } = result;
        outJson(ctx.io, { id, conversation, sentAt, ...(policy && { burn: policy }), size });
      } else {
        out(ctx.io, result.id);
      }
    });
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
