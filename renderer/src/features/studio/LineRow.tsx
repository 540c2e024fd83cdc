import { memo, useEffect, useRef, useState, type DragEvent, type KeyboardEvent } from 'react';
import { LIMITS, type Job } from '../../../../preload/contract/index.js';
import { useT } from '../../i18n/useT';
import { useCatalog } from '../../store/catalog';
import { isActive, useStudio, type StudioLine } from '../../store/studio';
import { Icon } from '../../components/Icon';
import { TakePlayer } from '../../components/TakePlayer';
import { VoicePicker } from '../../components/VoicePicker';
import { speakerStyle } from '../../components/studio/ImportDialog';
import { showsFailure } from './progress';
import { useRovingRow } from './roving';
import { QcBadge } from '../qc/QcBadge';
import { RetakeNote } from '../qc/AutoRetake';

export const DRAG_TYPE = 'application/x-timbre-line';

interface Props {
  line: StudioLine;
  index: number;
  count: number;
  text: string;
  job: Job | undefined;
  saveError: string | undefined;
  dropEdge: 'before' | 'after' | null;
  onDragOverRow(index: number, edge: 'before' | 'after'): void;
  onDropRow(e: DragEvent): void;
  onDragEndRow(): void;
  dragging: boolean;
  onDragStartRow(lineId: string): void;
  selected: boolean;
  current: boolean;
  /** The list's one tab stop (roving tabindex): Tab lands on this line's card. */
  tabStop: boolean;
  /** The episode preview is playing this line. */
  playing: boolean;
}

/** Focus requests already applied: a row that scrolls back into view must not steal focus again. */
let appliedFocusN = 0;

/**
 * The voice a line without its own voice uses, in words: its speaker's voice when the Speakers panel maps one, else
 * the project's ("Project voice" alone only when neither is set).
 */
function useInheritedVoiceLabel(speaker: string | null): string {
  const t = useT();
  const speakerVoice = useStudio((s) =>
    speaker ? (s.project?.speakers.find((x) => x.name === speaker)?.voiceId ?? null) : null,
  );
  const projectVoice = useStudio((s) => s.project?.voiceId ?? null);
  const name = useCatalog((s) => {
    const id = speakerVoice ?? projectVoice;
    return id ? (s.voices.find((v) => v.id === id)?.name ?? id.split(':').pop() ?? id) : null;
  });
  if (speakerVoice && speaker) return t('studioUx.speakerVoice', { speaker, voice: name ?? '' });
  if (projectVoice && name) return t('studioUx.projectVoiceNamed', { voice: name });
  return t('studio.useProjectVoice');
}

/**
 * One script line: text, voice override, generation status, take player, reorder and delete controls.
 *
 * Keyboard: the card is one tab stop (the list's roving tabindex); ↑/↓ move between cards, Enter or F2 edits the
 * text (Tab then walks this line's controls), Escape goes back to the card. J/K and Space act on cards and never
 * type, because navigation focuses the card, not the text.
 */
