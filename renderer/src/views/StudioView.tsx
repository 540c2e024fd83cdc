import { useCallback, useEffect, useMemo, useRef, useState, type DragEvent } from 'react';
import { LIMITS } from '../../../preload/contract/index.js';
import { EmptyState } from '../components/EmptyState';
import { Icon } from '../components/Icon';
import { DRAG_TYPE, LineRow } from '../features/studio/LineRow';
import { batchProgress, readyCount, staleCount as countStale } from '../features/studio/progress';
import { SaveIndicator } from '../components/SaveIndicator';
import { VoicePicker } from '../components/VoicePicker';
import { KnobsDialog } from '../components/KnobsDialog';
import { ProjectLanguageSelect } from '../features/voices/LanguageSelect';
import { AutoRetakeSetting } from '../features/qc/AutoRetake';
import { useT } from '../i18n/useT';
import { useCatalog } from '../store/catalog';
import { useLiveListen } from '../store/events';
import { useNav } from '../store/nav';
import { isActive, useStudio } from '../store/studio';
import { defaultRangeExtractor, useVirtualizer, type Range } from '@tanstack/react-virtual';
import { HistoryButtons, ShortcutsDialog, useStudioShortcuts } from '../components/studio/Shortcuts';
import { ImportDialog, scriptKind } from '../components/studio/ImportDialog';
import { SpeakersPanel } from '../components/studio/SpeakersPanel';
import { TakesPanel } from '../components/studio/TakesPanel';
import { QueuePanel } from '../components/studio/QueuePanel';
import { Timeline } from '../features/studio/timeline/Timeline';
import { ExportDialog } from '../components/studio/ExportDialog';
import { DictionaryDialog } from '../components/studio/DictionaryDialog';
import { toast } from '../store/toasts';
import { useDensity } from '../features/studio/density';
import { ChapterMenu, ScriptSearch, type NavChapter } from '../features/studio/ScriptNavigator';

export function StudioView() {
  const t = useT();
  const projectId = useNav((s) => s.projectId);
  const go = useNav((s) => s.go);
  const status = useStudio((s) => s.status);
  const error = useStudio((s) => s.error);
  const open = useStudio((s) => s.open);

  useEffect(() => {
    if (projectId) void open(projectId);
    void useCatalog.getState().load(); // voices for the pickers, fetched while the project loads
  }, [projectId, open]);

  if (!projectId) {
    return (
      <section className="view" aria-labelledby="studio-title">
        <h1 id="studio-title" className="sr-only">
          {t('nav.studio')}
        </h1>
        <EmptyState
          icon="studio"
          title={t('studio.noProjectTitle')}
          action={
            <button type="button" className="btn btn-primary" onClick={() => go('projects')}>
              {t('studio.goToProjects')}
            </button>
          }
        >
          {t('studio.noProjectBody')}
        </EmptyState>
      </section>
    );
  }
  if (status === 'error') {
    return (
      <section className="view" aria-labelledby="studio-title">
        <h1 id="studio-title" className="sr-only">
          {t('nav.studio')}
        </h1>
        <EmptyState
          icon="alert"
          title={t('studio.loadFailed', { message: error ?? '' })}
          action={
            <div className="row-gap">
              <button type="button" className="btn" onClick={() => void open(projectId)}>
                {t('common.retry')}
              </button>
              <button type="button" className="btn btn-primary" onClick={() => useNav.getState().closeProject()}>
                {t('studio.goToProjects')}
              </button>
            </div>
          }
        />
      </section>
    );
  }
  if (status !== 'ready') {
    return (
      <section className="view" aria-busy="true" aria-labelledby="studio-title">
        <h1 id="studio-title" className="sr-only">
          {t('nav.studio')}
        </h1>
        <div className="loading-block">
          <span className="spinner" aria-hidden="true" />
          {t('common.loading')}
        </div>
      </section>
    );
  }
  return <Studio />;
}

