import { useEffect } from 'react';
import { useT } from '../../i18n/useT';
import type { MessageKey } from '../../i18n';
import { useHistory } from '../../store/history';
import { useStudio } from '../../store/studio';
import { Icon } from '../Icon';
import { Modal } from '../Modal';

const isMac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform);
export const MOD = isMac ? '⌘' : 'Ctrl';

/** Every studio shortcut, as documented in the dialog (keys are shown, the action is translated). */
export const SHORTCUTS: { keys: string[]; action: MessageKey }[] = [
  { keys: [`${MOD}+Z`], action: 'shortcuts.undo' },
  { keys: [`${MOD}+Shift+Z`, 'Ctrl+Y'], action: 'shortcuts.redo' },
  { keys: [`${MOD}+Enter`], action: 'shortcuts.generateLine' },
  { keys: [`${MOD}+Shift+Enter`], action: 'shortcuts.generateAll' },
  { keys: ['Space'], action: 'shortcuts.playPause' },
  { keys: ['J', 'Alt+↓'], action: 'shortcuts.next' },
  { keys: ['K', 'Alt+↑'], action: 'shortcuts.previous' },
  { keys: ['↑', '↓'], action: 'shortcuts.arrows' },
  { keys: ['↑', '↓', 'Home', 'End'], action: 'studioUx.shortcutCards' },
  { keys: ['Enter', 'F2'], action: 'studioUx.shortcutEdit' },
  { keys: ['Escape'], action: 'studioUx.shortcutLeave' },
  { keys: [`${MOD}+Shift+S`], action: 'shortcuts.split' },
  { keys: [`${MOD}+Shift+M`], action: 'shortcuts.merge' },
  { keys: [`${MOD}+L`], action: 'shortcuts.lock' },
  { keys: ['Enter'], action: 'shortcuts.newLine' },
  { keys: ['Alt+↑', 'Alt+↓'], action: 'shortcuts.move' },
  { keys: ['Shift+Click', `${MOD}+Click`], action: 'shortcuts.select' },
  { keys: ['?'], action: 'shortcuts.help' },
  { keys: ['/'], action: 'studioUx.shortcutSearch' },
];

