import type { AttachmentKind } from '@cinder/protocol';
import type { MessageKey } from './i18n/en.ts';
import { ENGLISH, type I18n } from './i18n/i18n.ts';

/**
 * Make untrusted text safe to show on one terminal line: control characters (including ESC,
 * which could rewrite the screen or the window title) and line breaks become visible escapes.
 */
export function oneLine(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => {
    if (c === '\n') return '⏎';
    if (c === '\t') return ' ';
    return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}

/**
 * Make untrusted text safe to show on a terminal over several lines: keeps line breaks and
 * tabs, escapes every other control character.
 */
export function multiLine(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (c) => {
    return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}

/**
 * A timestamp in local time to the second, in two words: `YYYY-MM-DD HH:MM:SS` in English,
 * sortable and unambiguous in a terminal; `YYYY/MM/DD HH:MM:SS` in Chinese.
 */
export function formatTime(ms: number, i18n: I18n = ENGLISH): string {
  return i18n.formatTime(ms);
}

/** `burns in 58m` for a deadline in the future, `burning` once it has passed (the sweeper is due). */
export function burnsIn(expiresAt: number, now: number, i18n: I18n = ENGLISH): string {
  const left = Math.ceil((expiresAt - now) / 1000);
  return left > 0 ? i18n.t('time.burnsIn', { duration: i18n.formatDuration(left) }) : i18n.t('time.burning');
}

const SIZE_UNITS = ['KB', 'MB', 'GB', 'TB'] as const;

/**
 * A byte count for people: `512 B`, `9.8 KB`, `240 KB`, `25 MB`. Units of 1024, as the server's
 * `--max-upload 25m` counts them; one decimal below 10.
 */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  let value = bytes;
  let unit: string = 'B';
  for (const next of SIZE_UNITS) {
    if (value < 1024) break;
    value /= 1024;
    unit = next;
  }
  const shown = value < 10 ? Math.round(value * 10) / 10 : Math.round(value);
  return `${shown} ${unit}`;
}

/** What an attachment of each kind is called on a listing line. */
const KIND_LABELS = {
  image: 'kind.image',
  voice: 'kind.voice',
  video: 'kind.video',
  file: 'kind.file',
} as const satisfies Record<AttachmentKind, MessageKey>;

/** An attachment as listings show it (a burn message's has kind and size only until opened). */
export interface ListedAttachment {
  kind: AttachmentKind;
  size: number;
  name?: string | undefined;
}

/** `Photo · 240 KB`, and the file name when the message carries it: `File · 1.2 MB · plan.pdf`. */
export function attachmentLabel(a: ListedAttachment, i18n: I18n = ENGLISH): string {
  const parts = [i18n.t(KIND_LABELS[a.kind]), formatSize(a.size)];
  if (a.name !== undefined) parts.push(oneLine(a.name));
  return parts.join(' · ');
}

/** The fields of a message a listing line needs; both stored messages and events have them. */
export interface ListedMessage {
  id: string;
  from: string;
  sentAt: number;
  burn?: { expiresAt: number } | undefined;
  text?: string | undefined;
  /** Sent by this account (absent on live events, which are never this device's own sends). */
  mine?: boolean | undefined;
  attachment?: ListedAttachment | undefined;
}

/**
 * One message as `id  time  from  body`. A burn message this device cannot read shows a
 * sealed placeholder: the local store never holds its content, so there is nothing to leak.
 */
export function messageLine(m: ListedMessage, now: number, i18n: I18n = ENGLISH): string {
  return `${m.id}  ${i18n.formatTime(m.sentAt)}  ${m.from}  ${messageBody(m, now, i18n)}`;
}

function messageBody(m: ListedMessage, now: number, i18n: I18n): string {
  const file = m.attachment ? `[${attachmentLabel(m.attachment, i18n)}]` : '';
  if (!m.burn) return [file, oneLine(m.text ?? '')].filter(Boolean).join(' ');
  const left = burnsIn(m.burn.expiresAt, now, i18n);
  const attachment = m.attachment
    ? i18n.t('message.sealedAttachment', { label: attachmentLabel(m.attachment, i18n) })
    : '';
  // The sender's own device keeps its text until the burn; its other devices see it sealed.
  if (m.text !== undefined) {
    return i18n.t('message.ownUnopened', { attachment, left, text: oneLine(m.text) });
  }
  if (m.mine) return i18n.t('message.ownSealed', { attachment, left });
  // A burn attachment comes once, at the open: say how to keep it.
  const open = m.attachment ? `cinder open ${m.id} --out <path>` : `cinder open ${m.id}`;
  return i18n.t('message.sealed', { attachment, left, open });
}
