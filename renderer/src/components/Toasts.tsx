import { useT } from '../i18n/useT';
import { useToasts } from '../store/toasts';
import { Icon } from './Icon';

/** Visual toasts (with an optional action such as Undo) plus the polite live region for announcements. */
export function Toasts() {
  const t = useT();
  const toasts = useToasts((s) => s.toasts);
  const dismiss = useToasts((s) => s.dismiss);
  const announcement = useToasts((s) => s.announcement);
  return (
    <>
      <div className="toasts" role="region" aria-label={t('app.notifications')}>
        {toasts.map((toast) => (
          <div
            key={toast.id}
            className={`toast toast-${toast.kind}`}
            role={toast.kind === 'error' ? 'alert' : 'status'}
          >
            <Icon name={toast.kind === 'error' ? 'alert' : toast.kind === 'success' ? 'check' : 'info'} />
            <span className="toast-message">{toast.message}</span>
            {toast.action && (
              <button
                type="button"
                className="btn btn-ghost btn-sm toast-action"
                onClick={() => {
                  toast.action?.run();
                  dismiss(toast.id);
                }}
              >
                {toast.action.label}
              </button>
            )}
            <button
              type="button"
              className="icon-btn btn-sm"
              aria-label={t('common.dismiss')}
              onClick={() => dismiss(toast.id)}
            >
              <Icon name="x" size={16} />
            </button>
          </div>
        ))}
      </div>
      <div className="sr-only" aria-live="polite" aria-atomic="true" key={announcement.n}>
        {announcement.text}
      </div>
    </>
  );
}
