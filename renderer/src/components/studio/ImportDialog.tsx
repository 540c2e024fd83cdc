import { useEffect, useId, useState } from 'react';
import { LIMITS, type ScriptPreview } from '../../../../preload/contract/index.js';
import { api, errorMessage } from '../../api';
import { useT } from '../../i18n/useT';
import { useStudio, type ScriptSource } from '../../store/studio';
import { Icon } from '../Icon';
import { Modal } from '../Modal';

type Format = 'txt' | 'md' | 'srt' | 'vtt';
export const SCRIPT_ACCEPT = '.txt,.md,.markdown,.srt,.vtt,.docx,.epub';

/** The script format of a file name, `docx`/`epub` (read by the core), or null when Timbre cannot import it. */
export function scriptKind(name: string): Format | 'docx' | 'epub' | null {
  const ext = name.toLowerCase().split('.').pop() ?? '';
  if (ext === 'txt' || ext === 'text') return 'txt';
  if (ext === 'md' || ext === 'markdown') return 'md';
  if (ext === 'srt' || ext === 'vtt' || ext === 'docx' || ext === 'epub') return ext;
  return null;
}

function toBase64(buf: ArrayBuffer): string {
  const bytes = new Uint8Array(buf);
  let out = '';
  for (let i = 0; i < bytes.length; i += 0x8000) out += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(out);
}

interface Props {
  open: boolean;
  /** A file dropped on the studio or picked before the dialog opened. */
  file: File | null;
  onClose(): void;
}

