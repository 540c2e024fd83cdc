import { useId, useState } from 'react';
import type { StagedAudio } from '../../../../preload/contract/index.js';
import { api, errorMessage } from '../../api';
import { Icon } from '../../components/Icon';
import { useT } from '../../i18n/useT';
import { announce } from '../../store/toasts';
import { noteVaultError } from '../../store/voices';
import { AudioCompare, type TimeWindow } from './AudioCompare';
import { QualityReportView } from './QualityReportView';

/** One recording under review: the staged original, its cleaned version (if any) and the trim window. */
export interface ReviewItem {
  key: string;
  label: string;
  original: StagedAudio;
  cleaned: StagedAudio | null;
  window: TimeWindow | null;
  /** The window the cleaned version was cut from (its offset in the original), for the A/B position. */
  cleanedWindow: TimeWindow | null;
}

export const reviewItem = (key: string, label: string, original: StagedAudio): ReviewItem => ({
  key,
  label,
  original,
  cleaned: null,
  window: original.report.bestWindow ?? { start: 0, end: Math.max(0.5, original.durationSeconds) },
  cleanedWindow: null,
});

/** The version that will be used: the cleaned one when there is one. */
export const usedAudio = (item: ReviewItem) => item.cleaned ?? item.original;

/** Whether any error-severity advice stands in the way of making a voice. */
export const blocked = (item: ReviewItem) => usedAudio(item).report.advice.some((a) => a.severity === 'error');

interface Props {
  item: ReviewItem;
  onChange(item: ReviewItem): void;
  /** The clean-up tool offers the cleaned WAV as a download. */
  downloadable?: boolean;
}

/** Quality report, clean-up options, A/B player and trim editor for one staged recording. */
export function ReviewPanel({ item, onChange, downloadable }: Props) {
  const t = useT();
  const uid = useId();
  const [denoise, setDenoise] = useState(true);
  const [trim, setTrim] = useState(true);
  const [normalize, setNormalize] = useState(true);
  const [useWindow, setUseWindow] = useState(item.original.durationSeconds > 30);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const shown = usedAudio(item);

  const apply = async () => {
    setBusy(true);
    setError(null);
    try {
      const win = useWindow && item.window ? item.window : undefined;
      const cleaned = await api().call('voiceAudio.clean', {
        stagingId: item.original.stagingId,
        denoise,
        trim,
        normalize,
        window: win,
      });
      const previous = item.cleaned;
      onChange({ ...item, cleaned, cleanedWindow: win ?? null });
      announce(t('rev.cleaned'));
      if (previous)
        void api()
          .call('voiceAudio.discard', { stagingId: previous.stagingId })
          .catch(() => undefined);
    } catch (err) {
      noteVaultError(err);
      setError(t('rev.cleanFailed', { message: errorMessage(err) }));
    } finally {
      setBusy(false);
    }
  };

  const option = (checked: boolean, set: (v: boolean) => void, label: string, hint: string, key: string) => (
    <label className="checkbox-row clean-option" key={key}>
      <input type="checkbox" checked={checked} disabled={busy} onChange={(e) => set(e.target.checked)} />
      <span>
        {label}
        <span className="hint block">{hint}</span>
      </span>
    </label>
  );

  return (
    <div className="review" data-item={item.key}>
      <section className="review-section" aria-labelledby={`${uid}-q`}>
        <h3 id={`${uid}-q`} className="review-heading">
          {t('rev.heading')}
        </h3>
        {item.cleaned && (
          <p className="review-note" role="status">
            <Icon name="sparkle" size={15} />
            {t('rev.cleaned')}
          </p>
        )}
        <QualityReportView report={shown.report} headingId={`${uid}-q`} />
      </section>

      <section className="review-section" aria-labelledby={`${uid}-w`}>
        <h3 id={`${uid}-w`} className="sr-only">
          {t('rev.waveform')}
        </h3>
        <AudioCompare
          originalUrl={api().stagingAudioUrl(item.original.stagingId)}
          cleanedUrl={item.cleaned ? api().stagingAudioUrl(item.cleaned.stagingId) : null}
          cleanedOffset={item.cleanedWindow?.start ?? 0}
          window={useWindow ? item.window : null}
          onWindowChange={(w) => onChange({ ...item, window: w })}
          bestWindow={item.original.report.bestWindow}
          duration={item.original.durationSeconds}
        />
      </section>

      <section className="review-section" aria-labelledby={`${uid}-c`}>
        <h3 id={`${uid}-c`} className="review-heading">
          {t('rev.cleanHeading')}
        </h3>
        <div className="clean-options">
          {option(denoise, setDenoise, t('rev.denoise'), t('rev.denoiseHint'), 'denoise')}
          {option(trim, setTrim, t('rev.trim'), t('rev.trimHint'), 'trim')}
          {option(normalize, setNormalize, t('rev.normalize'), t('rev.normalizeHint'), 'normalize')}
          {option(useWindow, setUseWindow, t('rev.useWindow'), t('rev.trimHelp'), 'window')}
        </div>
        <div className="review-actions">
          <button type="button" className="btn btn-primary" disabled={busy} onClick={() => void apply()}>
            {busy ? <span className="spinner" aria-hidden="true" /> : <Icon name="sparkle" size={15} />}
            {busy ? t('rev.applying') : t('rev.apply')}
          </button>
          {downloadable && (
            <a
              className="btn"
              href={api().stagingAudioUrl(shown.stagingId)}
              download={`${item.label.replace(/\.[^.]+$/, '') || 'audio'}${item.cleaned ? '-cleaned' : ''}.wav`}
            >
              <Icon name="download" size={15} />
              {item.cleaned ? t('rev.download') : t('rev.downloadOriginal')}
            </a>
          )}
        </div>
        {error && (
          <p className="field-error" role="alert">
            {error}
          </p>
        )}
      </section>
    </div>
  );
}
