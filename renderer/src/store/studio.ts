import { create } from 'zustand';
import type {
  DictionaryEntry,
  Job,
  Line,
  MethodInput,
  ProjectDetail,
  SynthesisOptions,
} from '../../../preload/contract/index.js';

export type ScriptSource = MethodInput<'script.import'>['source'];
export type MixBed = NonNullable<MethodInput<'projects.setMix'>['musicBed']>;
import { api, errorMessage, isApiError } from '../api';
import { currentT } from '../i18n/useT';
import { isReplaying, useHistory } from './history';
import { announce, toast, useToasts } from './toasts';

export type SaveState = 'pending' | 'saving' | 'error';
export type FocusCaret = 'start' | 'end' | 'keep' | 'row';

/**
 * A line as the studio shows it. `key` stays the same when a line created optimistically (id `tmp-…`, `pending`)
 * receives its server id, so the row keeps its DOM node and keyboard focus while the user types on.
 */
export type StudioLine = Line & { key: string; pending?: boolean };
export const isTempId = (id: string) => id.startsWith('tmp-');
export type ProjectHeader = Omit<ProjectDetail, 'lines'>;

interface StudioState {
  projectId: string | null;
  project: ProjectHeader | null;
  /** Visible lines in order (lines waiting for their delete to commit are hidden). */
  lines: StudioLine[];
  /** Unsaved local text by line id: shown instead of the server copy until acknowledged. */
  drafts: Record<string, string>;
  save: Record<string, SaveState>;
  saveErrors: Record<string, string>;
  /** The latest job of each line. */
  jobs: Record<string, Job>;
  status: 'idle' | 'loading' | 'ready' | 'error';
  error: string | null;
  /**
   * Ask a line row to take keyboard focus (after add/delete/move). `row` focuses the line card itself (J/K, arrow keys
   * between lines): navigation never puts the caret in the text, so the next key cannot type into the script.
   */
  focus: { lineId: string; caret: FocusCaret; n: number } | null;
  /** The line the episode preview is playing (the script follows it). */
  playingLine: string | null;
  setPlayingLine(lineId: string | null): void;
  /** Ask the script list to scroll a line into view (a click on the timeline). */
  reveal: { lineId: string; n: number } | null;
  revealLine(lineId: string): void;
  /** The line the user is on (last focused or clicked): target of Space, Ctrl+Enter, Ctrl+L, J/K. */
  current: string | null;
  /** Lines selected for "Generate selection" (checkboxes, Shift/Ctrl+click). */
  selected: Record<string, true>;
  /** Speakers of the project (mapped ones first, then names only used on lines). */
  speakerNames: string[];
  /** Anchor of Shift+click range selection. */
  anchor: string | null;

  open(projectId: string): Promise<void>;
  close(): void;
  refresh(withJobs?: boolean): Promise<void>;
  renameProject(name: string): Promise<boolean>;
  setProjectVoice(voiceId: string | null): Promise<void>;
  setProjectOptions(options: SynthesisOptions): Promise<void>;
  addLine(position?: number, text?: string): Promise<string | null>;
  editText(lineId: string, text: string): void;
  setLineVoice(lineId: string, voiceId: string | null): Promise<void>;
  move(lineId: string, toIndex: number): Promise<void>;
  deleteLine(lineId: string, opts?: { undo?: boolean }): void;
  /** Generate lines: the given ones (selection), or the project's `all` / `stale` lines (locked ones skipped). */
  generate(lineIds?: string[], scope?: 'all' | 'stale' | 'selection'): Promise<void>;
  /** The batch of the latest generate call (the queue panel shows it). */
  batchId: string | null;
  cancelBatch(): Promise<void>;
  /** Jobs of this project interrupted by a crash or quit and not resumed (the queue offers to resume them). */
  interrupted: number;
  loadInterrupted(): Promise<void>;
  /** Re-queue the project's interrupted jobs (in their order and batch); lines changed since are skipped. */
  resumeInterrupted(): Promise<void>;
  setLineSpeaker(lineId: string, speaker: string | null): Promise<void>;
  setSpeakers(speakers: { name: string; voiceId: string | null }[]): Promise<boolean>;
  setDictionary(entries: DictionaryEntry[]): Promise<string | null>;
  setMix(mix: { gapMs?: number; musicBed?: MixBed | null }): Promise<boolean>;
  setActiveTake(lineId: string, takeId: string): Promise<void>;
  deleteTakes(lineId: string, takeIds: string[]): Promise<boolean>;
  importScript(source: ScriptSource, mode: 'append' | 'replace', split?: 'turn' | 'sentence'): Promise<string | null>;
  /** Bumped whenever takes of a line change (the takes panel reloads). */
  takesRev: number;
  cancel(lineId: string): Promise<void>;
  cancelAll(): Promise<void>;
  applyJob(job: Job): void;
  flushSaves(lineIds?: string[]): Promise<boolean>;
  retrySaves(): void;
  requestFocus(lineId: string, caret?: FocusCaret): void;
  setCurrent(lineId: string): void;
  /** Split a line at a caret position into two lines (the first keeps the takes). */
  split(lineId: string, at: number): Promise<void>;
  /** Merge a line into the one before it. */
  merge(lineId: string): Promise<void>;
  toggleLock(lineId: string): Promise<void>;
  /** `toggle`: flip one line; `range`: select from the anchor to this line; `only`: select just this one. */
  select(lineId: string, mode: 'toggle' | 'range' | 'only'): void;
  clearSelection(): void;
}

