import { useMemo } from 'react';
import { useT } from '../../i18n/useT';
import { isActive, useStudio } from '../../store/studio';
import { Icon } from '../Icon';
import { batchProgress } from '../../features/studio/progress';

/** One queue for every generation of the project: overall and per-line progress, cancel. */
export function QueuePanel() {
  const t = useT();
  const jobs = useStudio((s) => s.jobs);
  const lines = useStudio((s) => s.lines);
  const batchId = useStudio((s) => s.batchId);
  const interrupted = useStudio((s) => s.interrupted);
  const numberOf = useMemo(() => new Map(lines.map((l, i) => [l.id, i + 1])), [lines]);

  const progress = useMemo(() => batchProgress(jobs, batchId, new Set(numberOf.keys())), [jobs, batchId, numberOf]);
  const shown = useMemo(
    () => [...progress.jobs].sort((x, y) => (numberOf.get(x.lineId!) ?? 0) - (numberOf.get(y.lineId!) ?? 0)),
    [progress, numberOf],
  );
  const active = shown.filter(isActive);
  const done = progress.done;
  const overall = Math.round(progress.fraction * 100);

  return (
    <section className="side-panel queue-panel" aria-labelledby="queue-title">
      <div className="side-panel-head">
        <h2 id="queue-title" className="side-panel-title">
          <Icon name="clock" size={15} />
          {t('queue.title')}
        </h2>
        {active.length > 0 && (
          <button type="button" className="btn btn-sm btn-stop" onClick={() => void useStudio.getState().cancelBatch()}>
            <Icon name="stop" size={12} />
            {t('queue.cancel')}
          </button>
        )}
      </div>
      {interrupted > 0 && (
        <div className="queue-resume">
          <span className="muted">{t.plural('recovery.interrupted', interrupted)}</span>
          <button
            type="button"
            className="btn btn-sm btn-primary"
            onClick={() => void useStudio.getState().resumeInterrupted()}
          >
            <Icon name="play" size={12} />
            {t.plural('queue.resume', interrupted)}
          </button>
        </div>
      )}
      {shown.length === 0 ? (
        <p className="side-empty">{t('queue.empty')}</p>
      ) : (
        <>
          <div className="queue-overall">
            <span className="muted">{t('queue.overall', { done, total: shown.length })}</span>
            <div
              className="progress"
              role="progressbar"
              aria-label={t('queue.overallLabel')}
              aria-valuemin={0}
              aria-valuemax={100}
              aria-valuenow={overall}
            >
              <div className="progress-bar" style={{ width: `${Math.max(2, overall)}%` }} />
            </div>
          </div>
          {/* Scrolls when long: focusable so keyboard users can scroll it too. */}
          <ul className="queue-list" tabIndex={0} aria-label={t('queue.title')}>
            {shown.map((j) => {
              const n = numberOf.get(j.lineId!) ?? 0;
              const pct = j.status === 'done' ? 100 : j.status === 'running' ? Math.round(j.progress * 100) : 0;
              return (
                <li key={j.id} className={`queue-item status-${j.status}`}>
                  <span className="muted">{t('queue.line', { n })}</span>
                  <div
                    className="progress"
                    role="progressbar"
                    aria-label={t('studio.progress', { n })}
                    aria-valuemin={0}
                    aria-valuemax={100}
                    aria-valuenow={pct}
                  >
                    <div className="progress-bar" style={{ width: `${Math.max(2, pct)}%` }} />
                  </div>
                  <span className="queue-state">
                    {j.status === 'done' ? (
                      <>
                        <Icon name="check" size={14} />
                        <span className="sr-only">{t('status.done')}</span>
                      </>
                    ) : (
                      t(`queue.status.${j.status}`)
                    )}
                  </span>
                </li>
              );
            })}
          </ul>
        </>
      )}
    </section>
  );
}
