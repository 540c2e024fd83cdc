import { useT } from '../i18n/useT';
import { useStudio } from '../store/studio';
import { Icon } from './Icon';

/** "All changes saved" / "Saving…" / "Not saved: <reason>" for the open project. */
export function SaveIndicator() {
  const t = useT();
  const save = useStudio((s) => s.save);
  const errors = useStudio((s) => s.saveErrors);
  const retry = useStudio((s) => s.retrySaves);
  const states = Object.values(save);
  const firstError = Object.values(errors)[0];
  if (firstError) {
    return (
      <div className="save-indicator error" role="status" data-state="error">
        <Icon name="alert" size={15} />
        <span>{t('save.failed', { reason: firstError })}</span>
        <button type="button" className="btn btn-ghost btn-sm" onClick={retry}>
          {t('common.retry')}
        </button>
      </div>
    );
  }
  const busy = states.some((s) => s === 'pending' || s === 'saving');
  return (
    <div className={`save-indicator ${busy ? 'saving' : 'saved'}`} role="status" data-state={busy ? 'saving' : 'saved'}>
      {busy ? <span className="spinner" aria-hidden="true" /> : <Icon name="check" size={15} />}
      <span>{busy ? t('save.saving') : t('save.saved')}</span>
    </div>
  );
}
