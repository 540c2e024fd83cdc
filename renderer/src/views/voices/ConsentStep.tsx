import { Fragment, useId, useState } from 'react';
import type { ConsentStatement, ConsentVerification, StagedAudio } from '../../../../preload/contract/index.js';
import { api, errorMessage } from '../../api';
import { Icon } from '../../components/Icon';
import { useT } from '../../i18n/useT';
import { AlignedWords } from '../../features/voices/AlignedWords';
import { noteVaultError } from '../../store/voices';
import { TakeControls } from './RecordStep';
import { useTake } from './useTake';

export type ConsentState =
  | { kind: 'attest'; name: string; purpose: string; agreed: boolean }
  | {
      kind: 'statement';
      speaker: string;
      statement: ConsentStatement | null;
      recording: StagedAudio | null;
      verification: ConsentVerification | null;
    };

export const consentReady = (c: ConsentState) =>
  c.kind === 'attest'
    ? c.name.trim().length >= 2 && c.purpose.trim().length >= 3 && c.agreed
    : !!c.recording && c.verification?.status === 'verified';

/** The statement text with its verification words highlighted. */
function StatementText({ statement }: { statement: ConsentStatement }) {
  const words = statement.words.filter(Boolean);
  if (!words.length) return <>{statement.text}</>;
  const re = new RegExp(`(${words.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})`, 'giu');
  const parts = statement.text.split(re);
  return (
    <>
      {parts.map((p, i) =>
        i % 2 === 1 ? (
          <mark key={i} className="verify-word">
            {p}
          </mark>
        ) : (
          <Fragment key={i}>{p}</Fragment>
        ),
      )}
    </>
  );
}

/**
 * Consent: the owner records the generated statement (verified: duration, words, same speaker where packs exist),
 * or the user attests holding the rights (typed name, purpose, statement checkbox → "attested, not verified").
 */
