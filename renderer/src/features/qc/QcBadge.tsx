import { useEffect, useId, useState } from 'react';
import type { QcIssue, TakeQc } from '../../../../preload/contract/index.js';
import { api, errorMessage } from '../../api';
import type { Translator } from '../../i18n';
import { useT } from '../../i18n/useT';
import './qc.css';

/** One finding in the UI's words. */
export function describeQcIssue(t: Translator, i: QcIssue): string {
  const list = (ws: string[]) =>
    ws
      .slice(0, 6)
      .map((w) => `“${w}”`)
      .join(', ') + (ws.length > 6 ? ' …' : '');
  switch (i.kind) {
    case 'missing-words':
      return t('qc.missing', { words: list(i.words) });
    case 'unclear-words':
      return t('qc.unclear', { words: list(i.words) });
    case 'extra-speech':
      return t('qc.extra', { seconds: i.seconds.toFixed(1) });
    case 'long-silence':
      return t('qc.silence', { seconds: i.seconds.toFixed(1), at: i.at.toFixed(1) });
    case 'clipping':
      return t('qc.clipping', { at: i.at.toFixed(2), samples: i.samples });
    case 'voice-drift':
      return t('qc.voiceDrift', {
        similarity: Math.round(i.similarity * 100),
        threshold: Math.round(i.threshold * 100),
      });
    case 'word-errors':
      return t('qc.wordErrors', {
        wer: Math.round(i.wer * 100),
        words: list([
          ...i.substituted.map((s) => `${s.expected} → ${s.heard}`),
          ...i.missing.map((w) => `−${w}`),
          ...i.extra.map((w) => `+${w}`),
        ]),
      });
  }
}

/**
 * The take QC badge of a line: "QC ok" quietly, "Check" (flagged) or "Not checked" as a button that opens the
 * findings (fetched with `takes.qc` when opened). Never blocks anything. Render it with a `key` of the take and
 * its status, so a new take or a new result starts closed and fetches afresh.
 */
export function QcBadge({
  status,
  takeId,
  lineNumber,
}: {
  status: 'ok' | 'flagged' | 'unchecked' | null;
  takeId: string | null;
  lineNumber: number;
}) {
  const t = useT();
  const [open, setOpen] = useState(false);
  const [qc, setQc] = useState<TakeQc | null>(null);
  const [error, setError] = useState<string | null>(null);
  const panelId = useId();

  useEffect(() => {
    if (!open || !takeId || qc) return;
    let live = true;
    api()
      .call('takes.qc', { takeId })
      .then((r) => live && setQc(r))
      .catch((err: unknown) => live && setError(errorMessage(err)));
    return () => {
      live = false;
    };
  }, [open, takeId, qc]);

  if (!status || !takeId) return null;
  if (status === 'ok')
    return (
      <span className="chip chip-qc-ok" title={t('qc.okTip')} data-qc="ok">
        {t('qc.ok')}
      </span>
    );
  return (
    <span className="qc-badge">
      <button
        type="button"
        className={`chip chip-button ${status === 'flagged' ? 'chip-warn' : ''}`}
        data-qc={status}
        aria-expanded={open}
        aria-controls={panelId}
        title={status === 'flagged' ? t('qc.flaggedTip') : t('qc.uncheckedTip')}
        onClick={() => setOpen((o) => !o)}
      >
        {status === 'flagged' ? t('qc.flagged') : t('qc.unchecked')}
      </button>
      {open && (
        <div id={panelId} className="qc-findings" role="region" aria-label={t('qc.findings', { n: lineNumber })}>
          {error ? (
            <p role="alert">{error}</p>
          ) : !qc ? (
            <p className="muted small">{t('qc.loading')}</p>
          ) : (
            <>
              {qc.status === 'unchecked' ? (
                <p>{qc.summary}</p>
              ) : (
                <ul>
                  {qc.issues.map((i, k) => (
                    <li key={k}>{describeQcIssue(t, i)}</li>
                  ))}
                </ul>
              )}
              {qc.score !== null && (
                <p className="muted small">{t('qc.score', { score: Math.round(qc.score * 100) })}</p>
              )}
              {qc.status === 'flagged' && <p className="muted small">{t('qc.keep')}</p>}
            </>
          )}
        </div>
      )}
    </span>
  );
}
