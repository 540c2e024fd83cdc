import { useEffect, useId, useState } from 'react';
import type { ReadingScript, SnrEstimate, StagedAudio } from '../../../../preload/contract/index.js';
import { api, errorMessage } from '../../api';
import { Icon } from '../../components/Icon';
import { useT } from '../../i18n/useT';
import { LevelMeter } from './LevelMeter';
import { formatClock, useTake, waitForElapsed } from './useTake';

const NOISE_SECONDS = 3;
const PARAGRAPH_MAX = 120;

/** Good when the room's noise floor is at least this far below speech (about -20 dBFS). */
const QUIET_FLOOR_DB = -50;

export interface RecordResult {
  noise: StagedAudio | null;
  takes: StagedAudio[];
}

/** Live transport of the current take: state, elapsed/max, meter, pause/resume, stop, discard. */
export function TakeControls({
  take,
  onStop,
  onDiscard,
  stopLabel,
}: {
  take: ReturnType<typeof useTake>;
  onStop(): void;
  onDiscard(): void;
  stopLabel?: string;
}) {
  const t = useT();
  const { status, level } = take;
  const paused = status.state === 'paused';
  return (
    <div className="take-controls">
      <div className="take-status">
        <span className={`rec-dot${paused ? ' paused' : ''}`} aria-hidden="true" />
        {/* "Recording" only once the device delivers audio: while it opens, words spoken would be lost. */}
        <span className="take-state" data-state={status.state}>
          {t(paused ? 'rec.state.paused' : status.state === 'starting' ? 'rec.state.starting' : 'rec.state.recording')}
        </span>
        <span className="mono muted" aria-live="off">
          {t('rec.elapsed', { elapsed: formatClock(status.elapsed), max: formatClock(status.maxSeconds) })}
        </span>
      </div>
      <LevelMeter
        level={level ? { rms: level.rmsDb, peak: level.peakDb, clipping: level.clipping } : null}
        active={!paused}
      />
      <div className="take-buttons">
        <button
          type="button"
          className="btn btn-sm"
          disabled={take.busy}
          onClick={() => void (paused ? take.resume() : take.pause())}
        >
          <Icon name={paused ? 'play' : 'pause'} size={14} />
          {paused ? t('rec.resume') : t('rec.pause')}
        </button>
        <button type="button" className="btn btn-sm btn-primary" disabled={take.busy} onClick={onStop}>
          <Icon name="stop" size={14} />
          {stopLabel ?? t('rec.stop')}
        </button>
        <button type="button" className="btn btn-sm btn-ghost" disabled={take.busy} onClick={onDiscard}>
          <Icon name="trash" size={14} />
          {t('rec.discard')}
        </button>
      </div>
    </div>
  );
}

/**
 * The guided recording session: a 3-second room-noise check, then the reading script paragraph by paragraph (each
 * paragraph is its own take, so it can be retaken).
 */
