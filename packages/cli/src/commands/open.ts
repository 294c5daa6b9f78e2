import { type AttachmentKind, CinderError } from '@cinder/protocol';
import type { CinderClient, OpenedMessage, StoredMessage } from '@cinder/sdk';
import { Command } from 'commander';
import { type CliContext, cinderCommand, globalsOf, note, outJson, sessionFor } from '../context.ts';
import { attachmentLabel } from '../format.ts';
import { createSavedFile } from '../saved-file.ts';
import type { Session } from '../session.ts';
import { showText } from '../view-window.ts';

interface OpenOptions {
  json?: boolean;
  out?: string;
  discardAttachment?: boolean;
}

/** What `cinder open` did with a message's attachment. */
interface AttachmentOutcome {
  kind: AttachmentKind;
  name: string;
  type: string;
  size: number;
  /** Where its bytes were written; null when they were not (no --out). */
  saved: string | null;
  /** A burn message's attachment is gone once opened: not saved means lost. */
  burned: boolean;
}

/**
 * `cinder open <id>`: print a message's text. A burn message burns on the server in the same
 * step, so this works once; the view window, if any, is a countdown on the terminal. With
 * `--out` its attachment is written to a new file; a burn message's attachment comes only once,
 * so opening one without `--out` (or `--discard-attachment`) is refused before anything burns.
 */
export function openCommand(ctx: CliContext): Command {
  return new Command('open')
    .description('print a message; a burn message burns as it opens, so this works once')
    .argument('<id>', 'message id, as shown by cinder inbox')
    .option('--out <path>', 'write the attachment to this new file (never overwrites one)')
    .option('--discard-attachment', 'open a burn message with an attachment without saving it (it is lost)')
    .option('--json', 'print { id, text, ext, viewSeconds, attachment } as JSON (never the bytes)')
    .action(async (id: string, options: OpenOptions, cmd: Command) => {
      if (options.out !== undefined && options.discardAttachment) {
        cmd.error('error: --out and --discard-attachment cannot be used together');
      }
      const { opened, attachment, failure } = await openOnce(ctx, cmd, id, options);
      if (options.json) {
        // Metadata and where it went, never the bytes.
        const { attachment: _bytes, ...fields } = opened;
        if (!attachment) outJson(ctx.io, fields);
        else {
          const { burned: _burned, ...meta } = attachment;
          outJson(ctx.io, { ...fields, attachment: meta });
        }
      } else {
        // A file sent without a caption has no text to show.
        if (!attachment || opened.text !== '') await showText(ctx.io, opened.text, opened.viewSeconds ?? 0);
        if (attachment) note(ctx.io, attachmentNote(attachment, cinderCommand(globalsOf(cmd), 'open', id)));
      }
      if (failure) throw failure;
    });
}

/** `[attachment: Photo · 240 KB · cat.jpg · saved to cat.jpg]`, or why and how it was not. */
function attachmentNote(a: AttachmentOutcome, openAgain: string): string {
  const label = attachmentLabel(a);
  if (a.saved !== null) return `[attachment: ${label} · saved to ${a.saved}]`;
  if (a.burned) return `[attachment: ${label} · not saved: it burned with the message]`;
  return `[attachment: ${label} · not saved: ${openAgain} --out <path> saves it]`;
}

/** An opened message, what became of its attachment, and the error to end with if saving failed. */
interface OpenOutcome {
  opened: OpenedMessage;
  attachment: AttachmentOutcome | null;
  failure?: CinderError;
}

async function openOnce(
  ctx: CliContext,
  cmd: Command,
  id: string,
  options: OpenOptions,
): Promise<OpenOutcome> {
  // The session closes before anything is shown: the server burned the message already and
  // the view window lives only in this process.
  await using session = await sessionFor(ctx, cmd);
  const local = await findMessage(session.client, id);
  if (
    local?.burn &&
    local.attachment &&
    !local.mine &&
    options.out === undefined &&
    !options.discardAttachment
  ) {
    const command = cinderCommand(globalsOf(cmd), 'open', id);
    throw new CinderError(
      'BAD_REQUEST',
      `message ${id} is a burn message with an attachment (${attachmentLabel(local.attachment)}) that ` +
        `comes only once: save it with ${command} --out <path>, or open it without with ` +
        `${command} --discard-attachment (the message was not opened)`,
    );
  }
  const target = options.out === undefined ? null : await createSavedFile(options.out);
  let opened: OpenedMessage;
  try {
    opened = await openMessage(session, id);
  } catch (error) {
    await target?.discard();
    throw error;
  }
  const burned = opened.viewSeconds !== undefined;
  const file = opened.attachment;
  if (!file) {
    if (target) {
      await target.discard();
      note(ctx.io, `message ${id} has no attachment: nothing was written to ${target.path}`);
    }
    return { opened, attachment: null };
  }
  const outcome = { kind: file.kind, name: file.name, type: file.type, size: file.data.length, burned };
  if (!target) return { opened, attachment: { ...outcome, saved: null } };
  try {
    await target.write(file.data);
  } catch (error) {
    // Shown after the text: a burn message's caption is still worth reading once.
    const lost = burned ? '; the message burned, and its attachment with it' : '';
    const failure = new CinderError('INTERNAL', `could not write ${target.path}${lost}`, { cause: error });
    return { opened, attachment: { ...outcome, saved: null }, failure };
  }
  return { opened, attachment: { ...outcome, saved: target.path } };
}

/** The message with `id` in the local store (synced at connect); null if it is not there. */
async function findMessage(client: CinderClient, id: string): Promise<StoredMessage | null> {
  for (const c of await client.conversations()) {
    const found = (await client.messages(c.peer)).find((m) => m.id === id);
    if (found) return found;
  }
  return null;
}

async function openMessage(session: Session, id: string): Promise<OpenedMessage> {
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
