import type { CinderClient } from '@cinder/sdk';
import type { TFunction } from 'i18next';
import {
  useCallback,
  useEffect,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
  useSyncExternalStore,
} from 'react';
import { Trans, useTranslation } from 'react-i18next';
import { useArrivals } from '../hooks/use-arrivals.ts';
import { useDisplayName } from '../hooks/use-display-name.ts';
import { useFileDrop } from '../hooks/use-file-drop.ts';
import { useKeyStatus } from '../hooks/use-key-status.ts';
import { useLiveQuery } from '../hooks/use-live-query.ts';
import { useNow } from '../hooks/use-now.ts';
import { useRevealed } from '../hooks/use-revealed.ts';
import type { BurnSettings } from '../lib/burn-options.ts';
import { describeError, hasCode } from '../lib/errors.ts';
import { recalledRows, recallWindowOf } from '../lib/recalls.ts';
import { buildTimeline, type PendingSend, type TimelineItem } from '../lib/timeline.ts';
import { touch } from '../session/changes.ts';
import type { KeyNotice, KeyNotices } from '../session/key-notices.ts';
import type { Me, RecallPlaceholder } from '../session/sdk-types.ts';
import { Avatar } from './avatar.tsx';
import { BlockBanner, BlockButton, useBlock } from './block-controls.tsx';
import { BurnedPlaceholder } from './burned-placeholder.tsx';
import {
  Composer,
  type ComposerHandle,
  type DraftBurn,
  type DraftBurnUpdate,
  type FileSendRequest,
} from './composer.tsx';
import { type Connection, ConnectionBadge } from './connection-badge.tsx';
import { DaySeparator } from './day-separator.tsx';
import { BackIcon, FlameIcon, ShieldCheckIcon, ShieldIcon } from './icons.tsx';
import { KeyChangeNotice } from './key-change-notice.tsx';
import { MediaViewer } from './media-viewer.tsx';
import { OwnBurnBubble } from './own-burn-bubble.tsx';
import { PendingBubble } from './pending-bubble.tsx';
import { RecalledPlaceholder } from './recalled-placeholder.tsx';
import { RevealedBubble } from './revealed-bubble.tsx';
import { SafetyNumberDialog } from './safety-number-dialog.tsx';
import { SealedBubble } from './sealed-bubble.tsx';
import { TextBubble } from './text-bubble.tsx';
import '../styles/display-name.css';

/** Props of {@link ConversationView}. */
export interface ConversationViewProps {
  client: CinderClient;
  me: Me;
  /** Key-change notices of this client; this view shows the peer's. */
  notices: KeyNotices;
  peer: string;
  connection: Connection;
  /** This chat's draft: burn on or off for the message being written, and its text. */
  draft: ChatDraft;
}

/** One chat's draft as the shell keeps it while other chats are open. */
export interface ChatDraft {
  burn: DraftBurn;
  onBurnChange: (update: DraftBurnUpdate) => void;
  /** The text being written when this chat was last shown. */
  text: string;
  onTextChange: (text: string) => void;
}

