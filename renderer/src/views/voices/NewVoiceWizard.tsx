import { useEffect, useId, useRef, useState, type ReactNode } from 'react';
import type { StagedAudio } from '../../../../preload/contract/index.js';
import { api, errorMessage } from '../../api';
import { Icon } from '../../components/Icon';
import { useDialogFocusRestore } from '../../components/useDialogFocusRestore';
import { useT } from '../../i18n/useT';
import { micOpen, noteVaultError, useLibrary, useRecorder } from '../../store/voices';
import { MicIndicator } from './MicIndicator';
import { VaultUnlock } from './VaultUnlock';
import { toast } from '../../store/toasts';
import { ConsentStep, consentReady, type ConsentState } from './ConsentStep';
import { useRecorderDevices } from './useRecorderDevices';
import { RecordStep, type RecordResult } from './RecordStep';
import { blocked, ReviewPanel, reviewItem, usedAudio, type ReviewItem } from './ReviewPanel';
import { DevicePicker, ImportDropZone } from './SourcePicker';
import { CloningNotice, openModels } from '../../features/voices/PackNotices';

type Step = 'source' | 'record' | 'review' | 'consent' | 'save';
const STEPS: Step[] = ['source', 'record', 'review', 'consent', 'save'];

const discard = (ids: (string | undefined | null)[]) => {
  for (const id of ids)
    if (id)
      void api()
        .call('voiceAudio.discard', { stagingId: id })
        .catch(() => undefined);
};

/** A modal <dialog> shell for the wizard and the clean-up tool (focus trap and Escape come from the platform). */
export function WizardDialog({
  open,
  titleId,
  onEscape,
  children,
  className,
}: {
  open: boolean;
  titleId: string;
  onEscape(): void;
  children: ReactNode;
  className?: string;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useDialogFocusRestore(ref, open);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    else if (!open && d.open) d.close();
  }, [open]);
  return (
    <dialog
      ref={ref}
      className={`dialog wizard ${className ?? ''}`}
      aria-labelledby={titleId}
      onCancel={(e) => {
        e.preventDefault();
        onEscape();
      }}
    >
      {open && children}
    </dialog>
  );
}

function Steps({ steps, current }: { steps: Step[]; current: Step }) {
  const t = useT();
  const at = steps.indexOf(current);
  return (
    <ol className="wizard-steps" aria-label={t('wiz.stepsLabel')}>
      {steps.map((s, i) => (
        <li
          key={s}
          className={i < at ? 'done' : i === at ? 'current' : ''}
          aria-current={i === at ? 'step' : undefined}
        >
          <span className="wizard-step-n" aria-hidden="true">
            {i < at ? <Icon name="check" size={12} /> : i + 1}
          </span>
          <span>{t(`wiz.step.${s}`)}</span>
        </li>
      ))}
    </ol>
  );
}

type Lang = 'en' | 'zh-CN';