/** Paste or pick a script, see how it will be split (lines, speakers, chapters), then append or replace. */
export function ImportDialog({ open, file, onClose }: Props) {
  const t = useT();
  const id = useId();
  const projectId = useStudio((s) => s.projectId);
  const lineCount = useStudio((s) => s.lines.length);
  const [text, setText] = useState('');
  const [format, setFormat] = useState<Format>('txt');
  const [docx, setDocx] = useState<{ name: string; base64: string } | null>(null);
  const [fileName, setFileName] = useState<string | null>(null);
  const [lastPreview, setPreview] = useState<ScriptPreview | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [mode, setMode] = useState<'append' | 'replace'>('append');
  const [split, setSplit] = useState<'turn' | 'sentence'>('turn');
  const [busy, setBusy] = useState(false);

  const reset = () => {
    setText('');
    setFormat('txt');
    setDocx(null);
    setFileName(null);
    setPreview(null);
    setError(null);
    setMode('append');
  };

  const loadFile = async (f: File) => {
    // Refuse before reading a large or foreign file into memory.
    if (!scriptKind(f.name) || f.size > LIMITS.scriptUploadBytesMax) return applyFile(f, new ArrayBuffer(0));
    applyFile(f, await f.arrayBuffer());
  };
  const applyFile = (f: File, content: ArrayBuffer) => {
    setError(null);
    setPreview(null);
    const kind = scriptKind(f.name);
    if (!kind) {
      setError(t('import.unsupported', { name: f.name }));
      return;
    }
    if (f.size > LIMITS.scriptUploadBytesMax) {
      setError(t('import.tooLarge', { name: f.name }));
      return;
    }
    setFileName(f.name);
    if (kind === 'docx' || kind === 'epub') {
      setDocx({ name: f.name, base64: toBase64(content) });
      setText('');
      return;
    }
    setDocx(null);
    setFormat(kind);
    setText(new TextDecoder().decode(content));
  };

  useEffect(() => {
    if (!open || !file) return;
    const ok = !!scriptKind(file.name) && file.size <= LIMITS.scriptUploadBytesMax;
    void (ok ? file.arrayBuffer() : Promise.resolve(new ArrayBuffer(0))).then((buf) => applyFile(file, buf));
    // eslint-disable-next-line react-hooks/exhaustive-deps -- load once per dropped file
  }, [open, file]);

  // Live preview of pasted or loaded text (debounced).
  useEffect(() => {
    if (!open || docx || !text.trim()) return;
    let stale = false;
    const timer = window.setTimeout(() => {
      api()
        .call('script.preview', { text, format, split })
        .then((p) => {
          if (stale) return;
          setPreview(p);
          setError(p.lines.length === 0 ? t('import.empty') : null);
        })
        .catch((err: unknown) => !stale && setError(errorMessage(err)));
    }, 250);
    return () => {
      stale = true;
      window.clearTimeout(timer);
    };
  }, [open, text, format, split, docx, t]);

  const close = () => {
    reset();
    onClose();
  };

  const submit = async () => {
    if (!projectId) return;
    const source: ScriptSource = docx ? { fileName: docx.name, base64: docx.base64 } : { text, format };
    setBusy(true);
    const err = await useStudio.getState().importScript(source, mode, split);
    setBusy(false);
    if (err) setError(err);
    else close();
  };

  const preview = text.trim() && !docx ? lastPreview : null;
  const canImport = !busy && (docx !== null || (!!preview && preview.lines.length > 0));
  const shown = preview?.lines.slice(0, 300) ?? [];

  return (
    <Modal
      open={open}
      title={t('import.title')}
      className="dialog-xwide"
      onClose={close}
      actions={
        <>
          <button type="button" className="btn" onClick={close}>
            {t('common.cancel')}
          </button>
          <button type="button" className="btn btn-primary" disabled={!canImport} onClick={() => void submit()}>
            {busy && <span className="spinner" aria-hidden="true" />}
            {mode === 'replace' ? t('import.replaceAction') : t('import.appendAction')}
          </button>
        </>
      }
    >
      <p className="dialog-text">{t('import.intro')}</p>
      <div className="import-source">
        <label className="btn">
          <Icon name="upload" size={15} />
          {t('import.chooseFile')}
          <input
            type="file"
            className="sr-only"
            accept={SCRIPT_ACCEPT}
            onChange={(e) => {
              const f = e.target.files?.[0];
              if (f) void loadFile(f);
              e.target.value = '';
            }}
          />
        </label>
        {fileName && (
          <span className="chip">
            <Icon name="edit" size={13} />
            {fileName}
          </span>
        )}
        {!docx?.name.toLowerCase().endsWith('.epub') && (
          <label className="import-format">
            <span className="muted">{t('studioUx.splitLabel')}</span>
            <select
              className="input"
              value={split}
              onChange={(e) => setSplit(e.target.value === 'sentence' ? 'sentence' : 'turn')}
            >
              <option value="turn">{t('studioUx.splitTurn')}</option>
              <option value="sentence">{t('studioUx.splitSentence')}</option>
            </select>
          </label>
        )}
        <label className="import-format">
          <span className="muted">{t('import.format')}</span>
          <select
            className="input"
            value={docx ? 'docx' : format}
            disabled={!!docx}
            onChange={(e) => setFormat(e.target.value as Format)}
          >
            <option value="txt">{t('import.format.txt')}</option>
            <option value="md">{t('import.format.md')}</option>
            <option value="srt">{t('import.format.srt')}</option>
            <option value="vtt">{t('import.format.vtt')}</option>
            {docx && (
              <option value="docx">
                {t(docx.name.toLowerCase().endsWith('.epub') ? 'import.format.epub' : 'import.format.docx')}
              </option>
            )}
          </select>
        </label>
      </div>
      {!docx && (
        <label className="field import-text">
          <span className="field-label">{t('import.pasteLabel')}</span>
          <textarea
            className="input"
            rows={6}
            value={text}
            placeholder={t('import.placeholder')}
            onChange={(e) => {
              setText(e.target.value);
              setFileName(null);
            }}
          />
        </label>
      )}
      {docx && (
        <p className="hint">{t(docx.name.toLowerCase().endsWith('.epub') ? 'import.epubNote' : 'import.docxNote')}</p>
      )}

      {error && (
        <div className="error-box" role="alert">
          {error}
        </div>
      )}

      {preview && preview.lines.length > 0 && (
        <section className="dialog-section" aria-labelledby={`${id}-preview`}>
          <h3 id={`${id}-preview`} className="section-title">
            {t('import.previewTitle')}
          </h3>
          <div className="stat-row">
            <div className="stat">
              <span className="stat-value">{preview.lines.length.toLocaleString(t.locale)}</span>
              <span className="stat-label">{t('import.statLines')}</span>
            </div>
            <div className="stat">
              <span className="stat-value">{preview.speakers.length}</span>
              <span className="stat-label">{t('import.statSpeakers')}</span>
            </div>
            <div className="stat">
              <span className="stat-value">{preview.chapters.length}</span>
              <span className="stat-label">{t('import.statChapters')}</span>
            </div>
          </div>
          {preview.speakers.length > 0 && (
            <p className="import-speakers">
              <span className="muted">{t('import.speakers')}</span>{' '}
              {preview.speakers.map((s) => (
                <span key={s} className="chip speaker-tag" style={speakerStyle(s)}>
                  {s}
                </span>
              ))}
            </p>
          )}
          {/* Focusable so the preview can be scrolled by keyboard (axe: scrollable-region-focusable). */}
          <div className="table-scroll" tabIndex={0} role="region" aria-label={t('import.previewTitle')}>
            <table className="data-table" aria-label={t('import.previewTitle')}>
              <thead>
                <tr>
                  <th scope="col">#</th>
                  <th scope="col">{t('import.colSpeaker')}</th>
                  <th scope="col">{t('import.colText')}</th>
                </tr>
              </thead>
              <tbody>
                {shown.map((l, i) => (
                  <PreviewRow key={i} n={i + 1} line={l} />
                ))}
              </tbody>
            </table>
          </div>
          {preview.lines.length > shown.length && (
            <p className="hint">{t('import.more', { count: preview.lines.length - shown.length })}</p>
          )}
        </section>
      )}

      <fieldset className="dialog-section field">
        <legend className="field-label">{t('import.mode')}</legend>
        <div className="radio-row">
          <label>
            <input type="radio" name={`${id}-mode`} checked={mode === 'append'} onChange={() => setMode('append')} />
            {t('import.append')}
          </label>
          <label>
            <input type="radio" name={`${id}-mode`} checked={mode === 'replace'} onChange={() => setMode('replace')} />
            {t('import.replace')}
          </label>
        </div>
        {mode === 'replace' && lineCount > 0 && <p className="hint">{t.plural('import.replaceWarn', lineCount)}</p>}
      </fieldset>
    </Modal>
  );
}

