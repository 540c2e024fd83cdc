/**
 * Fit before generating in the Dub view (issue #11): the predicted-fit badge of a segment without a current take
 * ("will fit", "needs 1.12×", "too long by ~0.8 s"), from the core's prediction (`DubProjectSegment.predicted`: the
 * voice's speaking rate calibrated on its takes, the estimator of `timbre dub --plan`), and which segments won't fit.
 */
import type { DubProjectSegment } from '../../../../preload/contract/index.js';
import { useT } from '../../i18n/useT';

/** The segment has no current take (none yet, or its text, timing or voice changed since). */
export const awaitsTake = (seg: DubProjectSegment) => !seg.fit || seg.stale;

/** The segment won't fit its slot: its current take is too long, or (without one) its text is predicted to be. */
export function wontFit(seg: DubProjectSegment): boolean {
  if (!awaitsTake(seg)) return seg.fit!.fit === 'too-long';
  return seg.predicted?.fit === 'too-long';
}

export function PredictedFitBadge({ seg }: { seg: DubProjectSegment }) {
  const t = useT();
  const p = seg.predicted;
  if (!p || !awaitsTake(seg)) return null;
  const text =
    p.fit === 'stretched'
      ? t('dub.predicted.stretched', { x: p.stretch.toFixed(2) })
      : p.fit === 'borrowed'
        ? t('dub.predicted.borrowed', { s: p.borrowedSeconds.toFixed(1) })
        : p.fit === 'too-long'
          ? t('dub.predicted.too-long', { s: p.tooLongBySeconds.toFixed(1) })
          : t('dub.predicted.fits');
  const title = `${t('dub.predicted.title', {
    s: p.predictedSeconds.toFixed(1),
    slot: (seg.end - seg.start).toFixed(1),
    rate: p.rate.toFixed(1),
  })} ${t(p.calibrated ? 'dub.predicted.calibrated' : 'dub.predicted.uncalibrated')}`;
  return (
    <span className={`dub-predicted dub-predicted-${p.fit}`} title={title} data-testid="dub-predicted">
      {text}
    </span>
  );
}

/** "Show only segments that won't fit", with how many won't. */
export function WontFitFilter({
  checked,
  count,
  total,
  onChange,
}: {
  checked: boolean;
  count: number;
  total: number;
  onChange(v: boolean): void;
}) {
  const t = useT();
  return (
    <div className="dub-wontfit">
      <label>
        <input type="checkbox" checked={checked} onChange={(e) => onChange(e.target.checked)} />{' '}
        {t('dub.wontFitFilter')}
      </label>
      <span className={count ? 'dub-wontfit-count warn' : 'dub-wontfit-count muted'} data-testid="dub-wontfit-count">
        {t('dub.wontFitCount', { n: count, total })}
      </span>
    </div>
  );
}