export function ConsentStep({
  value,
  onChange,
  canRecord,
  device,
  voiceName,
  language,
  sample,
  methodChoice = true,
}: {
  /** Offer both methods (false: the caller chose one and offers the choice itself, as the dub clone dialog does). */
  methodChoice?: boolean;
  value: ConsentState;
  onChange(c: ConsentState): void;
  canRecord: boolean;
  device: string;
  voiceName: string;
  language: 'en' | 'zh-CN';
  sample: StagedAudio | null;
}) {
  const t = useT();
  const uid = useId();
  const take = useTake(device);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [touched, setTouched] = useState(false);

  const setKind = (kind: ConsentState['kind']) => {
    if (kind === value.kind) return;
    onChange(
      kind === 'attest'
        ? { kind, name: '', purpose: '', agreed: false }
        : { kind, speaker: '', statement: null, recording: null, verification: null },
    );
  };

  const generate = async () => {
    if (value.kind !== 'statement') return;
    setBusy(true);
    setError(null);
    try {
      const statement = await api().call('consent.statement', {
        voiceName: voiceName.trim() || value.speaker.trim(),
        speakerName: value.speaker.trim(),
        language,
      });
      onChange({ ...value, statement, recording: null, verification: null });
    } catch (err) {
      noteVaultError(err);
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  const stopAndVerify = async () => {
    if (value.kind !== 'statement' || !value.statement) return;
    const recording = await take.stop();
    if (!recording) return;
    onChange({ ...value, recording, verification: null });
    setBusy(true);
    setError(null);
    try {
      const verification = await api().call('consent.verify', {
        statementId: value.statement.statementId,
        stagingId: recording.stagingId,
        sampleStagingId: sample?.stagingId,
      });
      onChange({ ...value, recording, verification });
    } catch (err) {
      noteVaultError(err);
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  const nameError = value.kind === 'attest' && touched && value.name.trim().length < 2;
  const purposeError = value.kind === 'attest' && touched && value.purpose.trim().length < 3;

  return (
    <div className="consent-step">
      {methodChoice && <p className="muted">{t('con.intro')}</p>}
      {methodChoice && (
        <fieldset className="field">
          <legend className="field-label">{t('con.methodLabel')}</legend>
          <div className="choice-list">
            {(['statement', 'attest'] as const).map((k) => (
              <label
                key={k}
                className={`choice${value.kind === k ? ' selected' : ''}${k === 'statement' && !canRecord ? ' disabled' : ''}`}
              >
                <input
                  type="radio"
                  name={`${uid}-method`}
                  checked={value.kind === k}
                  disabled={k === 'statement' && !canRecord}
                  onChange={() => setKind(k)}
                />
                <Icon name={k === 'statement' ? 'voices' : 'edit'} size={18} />
                <span>
                  {t(`con.method.${k}`)}
                  {k === 'statement' && !canRecord && (
                    <span className="hint block consent-why">{t('consentWhy.noRecorder')}</span>
                  )}
                </span>
              </label>
            ))}
          </div>
        </fieldset>
      )}

      {value.kind === 'attest' && (
        <div className="attest" onBlur={() => setTouched(true)}>
          <div className="field">
            <label htmlFor={`${uid}-name`} className="field-label">
              {t('con.attestName')}
            </label>
            <input
              id={`${uid}-name`}
              className="input"
              value={value.name}
              autoComplete="name"
              aria-invalid={nameError || undefined}
              aria-describedby={nameError ? `${uid}-name-err` : undefined}
              onChange={(e) => onChange({ ...value, name: e.target.value })}
            />
            {nameError && (
              <p id={`${uid}-name-err`} className="field-error">
                {t('con.nameShort')}
              </p>
            )}
          </div>
          <div className="field">
            <label htmlFor={`${uid}-purpose`} className="field-label">
              {t('con.attestPurpose')}
            </label>
            <input
              id={`${uid}-purpose`}
              className="input"
              value={value.purpose}
              placeholder={t('con.attestPurposePlaceholder')}
              aria-invalid={purposeError || undefined}
              aria-describedby={purposeError ? `${uid}-purpose-err` : undefined}
              onChange={(e) => onChange({ ...value, purpose: e.target.value })}
            />
            {purposeError && (
              <p id={`${uid}-purpose-err`} className="field-error">
                {t('con.purposeShort')}
              </p>
            )}
          </div>
          <label className="checkbox-row attest-check">
            <input
              type="checkbox"
              checked={value.agreed}
              onChange={(e) => onChange({ ...value, agreed: e.target.checked })}
            />
            <span>{t('con.attestCheck')}</span>
          </label>
          <p className="hint">
            <span className="chip chip-warn">{t('vl.consent.attested')}</span> {t('con.attestNote')}
          </p>
        </div>
      )}

      {value.kind === 'statement' && (
        <div className="statement">
          <div className="field">
            <label htmlFor={`${uid}-speaker`} className="field-label">
              {t('con.ownerName')}
            </label>
            <div className="import-row">
              <input
                id={`${uid}-speaker`}
                className="input"
                value={value.speaker}
                autoComplete="name"
                onChange={(e) =>
                  onChange({ ...value, speaker: e.target.value, statement: null, recording: null, verification: null })
                }
              />
              <button
                type="button"
                className="btn"
                disabled={busy || value.speaker.trim().length < 2}
                onClick={() => void generate()}
              >
                {t('con.generate')}
              </button>
            </div>
          </div>
          {value.statement && (
            <>
              <figure className="statement-box">
                <figcaption className="field-label">{t('con.statementLabel')}</figcaption>
                <blockquote lang={value.statement.language}>
                  <StatementText statement={value.statement} />
                </blockquote>
                <p className="hint">{t('con.wordsHint')}</p>
              </figure>
              {take.open ? (
                <TakeControls
                  take={take}
                  stopLabel={t('con.stopStatement')}
                  onStop={() => void stopAndVerify()}
                  onDiscard={() => void take.discard()}
                />
              ) : (
                <button
                  type="button"
                  className="btn btn-primary"
                  disabled={busy || take.busy}
                  onClick={() => void take.start('consent', 90)}
                >
                  <span className="rec-dot small" aria-hidden="true" />
                  {value.recording ? t('con.rerecord') : t('con.recordStatement')}
                </button>
              )}
              {busy && value.recording && (
                <p className="muted" role="status">
                  <span className="spinner" aria-hidden="true" /> {t('con.checking')}
                </p>
              )}
              {value.verification && <Verification v={value.verification} />}
            </>
          )}
        </div>
      )}
      {(error || take.error) && (
        <p className="field-error" role="alert">
          {error ?? t('rec.failed', { message: take.error ?? '' })}
        </p>
      )}
    </div>
  );
}

function Verification({ v }: { v: ConsentVerification }) {
  const t = useT();
  return (
    <div className={`verification ${v.status}`} role="status">
      <p className="verification-summary">
        <Icon name={v.status === 'verified' ? 'check' : 'alert'} size={15} />
        {v.status === 'verified' ? t('con.verifiedAll') : t('con.failedAll')}
      </p>
      <ul className="check-list" aria-label={t('con.checksLabel')}>
        {v.checks.map((c) => (
          <li key={c.check} className={`check ${c.result}`} data-check={c.check}>
            <span className="check-name">{t(`con.check.${c.check}`)}</span>
            <span className="check-result">
              {c.result === 'passed'
                ? t('con.result.pass')
                : c.result === 'failed'
                  ? t('con.result.fail')
                  : t('con.result.skipped')}
            </span>
            <span className="check-detail muted small">{c.detail}</span>
            {c.alignment && <AlignedWords a={c.alignment} />}
            {c.transcript && (
              <blockquote className="check-transcript small">
                {t('con.heard', { text: c.transcript.text || '…' })}
              </blockquote>
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}
