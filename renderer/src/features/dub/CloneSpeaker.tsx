/**
 * "Clone from this video" for one speaker of a dubbing project (issue #11 step 4; docs/dubbing.md "Clone a speaker
 * from the video"): a button per speaker opens a dialog asking for the voice's name, the consent record (attestation:
 * who agreed and for what, confirmed; or the speaker reading a consent statement into the microphone, verified by the
 * same consent step as a new voice) and optional denoise; then `dub.cloneSpeaker` runs with its progress
 * (`dub.cloneProgress`) and a cancel (`dub.cancelClone`), and the dialog shows the spans used, their SNR and the total.
 */
import { useEffect, useId, useRef, useState } from 'react';
import type { DubCloneConsent, DubCloneReport } from '../../../../preload/contract/index.js';
import { api, errorMessage } from '../../api';
import { useDialogFocusRestore } from '../../components/useDialogFocusRestore';
import { useT } from '../../i18n/useT';
import { micOpen, useRecorder } from '../../store/voices';
import { ConsentStep, consentReady, type ConsentState } from '../../views/voices/ConsentStep';
import { useRecorderDevices } from '../../views/voices/useRecorderDevices';
import { useDub } from './dubStore';

type Phase = 'extracting' | 'analysing' | 'denoising' | 'creating' | 'done';

const fmtTime = (s: number) => {
  const m = Math.floor(s / 60);
  const r = s - m * 60;
  return `${m}:${r < 10 ? '0' : ''}${r.toFixed(1)}`;
};

export function CloneSpeakerButton({
  projectId,
  projectName,
  speaker,
}: {
  projectId: string;
  projectName: string;
  speaker: string;
}) {
  const t = useT();
  const [open, setOpen] = useState(false);
  return (
    <>
      <button
        type="button"
        className="btn btn-sm dub-clone-button"
        aria-label={t('dubClone.buttonLabel', { speaker })}
        onClick={() => setOpen(true)}
      >
        {t('dubClone.action')}
      </button>
      {open && (
        <CloneDialog projectId={projectId} projectName={projectName} speaker={speaker} onClose={() => setOpen(false)} />
      )}
    </>
  );
}

