import { useId, useRef, useState } from 'react';
import type { DictionaryEntry } from '../../../../preload/contract/index.js';
import { api, errorMessage } from '../../api';
import { useT } from '../../i18n/useT';
import { useStudio } from '../../store/studio';
import { Icon } from '../Icon';
import { Modal } from '../Modal';

type Row = DictionaryEntry & { key: number };
let seq = 0;

/** The project's pronunciation dictionary: word → respelling, applied before synthesis, with a spoken preview. */
export function DictionaryDialog({ open, onClose }: { open: boolean; onClose(): void }) {
  return open ? <DictionaryEditor onClose={onClose} /> : null;
}

function DictionaryEditor({ onClose }: { onClose(): void }) {
  const t = useT();
  const uid = useId();
  const project = useStudio((s) => s.project);
  const [rows, setRows] = useState<Row[]>(() => (project?.dictionary ?? []).map((e) => ({ ...e, key: ++seq })));
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const [previewing, setPreviewing] = useState<number | null>(null);
  const [heard, setHeard] = useState<string | null>(null);
  const audio = useRef<HTMLAudioElement>(null);

  const entries = (): DictionaryEntry[] =>
    rows
      .filter((r) => r.word.trim() || r.respelling.trim())
      .map(({ key: _key, ...e }) => (e.caseSensitive ? e : { word: e.word, respelling: e.respelling }));

  const update = (key: number, patch: Partial<DictionaryEntry>) =>
    setRows((rs) => rs.map((r) => (r.key === key ? { ...r, ...patch } : r)));

  const preview = async (row: Row) => {
    if (!project || !row.word.trim()) return;
    setPreviewing(row.key);
    setError(null);
    try {
      const res = await api().call('dictionary.preview', {
        projectId: project.id,
        text: row.word.trim(),
        entries: entries(),
        synthesize: true,
      });
      setHeard(t('dictionary.heard', { text: res.text }));
      if (res.wavBase64 && audio.current) {
        audio.current.src = `data:audio/wav;base64,${res.wavBase64}`;
        await audio.current.play();
      }
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setPreviewing(null);
    }
  };

  const save = async () => {
    setSaving(true);
    const err = await useStudio.getState().setDictionary(entries());
    setSaving(false);
    if (err) setError(err);
    else onClose();
  };

  return (
    <Modal
      open
      title={t('dictionary.title')}
      className="dialog-wide"
      onClose={onClose}
      actions={
        <>
          <button type="button" className="btn" onClick={onClose}>
            {t('common.cancel')}
          </button>
          <button type="button" className="btn btn-primary" disabled={saving} onClick={() => void save()}>
            {t('dictionary.save')}
          </button>
        </>
      }
    >
      <p className="dialog-text">{t('dictionary.intro')}</p>
      {/* A data: URL WAV from the preview; the CSP allows media from data: for this. */}
      <audio ref={audio} />
      <div className="table-scroll">
        <table className="data-table">
          <thead>
            <tr>
              <th scope="col" id={`${uid}-word`}>
                {t('dictionary.word')}
              </th>
              <th scope="col" id={`${uid}-resp`}>
                {t('dictionary.respelling')}
              </th>
              <th scope="col">{t('dictionary.caseSensitive')}</th>
              <th scope="col">
                <span className="sr-only">{t('dictionary.actions')}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.length === 0 && (
              <tr>
                <td colSpan={4} className="muted">
                  {t('dictionary.empty')}
                </td>
              </tr>
            )}
            {rows.map((r, i) => (
              <tr key={r.key}>
                <td>
                  <input
                    className="input"
                    value={r.word}
                    maxLength={100}
                    aria-label={t('dictionary.wordN', { n: i + 1 })}
                    onChange={(e) => update(r.key, { word: e.target.value })}
                  />
                </td>
                <td>
                  <input
                    className="input"
                    value={r.respelling}
                    maxLength={200}
                    aria-label={t('dictionary.respellingN', { n: i + 1 })}
                    onChange={(e) => update(r.key, { respelling: e.target.value })}
                  />
                </td>
                <td>
                  <input
                    type="checkbox"
                    checked={!!r.caseSensitive}
                    aria-label={t('dictionary.caseSensitiveN', { n: i + 1 })}
                    onChange={(e) => update(r.key, { caseSensitive: e.target.checked })}
                  />
                </td>
                <td className="dictionary-actions">
                  <button
                    type="button"
                    className="icon-btn"
                    disabled={!r.word.trim() || previewing !== null}
                    aria-label={t('dictionary.preview', { word: r.word || String(i + 1) })}
                    title={t('dictionary.preview', { word: r.word || String(i + 1) })}
                    onClick={() => void preview(r)}
                  >
                    {previewing === r.key ? (
                      <span className="spinner" aria-hidden="true" />
                    ) : (
                      <Icon name="headphones" size={15} />
                    )}
                  </button>
                  <button
                    type="button"
                    className="icon-btn icon-btn-danger"
                    aria-label={t('dictionary.remove', { n: i + 1 })}
                    title={t('dictionary.remove', { n: i + 1 })}
                    onClick={() => setRows((rs) => rs.filter((x) => x.key !== r.key))}
                  >
                    <Icon name="trash" size={15} />
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <button
        type="button"
        className="btn btn-dashed dictionary-add"
        onClick={() => setRows((rs) => [...rs, { word: '', respelling: '', key: ++seq }])}
      >
        <Icon name="plus" size={15} />
        {t('dictionary.add')}
      </button>
      {heard && (
        <p className="hint" role="status">
          {heard}
        </p>
      )}
      {error && (
        <div className="error-box" role="alert">
          {error}
        </div>
      )}
    </Modal>
  );
}