// ------------------------------------------------------------------------------------------------------------
// Drafts in localStorage: written on every keystroke, removed once the server acknowledged the same text.
// ------------------------------------------------------------------------------------------------------------

interface StoredDraft {
  projectId: string;
  text: string;
  at: string;
}
const DRAFT_PREFIX = 'timbre.draft.';

function writeDraft(lineId: string, d: StoredDraft) {
  try {
    localStorage.setItem(DRAFT_PREFIX + lineId, JSON.stringify(d));
  } catch {
    // quota or disabled storage: the in-memory draft still gets saved
  }
}
function clearDraft(lineId: string) {
  try {
    localStorage.removeItem(DRAFT_PREFIX + lineId);
  } catch {
    // ignore
  }
}
function draftsOf(projectId: string): Map<string, StoredDraft> {
  const out = new Map<string, StoredDraft>();
  try {
    for (let i = 0; i < localStorage.length; i++) {
      const key = localStorage.key(i);
      if (!key?.startsWith(DRAFT_PREFIX)) continue;
      const d = JSON.parse(localStorage.getItem(key) ?? 'null') as StoredDraft | null;
      if (d && d.projectId === projectId && typeof d.text === 'string') out.set(key.slice(DRAFT_PREFIX.length), d);
    }
  } catch {
    // ignore
  }
  return out;
}

export const SAVE_DELAY_MS = 400;
const ACTIVE: Job['status'][] = ['queued', 'running'];
export const isActive = (job: Job | undefined) => !!job && ACTIVE.includes(job.status);

const saveTimers = new Map<string, number>();
const inflight = new Map<string, Promise<void>>();
const retryTimers = new Map<string, number>();
const pendingDeletes = new Map<string, { line: StudioLine; index: number; timer: number; toastId: number }>();
let addQueue: Promise<unknown> = Promise.resolve();
let orderQueue: Promise<unknown> = Promise.resolve();
let tempSeq = 0;
let reordering = 0;
let refreshTimer: number | undefined;
let focusN = 0;

/**
 * Lines re-created by undo get a new id when the server cannot restore the old one; commands recorded earlier resolve
 * their line ids through this map.
 */
const aliases = new Map<string, string>();
export const resolveId = (id: string): string => {
  let cur = id;
  for (let i = 0; i < 50 && aliases.has(cur); i++) cur = aliases.get(cur)!;
  return cur;
};
const lineNo = (lineId: string) => useStudio.getState().lines.findIndex((l) => l.id === lineId) + 1;
const record = (
  label: string,
  undo: () => Promise<unknown> | void,
  redo: () => Promise<unknown> | void,
  key?: string,
) =>
  useHistory.getState().push({
    label,
    key,
    undo: async () => {
      await undo();
    },
    redo: async () => {
      await redo();
    },
  });

const omit = <T>(rec: Record<string, T>, key: string): Record<string, T> => {
  if (!(key in rec)) return rec;
  const { [key]: _drop, ...rest } = rec;
  return rest;
};

