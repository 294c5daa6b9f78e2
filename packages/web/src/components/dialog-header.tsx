import type { ReactNode } from 'react';
import { CloseIcon } from './icons.tsx';

/** Props of {@link DialogHeader}. */
export interface DialogHeaderProps {
  /** The heading's id, which the `<dialog>` names itself by (`aria-labelledby`). */
  titleId: string;
  title: string;
  /** The close button's accessible name ("Close settings"). */
  closeLabel: string;
  /** The icon in the mark beside the title; decorative. */
  icon: ReactNode;
  /** The dialog's own class for the mark's colours (`settings__mark`, `safety__mark`). */
  markClassName: string;
  /** Close the dialog; it should go through the element's `close()`, whose `close` event unmounts it. */
  onClose: () => void;
}

/**
 * The header of the app's modal dialogs: a mark, the title the dialog is named by, and a close
 * button. It stays at the top while the card scrolls (dialog.css).
 */
export function DialogHeader({
  titleId,
  title,
  closeLabel,
  icon,
  markClassName,
  onClose,
}: DialogHeaderProps) {
  return (
    <header className="dialog-header">
      <span className={`dialog-header__mark ${markClassName}`} aria-hidden="true">
        {icon}
      </span>
      <h2 id={titleId} className="dialog-header__title">
        {title}
      </h2>
      <button type="button" className="icon-button" onClick={onClose} aria-label={closeLabel}>
        <CloseIcon />
      </button>
    </header>
  );
}
