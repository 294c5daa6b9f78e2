import { useEffect, useId, useRef, useState } from 'react';
import { Trans, useTranslation } from 'react-i18next';
import type { KeyStatusState } from '../hooks/use-key-status.ts';
import { useFormat } from '../i18n/use-format.ts';
import { DialogHeader } from './dialog-header.tsx';
import { LockIcon, ShieldCheckIcon, ShieldIcon } from './icons.tsx';

/** Props of {@link SafetyNumberDialog}. */
export interface SafetyNumberDialogProps {
  peer: string;
  keys: KeyStatusState;
  onClose: () => void;
}

/**
 * The conversation's safety number, to compare with the peer in person or over another channel,
 * the peer's device key fingerprints, and "Mark as verified". A modal dialog: Escape and the close
 * button close it and give focus back to what opened it. Reads the keys again when it opens, so
 * the number shown is the current one (and a change since the last look becomes a notice).
 */
export function SafetyNumberDialog({ peer, keys, onClose }: SafetyNumberDialogProps) {
  const { t } = useTranslation();
  const format = useFormat();
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const [verifying, setVerifying] = useState(false);
  const [verifyError, setVerifyError] = useState<string | null>(null);
  const { status, error, check, markVerified } = keys;

  // Closing goes through the element (close button, Escape), whose `close` event unmounts it.
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
  }, []);

  useEffect(() => {
    void check();
  }, [check]);

  async function verify() {
    if (!status) return;
    setVerifying(true);
    setVerifyError(null);
    try {
      await markVerified(status.safetyNumber);
    } catch (e) {
      setVerifyError(e instanceof Error ? e.message : String(e));
    } finally {
      setVerifying(false);
    }
  }

  const groups = status?.safetyNumber.split(/\s+/) ?? [];
  return (
    <dialog
      ref={ref}
      className="safety"
      aria-labelledby={titleId}
      onClose={onClose}
      data-testid="safety-dialog"
    >
      <DialogHeader
        titleId={titleId}
        title={t('safety.title')}
        closeLabel={t('safety.close')}
        icon={status?.verified ? <ShieldCheckIcon /> : <ShieldIcon />}
        markClassName="safety__mark"
        onClose={() => ref.current?.close()}
      />

      <p className="safety__lead">
        <LockIcon />
        <span>
          <Trans i18nKey="safety.lead" values={{ peer }} components={{ strong: <strong /> }} />
        </span>
      </p>

      {status ? (
        <>
          <p className="safety__state">
            {status.verified ? (
              <span className="verified-badge" data-verified="true">
                <ShieldCheckIcon />
                {t('safety.verified')}
              </span>
            ) : (
              <span className="unverified-badge" data-verified="false">
                <ShieldIcon />
                {t('safety.notVerified')}
              </span>
            )}
          </p>
          <p className="safety__number" data-testid="safety-number">
            {groups.map((group, i) => (
              // The trailing space keeps the groups apart for screen readers and copy-paste.
              // biome-ignore lint/suspicious/noArrayIndexKey: 12 fixed positions; a group can repeat.
              <span key={i} className="safety__group">
                {`${group} `}
              </span>
            ))}
          </p>
          <p className="safety__how">{t('safety.how', { peer })}</p>
          {status.verified ? (
            <p className="safety__done">{t('safety.done', { peer })}</p>
          ) : (
            <button
              type="button"
              className="button button--primary button--block"
              onClick={() => void verify()}
              disabled={verifying}
            >
              <ShieldCheckIcon />
              {verifying ? t('safety.marking') : t('safety.mark')}
            </button>
          )}
          {verifyError && (
            <p className="inline-error" role="alert">
              {verifyError}
            </p>
          )}
          {/* The check on open failed: the number above is the last one read, which may be old. */}
          {error && !verifyError && (
            <p className="form-error" role="alert">
              {error}
            </p>
          )}
          <section className="safety__devices" aria-label={t('safety.devicesLabel', { peer })}>
            <h3 className="safety__subtitle">{t('safety.devices', { peer })}</h3>
            {status.devices.length === 0 ? (
              <p className="safety__empty">{t('safety.noDevices', { peer })}</p>
            ) : (
              <ul className="safety__device-list">
                {status.devices.map((d) => (
                  <li key={d.id} className="safety__device">
                    <code className="safety__fingerprint">{d.fingerprint}</code>
                    <span className="safety__added">
                      {t('safety.added', { date: format.full(d.createdAt) })}
                    </span>
                  </li>
                ))}
              </ul>
            )}
          </section>
        </>
      ) : error ? (
        <p className="form-error" role="alert">
          {error}
        </p>
      ) : (
        <p className="safety__loading" aria-busy="true">
          <span className="spinner spinner--dark" />
          {t('safety.computing')}
        </p>
      )}
    </dialog>
  );
}
