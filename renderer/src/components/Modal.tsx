import { useEffect, useId, useRef, type ReactNode } from 'react';
import { useT } from '../i18n/useT';
import { Icon } from './Icon';
import { useDialogFocusRestore } from './useDialogFocusRestore';

interface Props {
  open: boolean;
  title: string;
  /** Extra class for width etc. (`dialog-wide`). */
  className?: string;
  children: ReactNode;
  /** Buttons at the bottom; a Close button is added to the title bar. */
  actions?: ReactNode;
  onClose(): void;
}

/** A modal built on <dialog> (focus trap, Escape and backdrop come from the platform), with a title and a close button. */
export function Modal({ open, title, className, children, actions, onClose }: Props) {
  const t = useT();
  const ref = useRef<HTMLDialogElement>(null);
  const id = useId();
  useDialogFocusRestore(ref, open);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    else if (!open && d.open) d.close();
  }, [open]);
  return (
    <dialog
      ref={ref}
      className={`dialog ${className ?? ''}`}
      aria-labelledby={`${id}-title`}
      onClose={onClose}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
      onClick={(e) => {
        if (e.target === ref.current) onClose();
      }}
    >
      {open && (
        <div className="dialog-body">
          <div className="dialog-head">
            <h2 id={`${id}-title`} className="dialog-title">
              {title}
            </h2>
            <button type="button" className="icon-btn" aria-label={t('common.close')} onClick={onClose}>
              <Icon name="x" size={16} />
            </button>
          </div>
          {children}
          {actions && <div className="dialog-actions">{actions}</div>}
        </div>
      )}
    </dialog>
  );
}