function PreviewRow({ n, line }: { n: number; line: ScriptPreview['lines'][number] }) {
  const t = useT();
  return (
    <>
      {line.chapter && (
        <tr className="preview-chapter">
          <td colSpan={3}>
            <Icon name="book" size={13} /> {line.chapter}
          </td>
        </tr>
      )}
      <tr>
        <td className="muted">{n}</td>
        <td>
          {line.speaker ? (
            <span className="chip speaker-tag" style={speakerStyle(line.speaker)}>
              {line.speaker}
            </span>
          ) : (
            <span className="muted">—</span>
          )}
        </td>
        <td>
          {line.text}
          {line.parsed.errors.length > 0 && (
            <span className="chip chip-warn" title={line.parsed.errors.map((e) => e.message).join('\n')}>
              {t('import.tagProblem')}
            </span>
          )}
        </td>
      </tr>
    </>
  );
}

/**
 * A colour per speaker: the project's speakers get distinct hues in their order (the first eight never clash);
 * other names get a stable hue from a hash. Readable in light and dark.
 */
const HUES = [250, 160, 25, 320, 200, 95, 280, 45];
export function speakerHue(name: string): number {
  const index = useStudio.getState().speakerNames.indexOf(name);
  if (index >= 0) return HUES[index % HUES.length];
  let h = 0;
  for (let i = 0; i < name.length; i++) h = (h * 31 + name.charCodeAt(i)) >>> 0;
  return HUES[h % HUES.length];
}

export function speakerStyle(name: string): React.CSSProperties {
  const hue = speakerHue(name);
  return {
    ['--speaker-bg' as string]: `hsl(${hue} 70% var(--speaker-l-bg, 92%))`,
    ['--speaker-fg' as string]: `hsl(${hue} 60% var(--speaker-l-fg, 28%))`,
    ['--speaker-dot' as string]: `hsl(${hue} 65% 52%)`,
  };
}