/** One conversation: the timeline of normal and burn messages, and the composer. */
export function ConversationView({
  client,
  me,
  notices: allNotices,
  peer,
  connection,
  draft,
}: ConversationViewProps) {
  const { t, i18n } = useTranslation();
  const { data, refresh } = useLiveQuery(client, peer, async () => {
    // One load for all three, so a message never vanishes before its placeholder appears.
    const [messages, burned, recalled] = await Promise.all([
      client.messages(peer),
      client.burnedMessages(peer),
      client.recalledMessages(peer),
    ]);
    return { messages, burned, recalled };
  });
  const { revealed, opening, failures, open, close } = useRevealed(client);
  const [pending, setPending] = useState<readonly PendingSend[]>([]);
  const visible = usePageVisible();
  const keys = useKeyStatus(client, peer, connection === 'connected');
  const notices = useSyncExternalStore(allNotices.subscribe, () => allNotices.forPeer(peer));
  const keyAnnouncement = useKeyChangeAnnouncement(notices, keys.check, i18n.t);
  const [safetyOpen, setSafetyOpen] = useState(false);
  const verified = keys.status?.verified === true;
  const block = useBlock(client, peer, connection === 'connected');
  const displayName = useDisplayName(client, peer);
  const recalls = useRecalls(data?.recalled);
  const [recalling, setRecalling] = useState<ReadonlySet<string>>(new Set());
  const [recallErrors, setRecallErrors] = useState<ReadonlyMap<string, string>>(new Map());

  const items = useMemo(
    () =>
      buildTimeline({
        me: me.username,
        messages: data?.messages ?? [],
        burned: data?.burned ?? [],
        revealed,
        pending,
        notices,
        recalled: recalls.rows,
      }),
    [me.username, data, revealed, pending, notices, recalls.rows],
  );
  const hasLiveBurns = items.some((i) => i.kind === 'sealed' || i.kind === 'own-burn');
  // The server's window once it said welcome. Read at render on purpose: the clock below ticks
  // while any message may still be recalled.
  const recallWindowMs = recallWindowOf(client);
  const recallOpenUntil = Math.max(
    0,
    ...items.map((i) => (i.kind === 'text' && i.message.mine ? i.message.sentAt + recallWindowMs : 0)),
  );
  const now = useNow(1000, hasLiveBurns || recallOpenUntil > Date.now());

  const recall = useCallback(
    async (id: string) => {
      setRecalling((s) => new Set(s).add(id));
      setRecallErrors((m) => withoutKey(m, id));
      try {
        // Resolves with the copy gone and the SDK's placeholder stored; its `recalled` event
        // reloads this view.
        await client.recall(id);
        touch(client);
      } catch (error) {
        const reason = hasCode(error, 'FORBIDDEN')
          ? i18n.t('conversationActions.recallTooLate')
          : describeError(error, i18n.t);
        setRecallErrors((m) => new Map(m).set(id, reason));
      } finally {
        setRecalling((s) => {
          const next = new Set(s);
          next.delete(id);
          return next;
        });
      }
    },
    [client, i18n],
  );

  useMarkRead(client, data?.messages, visible);
  const announcement = useArrivals(data?.messages);
  const timeline = useStickToBottom(items.length);

  const send = useCallback(
    async (item: PendingSend) => {
      setPending((list) => [...list.filter((p) => p.key !== item.key), { ...item, error: null }]);
      try {
        await client.send(peer, item.text, item.burn ? { burn: item.burn } : {});
        await refresh();
        touch(client);
        setPending((list) => list.filter((p) => p.key !== item.key));
      } catch (error) {
        const reason = describeError(error, i18n.t, { peer });
        setPending((list) => list.map((p) => (p.key === item.key ? { ...p, error: reason } : p)));
      }
    },
    [client, peer, refresh, i18n],
  );

  const onSend = useCallback(
    (text: string, burn: BurnSettings | null) => {
      timeline.stick();
      void send({ key: nextKey(), text, burn, createdAt: Date.now(), error: null });
    },
    [send, timeline],
  );

  const onSendFile = useCallback(
    async ({ file, text, burn, signal, onProgress }: FileSendRequest) => {
      timeline.stick();
      await client.sendFile(peer, file, {
        text,
        signal,
        onProgress: (p) => onProgress(p.sent, p.total),
        ...(burn ? { burn } : {}),
      });
      await refresh();
      touch(client);
    },
    [client, peer, refresh, timeline],
  );

  const composer = useRef<ComposerHandle>(null);
  const drop = useFileDrop((file) => composer.current?.attach(file));
  // One opened attachment at a time is on screen: the newest still showing.
  const viewing = [...revealed.values()].findLast((r) => r.phase === 'showing' && r.attachment?.url);

  const loaded = data !== undefined;
  const empty = loaded && items.length === 0;

  return (
    <section
      className={drop.over ? 'conversation conversation--drop' : 'conversation'}
      aria-label={t('conversation.label', { peer })}
      onDragOver={drop.onDragOver}
      onDragLeave={drop.onDragLeave}
      onDrop={drop.onDrop}
    >
      <header className="conversation__header">
        <a className="icon-button conversation__back" href="#/" aria-label={t('conversation.back')}>
          <BackIcon />
        </a>
        <Avatar name={peer} />
        <div className="conversation__title">
          {/* The heading stays the username (its accessible name is exactly the username): a
              display name proves nothing, so the username is always on screen under it. */}
          {displayName !== null && (
            <p className="display-name__name" dir="auto" data-testid="peer-display-name">
              {displayName}
            </p>
          )}
          {displayName === null ? (
            <h2>{peer}</h2>
          ) : (
            <h2 className="display-name__username">
              <span aria-hidden="true">@</span>
              {peer}
            </h2>
          )}
          <p className="conversation__subtitle">
            <FlameIcon />
            {t('conversation.subtitle')}
          </p>
        </div>
        <button
          type="button"
          className={verified ? 'safety-button safety-button--verified' : 'safety-button'}
          onClick={() => setSafetyOpen(true)}
          aria-haspopup="dialog"
          aria-label={verified ? t('conversation.safetyVerified') : t('account.safetyVerify')}
          title={verified ? t('conversation.safetyVerifiedTitle') : t('account.safetyVerify')}
          data-verified={verified ? 'true' : 'false'}
        >
          {verified ? <ShieldCheckIcon /> : <ShieldIcon />}
          <span className="safety-button__label" aria-hidden="true">
            {verified ? t('conversation.verified') : t('conversation.verify')}
          </span>
        </button>
        <BlockButton peer={peer} state={block} />
        <span className="conversation__connection">
          <ConnectionBadge connection={connection} />
        </span>
      </header>

      {connection !== 'connected' && (
        <p className={`banner banner--${connection}`}>
          {connection === 'offline' ? t('conversation.offline') : t('conversation.reconnecting')}
        </p>
      )}

      <BlockBanner peer={peer} state={block} />

      <div className="timeline" ref={timeline.ref} onScroll={timeline.onScroll}>
        {empty ? (
          <div className="timeline__empty">
            <Avatar name={peer} size="lg" />
            <p>
              <Trans i18nKey="conversation.start" values={{ peer }} components={{ strong: <strong /> }} />
            </p>
            <p className="timeline__hint">
              <Trans i18nKey="conversation.startHint" components={{ flame: <FlameIcon /> }} />
            </p>
          </div>
        ) : (
          <ol className="timeline__list" aria-label={t('conversation.messages', { peer })}>
            {items.map((item) => (
              <li
                key={item.key}
                className={rowClass(item)}
                data-message-id={item.kind === 'day' || item.kind === 'key-change' ? undefined : item.key}
              >
                {renderItem(item)}
              </li>
            ))}
          </ol>
        )}
      </div>

      <p className="visually-hidden" aria-live="polite">
        {announcement === recalls.mutedAnnouncement(announcement) ? '' : announcement}
      </p>
      <p className="visually-hidden" aria-live="polite">
        {keyAnnouncement}
      </p>

      <Composer
        peer={peer}
        burn={draft.burn}
        onBurnChange={draft.onBurnChange}
        initialText={draft.text}
        onTextChange={draft.onTextChange}
        onSend={onSend}
        onSendFile={onSendFile}
        onDraftStart={keys.nudge}
        ref={composer}
      />

      {viewing && (
        <MediaViewer
          key={viewing.id}
          revealed={viewing}
          reader={me.username}
          onClose={() => close(viewing.id)}
        />
      )}

      {safetyOpen && <SafetyNumberDialog peer={peer} keys={keys} onClose={() => setSafetyOpen(false)} />}
    </section>
  );

  function renderItem(item: TimelineItem) {
    switch (item.kind) {
      case 'day':
        return <DaySeparator at={item.at} />;
      case 'text': {
        const { message } = item;
        const error = recallErrors.get(message.id) ?? null;
        const open = message.mine && now < message.sentAt + recallWindowMs;
        return (
          <TextBubble
            client={client}
            message={message}
            recall={
              open || error
                ? {
                    onRecall: () => void recall(message.id),
                    recalling: recalling.has(message.id),
                    error,
                  }
                : undefined
            }
          />
        );
      }
      case 'recalled':
        return <RecalledPlaceholder by={item.by} mine={item.mine} />;
      case 'own-burn':
        return <OwnBurnBubble client={client} message={item.message} now={now} />;
      case 'sealed':
        return (
          <SealedBubble
            message={item.message}
            now={now}
            opening={opening.has(item.message.id)}
            failure={failures.get(item.message.id) ?? null}
            onOpen={() => void open(item.message)}
            onPrefetch={() => void client.prefetch(item.message.id).catch(() => {})}
          />
        );
      case 'revealed':
        return (
          <RevealedBubble
            revealed={item.revealed}
            reader={me.username}
            onClose={() => close(item.revealed.id)}
          />
        );
      case 'burned':
        return <BurnedPlaceholder placeholder={item.placeholder} mine={item.mine} peer={peer} />;
      case 'key-change':
        return <KeyChangeNotice notice={item.notice} onShowSafetyNumber={() => setSafetyOpen(true)} />;
      case 'pending':
        return (
          <PendingBubble
            pending={item.pending}
            connected={connection === 'connected'}
            onRetry={() => void send(item.pending)}
            onDiscard={() => setPending((list) => list.filter((p) => p.key !== item.pending.key))}
          />
        );
    }
  }

  function rowClass(item: TimelineItem): string {
    switch (item.kind) {
      case 'day':
      case 'key-change':
        return 'row row--center';
      case 'text':
        return item.message.mine ? 'row row--mine' : 'row row--theirs';
      case 'own-burn':
      case 'pending':
        return 'row row--mine';
      case 'sealed':
      case 'revealed':
        return 'row row--theirs';
      case 'burned':
        return item.mine === null ? 'row row--center' : item.mine ? 'row row--mine' : 'row row--theirs';
      case 'recalled':
        return 'row row--center';
    }
  }
}