export const LineRow = memo(function LineRow(props: Props) {
  const { line, index, count, text, job: latestJob, saveError, dropEdge, dragging, selected, current } = props;
  const t = useT();
  const n = index + 1;
  const rowRef = useRef<HTMLDivElement>(null);
  const textRef = useRef<HTMLTextAreaElement>(null);
  const focus = useStudio((s) => (s.focus?.lineId === line.id ? s.focus : null));
  const [composing, setComposing] = useState(false);
  const inheritedVoice = useInheritedVoiceLabel(line.speaker);
  const roving = useRovingRow(rowRef);
  // A failure stays shown until the line or a project-wide input changes after it (voice reverted, text fixed).
  const inputsChangedAt = useStudio((s) => s.project?.inputsChangedAt ?? null);
  const job = latestJob?.status === 'failed' && !showsFailure(latestJob, line, inputsChangedAt) ? undefined : latestJob;

  useEffect(() => {
    if (!focus || focus.n <= appliedFocusN) return;
    if (focus.caret === 'row') {
      const row = rowRef.current;
      if (!row) return;
      appliedFocusN = focus.n;
      row.focus({ preventScroll: true });
      row.scrollIntoView({ block: 'nearest' });
      return;
    }
    const el = textRef.current;
    if (!el) return;
    appliedFocusN = focus.n;
    el.focus({ preventScroll: false });
    if (focus.caret === 'end') el.setSelectionRange(el.value.length, el.value.length);
    else if (focus.caret === 'start') el.setSelectionRange(0, 0);
    el.scrollIntoView({ block: 'nearest' });
  }, [focus]);

  const studio = useStudio.getState;
  const active = isActive(job);
  const take = line.activeTake;
  const outdated = !!take && take.text.trim() !== text.trim();
  // One player slot keyed by the take: a finished job shows its take at once, and when the refreshed line brings the
  // same take as `activeTake` the player (and its <audio>, perhaps playing) stays mounted instead of being replaced.
  const player =
    take && !active ? take : !take && job?.status === 'done' && job.takeId ? { id: job.takeId, durationMs: 0 } : null;

  /** Keys on the card itself (not inside it): move between lines, start editing. */
  const onRowKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (e.target !== e.currentTarget || e.altKey || e.ctrlKey || e.metaKey) return;
    const lines = studio().lines;
    const to =
      e.key === 'ArrowUp'
        ? index - 1
        : e.key === 'ArrowDown'
          ? index + 1
          : e.key === 'Home'
            ? 0
            : e.key === 'End'
              ? lines.length - 1
              : null;
    if (to !== null) {
      e.preventDefault();
      if (to >= 0 && to < lines.length && to !== index) studio().requestFocus(lines[to].id, 'row');
      return;
    }
    if ((e.key === 'Enter' || e.key === 'F2') && !e.shiftKey) {
      e.preventDefault();
      studio().requestFocus(line.id, 'end');
    }
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (composing || e.nativeEvent.isComposing) return;
    const el = e.currentTarget;
    if (e.key === 'Escape' && !e.altKey && !e.ctrlKey && !e.metaKey) {
      e.preventDefault();
      studio().requestFocus(line.id, 'row');
      return;
    }
    const atEnd = el.selectionStart === el.value.length && el.selectionEnd === el.value.length;
    const atStart = el.selectionStart === 0 && el.selectionEnd === 0;
    const mod = e.ctrlKey || e.metaKey;
    if (e.altKey && !mod && (e.key === 'ArrowUp' || e.key === 'ArrowDown')) {
      e.preventDefault();
      if (line.pending) return;
      const to = e.key === 'ArrowUp' ? index - 1 : index + 1;
      if (to < 0 || to >= count) return;
      void studio().move(line.id, to);
      studio().requestFocus(line.id, 'keep');
      return;
    }
    if (e.key === 'Enter' && mod && !e.shiftKey) {
      e.preventDefault();
      void studio().generate([line.id]);
      return;
    }
    if (e.key === 'Enter' && !mod && !e.shiftKey && !e.altKey && atEnd) {
      e.preventDefault();
      void studio().addLine(index + 1);
      return;
    }
    if (e.key === 'Backspace' && el.value === '' && count > 1 && !mod) {
      e.preventDefault();
      studio().deleteLine(line.id, { undo: false });
      return;
    }
    if (e.key === 'ArrowUp' && atStart && index > 0 && !e.shiftKey && !e.altKey) {
      e.preventDefault();
      studio().requestFocus(studio().lines[index - 1].id, 'end');
    } else if (e.key === 'ArrowDown' && atEnd && index < count - 1 && !e.shiftKey && !e.altKey) {
      e.preventDefault();
      studio().requestFocus(studio().lines[index + 1].id, 'start');
    }
  };

  const onDragOver = (e: DragEvent) => {
    if (!e.dataTransfer.types.includes(DRAG_TYPE)) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'move';
    const rect = rowRef.current?.getBoundingClientRect();
    const edge = rect && e.clientY > rect.top + rect.height / 2 ? 'after' : 'before';
    props.onDragOverRow(index, edge);
  };

  const statusClass = `${job ? `status-${job.status}` : take ? 'status-done' : 'status-idle'}${line.locked ? ' locked' : ''}`;

  return (
    <div
      ref={rowRef}
      role="group"
      aria-label={t('studio.lineLabel', { n })}
      aria-current={props.playing ? 'true' : undefined}
      tabIndex={props.tabStop ? 0 : -1}
      className={`line-row ${statusClass}${dragging ? ' dragging' : ''}${dropEdge ? ` drop-${dropEdge}` : ''}${
        selected ? ' selected' : ''
      }${current ? ' current' : ''}${props.playing ? ' playing' : ''}`}
      data-line-id={line.id}
      onDragOver={onDragOver}
      onDrop={props.onDropRow}
      onKeyDown={onRowKeyDown}
      onFocus={(e) => {
        roving.onFocus(e);
        studio().setCurrent(line.id);
      }}
      onBlur={roving.onBlur}
      onMouseDown={(e) => {
        if (line.pending) return;
        studio().setCurrent(line.id);
        const target = e.target as HTMLElement;
        if (target.closest('button, input, textarea, select, a')) return;
        if (e.shiftKey) studio().select(line.id, 'range');
        else if (e.ctrlKey || e.metaKey) studio().select(line.id, 'toggle');
      }}
    >
      <div className="line-gutter">
        <input
          type="checkbox"
          className="line-select"
          checked={selected}
          disabled={line.pending}
          aria-label={t('studio.selectLine', { n })}
          onChange={(e) => studio().select(line.id, (e.nativeEvent as MouseEvent).shiftKey ? 'range' : 'toggle')}
        />
        <button
          type="button"
          className="drag-handle"
          draggable={!line.pending}
          aria-label={t('studio.dragHandle', { n })}
          title={t('studio.dragHandle', { n })}
          onDragStart={(e) => {
            e.dataTransfer.setData(DRAG_TYPE, line.id);
            e.dataTransfer.setData('text/plain', text);
            e.dataTransfer.effectAllowed = 'move';
            if (rowRef.current) e.dataTransfer.setDragImage(rowRef.current, 24, 24);
            props.onDragStartRow(line.id);
          }}
          onDragEnd={props.onDragEndRow}
          onKeyDown={(e) => {
            if (e.altKey || (e.key !== 'ArrowUp' && e.key !== 'ArrowDown')) return;
            e.preventDefault();
            const to = e.key === 'ArrowUp' ? index - 1 : index + 1;
            if (to >= 0 && to < count) void studio().move(line.id, to);
          }}
        >
          <Icon name="grip" size={16} />
        </button>
        <span className="line-number" aria-hidden="true">
          {n}
        </span>
      </div>

      <div className="line-main">
        <textarea
          ref={textRef}
          className="line-text"
          rows={1}
          value={text}
          maxLength={LIMITS.lineTextMax}
          placeholder={t('studio.linePlaceholder')}
          aria-label={t('studio.lineLabel', { n })}
          aria-invalid={saveError ? true : undefined}
          spellCheck
          onChange={(e) => studio().editText(line.id, e.target.value)}
          onKeyDown={onKeyDown}
          onCompositionStart={() => setComposing(true)}
          onCompositionEnd={() => setComposing(false)}
        />
        {text.length > LIMITS.lineTextMax * 0.8 && (
          <div className="char-count">
            {t('studio.characters', { count: text.length.toLocaleString(), max: LIMITS.lineTextMax.toLocaleString() })}
          </div>
        )}
        <div className="line-meta">
          <SpeakerChip lineId={line.id} speaker={line.speaker} n={n} disabled={!!line.pending} />
          {(outdated || line.stale) && !active && (
            <span className="chip chip-stale">
              <Icon name="alert" size={12} />
              <strong>{t('studio.stale')}</strong>
              <span>
                {outdated || line.staleReasons.length === 0
                  ? t('stale.text')
                  : line.staleReasons.map((r) => t(`stale.${r}`)).join(' · ')}
              </span>
            </span>
          )}
          {!active && (
            <QcBadge
              key={`${line.activeTakeId}:${line.qc}`}
              status={line.qc}
              takeId={line.activeTakeId}
              lineNumber={n}
            />
          )}
          <RetakeNote retake={line.retake} />
          {line.locked && (
            <span className="chip chip-locked">
              <Icon name="lock" size={12} />
              {t('studio.locked')}
            </span>
          )}
          {line.parsed.errors.length > 0 && (
            <span className="chip chip-warn" role="note" title={line.parsed.errors.map((e) => e.message).join('\n')}>
              <Icon name="alert" size={12} />
              {line.parsed.errors[0].message}
            </span>
          )}
        </div>
        <div className="line-footer">
          <div className="line-result">
            <LineStatus job={job} n={n} hasTake={!!take} />
            {player && <TakePlayer key={player.id} take={player} n={n} />}
          </div>
          <div className="line-actions">
            <VoicePicker
              compact
              value={line.voiceId}
              label={t('studio.lineVoice', { n })}
              noneLabel={inheritedVoice}
              disabled={line.pending}
              onChange={(v) => void studio().setLineVoice(line.id, v)}
            />
            {active ? (
              <button
                type="button"
                className="btn btn-sm btn-stop"
                aria-label={t('studio.cancelJob', { n })}
                onClick={() => void studio().cancel(line.id)}
              >
                <Icon name="stop" size={14} />
                {t('common.cancel')}
              </button>
            ) : (
              <button
                type="button"
                className="btn btn-sm btn-generate"
                aria-label={take ? t('studio.regenerateLine', { n }) : t('studio.generateLine', { n })}
                title={`${take ? t('studio.regenerateLine', { n }) : t('studio.generateLine', { n })} (Ctrl+Enter)`}
                disabled={text.trim() === '' || line.pending}
                onClick={() => void studio().generate([line.id])}
              >
                <Icon name="sparkle" size={14} />
                {take ? t('studio.regenerate') : t('studio.generate')}
              </button>
            )}
            <div className="line-tools">
              <button
                type="button"
                className="icon-btn"
                aria-label={t('studio.lockLine', { n })}
                aria-pressed={line.locked}
                title={`${t('studio.lockLine', { n })} (Ctrl+L)`}
                disabled={line.pending}
                onClick={() => void studio().toggleLock(line.id)}
              >
                <Icon name={line.locked ? 'lock' : 'unlock'} size={16} />
              </button>
              <button
                type="button"
                className="icon-btn"
                aria-label={t('studio.splitLine', { n })}
                title={`${t('studio.splitLine', { n })} (Ctrl+Shift+S)`}
                disabled={line.pending || text.length < 2}
                onClick={() => {
                  const el = textRef.current;
                  const at = el && el.selectionStart > 0 && el.selectionStart < text.length ? el.selectionStart : -1;
                  if (at > 0) void studio().split(line.id, at);
                  else el?.focus();
                }}
              >
                <Icon name="scissors" size={16} />
              </button>
              <button
                type="button"
                className="icon-btn"
                aria-label={t('studio.mergeLine', { n })}
                title={`${t('studio.mergeLine', { n })} (Ctrl+Shift+M)`}
                disabled={index === 0 || line.pending}
                onClick={() => void studio().merge(line.id)}
              >
                <Icon name="merge" size={16} />
              </button>
              <button
                type="button"
                className="icon-btn"
                aria-label={t('studio.moveUp', { n })}
                title={`${t('studio.moveUp', { n })} (Alt+↑)`}
                disabled={index === 0 || line.pending}
                onClick={() => void studio().move(line.id, index - 1)}
              >
                <Icon name="up" size={16} />
              </button>
              <button
                type="button"
                className="icon-btn"
                aria-label={t('studio.moveDown', { n })}
                title={`${t('studio.moveDown', { n })} (Alt+↓)`}
                disabled={index === count - 1 || line.pending}
                onClick={() => void studio().move(line.id, index + 1)}
              >
                <Icon name="down" size={16} />
              </button>
              <button
                type="button"
                className="icon-btn icon-btn-danger"
                aria-label={t('studio.deleteLine', { n })}
                title={t('studio.deleteLine', { n })}
                onClick={() => studio().deleteLine(line.id)}
              >
                <Icon name="trash" size={16} />
              </button>
            </div>
          </div>
        </div>
      </div>
    </div>
  );
});

