import type { CinderClient } from '@cinder/sdk';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { describeError } from '../lib/errors.ts';
import { formatBytes, kindLabel } from '../lib/media.ts';
import type { StoredMessage } from '../session/sdk-types.ts';
import { KindIcon } from './kind-icon.tsx';

type Attachment = NonNullable<StoredMessage['attachment']>;

/** Props of {@link AttachmentContent}. */
export interface AttachmentContentProps {
  client: CinderClient;
  message: StoredMessage;
  attachment: Attachment;
}

type Loaded = { state: 'loading' } | { state: 'ready'; url: string } | { state: 'error'; text: string };

/**
 * The attachment of a normal (not burn) message: a photo inline, a voice or video player, or a
 * file chip with a download link. Normal messages are kept like normal text, so these may be
 * saved; the bytes come from `client.attachment(id)` into an object URL that is revoked when the
 * bubble leaves the page.
 */
export function AttachmentContent({ client, message, attachment }: AttachmentContentProps) {
  const { t } = useTranslation();
  const eager = attachment.kind !== 'file';
  const [wanted, setWanted] = useState(eager);
  const loaded = useObjectUrl(client, message.id, wanted);
  const name = attachment.name ?? t('media.attachment');
  const label = kindLabel(attachment.kind, t);
  const loading = t('media.loading', { kind: t(`media.loadingKind.${attachment.kind}`) });

  if (loaded?.state === 'error') {
    return (
      <p className="attachment attachment--error" role="alert">
        <KindIcon kind={attachment.kind} />
        {t('media.failed', { kind: label, size: formatBytes(attachment.size), error: loaded.text })}
      </p>
    );
  }
  const url = loaded?.state === 'ready' ? loaded.url : null;
  switch (attachment.kind) {
    case 'image':
      return url ? (
        <img
          className="attachment attachment--image"
          src={url}
          alt={t('media.named', { kind: label, name })}
        />
      ) : (
        <span className="attachment attachment--loading">{loading}</span>
      );
    case 'voice':
      return url ? (
        // biome-ignore lint/a11y/useMediaCaption: a voice note has no caption track.
        <audio
          className="attachment attachment--audio"
          src={url}
          controls
          aria-label={t('media.named', { kind: label, name })}
        />
      ) : (
        <span className="attachment attachment--loading">{loading}</span>
      );
    case 'video':
      return url ? (
        // biome-ignore lint/a11y/useMediaCaption: a person's own video has no caption track.
        <video className="attachment attachment--video" src={url} controls playsInline aria-label={name} />
      ) : (
        <span className="attachment attachment--loading">{loading}</span>
      );
    case 'file':
      return (
        <span className="attachment attachment--file">
          <KindIcon kind="file" />
          <span className="attachment__name">{name}</span>
          <span className="attachment__size">{formatBytes(attachment.size)}</span>
          {url ? (
            <a className="link-button" href={url} download={name}>
              {t('media.save')}
            </a>
          ) : (
            <button type="button" className="link-button" onClick={() => setWanted(true)} disabled={wanted}>
              {wanted ? t('media.loadingFile') : t('media.download')}
            </button>
          )}
        </span>
      );
  }
}

/** The attachment of message `id` behind an object URL, once `wanted`; revoked on unmount. */
function useObjectUrl(client: CinderClient, id: string, wanted: boolean): Loaded | null {
  // The instance, not `t`: a language switch must not fetch the attachment again.
  const { i18n } = useTranslation();
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  useEffect(() => {
    if (!wanted) return;
    let url: string | null = null;
    let live = true;
    setLoaded({ state: 'loading' });
    client.attachment(id).then(
      (opened) => {
        if (!live) return;
        url = URL.createObjectURL(new Blob([opened.data], { type: opened.type }));
        setLoaded({ state: 'ready', url });
      },
      (error: unknown) => {
        if (live) setLoaded({ state: 'error', text: describeError(error, i18n.t) });
      },
    );
    return () => {
      live = false;
      if (url) URL.revokeObjectURL(url);
    };
  }, [client, id, wanted, i18n]);
  return loaded;
}