/** The "New voice" wizard: source → (record) → review & clean → consent → save. */
export function NewVoiceWizard({ open, onClose }: { open: boolean; onClose(): void }) {
  const t = useT();
  const titleId = useId();
  const uid = useId();
  const upsert = useLibrary((s) => s.upsert);
  const recorderState = useRecorder((s) => s.status);
  const [step, setStep] = useState<Step>('source');
  const [source, setSource] = useState<'record' | 'import'>('import');
  const { devices, device, setDevice, canRecord, forget: forgetDevices } = useRecorderDevices(open);
  const [language, setLanguage] = useState<Lang>(t.locale === 'zh-CN' ? 'zh-CN' : 'en');
  const [recorded, setRecorded] = useState<RecordResult>({ noise: null, takes: [] });
  const [items, setItems] = useState<ReviewItem[]>([]);
  const [selected, setSelected] = useState(0);
  const [consent, setConsent] = useState<ConsentState>({ kind: 'attest', name: '', purpose: '', agreed: false });
  const [name, setName] = useState('');
  const [tags, setTags] = useState('');
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<string | null>(null);
  const [nameTouched, setNameTouched] = useState(false);
  const bodyRef = useRef<HTMLDivElement>(null);

  const steps = source === 'record' ? STEPS : STEPS.filter((s) => s !== 'record');

  // Focus the step's heading when the step changes (keyboard and screen-reader users land on the new content).
  useEffect(() => {
    bodyRef.current?.querySelector<HTMLElement>('h2, h3')?.focus();
  }, [step]);

  const allStaged = () => [
    recorded.noise?.stagingId,
    ...recorded.takes.map((s) => s?.stagingId),
    ...items.flatMap((i) => [i.original.stagingId, i.cleaned?.stagingId]),
    consent.kind === 'statement' ? consent.recording?.stagingId : null,
  ];

  const reset = () => {
    setStep('source');
    setRecorded({ noise: null, takes: [] });
    setItems([]);
    setSelected(0);
    setConsent({ kind: 'attest', name: '', purpose: '', agreed: false });
    setName('');
    setTags('');
    setSaveError(null);
    setNameTouched(false);
    forgetDevices();
  };

  /** Close, discarding what was staged, except what a saved voice took over (the core removed those already). */
  const close = (consumed: ReadonlySet<string> = new Set()) => {
    if (micOpen(useRecorder.getState().status))
      void api()
        .call('recorder.discard', {})
        .catch(() => undefined);
    discard(allStaged().filter((id) => !id || !consumed.has(id)));
    reset();
    onClose();
  };

  const go = (to: Step) => setStep(to);
  const at = steps.indexOf(step);
  const back = () => {
    if (micOpen(recorderState)) return;
    if (at <= 0) return close();
    const prev = steps[at - 1];
    if (prev === 'source') {
      // Starting over: what was staged from the old source goes.
      discard(allStaged());
      setItems([]);
      setRecorded({ noise: null, takes: [] });
    }
    if (step === 'review' && source === 'record') setItems([]);
    go(prev);
  };

  const toReview = (takes: StagedAudio[]) => {
    setItems(takes.map((s, i) => reviewItem(s.stagingId, t('rec.paragraph', { n: i + 1, total: takes.length }), s)));
    setSelected(0);
    go('review');
  };

  const onImported = (staged: StagedAudio, fileName: string) => {
    setItems([reviewItem(staged.stagingId, fileName, staged)]);
    setSelected(0);
    setConsent({ kind: 'attest', name: '', purpose: '', agreed: false });
    if (!name) setName(fileName.replace(/\.[^.]+$/, '').slice(0, 100));
    go('review');
  };

  const save = async () => {
    setNameTouched(true);
    if (!name.trim()) return;
    setSaving(true);
    setSaveError(null);
    try {
      const stagingIds = items.map((i) => usedAudio(i).stagingId);
      const voice = await api().call('library.create', {
        name: name.trim(),
        language,
        tags: tags
          .split(/[,，]/)
          .map((s) => s.trim())
          .filter(Boolean)
          .slice(0, 20),
        stagingIds,
        consent:
          consent.kind === 'attest'
            ? { kind: 'attest', name: consent.name.trim(), purpose: consent.purpose.trim() }
            : {
                kind: 'statement',
                statementId: consent.statement!.statementId,
                stagingId: consent.recording!.stagingId,
              },
      });
      upsert(voice);
      toast.success(t('vsave.savedVoice', { name: voice.name }));
      // The voice holds its own encrypted copies now: nothing staged for it needs to stay (what it used is gone).
      close(
        new Set([
          ...stagingIds,
          ...(consent.kind === 'statement' && consent.recording ? [consent.recording.stagingId] : []),
        ]),
      );
    } catch (err) {
      noteVaultError(err);
      setSaveError(t('vsave.failedVoice', { message: errorMessage(err) }));
    } finally {
      setSaving(false);
    }
  };

  const item = items[selected];
  const canNext =
    step === 'source'
      ? source === 'record' && !!devices && !devices.problem
      : step === 'record'
        ? recorded.takes.filter(Boolean).length > 0 && !micOpen(recorderState)
        : step === 'review'
          ? items.length > 0 && !items.some(blocked)
          : step === 'consent'
            ? consentReady(consent) && !micOpen(recorderState)
            : false;

  const next = () => {
    if (!canNext) return;
    if (step === 'source') go('record');
    else if (step === 'record') toReview(recorded.takes.filter(Boolean));
    else if (step === 'review') {
      if (source === 'record' && consent.kind === 'attest' && !consent.name && devices && !devices.problem)
        setConsent({ kind: 'statement', speaker: '', statement: null, recording: null, verification: null });
      go('consent');
    } else if (step === 'consent') go('save');
  };

  return (
    <WizardDialog open={open} titleId={titleId} onEscape={back}>
      <div className="wizard-body">
        <header className="wizard-header">
          <h2 id={titleId} className="dialog-title">
            {t('wiz.title')}
          </h2>
          <span className="toolbar-spacer" />
          <MicIndicator inline />
          <button type="button" className="icon-btn" aria-label={t('wiz.close')} onClick={() => close()}>
            <Icon name="x" size={18} />
          </button>
        </header>
        <Steps steps={steps} current={step} />
        <div className="wizard-content" ref={bodyRef}>
          <VaultUnlock />
          <h3 className="sr-only" tabIndex={-1}>
            {t('wiz.stepOf', { n: at + 1, total: steps.length, name: t(`wiz.step.${step}`) })}
          </h3>

          {step === 'source' && (
            <div className="source-step">
              <CloningNotice onOpenModels={() => openModels(close)} />
              <fieldset className="field">
                <legend className="field-label">{t('src.heading')}</legend>
                <div className="choice-list two">
                  {(['record', 'import'] as const).map((k) => (
                    <label key={k} className={`choice big${source === k ? ' selected' : ''}`}>
                      <input type="radio" name={`${uid}-source`} checked={source === k} onChange={() => setSource(k)} />
                      <Icon name={k === 'record' ? 'voices' : 'download'} size={22} />
                      <span>
                        <strong>{t(k === 'record' ? 'src.record' : 'src.import')}</strong>
                        <span className="hint block">{t(k === 'record' ? 'src.recordBody' : 'src.importBody')}</span>
                      </span>
                    </label>
                  ))}
                </div>
              </fieldset>
              <div className="field">
                <label htmlFor={`${uid}-lang`} className="field-label">
                  {t('vsave.language')}
                </label>
                <select
                  id={`${uid}-lang`}
                  className="input select"
                  value={language}
                  onChange={(e) => setLanguage(e.target.value as Lang)}
                >
                  <option value="en">English</option>
                  <option value="zh-CN">简体中文</option>
                </select>
              </div>
              {source === 'record' ? (
                <DevicePicker devices={devices} value={device} onChange={setDevice} />
              ) : (
                <ImportDropZone onStaged={onImported} onOpenModels={() => openModels(close)} />
              )}
            </div>
          )}

          {step === 'record' && (
            <RecordStep device={device} language={language} value={recorded} onChange={setRecorded} />
          )}

          {step === 'review' && item && (
            <>
              {items.length > 1 && (
                <div className="segmented sample-tabs" role="radiogroup" aria-label={t('wiz.step.review')}>
                  {items.map((it, i) => (
                    <label key={it.key} className={i === selected ? 'selected' : ''}>
                      <input
                        type="radio"
                        name={`${uid}-item`}
                        checked={i === selected}
                        onChange={() => setSelected(i)}
                      />
                      <span>{it.label}</span>
                    </label>
                  ))}
                </div>
              )}
              <ReviewPanel
                key={item.key}
                item={item}
                onChange={(next) => setItems((list) => list.map((x) => (x.key === next.key ? next : x)))}
              />
              {items.some(blocked) && (
                <p className="banner banner-error" role="alert">
                  <Icon name="alert" size={16} />
                  <span>{t('rev.blocked')}</span>
                </p>
              )}
            </>
          )}

          {step === 'consent' && (
            <ConsentStep
              value={consent}
              onChange={setConsent}
              canRecord={canRecord}
              device={device}
              voiceName={name}
              language={language}
              sample={item ? usedAudio(item) : null}
            />
          )}

          {step === 'save' && (
            <form
              className="save-step"
              noValidate
              onSubmit={(e) => {
                e.preventDefault();
                void save();
              }}
            >
              <div className="field">
                <label htmlFor={`${uid}-name`} className="field-label">
                  {t('vsave.name')}
                </label>
                <input
                  id={`${uid}-name`}
                  className="input"
                  value={name}
                  maxLength={100}
                  placeholder={t('vsave.namePlaceholder')}
                  aria-invalid={nameTouched && !name.trim() ? true : undefined}
                  aria-describedby={nameTouched && !name.trim() ? `${uid}-name-err` : undefined}
                  onChange={(e) => setName(e.target.value)}
                />
                {nameTouched && !name.trim() && (
                  <p id={`${uid}-name-err`} className="field-error">
                    {t('vsave.nameRequired')}
                  </p>
                )}
              </div>
              <div className="field">
                <label htmlFor={`${uid}-tags`} className="field-label">
                  {t('vsave.tags')}
                </label>
                <input
                  id={`${uid}-tags`}
                  className="input"
                  value={tags}
                  aria-describedby={`${uid}-tags-hint`}
                  onChange={(e) => setTags(e.target.value)}
                />
                <p id={`${uid}-tags-hint`} className="hint">
                  {t('vsave.tagsHint')}
                </p>
              </div>
              <dl className="save-summary">
                <div>
                  <dt>{t('vsave.language')}</dt>
                  <dd>{language === 'zh-CN' ? '简体中文' : 'English'}</dd>
                </div>
                <div>
                  <dt>{t('vsave.consentSummary')}</dt>
                  <dd>
                    {consent.kind === 'attest' ? (
                      <span className="chip chip-warn">{t('vl.consent.attested')}</span>
                    ) : (
                      <span className="chip chip-success">{t('vl.consent.verified')}</span>
                    )}
                  </dd>
                </div>
                <div>
                  <dt>{t('wiz.step.review')}</dt>
                  <dd>{t.plural('vl.samples', items.length)}</dd>
                </div>
              </dl>
              {saveError && (
                <p className="field-error" role="alert">
                  {saveError}
                </p>
              )}
              <button type="submit" className="btn btn-primary btn-lg" disabled={saving}>
                {saving ? <span className="spinner" aria-hidden="true" /> : <Icon name="check" size={16} />}
                {saving ? t('vsave.saving') : t('vsave.go')}
              </button>
            </form>
          )}
        </div>
        <footer className="wizard-footer">
          <button type="button" className="btn" disabled={micOpen(recorderState)} onClick={back}>
            {at <= 0 ? t('common.cancel') : t('wiz.back')}
          </button>
          {step !== 'save' && !(step === 'source' && source === 'import') && (
            <button type="button" className="btn btn-primary" disabled={!canNext} onClick={next}>
              {step === 'source' ? t('src.startRecording') : t('wiz.next')}
            </button>
          )}
        </footer>
      </div>
    </WizardDialog>
  );
}

