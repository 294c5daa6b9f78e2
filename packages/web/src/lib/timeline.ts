import type { AttachmentKind } from '@cinder/protocol';
import type { KeyNotice } from '../session/notice-store.ts';
import type { BurnedPlaceholder, StoredMessage } from '../session/sdk-types.ts';
import type { BurnSettings } from './burn-options.ts';

/** A burn message the reader opened: its text lives here, in memory only, until the window ends. */
export interface Revealed {
  id: string;
  from: string;
  sentAt: number;
  text: string;
  /** 0 = until the reader closes it. */
  viewSeconds: number;
  openedAt: number;
  /** `burning` while the burn animation plays; then the entry is dropped. */
  phase: 'showing' | 'burning';
  /** The opened attachment of a burn message, shown in the full-screen viewer. */
  attachment?: RevealedAttachment;
}

/**
 * A burn message's opened attachment. Its bytes live only behind `url`, an object URL of a Blob
 * in memory; the URL is revoked (and set to null) the moment the viewer closes.
 */
export interface RevealedAttachment {
  kind: AttachmentKind;
  name: string;
  type: string;
  size: number;
  url: string | null;
}

/** A send the server has not confirmed yet (or that failed). */
export interface PendingSend {
  key: string;
  text: string;
  burn: BurnSettings | null;
  createdAt: number;
  error: string | null;
}

/** One row of the conversation view, in display order. */
export type TimelineItem =
  | { kind: 'day'; key: string; at: number }
  | { kind: 'text'; key: string; at: number; message: StoredMessage }
  | { kind: 'own-burn'; key: string; at: number; message: StoredMessage }
  | { kind: 'sealed'; key: string; at: number; message: StoredMessage }
  | { kind: 'revealed'; key: string; at: number; revealed: Revealed }
  | { kind: 'burned'; key: string; at: number; placeholder: BurnedPlaceholder; mine: boolean | null }
  | { kind: 'recalled'; key: string; at: number; by: string; mine: boolean }
  | { kind: 'pending'; key: string; at: number; pending: PendingSend }
  | { kind: 'key-change'; key: string; at: number; notice: KeyNotice };

/** What the conversation view knows, merged into one timeline. */
export interface TimelineInput {
  me: string;
  messages: readonly StoredMessage[];
  burned: readonly BurnedPlaceholder[];
  revealed: ReadonlyMap<string, Revealed>;
  pending: readonly PendingSend[];
  /** The peer's key changes seen by this device. */
  notices?: readonly KeyNotice[];
  /** Messages of this chat recalled by their sender (the SDK's placeholders); they take the message's place. */
  recalled?: readonly RecalledRow[];
}

/** A recalled message as the timeline places it: at its send time when this device knew it. */
export interface RecalledRow {
  id: string;
  by: string;
  /** The message's `sentAt` if this device saw it, else when it was recalled. */
  at: number;
}

/**
 * Merges stored messages, burn and recall placeholders, revealed text, key-change notices and
 * pending sends, oldest first, with a day separator wherever the date changes. A revealed message
 * wins over its placeholder (the SDK records the burn as soon as `open` returns, while the reader
 * is still looking at the text). A recall placeholder wins over a copy of the message still loaded.
 */
export function buildTimeline(input: TimelineInput): TimelineItem[] {
  const items: Exclude<TimelineItem, { kind: 'day' }>[] = [];
  const seen = new Set<string>();
  for (const [id, revealed] of input.revealed) {
    seen.add(id);
    items.push({ kind: 'revealed', key: id, at: revealed.sentAt, revealed });
  }
  for (const placeholder of input.burned) {
    if (seen.has(placeholder.id)) continue;
    seen.add(placeholder.id);
    const mine = placeholder.from === undefined ? null : placeholder.from === input.me;
    items.push({
      kind: 'burned',
      key: placeholder.id,
      at: placeholder.sentAt ?? placeholder.at,
      placeholder,
      mine,
    });
  }
  for (const recalled of input.recalled ?? []) {
    if (seen.has(recalled.id)) continue;
    seen.add(recalled.id);
    const mine = recalled.by === input.me;
    items.push({ kind: 'recalled', key: recalled.id, at: recalled.at, by: recalled.by, mine });
  }
  for (const message of input.messages) {
    if (seen.has(message.id)) continue;
    seen.add(message.id);
    const kind = !message.burn ? 'text' : message.mine ? 'own-burn' : 'sealed';
    items.push({ kind, key: message.id, at: message.sentAt, message });
  }
  for (const notice of input.notices ?? []) {
    items.push({ kind: 'key-change', key: `key-change:${notice.id}`, at: notice.at, notice });
  }
  for (const pending of input.pending) {
    items.push({ kind: 'pending', key: `pending:${pending.key}`, at: pending.createdAt, pending });
  }
  // Stable: equal timestamps keep the order above. Pending sends always trail confirmed ones.
  items.sort((a, b) => rank(a) - rank(b) || a.at - b.at);

  const out: TimelineItem[] = [];
  let lastDay = '';
  for (const item of items) {
    const day = new Date(item.at).toDateString();
    if (day !== lastDay) {
      out.push({ kind: 'day', key: `day:${day}`, at: item.at });
      lastDay = day;
    }
    out.push(item);
  }
  return out;
}

function rank(item: TimelineItem): number {
  return item.kind === 'pending' ? 1 : 0;
}