function withoutKey<V>(map: ReadonlyMap<string, V>, key: string): ReadonlyMap<string, V> {
  if (!map.has(key)) return map;
  const next = new Map(map);
  next.delete(key);
  return next;
}

/**
 * This chat's recall placeholders as timeline rows (the SDK keeps them in the device's store). An
 * arrival announcement made before a recall is muted, since it may quote the recalled text.
 */
function useRecalls(placeholders: readonly RecallPlaceholder[] | undefined) {
  const rows = useMemo(() => recalledRows(placeholders ?? []), [placeholders]);
  const announcementAtRecall = useRef<string | null>(null);
  const lastAnnouncement = useRef('');
  const count = rows.length;
  const seenCount = useRef(count);
  if (count !== seenCount.current) {
    seenCount.current = count;
    announcementAtRecall.current = lastAnnouncement.current;
  }
  return useMemo(
    () => ({
      rows,
      /** The announcement to hide: the one showing when the latest recall arrived. */
      mutedAnnouncement(current: string): string | null {
        lastAnnouncement.current = current;
        return announcementAtRecall.current;
      },
    }),
    [rows],
  );
}

let keys = 0;
/** A key for a pending row; only needs to be unique on this page (the SDK makes the send's own key). */
function nextKey(): string {
  keys += 1;
  return `${Date.now()}-${keys}`;
}

