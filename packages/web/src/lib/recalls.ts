import type { CinderClient } from '@cinder/sdk';

/**
 * The server's default recall window (`--recall-window`). The server does not publish its
 * setting, so the app offers Recall for this long after `sentAt` and shows the server's refusal
 * when a shorter window has already closed.
 */
export const RECALL_WINDOW_MS = 120_000;

/** What is left of a recalled message (消息撤回): who recalled it and when. Never content. */
export interface RecallMark {
  id: string;
  conversation: string;
  /** The sender, who recalled it. */
  by: string;
  /** When it was recalled. */
  at: number;
}

/**
 * This tab's recall placeholders of one client. The SDK drops a recalled message and emits
 * `recalled` once, keeping nothing, so the marks live here, in memory: a reload forgets them
 * (nothing of a recalled message is ever written to disk by the app).
 */
export class RecallMarks {
  #marks: readonly RecallMark[] = [];
  readonly #listeners = new Set<() => void>();

  /** Every mark heard so far, oldest first; a new array after each change. */
  readonly snapshot = (): readonly RecallMark[] => this.#marks;

  /** Calls `listener` after each change; returns the unsubscribe. */
  readonly subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  /** Record a recall; a second mark for the same message changes nothing. */
  add(mark: RecallMark): void {
    if (this.#marks.some((m) => m.id === mark.id)) return;
    this.#marks = [...this.#marks, mark];
    for (const l of this.#listeners) l();
  }
}

const byClient = new WeakMap<CinderClient, RecallMarks>();

/** The recall marks of `client`, listening to its `recalled` events from the first call on. */
export function recallMarksOf(client: CinderClient): RecallMarks {
  let marks = byClient.get(client);
  if (!marks) {
    const created = new RecallMarks();
    marks = created;
    byClient.set(client, created);
    // Live queries reload on `recalled` by themselves (session/changes.ts).
    client.on('recalled', (r) => {
      created.add({ id: r.messageId, conversation: r.conversation, by: r.by, at: r.at });
    });
  }
  return marks;
}
