import type { AlignResult } from '../../../../preload/contract/index.js';
import { useT } from '../../i18n/useT';

/**
 * Word-level results of an alignment (the consent words check): the expected text with each word marked heard,
 * unclear or not heard, its time and score on hover/focus, and the words that failed listed in plain text for
 * screen readers and for reading at a glance.
 */
export function AlignedWords({ a }: { a: AlignResult }) {
  const t = useT();
  const failed = a.words.filter((w) => w.status !== 'ok');
  return (
    <div className="aligned-words" data-verdict={a.verdict}>
      <p className="aligned-score small">
        {t('align.score', { score: Math.round(a.score * 100) })}
        {a.unexpectedSpeechSeconds > 1
          ? ` · ${t('align.extra', { seconds: a.unexpectedSpeechSeconds.toFixed(1) })}`
          : ''}
      </p>
      <p className="aligned-text" aria-hidden="true">
        {a.words.map((w, i) => (
          <span
            key={i}
            className={`aw ${w.status}`}
            title={
              w.start === null
                ? t('align.notHeard')
                : t('align.wordTip', {
                    start: w.start.toFixed(2),
                    end: (w.end ?? w.start).toFixed(2),
                    score: Math.round(w.score * 100),
                  })
            }
          >
            {w.word}
          </span>
        ))}
      </p>
      {failed.length > 0 && (
        <p className="aligned-failed small" data-testid="failed-words">
          {t('align.failedWords', { words: failed.map((w) => w.word).join(', ') })}
        </p>
      )}
    </div>
  );
}