export const useStudio = create<StudioState>((set, get) => {
  const setSave = (lineId: string, state: SaveState | null, error?: string) =>
    set((s) => ({
      save: state ? { ...s.save, [lineId]: state } : omit(s.save, lineId),
      saveErrors: error ? { ...s.saveErrors, [lineId]: error } : omit(s.saveErrors, lineId),
    }));

  const dropLineLocally = (lineId: string) => {
    window.clearTimeout(saveTimers.get(lineId));
    saveTimers.delete(lineId);
    clearDraft(lineId);
    set((s) => ({
      lines: s.lines.filter((l) => l.id !== lineId),
      drafts: omit(s.drafts, lineId),
      save: omit(s.save, lineId),
      saveErrors: omit(s.saveErrors, lineId),
    }));
  };

  /** Send the current draft of a line; one request per line at a time. */
  async function saveNow(lineId: string): Promise<void> {
    if (isTempId(lineId)) return; // saved when its creation returns
    window.clearTimeout(saveTimers.get(lineId));
    saveTimers.delete(lineId);
    window.clearTimeout(retryTimers.get(lineId));
    retryTimers.delete(lineId);
    const running = inflight.get(lineId);
    if (running) {
      await running;
      if (get().drafts[lineId] !== undefined && get().save[lineId] !== 'error') return saveNow(lineId);
      return;
    }
    const text = get().drafts[lineId];
    if (text === undefined) return;
    setSave(lineId, 'saving');
    const p = (async () => {
      try {
        const line = await api().call('lines.update', { id: lineId, text });
        const s = get();
        const stillSame = s.drafts[lineId] === text;
        if (stillSame) clearDraft(lineId);
        set((st) => ({
          lines: st.lines.map((l) => (l.id === lineId ? { ...l, ...line } : l)),
          drafts: stillSame ? omit(st.drafts, lineId) : st.drafts,
        }));
        setSave(lineId, stillSame ? null : 'pending');
      } catch (err) {
        if (isApiError(err, 'NOT_FOUND') && get().projectId) {
          // The line is gone on the server (deleted elsewhere): nothing left to save into.
          dropLineLocally(lineId);
          return;
        }
        setSave(lineId, 'error', errorMessage(err));
        if (!isApiError(err, 'INVALID_INPUT')) {
          retryTimers.set(
            lineId,
            window.setTimeout(() => void saveNow(lineId), 5000),
          );
        }
      }
    })();
    inflight.set(lineId, p);
    try {
      await p;
    } finally {
      inflight.delete(lineId);
    }
  }

  const scheduleSave = (lineId: string) => {
    window.clearTimeout(saveTimers.get(lineId));
    saveTimers.set(
      lineId,
      window.setTimeout(() => void saveNow(lineId), SAVE_DELAY_MS),
    );
    if (get().save[lineId] !== 'saving') setSave(lineId, 'pending');
  };

  const commitDelete = async (lineId: string) => {
    const pending = pendingDeletes.get(lineId);
    if (!pending) return;
    pendingDeletes.delete(lineId);
    window.clearTimeout(pending.timer);
    try {
      await api().call('lines.delete', { id: lineId });
    } catch (err) {
      if (isApiError(err, 'NOT_FOUND')) return;
      toast.error(errorMessage(err));
      void get().refresh();
    }
  };

  const flushDeletes = () => {
    for (const [lineId, p] of [...pendingDeletes]) {
      useToasts.getState().dismiss(p.toastId);
      void commitDelete(lineId);
    }
  };

  /**
   * Send the on-screen order (lines awaiting deletion go last). Calls go one at a time, each reading the order when it
   * is sent: two quick moves used to send two concurrent `lines.reorder` requests, and when the server handled the
   * second before the first, the first move's (older) order won and the last move was lost.
   */
  const syncOrder = (projectId: string): Promise<void> => {
    const send = async () => {
      const lineIds = [
        ...get()
          .lines.filter((l) => !l.pending)
          .map((l) => l.id),
        ...pendingDeletes.keys(),
      ];
      await api().call('lines.reorder', { projectId, lineIds });
    };
    const p = orderQueue.then(send, send);
    orderQueue = p.catch(() => undefined);
    return p;
  };

  const mergeServer = (detail: ProjectDetail) => {
    const { lines: serverLines, ...header } = detail;
    const hidden = new Set(pendingDeletes.keys());
    set((s) => {
      const keyOf = new Map(s.lines.map((l) => [l.id, l.key]));
      const incoming: StudioLine[] = serverLines
        .filter((l) => !hidden.has(l.id))
        .sort((a, b) => a.position - b.position)
        .map((l) => ({ ...l, key: keyOf.get(l.id) ?? l.id }));
      let lines = incoming;
      if (reordering > 0) {
        // Keep the order the user just chose until the reorder call returns.
        const byId = new Map(incoming.map((l) => [l.id, l]));
        const kept = s.lines.map((l) => byId.get(l.id)).filter((l): l is StudioLine => !!l);
        const extra = incoming.filter((l) => !s.lines.some((x) => x.id === l.id));
        lines = [...kept, ...extra];
      }
      // Lines still being created keep their place.
      s.lines.forEach((l, i) => {
        if (l.pending) lines.splice(Math.min(i, lines.length), 0, l);
      });
      return { project: header, lines };
    });
  };

  /**
   * Forget failed jobs once something that could fix them changed (project voice, speaker voices): the "Failed" chip
   * must not outlive its cause. Line-level changes need no call: the line's newer `updatedAt` hides the failure.
   */
  const clearFailed = () =>
    set((s) => {
      const failed = Object.keys(s.jobs).filter((id) => s.jobs[id].status === 'failed');
      if (!failed.length) return {};
      const jobs = { ...s.jobs };
      // The server moved the project's `inputsChangedAt` past these failures; mirror that so a later jobs refresh
      // (reconnect) does not bring them back before the next reload reads the server's value.
      let at = new Date().toISOString();
      for (const id of failed) {
        if (s.jobs[id].updatedAt > at) at = s.jobs[id].updatedAt;
        delete jobs[id];
      }
      return { jobs, project: s.project && { ...s.project, inputsChangedAt: at } };
    });

  const patchLine = (lineId: string, patch: Partial<Line>) =>
    set((s) => ({ lines: s.lines.map((l) => (l.id === lineId ? { ...l, ...patch } : l)) }));

  const setLocked = async (lineId: string, locked: boolean) => {
    const line = get().lines.find((l) => l.id === lineId);
    if (!line || line.locked === locked) return;
    await get().toggleLock(lineId);
  };

  /** Bring back a line whose delete has not been sent yet. */
  const restorePending = (lineId: string) => {
    const p = pendingDeletes.get(lineId);
    if (!p) return;
    pendingDeletes.delete(lineId);
    window.clearTimeout(p.timer);
    useToasts.getState().dismiss(p.toastId);
    set((s) => {
      const next = [...s.lines];
      next.splice(Math.min(p.index, next.length), 0, p.line);
      return { lines: next, focus: { lineId, caret: 'end', n: ++focusN } };
    });
  };

  /** Re-create a deleted line at its old place (undo of a delete that reached the server). */
  const recreate = async (line: StudioLine, index: number) => {
    const projectId = get().projectId;
    if (!projectId) return;
    try {
      // The server keeps deleted lines' takes aside: restore brings the line back with its id and takes.
      const [back] = await api().call('lines.restore', { ids: [line.id] });
      if (back) {
        await get().refresh();
        set({ focus: { lineId: back.id, caret: 'end', n: ++focusN } });
        return;
      }
    } catch (err) {
      if (!isApiError(err, 'NOT_FOUND')) {
        toast.error(errorMessage(err));
        return;
      }
    }
    try {
      const created = await api().call('lines.add', { projectId, text: line.text, position: index });
      let restored = created;
      if (line.voiceId || Object.keys(line.options).length > 0)
        restored = await api().call('lines.update', { id: created.id, voiceId: line.voiceId, options: line.options });
      aliases.set(line.id, restored.id);
      set((s) => {
        const next = s.lines.filter((l) => l.id !== restored.id);
        next.splice(Math.min(index, next.length), 0, { ...restored, key: line.key });
        return { lines: next, focus: { lineId: restored.id, caret: 'end', n: ++focusN } };
      });
    } catch (err) {
      toast.error(errorMessage(err));
    }
  };

  return {
    projectId: null,
    project: null,
    lines: [],
    drafts: {},
    save: {},
    saveErrors: {},
    jobs: {},
    status: 'idle',
    error: null,
    focus: null,
    current: null,
    selected: {},
    anchor: null,
    batchId: null,
    interrupted: 0,
    takesRev: 0,
    speakerNames: [],
    playingLine: null,
    reveal: null,

    setPlayingLine(lineId) {
      if (get().playingLine !== lineId) set({ playingLine: lineId });
    },

    revealLine(lineId) {
      set({ reveal: { lineId, n: ++focusN } });
    },

    async open(projectId) {
      if (get().projectId === projectId && get().status === 'ready') return get().refresh(true);
      if (get().projectId && get().projectId !== projectId) get().close();
      set({
        projectId,
        project: null,
        lines: [],
        drafts: {},
        save: {},
        saveErrors: {},
        jobs: {},
        interrupted: 0,
        status: 'loading',
        error: null,
        current: null,
        selected: {},
        anchor: null,
      });
      useHistory.getState().clear();
      try {
        const [detail, jobs] = await Promise.all([
          api().call('projects.get', { id: projectId }),
          api().call('jobs.list', { projectId }),
        ]);
        if (get().projectId !== projectId) return;
        mergeServer(detail);
        const sorted = [...jobs].sort((a, b) => a.createdAt.localeCompare(b.createdAt));
        for (const job of sorted) get().applyJob(job);
        // The queue re-attaches to the latest batch (running, or finished recently).
        set({ batchId: sorted.findLast((j) => j.batchId)?.batchId ?? null });
        // Re-apply drafts that never reached the server (crash, closed window, lost connection).
        const stored = draftsOf(projectId);
        const drafts: Record<string, string> = {};
        let restored = 0;
        for (const [lineId, d] of stored) {
          const line = detail.lines.find((l) => l.id === lineId);
          if (!line || d.text === line.text || Date.parse(d.at) <= Date.parse(line.updatedAt)) {
            clearDraft(lineId);
            continue;
          }
          drafts[lineId] = d.text;
          restored++;
        }
        set({ drafts, status: 'ready' });
        void get().loadInterrupted();
        for (const lineId of Object.keys(drafts)) void saveNow(lineId);
        if (restored) toast.info(messages.restored(restored));
      } catch (err) {
        if (get().projectId !== projectId) return;
        set({ status: 'error', error: errorMessage(err) });
      }
    },

    close() {
      flushDeletes();
      void get().flushSaves();
      window.clearTimeout(refreshTimer);
      set({ projectId: null, project: null, lines: [], jobs: {}, status: 'idle', error: null });
    },

    async refresh(withJobs = false) {
      const projectId = get().projectId;
      if (!projectId) return;
      try {
        const [detail, jobs] = await Promise.all([
          api().call('projects.get', { id: projectId }),
          withJobs ? api().call('jobs.list', { projectId }) : Promise.resolve([]),
        ]);
        if (get().projectId !== projectId) return;
        mergeServer(detail);
        for (const job of [...jobs].sort((a, b) => a.createdAt.localeCompare(b.createdAt))) get().applyJob(job);
        if (withJobs) void get().loadInterrupted();
      } catch (err) {
        if (isApiError(err, 'NOT_FOUND')) return; // project.deleted handles it
        console.warn('refresh failed', err);
      }
    },

    async renameProject(name) {
      const { projectId } = get();
      if (!projectId) return false;
      try {
        const p = await api().call('projects.rename', { id: projectId, name });
        set((s) => ({ project: s.project ? { ...s.project, name: p.name, updatedAt: p.updatedAt } : s.project }));
        return true;
      } catch (err) {
        toast.error(errorMessage(err));
        return false;
      }
    },

    async setProjectOptions(options) {
      const { projectId, project } = get();
      if (!projectId || !project) return;
      set({ project: { ...project, options } });
      try {
        await api().call('projects.setOptions', { id: projectId, options });
        clearFailed();
      } catch (err) {
        set((s) => ({ project: s.project ? { ...s.project, options: project.options } : s.project }));
        toast.error(errorMessage(err));
      }
    },

    async setProjectVoice(voiceId) {
      const { projectId, project } = get();
      if (!projectId || !project) return;
      set({ project: { ...project, voiceId } });
      try {
        const p = await api().call('projects.setVoice', { id: projectId, voiceId });
        // A project without a chosen language takes its first voice's (the core decides; see projects.setVoice).
        set((s) =>
          s.project && s.project.language !== p.language ? { project: { ...s.project, language: p.language } } : {},
        );
        clearFailed();
      } catch (err) {
        set((s) => ({ project: s.project ? { ...s.project, voiceId: project.voiceId } : s.project }));
        toast.error(errorMessage(err));
      }
    },

    addLine(position, text = '') {
      const { projectId } = get();
      if (!projectId) return Promise.resolve(null);
      // Show and focus the new line at once; the server call follows (queued, so positions stay consistent).
      const tempId = `tmp-${++tempSeq}`;
      const temp: StudioLine = {
        id: tempId,
        key: tempId,
        pending: true,
        options: {},
        projectId,
        position: 0,
        text,
        voiceId: null,
        activeTakeId: null,
        activeTake: null,
        // A line added after another (Enter at its end) continues that speaker's part.
        speaker: position !== undefined && position > 0 ? (get().lines[position - 1]?.speaker ?? null) : null,
        locked: false,
        stale: false,
        staleReasons: [],
        chapter: null,
        qc: null,
        retake: null,
        parsed: { empty: text.trim() === '', tagsOnly: false, pauseSeconds: 0, speed: null, gainDb: null, errors: [] },
        updatedAt: new Date().toISOString(),
      };
      set((s) => {
        const lines = [...s.lines];
        lines.splice(position === undefined ? lines.length : Math.min(position, lines.length), 0, temp);
        return { lines, focus: { lineId: tempId, caret: 'end', n: ++focusN } };
      });
      const run = async (): Promise<string | null> => {
        const index = get().lines.findIndex((l) => l.id === tempId);
        if (index < 0 || get().projectId !== projectId) return null; // deleted before it was created
        const sentText = get().drafts[tempId] ?? text;
        try {
          const line = await api().call('lines.add', {
            projectId,
            text: sentText,
            position: index,
            speaker: temp.speaker,
          });
          const s = get();
          if (s.projectId !== projectId) return null;
          if (!s.lines.some((l) => l.id === tempId)) {
            // Removed while the call was in flight.
            void api()
              .call('lines.delete', { id: line.id })
              .catch(() => undefined);
            return null;
          }
          const draft = s.drafts[tempId];
          set((st) => {
            const drafts = omit(st.drafts, tempId);
            if (draft !== undefined && draft !== line.text) drafts[line.id] = draft;
            return {
              lines: st.lines.map((l) => (l.id === tempId ? { ...line, key: l.key } : l)),
              drafts,
              save: omit(st.save, tempId),
              focus: st.focus?.lineId === tempId ? { lineId: line.id, caret: 'keep', n: st.focus.n } : st.focus,
            };
          });
          if (draft !== undefined && draft !== line.text) {
            writeDraft(line.id, { projectId, text: draft, at: new Date().toISOString() });
            scheduleSave(line.id);
          }
          if (pendingDeletes.size > 0) await syncOrder(projectId);
          const created = line.id;
          record(
            currentT()('history.add', { n: lineNo(created) }),
            () => get().deleteLine(resolveId(created), { undo: false }),
            async () => {
              const gone = get().lines.find((l) => l.id === resolveId(created));
              if (!gone) await recreate({ ...line, text: '', key: line.id }, index);
            },
          );
          return line.id;
        } catch (err) {
          set((st) => ({
            lines: st.lines.filter((l) => l.id !== tempId),
            drafts: omit(st.drafts, tempId),
            save: omit(st.save, tempId),
          }));
          toast.error(errorMessage(err));
          return null;
        }
      };
      const result = addQueue.then(run, run);
      addQueue = result;
      return result;
    },

    editText(lineId, text) {
      const { projectId } = get();
      if (!projectId) return;
      const line = get().lines.find((l) => l.id === lineId);
      const before = get().drafts[lineId] ?? line?.text;
      if (line && before !== undefined && before !== text && !isReplaying()) {
        const put = (value: string) => {
          const id = resolveId(lineId);
          get().editText(id, value);
          get().requestFocus(id, 'end');
        };
        record(
          currentT()('history.editText', { n: lineNo(lineId) }),
          () => put(before),
          () => put(text),
          `text:${lineId}`,
        );
      }
      set((s) => ({ drafts: { ...s.drafts, [lineId]: text } }));
      if (isTempId(lineId)) {
        setSave(lineId, 'pending'); // saved once the line exists on the server
        return;
      }
      writeDraft(lineId, { projectId, text, at: new Date().toISOString() });
      scheduleSave(lineId);
    },

    async setLineVoice(lineId, voiceId) {
      const before = get().lines.find((l) => l.id === lineId);
      if (!before) return;
      set((s) => ({ lines: s.lines.map((l) => (l.id === lineId ? { ...l, voiceId } : l)) }));
      try {
        const line = await api().call('lines.update', { id: lineId, voiceId });
        patchLine(lineId, line);
        record(
          currentT()('history.voice', { n: lineNo(lineId) }),
          () => get().setLineVoice(resolveId(lineId), before.voiceId),
          () => get().setLineVoice(resolveId(lineId), voiceId),
        );
      } catch (err) {
        set((s) => ({ lines: s.lines.map((l) => (l.id === lineId ? { ...l, voiceId: before.voiceId } : l)) }));
        toast.error(errorMessage(err));
      }
    },

    async move(lineId, toIndex) {
      const { projectId, lines } = get();
      const from = lines.findIndex((l) => l.id === lineId);
      if (!projectId || from < 0 || lines.some((l) => l.pending)) return;
      const to = Math.max(0, Math.min(lines.length - 1, toIndex));
      if (to === from) return;
      const next = [...lines];
      const [moved] = next.splice(from, 1);
      next.splice(to, 0, moved);
      set({ lines: next.map((l, i) => ({ ...l, position: i })) });
      reordering++;
      try {
        await syncOrder(projectId);
      } catch (err) {
        toast.error(errorMessage(err));
        reordering--;
        await get().refresh();
        return;
      }
      reordering--;
      record(
        currentT()('history.move', { n: to + 1 }),
        () => get().move(resolveId(lineId), from),
        () => get().move(resolveId(lineId), to),
      );
    },

    deleteLine(lineId, { undo = true } = {}) {
      const { lines } = get();
      const index = lines.findIndex((l) => l.id === lineId);
      if (index < 0) return;
      const line = { ...lines[index], text: get().drafts[lineId] ?? lines[index].text };
      set((s) => ({ lines: s.lines.filter((l) => l.id !== lineId) }));
      const neighbour = get().lines[Math.max(0, index - 1)];
      if (neighbour) get().requestFocus(neighbour.id, 'end');
      if (isTempId(lineId)) {
        set((s) => ({ drafts: omit(s.drafts, lineId), save: omit(s.save, lineId) }));
        return;
      }
      record(
        currentT()('history.delete', { n: index + 1 }),
        async () => {
          const id = resolveId(lineId);
          if (get().lines.some((l) => l.id === id)) return; // already brought back (toast "Undo")
          if (pendingDeletes.has(id)) restorePending(id);
          else await recreate(line, index);
        },
        () => get().deleteLine(resolveId(lineId), { undo: false }),
      );
      if (!undo) {
        pendingDeletes.set(lineId, { line, index, timer: 0, toastId: 0 });
        void commitDelete(lineId);
        return;
      }
      const toastId = useToasts.getState().push({
        kind: 'info',
        message: messages.deleted(index + 1),
        action: { label: messages.undo(), run: () => restorePending(lineId) },
        timeout: 6000,
      });
      const timer = window.setTimeout(() => void commitDelete(lineId), 6500);
      pendingDeletes.set(lineId, { line, index, timer, toastId });
    },

    async generate(lineIds, scope) {
      const { projectId, lines, drafts, jobs } = get();
      if (!projectId) return;
      const sc = scope ?? (lineIds ? 'selection' : 'all');
      let ids: string[] | undefined;
      if (sc === 'selection') {
        const wanted = lines.filter((l) => (lineIds ?? []).includes(l.id));
        const candidates = wanted.filter((l) => !l.pending && !isActive(jobs[l.id]));
        const targets = candidates.filter((l) => (drafts[l.id] ?? l.text).trim() !== '');
        if (targets.length === 0) {
          if (candidates.length > 0 || wanted.length === 0) toast.info(messages.nothing());
          return;
        }
        ids = targets.map((l) => l.id);
      } else if (lines.every((l) => (drafts[l.id] ?? l.text).trim() === '')) {
        toast.info(messages.nothing());
        return;
      }
      // The engine must speak what is on screen: push pending edits first.
      const saved = await get().flushSaves(ids);
      if (!saved) {
        toast.error(messages.saveFirst());
        return;
      }
      try {
        const created = await api().call('jobs.generate', { projectId, lineIds: ids, scope: sc });
        const batchId = created.find((j) => j.batchId)?.batchId ?? null;
        if (batchId) set({ batchId });
        for (const job of created) get().applyJob(job);
        if (created.length === 0) toast.info(messages.nothing());
        else announce(messages.queued(created.length, 0));
      } catch (err) {
        toast.error(errorMessage(err));
      }
    },

    async loadInterrupted() {
      const projectId = get().projectId;
      if (!projectId) return;
      try {
        const r = await api().call('jobs.recovery', { projectId });
        if (get().projectId === projectId) set({ interrupted: r.interrupted });
      } catch (err) {
        console.warn('jobs.recovery failed', err);
      }
    },

    async resumeInterrupted() {
      const projectId = get().projectId;
      if (!projectId) return;
      try {
        const r = await api().call('jobs.resumeInterrupted', { projectId });
        if (get().projectId !== projectId) return;
        for (const job of r.jobs) get().applyJob(job);
        if (r.jobs.length) set({ batchId: r.jobs[r.jobs.length - 1].batchId ?? get().batchId });
        set({ interrupted: 0 });
        toast.info(messages.resumed(r.jobs.length, r.skipped.length));
        void get().refresh(true);
      } catch (err) {
        toast.error(errorMessage(err));
        void get().loadInterrupted();
      }
    },

    async cancelBatch() {
      const { batchId } = get();
      if (!batchId) return get().cancelAll();
      try {
        const jobs = await api().call('jobs.cancelBatch', { batchId });
        for (const job of jobs) get().applyJob(job);
      } catch (err) {
        toast.error(errorMessage(err));
      }
    },

    async setLineSpeaker(lineId, speaker) {
      const before = get().lines.find((l) => l.id === lineId);
      if (!before || before.speaker === speaker) return;
      patchLine(lineId, { speaker });
      try {
        const line = await api().call('lines.update', { id: lineId, speaker });
        patchLine(lineId, line);
        record(
          currentT()('history.speaker', { n: lineNo(lineId) }),
          () => get().setLineSpeaker(resolveId(lineId), before.speaker),
          () => get().setLineSpeaker(resolveId(lineId), speaker),
        );
      } catch (err) {
        patchLine(lineId, { speaker: before.speaker });
        toast.error(errorMessage(err));
      }
    },

    async setSpeakers(speakers) {
      const { projectId, project } = get();
      if (!projectId || !project) return false;
      const before = project.speakers.map((x) => ({ name: x.name, voiceId: x.voiceId }));
      try {
        const detail = await api().call('projects.setSpeakers', { id: projectId, speakers });
        mergeServer(detail);
        clearFailed();
        record(
          currentT()('history.speakers'),
          () => get().setSpeakers(before),
          () => get().setSpeakers(speakers),
        );
        return true;
      } catch (err) {
        toast.error(errorMessage(err));
        return false;
      }
    },

    async setDictionary(entries) {
      const { projectId, project } = get();
      if (!projectId || !project) return null;
      const before = project.dictionary;
      try {
        const detail = await api().call('projects.setDictionary', { id: projectId, entries });
        mergeServer(detail);
        record(
          currentT()('history.dictionary'),
          () => get().setDictionary(before),
          () => get().setDictionary(entries),
        );
        return null;
      } catch (err) {
        return errorMessage(err);
      }
    },

    async setMix(mix) {
      const { projectId, project } = get();
      if (!projectId || !project) return false;
      const before = project.gapMs;
      try {
        const detail = await api().call('projects.setMix', { id: projectId, ...mix });
        mergeServer(detail);
        if (mix.gapMs !== undefined && mix.gapMs !== before && mix.musicBed === undefined)
          record(
            currentT()('history.mix'),
            () => get().setMix({ gapMs: before }),
            () => get().setMix({ gapMs: mix.gapMs }),
            'mix:gap',
          );
        return true;
      } catch (err) {
        toast.error(errorMessage(err));
        return false;
      }
    },

    async setActiveTake(lineId, takeId) {
      const before = get().lines.find((l) => l.id === lineId);
      if (!before || before.activeTakeId === takeId) return;
      patchLine(lineId, { activeTakeId: takeId }); // the radio shows the choice at once
      try {
        const line = await api().call('takes.setActive', { lineId, takeId });
        patchLine(lineId, line);
        set((s) => ({ takesRev: s.takesRev + 1 }));
        const prev = before.activeTakeId;
        if (prev)
          record(
            currentT()('history.take', { n: lineNo(lineId) }),
            () => get().setActiveTake(resolveId(lineId), prev),
            () => get().setActiveTake(resolveId(lineId), takeId),
          );
      } catch (err) {
        patchLine(lineId, { activeTakeId: before.activeTakeId });
        toast.error(errorMessage(err));
      }
    },

    async deleteTakes(lineId, takeIds) {
      try {
        const res = await api().call('takes.delete', { ids: takeIds });
        for (const line of res.lines) patchLine(line.id, line);
        set((s) => ({ takesRev: s.takesRev + 1 }));
        void lineId;
        return true;
      } catch (err) {
        toast.error(errorMessage(err));
        return false;
      }
    },

    async importScript(source, mode, split = 'turn') {
      const { projectId, project, lines } = get();
      if (!projectId || !project) return null;
      const beforeIds = new Set(lines.map((l) => l.id));
      const oldIds = lines.filter((l) => !l.pending).map((l) => l.id);
      try {
        await get().flushSaves();
        const detail = await api().call('script.import', { projectId, source, mode, split });
        mergeServer(detail);
        const added = detail.lines.filter((l) => !beforeIds.has(l.id)).map((l) => l.id);
        record(
          currentT()('history.import'),
          async () => {
            if (added.length) await api().call('lines.deleteMany', { ids: added.map(resolveId) });
            if (mode === 'replace' && oldIds.length) await api().call('lines.restore', { ids: oldIds });
            await get().refresh();
          },
          async () => {
            if (mode === 'replace' && oldIds.length) await api().call('lines.deleteMany', { ids: oldIds });
            if (added.length) await api().call('lines.restore', { ids: added.map(resolveId) });
            await get().refresh();
          },
        );
        return null;
      } catch (err) {
        return errorMessage(err);
      }
    },

    async cancel(lineId) {
      const job = get().jobs[lineId];
      if (!job || !isActive(job)) return;
      try {
        const updated = await api().call('jobs.cancel', { id: job.id });
        get().applyJob(updated);
      } catch (err) {
        toast.error(errorMessage(err));
      }
    },

    async cancelAll() {
      const active = Object.values(get().jobs).filter(isActive);
      await Promise.all(active.map((j) => (j.lineId ? get().cancel(j.lineId) : undefined)));
    },

    applyJob(job) {
      if (!job.lineId || job.projectId !== get().projectId) return;
      const lineId = job.lineId;
      const prev = get().jobs[lineId];
      if (prev) {
        if (prev.id !== job.id && prev.createdAt > job.createdAt) return; // an older job of this line
        // A stale event after the end (an interrupted job comes back to life only by being resumed).
        if (prev.id === job.id && !isActive(prev) && prev.status !== 'interrupted' && isActive(job)) return;
        if (prev.id === job.id && prev.updatedAt > job.updatedAt) return;
      }
      set((s) => ({ jobs: { ...s.jobs, [lineId]: job } }));
      if (job.status === 'done' && (!prev || prev.status !== 'done' || prev.id !== job.id)) {
        // Fetch the new take soon (coalesced across a burst of finishing jobs).
        window.clearTimeout(refreshTimer);
        refreshTimer = window.setTimeout(() => void get().refresh(), 150);
        const all = Object.values(get().jobs);
        if (all.length > 1 && all.every((j) => !isActive(j)) && all.every((j) => j.status === 'done'))
          announce(messages.allDone());
      }
    },

    async flushSaves(lineIds) {
      const ids = (lineIds ?? Object.keys(get().drafts)).filter((id) => !isTempId(id));
      const pending = ids.filter((id) => get().drafts[id] !== undefined || inflight.has(id));
      await Promise.all(pending.map((id) => saveNow(id)));
      return ids.every((id) => get().drafts[id] === undefined);
    },

    retrySaves() {
      for (const id of Object.keys(get().drafts)) void saveNow(id);
    },

    requestFocus(lineId, caret = 'keep') {
      set({ focus: { lineId, caret, n: ++focusN }, current: lineId });
    },

    async split(lineId, at) {
      const line = get().lines.find((l) => l.id === lineId);
      if (!line || line.pending) return;
      const text = get().drafts[lineId] ?? line.text;
      if (at <= 0 || at >= text.length) return;
      if (!(await get().flushSaves([lineId]))) {
        toast.error(messages.saveFirst());
        return;
      }
      try {
        const [first, second] = await api().call('lines.split', { id: lineId, at });
        await get().refresh();
        get().requestFocus(second.id, 'start');
        let secondId = second.id;
        record(
          currentT()('history.split', { n: lineNo(first.id) }),
          async () => {
            await api().call('lines.merge', { ids: [resolveId(lineId), resolveId(secondId)] });
            await api().call('lines.update', { id: resolveId(lineId), text });
            await get().refresh();
            get().requestFocus(resolveId(lineId), 'end');
          },
          async () => {
            const [, again] = await api().call('lines.split', { id: resolveId(lineId), at });
            aliases.set(secondId, again.id);
            secondId = again.id;
            await get().refresh();
          },
        );
      } catch (err) {
        toast.error(errorMessage(err));
      }
    },

    async merge(lineId) {
      const { lines } = get();
      const index = lines.findIndex((l) => l.id === lineId);
      if (index <= 0 || lines[index].pending || lines[index - 1].pending) return;
      const prev = lines[index - 1];
      if (!(await get().flushSaves([prev.id, lineId]))) {
        toast.error(messages.saveFirst());
        return;
      }
      const prevText = get().lines[index - 1].text;
      try {
        await api().call('lines.merge', { ids: [prev.id, lineId] });
        await get().refresh();
        get().requestFocus(prev.id, 'end');
        record(
          currentT()('history.merge', { n: index + 1 }),
          async () => {
            await api().call('lines.update', { id: resolveId(prev.id), text: prevText });
            await api().call('lines.restore', { ids: [resolveId(lineId)] });
            await get().refresh();
          },
          async () => {
            await api().call('lines.merge', { ids: [resolveId(prev.id), resolveId(lineId)] });
            await get().refresh();
          },
        );
      } catch (err) {
        toast.error(errorMessage(err));
      }
    },

    async toggleLock(lineId) {
      const line = get().lines.find((l) => l.id === lineId);
      if (!line || line.pending) return;
      const locked = !line.locked;
      patchLine(lineId, { locked });
      // Recorded at once (like text): Ctrl+Z right after Ctrl+L undoes the lock even before the server answered.
      record(
        currentT()(locked ? 'history.lock' : 'history.unlock', { n: lineNo(lineId) }),
        () => setLocked(resolveId(lineId), !locked),
        () => setLocked(resolveId(lineId), locked),
      );
      try {
        patchLine(lineId, await api().call('lines.update', { id: lineId, locked }));
      } catch (err) {
        patchLine(lineId, { locked: !locked });
        toast.error(errorMessage(err));
      }
    },

    setCurrent(lineId) {
      if (get().current !== lineId) set({ current: lineId });
    },

    select(lineId, mode) {
      const { lines, anchor, selected } = get();
      if (mode === 'range' && anchor) {
        const a = lines.findIndex((l) => l.id === anchor);
        const b = lines.findIndex((l) => l.id === lineId);
        if (a >= 0 && b >= 0) {
          const next: Record<string, true> = { ...selected };
          for (let i = Math.min(a, b); i <= Math.max(a, b); i++) next[lines[i].id] = true;
          set({ selected: next });
          return;
        }
      }
      if (mode === 'only') {
        set({ selected: { [lineId]: true }, anchor: lineId });
        return;
      }
      set({ selected: selected[lineId] ? omit(selected, lineId) : { ...selected, [lineId]: true }, anchor: lineId });
    },

    clearSelection() {
      set({ selected: {}, anchor: null });
    },
  };
});

