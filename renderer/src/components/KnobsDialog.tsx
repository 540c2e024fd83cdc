import { useEffect, useRef, useState } from 'react';
import type { SynthesisOptions } from '../../../preload/contract/index.js';
import { useT } from '../i18n/useT';
import { useDialogFocusRestore } from './useDialogFocusRestore';

interface Props {
  open: boolean;
  value: SynthesisOptions;
  onSave(options: SynthesisOptions): void;
  onClose(): void;
}

type NumKey = 'speed' | 'temperature' | 'flowSteps' | 'eosThreshold';
const FIELDS: { key: NumKey; min: number; max: number; step: number; fallback: number }[] = [
  { key: 'speed', min: 0.5, max: 2, step: 0.05, fallback: 1 },
  { key: 'temperature', min: 0, max: 2, step: 0.05, fallback: 0.3 },
  { key: 'flowSteps', min: 1, max: 32, step: 1, fallback: 1 },
  { key: 'eosThreshold', min: -10, max: 10, step: 0.5, fallback: -4 },
];

/** The project's engine knobs. Unset knobs use each engine's own default; engines ignore knobs they lack. */
export function KnobsDialog({ open, value, onSave, onClose }: Props) {
  const t = useT();
  const ref = useRef<HTMLDialogElement>(null);
  useDialogFocusRestore(ref, open);
  const [draft, setDraft] = useState<SynthesisOptions>(value);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) {
      setDraft(value);
      d.showModal();
    } else if (!open && d.open) d.close();
  }, [open, value]);

  const set = (patch: Partial<SynthesisOptions>) => setDraft((o) => ({ ...o, ...patch }));
  const clear = (key: keyof SynthesisOptions) =>
    setDraft((o) => {
      const next = { ...o };
      delete next[key];
      return next;
    });

  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby="knobs-title"
      onClose={onClose}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
    >
      <form
        className="dialog-body"
        onSubmit={(e) => {
          e.preventDefault();
          onSave(draft);
        }}
      >
        <h2 id="knobs-title" className="dialog-title">
          {t('knobs.title')}
        </h2>
        <p className="dialog-text muted">{t('knobs.intro')}</p>
        <div className="knobs">
          {FIELDS.map((f) => {
            const v = draft[f.key];
            const id = `knob-${f.key}`;
            return (
              <div className="knob" key={f.key}>
                <label htmlFor={id}>{t(`knobs.${f.key}`)}</label>
                <input
                  id={id}
                  type="range"
                  min={f.min}
                  max={f.max}
                  step={f.step}
                  value={v ?? f.fallback}
                  aria-valuetext={v === undefined ? t('knobs.engineDefault') : String(v)}
                  onChange={(e) => set({ [f.key]: Number(e.target.value) })}
                />
                <output htmlFor={id} className="knob-value">
                  {v === undefined ? t('knobs.engineDefault') : v}
                </output>
                <button type="button" className="btn btn-small" disabled={v === undefined} onClick={() => clear(f.key)}>
                  {t('knobs.reset')}
                </button>
              </div>
            );
          })}
          <div className="knob">
            <label htmlFor="knob-seed">{t('knobs.seed')}</label>
            <input
              id="knob-seed"
              type="number"
              min={0}
              max={2 ** 31 - 1}
              placeholder={t('knobs.seedRandom')}
              value={draft.seed ?? ''}
              onChange={(e) =>
                e.target.value === '' ? clear('seed') : set({ seed: Math.max(0, Math.floor(Number(e.target.value))) })
              }
            />
            <span className="knob-value muted">{draft.seed === undefined ? t('knobs.seedRandomHint') : ''}</span>
          </div>
        </div>
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={onClose}>
            {t('common.cancel')}
          </button>
          <button type="submit" className="btn btn-primary">
            {t('knobs.save')}
          </button>
        </div>
      </form>
    </dialog>
  );
}