/**
 * A sentence for a screen reader when the peer's keys change while the chat is open; each new
 * notice also reads the keys again, so the header's verified mark follows.
 */
function useKeyChangeAnnouncement(
  notices: readonly KeyNotice[],
  recheck: () => Promise<void>,
  t: TFunction,
): string {
  const seen = useRef(notices.length);
  // Notices loaded from storage after the view opened are history, not news.
  const openedAt = useRef(Date.now());
  const [announcement, setAnnouncement] = useState('');
  useEffect(() => {
    if (notices.length <= seen.current) {
      seen.current = notices.length;
      return;
    }
    seen.current = notices.length;
    const last = notices.at(-1);
    if (!last || last.at < openedAt.current) return;
    setAnnouncement(t('conversation.keysChanged', { peer: last.peer }));
    void recheck();
  }, [notices, recheck, t]);
  return announcement;
}

/** Sends read receipts for incoming normal messages while the page is visible. */
function useMarkRead(
  client: CinderClient,
  messages: readonly { id: string; mine: boolean; burn?: unknown; readAt?: number | undefined }[] | undefined,
  visible: boolean,
): void {
  const requested = useRef(new Set<string>());
  useEffect(() => {
    if (!messages || !visible) return;
    const unread = messages.filter(
      (m) => !m.mine && !m.burn && m.readAt === undefined && !requested.current.has(m.id),
    );
    if (unread.length === 0) return;
    for (const m of unread) requested.current.add(m.id);
    void Promise.allSettled(unread.map((m) => client.markRead(m.id))).then(() => touch(client));
  }, [client, messages, visible]);
}

function usePageVisible(): boolean {
  const [visible, setVisible] = useState(() => document.visibilityState === 'visible');
  useEffect(() => {
    const update = () => setVisible(document.visibilityState === 'visible');
    document.addEventListener('visibilitychange', update);
    return () => document.removeEventListener('visibilitychange', update);
  }, []);
  return visible;
}

/** Keeps the timeline scrolled to the newest message unless the reader scrolled up. */
function useStickToBottom(count: number) {
  const ref = useRef<HTMLDivElement>(null);
  const stuck = useRef(true);
  const onScroll = useCallback(() => {
    const el = ref.current;
    if (el) stuck.current = el.scrollHeight - el.scrollTop - el.clientHeight < 80;
  }, []);
  const stick = useCallback(() => {
    stuck.current = true;
  }, []);
  // biome-ignore lint/correctness/useExhaustiveDependencies: scroll again whenever rows are added.
  useLayoutEffect(() => {
    const el = ref.current;
    if (el && stuck.current) el.scrollTop = el.scrollHeight;
  }, [count]);
  return useMemo(() => ({ ref, onScroll, stick }), [onScroll, stick]);
}
