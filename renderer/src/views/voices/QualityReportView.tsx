import type { QualityReport } from '../../../../preload/contract/index.js';
import { Icon } from '../../components/Icon';
import { useT } from '../../i18n/useT';

const num = (v: number, locale: string, digits = 1) => v.toLocaleString(locale, { maximumFractionDigits: digits });

/** The quality report of a staged recording: key figures and each advice code as translated plain advice. */
export function QualityReportView({ report, headingId }: { report: QualityReport; headingId: string }) {
  const t = useT();
  const l = t.locale;
  const facts: [string, string][] = [
    [t('rev.speech'), t('vl.seconds', { seconds: num(report.speechSeconds, l) })],
    [t('rev.duration'), t('vl.seconds', { seconds: num(report.durationSeconds, l) })],
    [t('rev.snr'), report.snrDb == null ? t('rev.snrNone') : `${num(report.snrDb, l, 0)} dB`],
    [t('rev.clipping'), `${num(report.clippedPercent, l, 2)} %`],
    [t('rev.sampleRate'), `${num(report.sampleRate / 1000, l)} kHz · ${t.plural('rev.channels', report.channels)}`],
    [t('rev.loudness'), report.loudnessLufs == null ? t('rev.loudnessNone') : `${num(report.loudnessLufs, l)} LUFS`],
    [t('rev.peak'), `${num(report.peakDbfs, l)} dBFS`],
  ];
  const order = { error: 0, warning: 1, info: 2 } as const;
  const advice = [...report.advice].sort((a, b) => order[a.severity] - order[b.severity]);
  return (
    <div className="quality">
      <dl className="quality-facts" aria-labelledby={headingId}>
        {facts.map(([k, v]) => (
          <div key={k}>
            <dt>{k}</dt>
            <dd>{v}</dd>
          </div>
        ))}
      </dl>
      {advice.length > 0 && (
        <ul className="advice-list" aria-label={t('rev.adviceLabel')}>
          {advice.map((a) => (
            <li key={a.code} className={`advice advice-${a.code === 'ok' ? 'ok' : a.severity}`} data-code={a.code}>
              <Icon name={a.code === 'ok' ? 'check' : a.severity === 'info' ? 'info' : 'alert'} size={15} />
              <span>
                <span className="sr-only">{t(`rev.severity.${a.severity}`)}: </span>
                {t(`advice.${a.code}`)}
              </span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