function Studio() {
  const [knobsOpen, setKnobsOpen] = useState(false);
  // Take QC's "review flagged lines": only the lines whose take QC flagged.
  const [onlyFlagged, setOnlyFlagged] = useState(false);
  const [shortcutsOpen, setShortcutsOpen] = useState(false);
  const [importOpen, setImportOpen] = useState(false);
  const [importFile, setImportFile] = useState<File | null>(null);
  const [exportOpen, setExportOpen] = useState(false);
  const [dictOpen, setDictOpen] = useState(false);
  const [fileOver, setFileOver] = useState(false);
  const t = useT();
  const project = useStudio((s) => s.project);
  const lines = useStudio((s) => s.lines);
  const drafts = useStudio((s) => s.drafts);
  const jobs = useStudio((s) => s.jobs);
  const saveErrors = useStudio((s) => s.saveErrors);
  const selected = useStudio((s) => s.selected);
  const current = useStudio((s) => s.current);
  const focus = useStudio((s) => s.focus);
  const batchId = useStudio((s) => s.batchId);
  const playingLine = useStudio((s) => s.playingLine);
  const reveal = useStudio((s) => s.reveal);
  const live = useLiveListen();
  const [dragId, setDragId] = useState<string | null>(null);
  const [drop, setDrop] = useState<{ index: number; edge: 'before' | 'after' } | null>(null);
  const studio = useStudio.getState;
  const scrollRef = useRef<HTMLDivElement>(null);
  const [density, setDensity] = useDensity();
  // The line shown by the script search (outlined), if any.
  const [searchHit, setSearchHit] = useState<string | null>(null);

  const activeJobs = useMemo(() => Object.values(jobs).filter(isActive), [jobs]);
  const ready = useMemo(() => readyCount(lines, jobs, drafts), [lines, jobs, drafts]);
  const selectedIds = useMemo(() => lines.filter((l) => selected[l.id]).map((l) => l.id), [lines, selected]);
  // The whole batch's progress (done lines count whole), the same figure as the queue panel's.
  const overall = useMemo(() => {
    if (activeJobs.length === 0) return null;
    const p = batchProgress(jobs, batchId, new Set(lines.map((l) => l.id)));
    return p.total ? Math.round(p.fraction * 100) : null;
  }, [activeJobs, jobs, batchId, lines]);

  const staleCount = useMemo(() => countStale(lines, jobs), [lines, jobs]);
  const rows = useMemo(() => {
    const out: (
      | { kind: 'line'; key: string; line: (typeof lines)[number]; index: number }
      | { kind: 'chapter'; key: string; title: string }
    )[] = [];
    lines.forEach((line, index) => {
      if (onlyFlagged && line.qc !== 'flagged') return;
      if (line.chapter && !onlyFlagged) out.push({ kind: 'chapter', key: `ch-${line.key}`, title: line.chapter });
      out.push({ kind: 'line', key: line.key, line, index });
    });
    return out;
  }, [lines, onlyFlagged]);
  const flaggedCount = useMemo(() => lines.filter((l) => l.qc === 'flagged').length, [lines]);
  // The current line's row stays rendered even when scrolled away: it is the list's one tab stop (roving
  // tabindex), so Tab and Shift+Tab always come back to the line the user was on.
  const currentRow = useMemo(
    () => (current ? rows.findIndex((r) => r.kind === 'line' && r.line.id === current) : -1),
    [rows, current],
  );
  const rangeExtractor = useCallback(
    (range: Range) => {
      const indexes = defaultRangeExtractor(range);
      if (currentRow < 0 || indexes.includes(currentRow)) return indexes;
      return [...indexes, currentRow].sort((a, b) => a - b);
    },
    [currentRow],
  );
  // eslint-disable-next-line react-hooks/incompatible-library -- Studio re-renders with the lines anyway; rows are memo'd
  const virtualizer = useVirtualizer({
    rangeExtractor,
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: (i) => (rows[i].kind === 'chapter' ? 44 : density === 'compact' ? 64 : 130),
    overscan: 8,
    getItemKey: (i) => rows[i].key,
  });

  const rowIndexOf = useCallback(
    (lineId: string) => rows.findIndex((r) => r.kind === 'line' && r.line.id === lineId),
    [rows],
  );
  // A focus request for a line outside the rendered window: scroll it in first (the row focuses itself on mount).
  // Once per request: a later refresh of the lines must not scroll the list back to an old request's line.
  const scrolledFocusN = useRef(0);
  useEffect(() => {
    if (!focus || focus.n === scrolledFocusN.current) return;
    const index = rowIndexOf(focus.lineId);
    if (index < 0) return; // a line still being created: its row appears with the next lines
    scrolledFocusN.current = focus.n;
    virtualizer.scrollToIndex(index, { align: 'auto' });
  }, [focus, rowIndexOf, virtualizer]);
  // A line picked on the timeline: scroll the (virtual) list to it.
  useEffect(() => {
    if (!reveal) return;
    const index = rowIndexOf(reveal.lineId);
    if (index >= 0) virtualizer.scrollToIndex(index, { align: 'center' });
    // eslint-disable-next-line react-hooks/exhaustive-deps -- only when a new reveal is asked for
  }, [reveal]);
  // Follow the episode preview: the playing line is scrolled into view, unless the user is typing in a line.
  useEffect(() => {
    if (!playingLine) return;
    const el = document.activeElement;
    if (el instanceof HTMLTextAreaElement && el.classList.contains('line-text')) return;
    const index = rowIndexOf(playingLine);
    if (index >= 0) virtualizer.scrollToIndex(index, { align: 'center' });
    // eslint-disable-next-line react-hooks/exhaustive-deps -- only when the playing line changes
  }, [playingLine]);

  // Chapter navigator: jump the list to a chapter's heading and focus its first line.
  const chapters = useMemo<NavChapter[]>(
    () => lines.flatMap((l, i) => (l.chapter ? [{ title: l.chapter, lineId: l.id, lineNumber: i + 1 }] : [])),
    [lines],
  );
  const goToChapter = useCallback(
    (lineId: string) => {
      const index = rowIndexOf(lineId);
      if (index < 0) return;
      // The heading sits just above its first line: put it at the top of the list, and focus the line without the
      // focus request's own scroll (it would measure from the old position and pull the line to the bottom edge).
      virtualizer.scrollToIndex(Math.max(0, index - 1), { align: 'start' });
      studio().requestFocus(lineId, 'row');
      scrolledFocusN.current = useStudio.getState().focus?.n ?? scrolledFocusN.current;
    },
    [rowIndexOf, virtualizer, studio],
  );
  // Script search: over the lines shown, with the text as typed (unsaved drafts included).
  const searchable = useMemo(
    () => rows.flatMap((r) => (r.kind === 'line' ? [{ id: r.line.id, text: drafts[r.line.id] ?? r.line.text }] : [])),
    [rows, drafts],
  );
  const showSearchHit = useCallback(
    (lineId: string | null) => {
      setSearchHit(lineId);
      if (!lineId) return;
      const index = rowIndexOf(lineId);
      if (index >= 0) virtualizer.scrollToIndex(index, { align: 'center' });
      studio().setCurrent(lineId);
    },
    [rowIndexOf, virtualizer, studio],
  );

  // One tab stop for the whole list (a roving tabindex): the current line if it is rendered, else the first one shown.
  const virtualItems = virtualizer.getVirtualItems();
  const renderedLineIds = virtualItems.flatMap((v) => {
    const r = rows[v.index];
    return r?.kind === 'line' ? [r.line.id] : [];
  });
  const tabLineId = current && renderedLineIds.includes(current) ? current : (renderedLineIds[0] ?? null);

  useStudioShortcuts({ openShortcuts: () => setShortcutsOpen(true) });

  const onDragOverRow = useCallback((index: number, edge: 'before' | 'after') => {
    setDrop((d) => (d && d.index === index && d.edge === edge ? d : { index, edge }));
  }, []);
  const onDragEndRow = useCallback(() => {
    setDragId(null);
    setDrop(null);
  }, []);
  const onDropRow = useCallback(
    (e: DragEvent) => {
      const id = e.dataTransfer.getData(DRAG_TYPE);
      e.preventDefault();
      const target = drop;
      setDragId(null);
      setDrop(null);
      if (!id || !target) return;
      const from = studio().lines.findIndex((l) => l.id === id);
      let to = target.edge === 'before' ? target.index : target.index + 1;
      if (from < to) to--;
      if (from >= 0 && to !== from) void studio().move(id, to);
    },
    [drop, studio],
  );

  if (!project) return null;

  return (
    <section
      className={`view studio${fileOver ? ' drag-over' : ''}`}
      aria-labelledby="studio-title"
      data-drop-label={t('import.dropHere')}
      onDragOver={(e) => {
        if (!e.dataTransfer.types.includes('Files')) return;
        e.preventDefault();
        e.dataTransfer.dropEffect = 'copy';
        setFileOver(true);
      }}
      onDragLeave={(e) => {
        if (e.currentTarget === e.target || !e.currentTarget.contains(e.relatedTarget as Node | null))
          setFileOver(false);
      }}
      onDrop={(e) => {
        if (!e.dataTransfer.types.includes('Files')) return;
        e.preventDefault();
        setFileOver(false);
        const file = e.dataTransfer.files[0];
        if (!file) return;
        if (!scriptKind(file.name)) {
          toast.error(t('import.unsupported', { name: file.name }));
          return;
        }
        setImportFile(file);
        setImportOpen(true);
      }}
    >
      <header className="view-header studio-header">
        <div className="studio-title-row">
          <ProjectTitle key={project.name} name={project.name} />
          <SaveIndicator />
          <div className="toolbar-group studio-file-actions">
            <button
              type="button"
              className="btn"
              onClick={() => {
                setImportFile(null);
                setImportOpen(true);
              }}
            >
              <Icon name="upload" size={15} />
              {t('import.open')}
            </button>
            <button type="button" className="btn" onClick={() => setDictOpen(true)}>
              <Icon name="book" size={15} />
              {t('dictionary.open')}
            </button>
            <button type="button" className="btn" onClick={() => setExportOpen(true)}>
              <Icon name="export" size={15} />
              {t('export.open')}
            </button>
          </div>
          <HistoryButtons />
          <button
            type="button"
            className="icon-btn"
            aria-label={t('shortcuts.open')}
            title={`${t('shortcuts.open')} (?)`}
            onClick={() => setShortcutsOpen(true)}
          >
            <Icon name="keyboard" size={17} />
          </button>
        </div>
        <div className="toolbar" role="toolbar" aria-label={t('nav.studio')}>
          <div className="toolbar-group">
            <ProjectLanguageSelect />
            <span className="toolbar-label" id="project-voice-label">
              {t('studio.projectVoice')}
            </span>
            <VoicePicker
              value={project.voiceId}
              label={t('studio.projectVoice')}
              noneLabel={t('voice.none')}
              onChange={(v) => void studio().setProjectVoice(v)}
            />
            <button type="button" className="btn" onClick={() => setKnobsOpen(true)}>
              <Icon name="settings" size={15} />
              {t('studio.voiceSettings')}
            </button>
            <KnobsDialog
              open={knobsOpen}
              value={project.options}
              onClose={() => setKnobsOpen(false)}
              onSave={(o) => {
                setKnobsOpen(false);
                void studio().setProjectOptions(o);
              }}
            />
            <AutoRetakeSetting projectId={project.id} value={project.autoRetake} />
          </div>
          <div className="toolbar-spacer" />
          <label className="toggle">
            <input type="checkbox" checked={live.enabled} onChange={live.toggle} />
            <span className="toggle-track" aria-hidden="true" />
            <Icon name="headphones" size={15} />
            {t('studio.liveListen')}
          </label>
          {activeJobs.length > 0 && (
            <button type="button" className="btn" onClick={() => void studio().cancelAll()}>
              <Icon name="stop" size={14} />
              {t('studio.cancelAll')}
            </button>
          )}
          {staleCount > 0 && staleCount < lines.length && (
            <button type="button" className="btn" onClick={() => void studio().generate(undefined, 'stale')}>
              <Icon name="sparkle" size={15} />
              {t('studio.generateStale', { count: staleCount })}
            </button>
          )}
          {selectedIds.length > 0 && (
            <button type="button" className="btn" onClick={() => void studio().generate(selectedIds)}>
              <Icon name="sparkle" size={15} />
              {t('studio.generateSelection', { count: selectedIds.length })}
            </button>
          )}
          <button
            type="button"
            className="btn btn-primary"
            title={t('studio.generateAllHint', { shortcut: 'Ctrl+Shift+Enter' })}
            disabled={lines.length === 0}
            onClick={() => void studio().generate()}
          >
            <Icon name="sparkle" size={16} />
            {t('studio.generateAll')}
          </button>
        </div>
        <div className="studio-summary">
          <span className="muted">
            {t.plural('projects.lines', lines.length)} · {t('status.done')} {ready}/{lines.length}
          </span>
          <button
            type="button"
            className="link-btn"
            aria-pressed={density === 'compact'}
            title={t('studioUx.compactHint')}
            onClick={() => {
              setDensity(density === 'compact' ? 'comfortable' : 'compact');
              requestAnimationFrame(() => virtualizer.measure());
            }}
          >
            {t('studioUx.compact')}
          </button>
          {!onlyFlagged && <ChapterMenu chapters={chapters} onPick={goToChapter} />}
          <ScriptSearch
            lines={searchable}
            onShow={showSearchHit}
            onLeave={(lineId) => lineId && studio().requestFocus(lineId, 'row')}
          />
          {(flaggedCount > 0 || onlyFlagged) && (
            <button
              type="button"
              className="link-btn"
              aria-pressed={onlyFlagged}
              onClick={() => {
                setOnlyFlagged(!onlyFlagged);
                requestAnimationFrame(() => virtualizer.measure());
              }}
            >
              {onlyFlagged ? t('qc.filterOff') : t('qc.filter', { count: flaggedCount })}
            </button>
          )}
          {selectedIds.length > 0 && (
            <button type="button" className="link-btn" onClick={() => studio().clearSelection()}>
              {t('studio.clearSelection', { count: selectedIds.length })}
            </button>
          )}
          {overall !== null && (
            <div
              className="progress progress-overall"
              role="progressbar"
              aria-label={t('studio.generateAll')}
              aria-valuemin={0}
              aria-valuemax={100}
              aria-valuenow={overall}
            >
              <div className="progress-bar" style={{ width: `${Math.max(2, overall)}%` }} />
            </div>
          )}
        </div>
      </header>

      <div className="studio-body">
        <section className="studio-scroll" ref={scrollRef} aria-label={t('studioUx.script')}>
          {lines.length === 0 ? (
            <EmptyState
              icon="edit"
              title={t('studio.emptyTitle')}
              action={
                <button type="button" className="btn btn-primary" onClick={() => void studio().addLine()}>
                  <Icon name="plus" size={16} />
                  {t('studio.emptyAction')}
                </button>
              }
            >
              {t('studio.emptyBody')}
            </EmptyState>
          ) : (
            <>
              {onlyFlagged && rows.length === 0 && <p className="muted qc-filter-empty">{t('qc.filterEmpty')}</p>}
              <ol
                className={`lines${density === 'compact' ? ' compact' : ''}`}
                aria-label={t('studio.linesLabel')}
                style={{ height: virtualizer.getTotalSize() }}
                onDragLeave={(e) => e.currentTarget === e.target && setDrop(null)}
              >
                {virtualItems.map((v) => {
                  const row = rows[v.index];
                  if (row.kind === 'chapter')
                    return (
                      <li
                        key={v.key}
                        ref={virtualizer.measureElement}
                        data-index={v.index}
                        className="line-slot chapter-slot"
                        style={{ transform: `translateY(${v.start}px)` }}
                      >
                        <h2 className="chapter-heading">
                          <Icon name="book" size={14} />
                          {row.title}
                        </h2>
                      </li>
                    );
                  const { line, index: i } = row;
                  return (
                    <li
                      key={v.key}
                      ref={virtualizer.measureElement}
                      data-index={v.index}
                      className={`line-slot${searchHit === line.id ? ' search-hit' : ''}`}
                      style={{ transform: `translateY(${v.start}px)` }}
                    >
                      <LineRow
                        line={line}
                        index={i}
                        count={lines.length}
                        text={drafts[line.id] ?? line.text}
                        job={jobs[line.id]}
                        saveError={saveErrors[line.id]}
                        dragging={dragId === line.id}
                        dropEdge={drop && drop.index === i && dragId !== line.id ? drop.edge : null}
                        onDragOverRow={onDragOverRow}
                        onDropRow={onDropRow}
                        onDragEndRow={onDragEndRow}
                        onDragStartRow={setDragId}
                        selected={!!selected[line.id]}
                        current={current === line.id}
                        tabStop={tabLineId === line.id}
                        playing={playingLine === line.id}
                      />
                    </li>
                  );
                })}
              </ol>
              <div className="lines-footer">
                <button
                  type="button"
                  className="btn btn-dashed"
                  disabled={lines.length >= LIMITS.linesPerProjectMax}
                  onClick={() => void studio().addLine()}
                >
                  <Icon name="plus" size={16} />
                  {t('studio.addLine')}
                </button>
                <p className="hint">{t('studio.shortcuts')}</p>
              </div>
            </>
          )}
        </section>
        <aside className="studio-side" aria-label={t('studio.sidePanels')}>
          <QueuePanel />
          <SpeakersPanel />
          <TakesPanel />
        </aside>
      </div>
      <Timeline />
      <ShortcutsDialog open={shortcutsOpen} onClose={() => setShortcutsOpen(false)} />
      <ImportDialog
        open={importOpen}
        file={importFile}
        onClose={() => {
          setImportOpen(false);
          setImportFile(null);
        }}
      />
      <ExportDialog open={exportOpen} onClose={() => setExportOpen(false)} />
      <DictionaryDialog open={dictOpen} onClose={() => setDictOpen(false)} />
    </section>
  );
}

/** The project name as an editable heading (Enter or blur saves, Escape reverts). */
function ProjectTitle({ name }: { name: string }) {
  const t = useT();
  const [value, setValue] = useState(name);
  const ref = useRef<HTMLInputElement>(null);
  const commit = async () => {
    const next = value.trim();
    if (!next || next === name) {
      setValue(name);
      return;
    }
    const ok = await useStudio.getState().renameProject(next);
    if (!ok) setValue(name);
  };
  return (
    <h1 id="studio-title" className="studio-title">
      <input
        ref={ref}
        className="title-input"
        value={value}
        maxLength={LIMITS.projectNameMax}
        aria-label={t('studio.projectNameLabel')}
        onChange={(e) => setValue(e.target.value)}
        onBlur={() => void commit()}
        onKeyDown={(e) => {
          if (e.key === 'Enter') ref.current?.blur();
          if (e.key === 'Escape') {
            setValue(name);
            requestAnimationFrame(() => ref.current?.blur());
          }
        }}
      />
    </h1>
  );
}
