import type { CinderClient } from '@cinder/sdk';
import type { RecallPlaceholder } from '../session/sdk-types.ts';
import type { RecalledRow } from './timeline.ts';

/**
 * The server's default recall window (`--recall-window`), used while the client has not heard the
 * server's own (`client.recallWindowMs`, null before the first welcome or from an older server).
 * The server refuses a recall past its window either way, and the bubble says so.
 */
export const RECALL_WINDOW_MS = 120_000;

/** How long after `sentAt` the app offers Recall: the server's published window, else the default. */
export function recallWindowOf(client: Pick<CinderClient, 'recallWindowMs'>): number {
  return client.recallWindowMs ?? RECALL_WINDOW_MS;
}

/**
 * The SDK's recall placeholders (`client.recalledMessages(peer)`, kept in the device's store, so
 * they outlive a reload) as timeline rows: at the message's send time when this device held it,
 * else at the recall's time. Never content: the placeholders carry none.
 */
export function recalledRows(placeholders: readonly RecallPlaceholder[]): RecalledRow[] {
  return placeholders.map((p) => ({ id: p.id, by: p.by, at: p.sentAt ?? p.at }));
}
