import type { CinderClient, KeyStatus } from '@cinder/sdk';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { describeError, hasCode } from '../lib/errors.ts';

/** While a conversation is open and visible, its keys are checked again this often. */
const POLL_MS = 60_000;
/** Nudges (the reader starting a new message) closer together than this are folded into one check. */
const NUDGE_MS = 2_000;

/** The peer's keys as last checked, and the actions of the safety-number view. */
export interface KeyStatusState {
  /** Null until the first check answers. */
  status: KeyStatus | null;
  /** Why the last check or verification failed (safe to show). */
  error: string | null;
  checking: boolean;
  /** Check now. */
  check: () => Promise<void>;
  /** Check soon: the reader started a message, so a key change must be on screen before it goes. */
  nudge: () => void;
  /** Record the current keys as verified, then check again. Throws a sentence to show on failure. */
  markVerified: (safetyNumber: string) => Promise<void>;
}

/**
 * The peer's safety number and verified state. The server does not push key changes, so the SDK
 * learns of one only when it reads the peer's key directory (before a burn send, and on
 * `keyStatus`); this hook reads it when the conversation opens, on reconnect, when the page
 * becomes visible, every minute while it is, and when the reader starts a new message. Each read
 * that finds different keys makes the SDK emit `keyChange`, which puts a notice in the timeline
 * before the next send.
 */
export function useKeyStatus(client: CinderClient, peer: string, connected: boolean): KeyStatusState {
  // The instance, not `t`: it stays the same across a language switch, so no check re-runs.
  const { i18n } = useTranslation();
  const [status, setStatus] = useState<KeyStatus | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [checking, setChecking] = useState(false);
  const seq = useRef(0);
  const mounted = useRef(true);
  const lastCheck = useRef(0);
  const nudgeTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
      clearTimeout(nudgeTimer.current);
    };
  }, []);

  const check = useCallback(async () => {
    const mine = ++seq.current;
    lastCheck.current = Date.now();
    setChecking(true);
    try {
      const next = await client.keyStatus(peer);
      if (!mounted.current || mine !== seq.current) return;
      setStatus(next);
      setError(null);
    } catch (e) {
      if (!mounted.current || mine !== seq.current) return;
      setError(describeError(e, i18n.t, { peer }));
    } finally {
      if (mounted.current && mine === seq.current) setChecking(false);
    }
  }, [client, peer, i18n]);

  const nudge = useCallback(() => {
    if (nudgeTimer.current !== undefined) return;
    const wait = Math.max(0, lastCheck.current + NUDGE_MS - Date.now());
    nudgeTimer.current = setTimeout(() => {
      nudgeTimer.current = undefined;
      if (mounted.current) void check();
    }, wait);
  }, [check]);

  const markVerified = useCallback(
    async (safetyNumber: string) => {
      try {
        await client.markVerified(peer, safetyNumber);
      } catch (e) {
        // The keys changed between showing the number and pressing the button: show the new one.
        void check();
        throw new Error(
          hasCode(e, 'CONFLICT')
            ? i18n.t('safety.changedWhileComparing')
            : describeError(e, i18n.t, { peer }),
        );
      }
      await check();
    },
    [client, peer, check, i18n],
  );

  // On open and on every reconnect (keys may have changed while this device was away).
  useEffect(() => {
    if (connected) void check();
  }, [connected, check]);

  useEffect(() => {
    if (!connected) return;
    const poll = setInterval(() => {
      if (document.visibilityState === 'visible') void check();
    }, POLL_MS);
    const onVisible = () => {
      if (document.visibilityState === 'visible') void check();
    };
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      clearInterval(poll);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [connected, check]);

  return { status, error, checking, check, nudge, markVerified };
}