export function ShortcutsDialog({ open, onClose }: { open: boolean; onClose(): void }) {
  const t = useT();
  return (
    <Modal open={open} title={t('shortcuts.title')} className="dialog-wide" onClose={onClose}>
      <p className="dialog-text">{t('shortcuts.intro')}</p>
      <table className="shortcuts-table">
        <thead>
          <tr>
            <th scope="col">{t('shortcuts.keys')}</th>
            <th scope="col">{t('shortcuts.action')}</th>
          </tr>
        </thead>
        <tbody>
          {SHORTCUTS.map((s) => (
            <tr key={s.action}>
              <td>
                {s.keys.map((k, i) => (
                  <span key={k}>
                    {i > 0 && <span className="muted"> / </span>}
                    <kbd>{k}</kbd>
                  </span>
                ))}
              </td>
              <td>{t(s.action)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Modal>
  );
}

/** Undo and redo in the studio toolbar, with what they would undo in the tooltip. */
export function HistoryButtons() {
  const t = useT();
  const past = useHistory((s) => s.past);
  const future = useHistory((s) => s.future);
  const busy = useHistory((s) => s.busy);
  const top = past[past.length - 1];
  const next = future[future.length - 1];
  const undoLabel = top ? t('history.undoWhat', { what: top.label }) : t('history.nothingToUndo');
  const redoLabel = next ? t('history.redoWhat', { what: next.label }) : t('history.nothingToRedo');
  return (
    <div className="history-buttons" role="group" aria-label={t('history.group')}>
      <button
        type="button"
        className="icon-btn"
        aria-label={t('history.undo')}
        title={`${undoLabel} (${MOD}+Z)`}
        disabled={!top || busy}
        onClick={() => void useHistory.getState().undo()}
      >
        <Icon name="undo" size={17} />
      </button>
      <button
        type="button"
        className="icon-btn"
        aria-label={t('history.redo')}
        title={`${redoLabel} (${MOD}+Shift+Z)`}
        disabled={!next || busy}
        onClick={() => void useHistory.getState().redo()}
      >
        <Icon name="redo" size={17} />
      </button>
    </div>
  );
}

const isTextField = (el: Element | null) =>
  !!el &&
  (el instanceof HTMLTextAreaElement ||
    (el instanceof HTMLInputElement && !['checkbox', 'radio', 'range', 'button'].includes(el.type)) ||
    el instanceof HTMLSelectElement ||
    (el as HTMLElement).isContentEditable);
const isControl = (el: Element | null) => !!el && !!el.closest('button, a, input, select, textarea, [role="slider"]');

/**
 * Move the current line by `delta` and focus its card, never its text: the next J, K or Space must act again,
 * not type into the script.
 */
function step(delta: number) {
  const s = useStudio.getState();
  if (s.lines.length === 0) return;
  const index = s.lines.findIndex((l) => l.id === s.current);
  const next = index < 0 ? 0 : Math.max(0, Math.min(s.lines.length - 1, index + delta));
  s.requestFocus(s.lines[next].id, 'row');
}

/** Click the play button of a line's take (the row owns the <audio>). */
export function togglePlay(lineId: string | null) {
  if (!lineId) return;
  const btn = document.querySelector<HTMLButtonElement>(`[data-line-id="${CSS.escape(lineId)}"] .play-btn`);
  btn?.click();
}

/** Studio-wide keyboard shortcuts (ignored while a dialog is open). */
export function useStudioShortcuts({ openShortcuts }: { openShortcuts(): void }) {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.isComposing) return;
      if (document.querySelector('dialog[open]')) return;
      const target = document.activeElement;
      const inLine = target instanceof HTMLTextAreaElement && target.classList.contains('line-text');
      const inText = isTextField(target);
      const mod = e.ctrlKey || e.metaKey;
      const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
      const studio = useStudio.getState();

      // Undo/redo: ours in line texts and outside text fields; other fields (the title) keep the browser's own.
      if (mod && !e.altKey && (key === 'z' || key === 'y') && (inLine || !inText)) {
        e.preventDefault();
        if (key === 'y' || e.shiftKey) void useHistory.getState().redo();
        else void useHistory.getState().undo();
        return;
      }
      if (mod && e.shiftKey && e.key === 'Enter') {
        e.preventDefault();
        void studio.generate();
        return;
      }
      if (mod && !e.shiftKey && e.key === 'Enter' && !inLine && studio.current) {
        e.preventDefault();
        void studio.generate([studio.current]);
        return;
      }
      if (mod && e.shiftKey && key === 's') {
        e.preventDefault();
        const lineId = inLine ? target.closest<HTMLElement>('[data-line-id]')?.dataset.lineId : studio.current;
        if (lineId && inLine) void studio.split(lineId, target.selectionStart);
        return;
      }
      if (mod && e.shiftKey && key === 'm') {
        e.preventDefault();
        if (studio.current) void studio.merge(studio.current);
        return;
      }
      if (mod && !e.shiftKey && key === 'l') {
        e.preventDefault();
        if (studio.current) void studio.toggleLock(studio.current);
        return;
      }
      if (inText || mod) return;
      if (e.key === '?') {
        e.preventDefault();
        openShortcuts();
      } else if (e.key === ' ' && !isControl(target)) {
        e.preventDefault();
        togglePlay(studio.current ?? studio.lines[0]?.id ?? null);
      } else if ((key === 'j' && !e.altKey) || (e.altKey && e.key === 'ArrowDown')) {
        e.preventDefault();
        step(1);
      } else if ((key === 'k' && !e.altKey) || (e.altKey && e.key === 'ArrowUp')) {
        e.preventDefault();
        step(-1);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [openShortcuts]);
}