/** The line's speaker as a small select styled as a chip (speakers map to voices in the Speakers panel). */
function SpeakerChip({
  lineId,
  speaker,
  n,
  disabled,
}: {
  lineId: string;
  speaker: string | null;
  n: number;
  disabled: boolean;
}) {
  const t = useT();
  const names = useStudio((s) => s.speakerNames);
  const options = speaker && !names.includes(speaker) ? [...names, speaker] : names;
  if (options.length === 0 && !speaker) return null;
  return (
    <select
      className="speaker-chip"
      style={speaker ? speakerStyle(speaker) : undefined}
      value={speaker ?? ''}
      disabled={disabled}
      aria-label={t('studio.lineSpeaker', { n })}
      onChange={(e) => void useStudio.getState().setLineSpeaker(lineId, e.target.value || null)}
    >
      <option value="">{t('studio.noSpeaker')}</option>
      {options.map((name) => (
        <option key={name} value={name}>
          {name}
        </option>
      ))}
    </select>
  );
}

function LineStatus({ job, n, hasTake }: { job: Job | undefined; n: number; hasTake: boolean }) {
  const t = useT();
  if (job && job.status === 'running') {
    const percent = Math.round(job.progress * 100);
    return (
      <div className="line-status running">
        <span className="chip chip-accent">
          <span className="pulse" aria-hidden="true" />
          {t('status.running', { percent })}
        </span>
        <div
          className="progress"
          role="progressbar"
          aria-label={t('studio.progress', { n })}
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={percent}
        >
          <div className="progress-bar" style={{ width: `${Math.max(2, percent)}%` }} />
        </div>
      </div>
    );
  }
  if (job?.status === 'queued')
    return (
      <div className="line-status">
        <span className="chip">
          <Icon name="clock" size={13} />
          {t('status.queued')}
        </span>
      </div>
    );
  if (job?.status === 'failed')
    return (
      <div className="line-status">
        <span className="chip chip-danger" role="alert">
          <Icon name="alert" size={13} />
          {t('status.failed', { message: job.error?.message ?? '' })}
        </span>
      </div>
    );
  if (job?.status === 'interrupted')
    return (
      <div className="line-status">
        <span className="chip chip-warn">
          <Icon name="alert" size={13} />
          {t('status.interrupted')}
        </span>
      </div>
    );
  if (job?.status === 'cancelled' && !hasTake)
    return (
      <div className="line-status">
        <span className="chip">{t('status.cancelled')}</span>
      </div>
    );
  if (!hasTake && !job)
    return (
      <div className="line-status">
        <span className="idle-hint">{t('status.idle')}</span>
      </div>
    );
  return null;
}
