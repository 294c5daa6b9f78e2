import { type AttachmentKind, CinderError } from '@cinder/protocol';
import type { CinderClient, OpenedMessage, StoredMessage } from '@cinder/sdk';
import { Command } from 'commander';
import { type CliContext, cinderCommand, globalsOf, note, outJson, sessionFor } from '../context.ts';
import { attachmentLabel } from '../format.ts';
import type { I18n } from '../i18n/i18n.ts';
import { localizedError } from '../i18n/localized-error.ts';
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
  const { i18n } = ctx;
  const { t } = i18n;
  return new Command('open')
    .description(t('open.description'))
    .argument('<id>', t('open.id'))
    .option('--out <path>', t('open.out'))
    .option('--discard-attachment', t('open.discardAttachment'))
    .option('--json', t('open.json'))
    .action(async (id: string, options: OpenOptions, cmd: Command) => {
      if (options.out !== undefined && options.discardAttachment) cmd.error(t('open.outAndDiscard'));
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
        if (!attachment || opened.text !== '') {
          await showText(ctx.io, opened.text, opened.viewSeconds ?? 0, i18n);
        }
        if (attachment) {
          note(ctx.io, attachmentNote(attachment, cinderCommand(globalsOf(cmd), 'open', id), i18n));
        }
      }
      if (failure) throw failure;
    });
}

/** `[attachment: Photo · 240 KB · cat.jpg · saved to cat.jpg]`, or why and how it was not. */
function attachmentNote(a: AttachmentOutcome, openAgain: string, i18n: I18n): string {
  const label = attachmentLabel(a, i18n);
  if (a.saved !== null) return i18n.t('open.attachmentSaved', { label, path: a.saved });
  if (a.burned) return i18n.t('open.attachmentBurned', { label });
  return i18n.t('open.attachmentNotSaved', { label, command: openAgain });
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
  const { t } = ctx.i18n;
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
    const label = attachmentLabel(local.attachment, ctx.i18n);
    throw localizedError('BAD_REQUEST', t('open.attachmentOnce', { id, label, command }));
  }
  const target = options.out === undefined ? null : await createSavedFile(options.out, ctx.i18n);
  let opened: OpenedMessage;
  try {
    opened = await openMessage(session, id, ctx.i18n);
  } catch (error) {
    await target?.discard();
    throw error;
  }
  const burned = opened.viewSeconds !== undefined;
  const file = opened.attachment;
  if (!file) {
    if (target) {
      await target.discard();
      note(ctx.io, t('open.noAttachment', { id, path: target.path }));
    }
    return { opened, attachment: null };
  }
  const outcome = { kind: file.kind, name: file.name, type: file.type, size: file.data.length, burned };
  if (!target) return { opened, attachment: { ...outcome, saved: null } };
  try {
    await target.write(file.data);
  } catch (error) {
    // Shown after the text: a burn message's caption is still worth reading once.
    const message = t(burned ? 'open.writeFailedBurned' : 'open.writeFailed', { path: target.path });
    const failure = localizedError('INTERNAL', message, { cause: error });
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

async function openMessage(session: Session, id: string, i18n: I18n): Promise<OpenedMessage> {
  try {
    return await session.client.open(id);
  } catch (error) {
    const cause = { cause: error };
    if (error instanceof CinderError && error.code === 'BURNED') {
      throw localizedError('BURNED', i18n.t('open.burned', { id }), cause);
    }
    // Refused before anything was taken: the message waits for a device it was sealed to.
    if (error instanceof CinderError && error.code === 'SEALED_FOR_OTHER_DEVICES') {
      throw localizedError('SEALED_FOR_OTHER_DEVICES', i18n.t('open.sealedForOthers', { id }), cause);
    }
    if (error instanceof CinderError && error.code === 'DECRYPT_FAILED') {
      throw localizedError('DECRYPT_FAILED', i18n.t('open.decryptFailed', { id }), cause);
    }
    // The server may have burned it and the reply with the only copy of the content been lost.
    if (error instanceof CinderError && (error.code === 'DISCONNECTED' || error.code === 'TIMEOUT')) {
      throw localizedError(error.code, i18n.t('open.noReply'), cause);
    }
    throw error;
  }
}
