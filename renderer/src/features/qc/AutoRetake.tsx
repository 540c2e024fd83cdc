import { useId } from 'react';
import type { LineRetake } from '../../../../preload/contract/index.js';
import { api, errorMessage } from '../../api';
import { useT } from '../../i18n/useT';
import { useStudio } from '../../store/studio';
import { toast } from '../../store/toasts';
import './qc.css';

/**
 * The project's auto-retake setting (toolbar): off, or retry a take QC flags up to N times with a new seed and keep
 * the best-scoring take. Saved at once; a failure puts the old value back and says why.
 */
export function AutoRetakeSetting({ projectId, value }: { projectId: string; value: number }) {
  const t = useT();
  const id = useId();
  const put = (n: number) =>
    useStudio.setState((s) =>
      s.project && s.project.id === projectId ? { project: { ...s.project, autoRetake: n } } : s,
    );
  const change = async (n: number) => {
    const before = value;
    put(n);
    try {
      await api().call('projects.setAutoRetake', { id: projectId, tries: n });
    } catch (err) {
      put(before);
      toast.error(errorMessage(err));
    }
  };
  return (
    <span className="auto-retake" title={t('retake.settingTip')}>
      <label className="toolbar-label" htmlFor={id}>
        {t('retake.setting')}
      </label>
      <select
        id={id}
        className="input auto-retake-select"
        value={value}
        onChange={(e) => void change(Number(e.currentTarget.value))}
      >
        <option value={0}>{t('retake.off')}</option>
        {[1, 2, 3, 4, 5].map((n) => (
          <option key={n} value={n}>
            {t('retake.upTo', { n })}
          </option>
        ))}
      </select>
    </span>
  );
}

/** What auto-retake did on a line: "retake 2/3…" while retrying, then which try is kept and why. */
export function RetakeNote({ retake }: { retake: LineRetake | null }) {
  const t = useT();
  if (!retake) return null;
  if (retake.state === 'retrying')
    return (
      <span className="chip chip-retake" data-retake="retrying" role="status">
        {t('retake.retrying', { attempt: retake.attempt, max: retake.max })}
      </span>
    );
  const tries = retake.takeIds.length;
  const chosen = retake.chosenTakeId ? retake.takeIds.indexOf(retake.chosenTakeId) + 1 : 0;
  const text =
    retake.outcome === 'passed'
      ? t('retake.passed', { n: chosen, tries })
      : retake.outcome === 'best'
        ? t('retake.best', { n: chosen, tries })
        : retake.outcome === 'user'
          ? chosen
            ? t('retake.user', { n: chosen, tries })
            : t('retake.userOther')
          : retake.outcome === 'changed'
            ? t('retake.changed')
            : t('retake.failed');
  return (
    <span className="chip chip-retake" data-retake={retake.outcome ?? retake.state} title={retake.message}>
      {text}
    </span>
  );
}
