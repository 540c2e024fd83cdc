import { useT } from '../../i18n/useT';

/** dBFS below which the meter reads empty. */
const FLOOR = -60;
export const CLIP_DB = -1;
export const QUIET_DB = -42;

const pct = (db: number) => Math.max(0, Math.min(100, ((db - FLOOR) / -FLOOR) * 100));
const fmt = (db: number, locale: string) =>
  Number.isFinite(db) && db > FLOOR ? db.toLocaleString(locale, { maximumFractionDigits: 0 }) : '−∞';

export interface Level {
  /** dBFS of the last block's RMS. */
  rms: number;
  /** dBFS of the last block's peak. */
  peak: number;
  clipping?: boolean;
}

/** A live input meter (RMS bar + peak marker) with clipping / too-quiet warnings, fed by `recorder.level`. */
export function LevelMeter({ level, active }: { level: Level | null; active: boolean }) {
  const t = useT();
  const rms = level?.rms ?? -Infinity;
  const peak = level?.peak ?? -Infinity;
  const clipping = !!level && (level.clipping || peak >= CLIP_DB);
  const quiet = !!level && active && !clipping && rms < QUIET_DB;
  const text = t('rec.meterValue', { rms: fmt(rms, t.locale), peak: fmt(peak, t.locale) });
  return (
    <div className="level">
      <div
        className={`level-meter${clipping ? ' clip' : ''}`}
        role="meter"
        aria-label={t('rec.meter')}
        aria-valuemin={FLOOR}
        aria-valuemax={0}
        aria-valuenow={Math.round(Math.max(FLOOR, Number.isFinite(rms) ? rms : FLOOR))}
        aria-valuetext={text}
      >
        <div className="level-rms" style={{ width: `${pct(rms)}%` }} />
        <div className="level-peak" style={{ left: `${pct(peak)}%` }} />
        <div className="level-zones" aria-hidden="true">
          <span style={{ left: `${pct(QUIET_DB)}%` }} />
          <span style={{ left: `${pct(-6)}%` }} />
        </div>
      </div>
      <div className="level-row small">
        <span className="muted mono">{text}</span>
        {clipping ? (
          <span className="level-warn danger" role="alert">
            {t('rec.clipping')}
          </span>
        ) : quiet ? (
          <span className="level-warn warn">{t('rec.tooQuiet')}</span>
        ) : level && active ? (
          <span className="level-ok">{t('rec.levelOk')}</span>
        ) : null}
      </div>
    </div>
  );
}
