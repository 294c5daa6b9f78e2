import type { CinderClient } from '@cinder/sdk';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { describeError } from '../lib/errors.ts';
import '../styles/block.css';

/** Whether I blocked the peer of a chat, and the actions that change it. */
export interface BlockState {
  /** Null until the server answered. */
  blocked: boolean | null;
  /** The confirm question is showing. */
  confirming: boolean;
  busy: boolean;
  error: string | null;
  ask: () => void;
  cancel: () => void;
  block: () => Promise<void>;
  unblock: () => Promise<void>;
}

/** Reads (once per chat) and changes whether this account blocked `peer`. */
export function useBlock(client: CinderClient, peer: string, connected: boolean): BlockState {
  const { i18n } = useTranslation();
  const [blocked, setBlocked] = useState<boolean | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const current = useRef(peer);
  current.current = peer;

  useEffect(() => {
    setBlocked(null);
    setConfirming(false);
    setError(null);
    if (!connected) return;
    let live = true;
    client
      .blocked()
      .then((list) => {
        if (live) setBlocked(list.some((b) => b.username === peer));
      })
      .catch(() => {
        // Unknown for now: neither the banner nor the Block action shows until it is known.
      });
    return () => {
      live = false;
    };
  }, [client, peer, connected]);

  const change = useCallback(
    async (to: boolean) => {
      const target = peer;
      setBusy(true);
      setError(null);
      try {
        if (to) await client.block(target);
        else await client.unblock(target);
        if (current.current === target) {
          setBlocked(to);
          setConfirming(false);
        }
      } catch (e) {
        if (current.current === target)
          setError(i18n.t('conversationActions.blockFailed', { reason: describeError(e, i18n.t) }));
      } finally {
        setBusy(false);
      }
    },
    [client, peer, i18n],
  );

  return {
    blocked,
    confirming,
    busy,
    error,
    ask: useCallback(() => setConfirming(true), []),
    cancel: useCallback(() => setConfirming(false), []),
    block: useCallback(() => change(true), [change]),
    unblock: useCallback(() => change(false), [change]),
  };
}

/** The header's Block action; hidden while the block state is unknown or already blocked. */
export function BlockButton({ peer, state }: { peer: string; state: BlockState }) {
  const { t } = useTranslation();
  if (state.blocked !== false) return null;
  return (
    <button
      type="button"
      className="block-button"
      onClick={state.ask}
      aria-expanded={state.confirming}
      aria-label={t('conversationActions.blockLabel', { peer })}
    >
      {t('conversationActions.block')}
    </button>
  );
}

/** Under the header: the confirm question before blocking, and the banner while blocked. */
export function BlockBanner({ peer, state }: { peer: string; state: BlockState }) {
  const { t } = useTranslation();
  const confirmRef = useRef<HTMLButtonElement>(null);
  const showConfirm = state.confirming && state.blocked === false;
  useEffect(() => {
    if (showConfirm) confirmRef.current?.focus();
  }, [showConfirm]);

  if (showConfirm)
    return (
      <div className="block-banner block-banner--confirm">
        <p>{t('conversationActions.blockQuestion', { peer })}</p>
        <div className="block-banner__actions">
          <button type="button" className="link-button" onClick={state.cancel} disabled={state.busy}>
            {t('conversationActions.cancel')}
          </button>
          <button
            type="button"
            className="block-banner__danger"
            ref={confirmRef}
            onClick={() => void state.block()}
            disabled={state.busy}
          >
            {t('conversationActions.blockConfirm')}
          </button>
        </div>
        {state.error && <p role="alert">{state.error}</p>}
      </div>
    );
  if (state.blocked !== true) return null;
  return (
    <div className="block-banner" data-testid="blocked-banner">
      <p role="status">{t('conversationActions.blocked', { peer })}</p>
      <div className="block-banner__actions">
        <button
          type="button"
          className="link-button"
          onClick={() => void state.unblock()}
          disabled={state.busy}
        >
          {t('conversationActions.unblock')}
        </button>
      </div>
      {state.error && <p role="alert">{state.error}</p>}
    </div>
  );
}