function CloneDialog({
  projectId,
  projectName,
  speaker,
  onClose,
}: {
  projectId: string;
  projectName: string;
  speaker: string;
  onClose(): void;
}) {
  const t = useT();
  const ref = useRef<HTMLDialogElement>(null);
  useDialogFocusRestore(ref, true);
  const [name, setName] = useState(`${speaker} (${projectName})`.slice(0, 100));
  const [who, setWho] = useState('');
  const [purpose, setPurpose] = useState('');
  const [agreed, setAgreed] = useState(false);
  const [method, setMethod] = useState<'attest' | 'statement'>('attest');
  const [statement, setStatement] = useState<ConsentState>({
    kind: 'statement',
    speaker: '',
    statement: null,
    recording: null,
    verification: null,
  });
  const { devices, device, canRecord } = useRecorderDevices(true);
  const recorder = useRecorder((s) => s.status);
  const uid = useId();
  const [denoise, setDenoise] = useState(false);
  const [running, setRunning] = useState(false);
  const [progress, setProgress] = useState<{ phase: Phase; fraction: number } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [result, setResult] = useState<{ name: string; report: DubCloneReport } | null>(null);

  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
    return api().on('dub.cloneProgress', (p) => {
      if (p.projectId === projectId) setProgress({ phase: p.phase, fraction: p.fraction });
    });
  }, [projectId]);

  // While it runs, Cancel stops the clone (nothing is created) and the dialog says so; otherwise it closes.
  const close = () => {
    if (running) return void api().call('dub.cancelClone', { projectId });
    // A statement being recorded stops; its staged recording goes now (a clone that used it removed it already).
    if (micOpen(useRecorder.getState().status))
      void api()
        .call('recorder.discard', {})
        .catch(() => undefined);
    if (statement.kind === 'statement' && statement.recording && !result)
      void api()
        .call('voiceAudio.discard', { stagingId: statement.recording.stagingId })
        .catch(() => undefined);
    onClose();
  };
  const consentGiven =
    method === 'attest' ? who.trim().length >= 2 && purpose.trim().length >= 3 && agreed : consentReady(statement);
  const ready = name.trim().length > 0 && consentGiven && !micOpen(recorder);
  const consent = (): DubCloneConsent =>
    method === 'statement' && statement.kind === 'statement' && statement.statement && statement.recording
      ? { kind: 'statement', statementId: statement.statement.statementId, stagingId: statement.recording.stagingId }
      : { kind: 'attest', name: who.trim(), purpose: purpose.trim() };
  const start = async () => {
    setRunning(true);
    setError(null);
    setResult(null);
    setProgress(null);
    try {
      const r = await api().call('dub.cloneSpeaker', {
        projectId,
        speaker,
        name: name.trim(),
        denoise,
        consent: consent(),
      });
      setResult({ name: r.voice.name, report: r.report });
      void useDub.getState().reload();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setRunning(false);
    }
  };
  const pct = (f: number) => String(Math.round(f * 100));

  return (
    <dialog
      ref={ref}
      className="dialog dub-clone-dialog"
      aria-labelledby="dub-clone-title"
      onCancel={(e) => {
        e.preventDefault();
        close();
      }}
    >
      <div className="dialog-body">
        <h2 id="dub-clone-title" className="dialog-title">
          {t('dubClone.title', { speaker })}
        </h2>
        <p className="muted">{t('dubClone.intro', { speaker })}</p>
        {!result && (
          <fieldset className="dub-clone-form" disabled={running}>
            <label className="dub-field">
              <span>{t('dubClone.name')}</span>
              <input value={name} maxLength={100} onChange={(e) => setName(e.target.value)} />
            </label>
            <label className="checkbox-row">
              <input type="checkbox" checked={denoise} onChange={(e) => setDenoise(e.target.checked)} />
              <span>{t('dubClone.denoise')}</span>
            </label>
            <h3>{t('dubClone.consentTitle')}</h3>
            <p className="muted">{t('dubClone.consentText')}</p>
            <fieldset className="dub-clone-method">
              <legend className="sr-only">{t('dubClone.method')}</legend>
              {(['attest', 'statement'] as const).map((k) => (
                <label key={k} className="checkbox-row">
                  <input
                    type="radio"
                    name={`${uid}-method`}
                    checked={method === k}
                    disabled={k === 'statement' && !canRecord}
                    onChange={() => setMethod(k)}
                  />
                  <span>{t(`dubClone.method.${k}`, { speaker })}</span>
                </label>
              ))}
              {devices?.problem && <p className="hint">{t('dubClone.noRecorder', { why: devices.problem })}</p>}
            </fieldset>
            {method === 'attest' ? (
              <>
                <label className="dub-field">
                  <span>{t('dubClone.consentName')}</span>
                  <input value={who} maxLength={100} onChange={(e) => setWho(e.target.value)} />
                </label>
                <label className="dub-field">
                  <span>{t('dubClone.consentPurpose')}</span>
                  <input value={purpose} maxLength={500} onChange={(e) => setPurpose(e.target.value)} />
                </label>
                <label className="checkbox-row">
                  <input type="checkbox" checked={agreed} onChange={(e) => setAgreed(e.target.checked)} />
                  <span>{t('dubClone.consentConfirm')}</span>
                </label>
              </>
            ) : (
              <ConsentStep
                methodChoice={false}
                value={statement}
                onChange={setStatement}
                canRecord={canRecord}
                device={device}
                voiceName={name}
                language="en"
                sample={null}
              />
            )}
          </fieldset>
        )}
        {running && progress && (
          <p role="status" className="dub-clone-progress">
            <progress max={1} value={progress.fraction} />{' '}
            {t(`dubClone.phase.${progress.phase}`, { percent: pct(progress.fraction) })}
          </p>
        )}
        {error && (
          <p role="alert" className="dub-clone-error">
            {error}
          </p>
        )}
        {result && (
          <div className="dub-clone-result" role="status">
            <p>
              {t('dubClone.done', {
                name: result.name,
                seconds: result.report.totalSeconds.toFixed(1),
                speaker,
              })}
            </p>
            <h3>{t('dubClone.spans')}</h3>
            <ul className="dub-clone-spans">
              {result.report.spans.map((s) => (
                <li key={s.segmentId}>
                  {t('dubClone.span', {
                    start: fmtTime(s.start),
                    end: fmtTime(s.end),
                    seconds: (s.end - s.start).toFixed(1),
                    snr: s.snrDb === null ? '–' : s.snrDb.toFixed(0),
                  })}
                </li>
              ))}
            </ul>
            <p>
              <strong>{t('dubClone.total', { seconds: result.report.totalSeconds.toFixed(1) })}</strong>
            </p>
          </div>
        )}
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={close}>
            {result ? t('dubClone.close') : t('common.cancel')}
          </button>
          {!result && (
            <button type="button" className="btn btn-primary" disabled={!ready || running} onClick={() => void start()}>
              {t('dubClone.start')}
            </button>
          )}
        </div>
      </div>
    </dialog>
  );
}
