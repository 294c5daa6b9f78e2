import type { CinderClient } from '@cinder/sdk';
import { type RefObject, useCallback, useEffect, useId, useRef, useState } from 'react';
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
  /**
   * The control that takes the focus when it next shows: the Block button after Cancel or an
   * unblock, Unblock after a block (the control pressed is gone by then). Cleared once it has it.
   */
  focusNext: RefObject<'block' | 'unblock' | null>;
}

/** A ref callback that focuses its button when `state` says it is next. */
function takeFocus(state: BlockState, which: 'block' | 'unblock') {
  return (button: HTMLButtonElement | null) => {
    if (button && state.focusNext.current === which) {
      state.focusNext.current = null;
      button.focus();
    }
  };
}

/** Reads (once per chat) and changes whether this account blocked `peer`. */
export function useBlock(client: CinderClient, peer: string, connected: boolean): BlockState {
  const { i18n } = useTranslation();
  const [blocked, setBlocked] = useState<boolean | null>(null);
  const [confirming, setConfirming] = useState(false);
  // The peer whose block or unblock is in flight: another chat's controls stay usable meanwhile.
  const [busyFor, setBusyFor] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const current = useRef(peer);
  current.current = peer;
  const focusNext = useRef<'block' | 'unblock' | null>(null);

  useEffect(() => {
    setBlocked(null);
    setConfirming(false);
    setError(null);
    focusNext.current = null;
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
      setBusyFor(target);
      setError(null);
      try {
        if (to) await client.block(target);
        else await client.unblock(target);
        if (current.current === target) {
          focusNext.current = to ? 'unblock' : 'block';
          setBlocked(to);
          setConfirming(false);
        }
      } catch (e) {
        if (current.current === target)
          setError(i18n.t('conversationActions.blockFailed', { reason: describeError(e, i18n.t) }));
      } finally {
        setBusyFor((now) => (now === target ? null : now));
      }
    },
    [client, peer, i18n],
  );

  return {
    blocked,
    confirming,
    busy: busyFor === peer,
    error,
    ask: useCallback(() => setConfirming(true), []),
    cancel: useCallback(() => {
      focusNext.current = 'block';
      setConfirming(false);
    }, []),
    block: useCallback(() => change(true), [change]),
    unblock: useCallback(() => change(false), [change]),
    focusNext,
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
      ref={takeFocus(state, 'block')}
      onClick={state.ask}
      aria-expanded={state.confirming}
      aria-label={t('conversationActions.blockLabel', { peer })}
    >
      {t('conversationActions.block')}
    </button>
  );
}

/**
 * Under the header: the confirm question before blocking (Escape cancels it), and the banner
 * while blocked.
 */
export function BlockBanner({ peer, state }: { peer: string; state: BlockState }) {
  const { t } = useTranslation();
  const questionId = useId();
  const confirmRef = useRef<HTMLButtonElement>(null);
  const showConfirm = state.confirming && state.blocked === false;
  useEffect(() => {
    if (showConfirm) confirmRef.current?.focus();
  }, [showConfirm]);

  if (showConfirm)
    return (
      <fieldset
        className="block-banner block-banner--confirm"
        aria-labelledby={questionId}
        onKeyDown={(event) => {
          if (event.key !== 'Escape' || state.busy) return;
          event.preventDefault();
          state.cancel();
        }}
      >
        <p id={questionId}>{t('conversationActions.blockQuestion', { peer })}</p>
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
      </fieldset>
    );
  if (state.blocked !== true) return null;
  return (
    <div className="block-banner" data-testid="blocked-banner">
      <p role="status">{t('conversationActions.blocked', { peer })}</p>
      <div className="block-banner__actions">
        <button
          type="button"
          className="link-button"
          ref={takeFocus(state, 'unblock')}
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