export function RecordStep({
  device,
  language,
  value,
  onChange,
}: {
  device: string;
  language: 'en' | 'zh-CN';
  value: RecordResult;
  onChange(r: RecordResult): void;
}) {
  const t = useT();
  const uid = useId();
  const take = useTake(device);
  const [script, setScript] = useState<ReadingScript | null>(null);
  const [scriptError, setScriptError] = useState<string | null>(null);
  const [active, setActive] = useState<'noise' | number | null>(null);
  const [current, setCurrent] = useState(() => Math.min(value.takes.length, 2));
  /** SNR of each paragraph's take against the room-noise recording (by staging id). */
  const [snr, setSnr] = useState<Record<string, SnrEstimate>>({});

  useEffect(() => {
    let cancelled = false;
    api()
      .call('voiceAudio.readingScript', { language })
      .then((s) => !cancelled && setScript(s))
      .catch((err: unknown) => !cancelled && setScriptError(errorMessage(err)));
    return () => {
      cancelled = true;
    };
  }, [language]);

  const paragraphs = script?.paragraphs ?? [];
  const discardStaged = (s: StagedAudio | null | undefined) => {
    if (s)
      void api()
        .call('voiceAudio.discard', { stagingId: s.stagingId })
        .catch(() => undefined);
  };

  const checkRoom = async () => {
    setActive('noise');
    if (!(await take.start('room-noise', NOISE_SECONDS))) return setActive(null);
    await waitForElapsed(NOISE_SECONDS);
    const staged = await take.stop();
    setActive(null);
    if (staged) {
      discardStaged(value.noise);
      onChange({ ...value, noise: staged });
    }
  };

  const recordParagraph = async (i: number) => {
    setCurrent(i);
    setActive(i);
    if (!(await take.start('sample', PARAGRAPH_MAX))) setActive(null);
  };
  const stopParagraph = async () => {
    const i = active;
    if (typeof i !== 'number') return;
    const staged = await take.stop();
    setActive(null);
    if (!staged) return;
    const takes = [...value.takes];
    discardStaged(takes[i]);
    takes[i] = staged;
    onChange({ ...value, takes });
    if (i + 1 < paragraphs.length) setCurrent(i + 1);
    if (value.noise)
      api()
        .call('voiceAudio.snr', { stagingId: staged.stagingId, noiseStagingId: value.noise.stagingId })
        .then((est) => setSnr((m) => ({ ...m, [staged.stagingId]: est })))
        .catch(() => undefined);
  };
  const discardTake = async () => {
    await take.discard();
    setActive(null);
  };

  const floor = value.noise?.noiseFloorDb ?? null;
  const recording = active !== null;

  return (
    <div className="record-step">
      <section className="rec-card card" aria-labelledby={`${uid}-noise`}>
        <h3 id={`${uid}-noise`} className="review-heading">
          <span className="step-badge" aria-hidden="true">
            1
          </span>
          {t('rec.noiseTitle')}
        </h3>
        <p className="muted">{t('rec.noiseBody')}</p>
        {active === 'noise' ? (
          <div className="noise-running" role="status">
            <span className="rec-dot" aria-hidden="true" />
            {t('rec.noiseRunning')}
            <LevelMeter level={take.level ? { rms: take.level.rmsDb, peak: take.level.peakDb } : null} active={false} />
          </div>
        ) : (
          <div className="rec-row">
            <button type="button" className="btn" disabled={recording || take.busy} onClick={() => void checkRoom()}>
              <Icon name="wave" size={15} />
              {value.noise ? t('rec.noiseRetry') : t('rec.noiseStart')}
            </button>
            {floor != null && (
              <p className={`noise-result ${floor <= QUIET_FLOOR_DB ? 'good' : 'bad'}`} role="status">
                <strong className="mono">
                  {t('rec.noiseFloor', { db: floor.toLocaleString(t.locale, { maximumFractionDigits: 0 }) })}
                </strong>{' '}
                {floor <= QUIET_FLOOR_DB ? t('rec.noiseGood') : t('rec.noiseBad')}
              </p>
            )}
          </div>
        )}
      </section>

      <section className="rec-card card" aria-labelledby={`${uid}-script`}>
        <h3 id={`${uid}-script`} className="review-heading">
          <span className="step-badge" aria-hidden="true">
            2
          </span>
          {t('rec.scriptTitle')}
        </h3>
        {scriptError && (
          <p className="field-error" role="alert">
            {scriptError}
          </p>
        )}
        {!script && !scriptError && <span className="spinner" aria-hidden="true" />}
        <ol className="script-list">
          {paragraphs.map((p, i) => {
            const done = !!value.takes[i];
            const isActive = active === i;
            return (
              <li
                key={i}
                className={`script-para${i === current ? ' current' : ''}${done ? ' done' : ''}${isActive ? ' recording' : ''}`}
                aria-current={i === current ? 'step' : undefined}
              >
                <div className="script-head">
                  <span className="muted small">{t('rec.paragraph', { n: i + 1, total: paragraphs.length })}</span>
                  {done && !isActive && (
                    <span className="chip chip-success">
                      <Icon name="check" size={13} />
                      {t('rec.paragraphDone')} · {formatClock(value.takes[i].durationSeconds)}
                    </span>
                  )}
                  {done && !isActive && snr[value.takes[i].stagingId] && (
                    <span
                      className={`chip ${snr[value.takes[i].stagingId].verdict === 'noisy' ? 'chip-warn' : 'chip-success'}`}
                      data-snr={snr[value.takes[i].stagingId].verdict}
                    >
                      {t(`rec.snr.${snr[value.takes[i].stagingId].verdict}`, {
                        db: snr[value.takes[i].stagingId].snrDb.toLocaleString(t.locale, { maximumFractionDigits: 0 }),
                      })}
                    </span>
                  )}
                </div>
                <p className="script-text" lang={script?.language}>
                  {p}
                </p>
                {isActive ? (
                  <TakeControls take={take} onStop={() => void stopParagraph()} onDiscard={() => void discardTake()} />
                ) : (
                  <button
                    type="button"
                    className={`btn btn-sm${done ? '' : ' btn-primary'}`}
                    disabled={recording || take.busy}
                    onClick={() => void recordParagraph(i)}
                  >
                    <span className="rec-dot small" aria-hidden="true" />
                    {done ? t('rec.retake', { n: i + 1 }) : t('rec.record', { n: i + 1 })}
                  </button>
                )}
              </li>
            );
          })}
        </ol>
      </section>
      {take.error && (
        <p className="banner banner-error" role="alert">
          <Icon name="alert" size={16} />
          <span>{t('rec.failed', { message: take.error })}</span>
        </p>
      )}
    </div>
  );
}
