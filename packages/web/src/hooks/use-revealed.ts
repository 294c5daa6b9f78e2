import type { CinderClient, OpenedAttachment } from '@cinder/sdk';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { BURN_ANIMATION_MS } from '../lib/burn-options.ts';
import { describeError, hasCode } from '../lib/errors.ts';
import type { Revealed, RevealedAttachment } from '../lib/timeline.ts';
import type { StoredMessage } from '../session/sdk-types.ts';

/** Why an open failed: a sentence safe to show (never content), and whether another device can still open it. */
export interface OpenFailure {
  text: string;
  /**
   * The message was sealed before this device was added: nothing was taken, and it is still
   * sealed for the account's devices that existed when it was sent.
   */
  sealedElsewhere: boolean;
}

/** Opened burn messages of one conversation view, their timers, and open failures. */
export interface RevealedState {
  revealed: ReadonlyMap<string, Revealed>;
  /** Ids whose `open` is in flight. */
  opening: ReadonlySet<string>;
  /** Why an open failed, by message id. */
  failures: ReadonlyMap<string, OpenFailure>;
  open: (message: StoredMessage) => Promise<void>;
  /** End the view window now: play the burn animation, then forget the text. */
  close: (id: string) => void;
}

/**
 * The only place opened burn text lives: React state of the open conversation view. It is never
 * written to IndexedDB or web storage; leaving the conversation or reloading drops it, and each
 * entry is dropped when its view window ends. An opened attachment lives in a Blob behind an
 * object URL, revoked when the viewer closes (or the view unmounts); the state keeps only the URL.
 */
export function useRevealed(client: CinderClient): RevealedState {
  const { i18n } = useTranslation();
  const [revealed, setRevealed] = useState<ReadonlyMap<string, Revealed>>(new Map());
  const [opening, setOpening] = useState<ReadonlySet<string>>(new Set());
  const [failures, setFailures] = useState<ReadonlyMap<string, OpenFailure>>(new Map());
  const timers = useRef(new Map<string, ReturnType<typeof setTimeout>>());
  /** Object URLs of opened attachments by message id, revoked on close and on unmount. */
  const urls = useRef(new Map<string, string>());
  const mounted = useRef(true);

  useEffect(() => {
    mounted.current = true;
    const pending = timers.current;
    const objectUrls = urls.current;
    return () => {
      mounted.current = false;
      for (const timer of pending.values()) clearTimeout(timer);
      pending.clear();
      for (const url of objectUrls.values()) URL.revokeObjectURL(url);
      objectUrls.clear();
    };
  }, []);

  /** Revoke an opened attachment's object URL: from here on it loads nothing. */
  const revoke = useCallback((id: string) => {
    const url = urls.current.get(id);
    if (url === undefined) return;
    URL.revokeObjectURL(url);
    urls.current.delete(id);
  }, []);

  const schedule = useCallback((id: string, ms: number, run: () => void) => {
    clearTimeout(timers.current.get(id));
    timers.current.set(
      id,
      setTimeout(() => {
        timers.current.delete(id);
        if (mounted.current) run();
      }, ms),
    );
  }, []);

  const close = useCallback(
    (id: string) => {
      revoke(id);
      setRevealed((current) => {
        const entry = current.get(id);
        if (!entry || entry.phase === 'burning') return current;
        const attachment = entry.attachment && { ...entry.attachment, url: null };
        return withEntry(current, id, { ...entry, phase: 'burning', ...(attachment ? { attachment } : {}) });
      });
      schedule(id, BURN_ANIMATION_MS, () => setRevealed((current) => withoutEntry(current, id)));
    },
    [schedule, revoke],
  );

  const open = useCallback(
    async (message: StoredMessage) => {
      const id = message.id;
      setOpening((current) => new Set(current).add(id));
      setFailures((current) => withoutEntry(current, id));
      try {
        const result = await client.open(id);
        if (!mounted.current) return;
        const viewSeconds = result.viewSeconds ?? message.burn?.viewSeconds ?? 0;
        const entry: Revealed = {
          id,
          from: message.from,
          sentAt: message.sentAt,
          text: result.text,
          viewSeconds,
          openedAt: Date.now(),
          phase: 'showing',
        };
        if (result.attachment) entry.attachment = revealAttachment(id, result.attachment, urls.current);
        setRevealed((current) => withEntry(current, id, entry));
        if (viewSeconds > 0) schedule(id, viewSeconds * 1000, () => close(id));
      } catch (error) {
        if (!mounted.current) return;
        const text = hasCode(error, 'DISCONNECTED')
          ? i18n.t('open.dropped')
          : hasCode(error, 'BURNED')
            ? i18n.t('open.burned')
            : describeError(error, i18n.t);
        const sealedElsewhere = hasCode(error, 'SEALED_FOR_OTHER_DEVICES');
        setFailures((current) => withEntry(current, id, { text, sealedElsewhere }));
      } finally {
        if (mounted.current) setOpening((current) => withoutId(current, id));
      }
    },
    [client, schedule, close, i18n],
  );

  return { revealed, opening, failures, open, close };
}

/**
 * Put an opened attachment behind an object URL. The Blob copies the bytes; the SDK's array is
 * then zeroed, so the Blob (freed when the URL is revoked) is the only copy in the page.
 */
function revealAttachment(
  id: string,
  opened: OpenedAttachment,
  urls: Map<string, string>,
): RevealedAttachment {
  const blob = new Blob([opened.data], { type: opened.type });
  const size = opened.data.byteLength;
  opened.data.fill(0);
  const url = URL.createObjectURL(blob);
  urls.set(id, url);
  return { kind: opened.kind, name: opened.name, type: opened.type, size, url };
}

function withEntry<V>(map: ReadonlyMap<string, V>, id: string, value: V): ReadonlyMap<string, V> {
  return new Map(map).set(id, value);
}

/** `map` without `id`; the same map when it has no such key, so React skips the re-render. */
function withoutEntry<V>(map: ReadonlyMap<string, V>, id: string): ReadonlyMap<string, V> {
  if (!map.has(id)) return map;
  const next = new Map(map);
  next.delete(id);
  return next;
}

/** `set` without `id`; the same set when it does not hold it, so React skips the re-render. */
function withoutId(set: ReadonlySet<string>, id: string): ReadonlySet<string> {
  if (!set.has(id)) return set;
  const next = new Set(set);
  next.delete(id);
  return next;
}