// Keep `speakerNames` in step with the project's speakers and the lines' speakers.
useStudio.subscribe((s, prev) => {
  if (s.lines === prev.lines && s.project?.speakers === prev.project?.speakers) return;
  const names: string[] = (s.project?.speakers ?? []).map((x) => x.name);
  const seen = new Set(names);
  for (const l of s.lines)
    if (l.speaker && !seen.has(l.speaker)) {
      seen.add(l.speaker);
      names.push(l.speaker);
    }
  if (names.length !== s.speakerNames.length || names.some((n, i) => n !== s.speakerNames[i]))
    useStudio.setState({ speakerNames: names });
});

/** Texts the store shows; the UI layer replaces them with translated ones (see i18n/useT.ts). */
export const messages = {
  nothing: () => 'There is nothing to generate: write some text first.',
  saveFirst: () => 'Your latest edits could not be saved, so nothing was generated.',
  queued: (n: number, skipped: number) => `${n} queued, ${skipped} skipped`,
  allDone: () => 'All lines are generated',
  deleted: (n: number) => `Line ${n} deleted`,
  undo: () => 'Undo',
  restored: (n: number) => `Restored ${n} unsaved edits`,
  resumed: (n: number, skipped: number) =>
    `Resumed ${n} interrupted jobs` + (skipped ? `; ${skipped} not resumed (line changed or deleted)` : ''),
};

/** Try to push unsaved edits when the window goes away (drafts stay in localStorage regardless). */
window.addEventListener('pagehide', () => {
  void useStudio.getState().flushSaves();
});