/** "Clean up audio": the same stage → report → clean → A/B flow for any media, with a download of the result. */
export function CleanupTool({ open, onClose }: { open: boolean; onClose(): void }) {
  const t = useT();
  const titleId = useId();
  const [item, setItem] = useState<ReviewItem | null>(null);
  const close = () => {
    if (item) discard([item.original.stagingId, item.cleaned?.stagingId]);
    setItem(null);
    onClose();
  };
  return (
    <WizardDialog open={open} titleId={titleId} onEscape={close}>
      <div className="wizard-body">
        <header className="wizard-header">
          <h2 id={titleId} className="dialog-title">
            {t('wiz.cleanTitle')}
          </h2>
          <button type="button" className="icon-btn" aria-label={t('wiz.close')} onClick={close}>
            <Icon name="x" size={18} />
          </button>
        </header>
        <div className="wizard-content">
          <VaultUnlock />
          {item ? (
            <ReviewPanel item={item} onChange={setItem} downloadable />
          ) : (
            <ImportDropZone onStaged={(s, fileName) => setItem(reviewItem(s.stagingId, fileName, s))} />
          )}
        </div>
        <footer className="wizard-footer">
          {item && (
            <button
              type="button"
              className="btn"
              onClick={() => {
                discard([item.original.stagingId, item.cleaned?.stagingId]);
                setItem(null);
              }}
            >
              {t('wiz.back')}
            </button>
          )}
          <button type="button" className="btn" onClick={close}>
            {t('common.close')}
          </button>
        </footer>
      </div>
    </WizardDialog>
  );
}
