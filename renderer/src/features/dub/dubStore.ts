/** The Dub view's store slice: the dubbing projects, the open one, its generation and the player's position. */
import { create } from 'zustand';
import type {
  DubExportFormat,
  DubExportInfo,
  DubProjectDetail,
  DubProjectSettings,
  DubProjectSummary,
  MethodInput,
} from '../../../../preload/contract/index.js';
import { api, errorMessage } from '../../api';
import { toast } from '../../store/toasts';

interface DubState {
  projects: DubProjectSummary[];
  project: DubProjectDetail | null;
  /** Index of the selected segment (J/K move it). */
  selected: number;
  /** The player's position, seconds (the timeline's playhead). */
  time: number;
  busy: 'create' | 'export' | 'detect' | null;
  uploadPercent: number | null;
  lastExport: DubExportInfo | null;
  /** Segments being regenerated. */
  regenerating: Record<string, boolean>;
  loadList(): Promise<void>;
  open(projectId: string): Promise<void>;
  close(): void;
  reload(): Promise<void>;
  create(media: File, targetSubs?: File, sourceSubs?: File): Promise<void>;
  remove(projectId: string): Promise<void>;
  select(index: number): void;
  /** A keyboard move's focus request (J/K): the segment's row focuses itself once rendered (the list is virtual). */
  focusRequest: { index: number; n: number } | null;
  requestFocus(index: number): void;
  setTime(t: number): void;
  edit(p: MethodInput<'dub.updateSegment'>): Promise<boolean>;
  split(segmentId: string, at: number): Promise<void>;
  merge(ids: string[]): Promise<void>;
  addSegment(start: number, end: number, text: string): Promise<void>;
  detectSpeech(): Promise<void>;
  setVoice(speaker: string, voiceId: string | null): Promise<void>;
  setSettings(settings: Partial<DubProjectSettings>): Promise<void>;
  generate(all?: boolean): Promise<void>;
  cancel(): Promise<void>;
  regenerate(segmentId: string): Promise<void>;
  exportDub(format: DubExportFormat, stems?: boolean): Promise<void>;
}

async function subtitleSource(file: File): Promise<{ fileName: string; base64: string }> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return { fileName: file.name, base64: btoa(bin) };
}

/** Run a call that returns the new project detail; a refusal is shown, nothing else changes. */
async function guarded<T>(fn: () => Promise<T>): Promise<T | null> {
  try {
    return await fn();
  } catch (err) {
    toast.error(errorMessage(err));
    return null;
  }
}

export const useDub = create<DubState>((set, get) => ({
  projects: [],
  project: null,
  selected: 0,
  time: 0,
  busy: null,
  uploadPercent: null,
  lastExport: null,
  regenerating: {},
  focusRequest: null,
  async loadList() {
    const list = await guarded(() => api().call('dub.list', {}));
    if (list) set({ projects: list });
  },
  async open(projectId) {
    const d = await guarded(() => api().call('dub.get', { projectId }));
    if (d) set({ project: d, selected: 0, time: 0, lastExport: d.lastExport });
  },
  close() {
    set({ project: null });
    void get().loadList();
  },
  async reload() {
    const id = get().project?.id;
    if (!id) return;
    try {
      const d = await api().call('dub.get', { projectId: id });
      if (get().project?.id === id) set({ project: d });
    } catch {
      // deleted meanwhile: the list shows what is left
    }
  },
  async create(media, targetSubs, sourceSubs) {
    set({ busy: 'create', uploadPercent: null });
    try {
      const ref = await api().uploadDubMedia(media, (sent, total) =>
        set({ uploadPercent: Math.round((100 * sent) / Math.max(1, total)) }),
      );
      set({ uploadPercent: null });
      const d = await api().call('dub.create', {
        media: ref,
        ...(targetSubs ? { targetSubs: await subtitleSource(targetSubs) } : {}),
        ...(sourceSubs ? { sourceSubs: await subtitleSource(sourceSubs) } : {}),
      });
      set({ project: d, selected: 0, time: 0, lastExport: null });
    } catch (err) {
      toast.error(errorMessage(err));
    } finally {
      set({ busy: null, uploadPercent: null });
    }
  },
  async remove(projectId) {
    if (await guarded(() => api().call('dub.delete', { projectId }))) await get().loadList();
  },
  select(index) {
    const n = get().project?.segmentList.length ?? 0;
    set({ selected: Math.max(0, Math.min(n - 1, index)) });
  },
  requestFocus(index) {
    set({ focusRequest: { index, n: (get().focusRequest?.n ?? 0) + 1 } });
  },
  setTime(t) {
    set({ time: t });
  },
  async edit(p) {
    const d = await guarded(() => api().call('dub.updateSegment', p));
    if (d) set({ project: d });
    return !!d;
  },
  async split(segmentId, at) {
    const d = await guarded(() => api().call('dub.splitSegment', { segmentId, at }));
    if (d) set({ project: d });
  },
  async merge(ids) {
    const d = await guarded(() => api().call('dub.mergeSegments', { segmentIds: ids }));
    if (d) set({ project: d });
  },
  async addSegment(start, end, text) {
    const p = get().project;
    if (!p) return;
    const d = await guarded(() => api().call('dub.addSegment', { projectId: p.id, start, end, text }));
    if (d) set({ project: d });
  },
  async detectSpeech() {
    const p = get().project;
    if (!p) return;
    set({ busy: 'detect' });
    const d = await guarded(() => api().call('dub.detectSpeech', { projectId: p.id }));
    set({ busy: null });
    if (d) set({ project: d });
  },
  async setVoice(speaker, voiceId) {
    const p = get().project;
    if (!p) return;
    const d = await guarded(() => api().call('dub.setSpeakerVoice', { projectId: p.id, speaker, voiceId }));
    if (d) set({ project: d });
  },
  async setSettings(settings) {
    const p = get().project;
    if (!p) return;
    const d = await guarded(() => api().call('dub.updateSettings', { projectId: p.id, settings }));
    if (d) set({ project: d });
  },
  async generate(all = false) {
    const p = get().project;
    if (!p) return;
    const g = await guarded(() => api().call('dub.generate', { projectId: p.id, all }));
    if (g && get().project?.id === p.id) set({ project: { ...get().project!, generation: g } });
  },
  async cancel() {
    const p = get().project;
    if (!p) return;
    const g = await guarded(() => api().call('dub.cancel', { projectId: p.id }));
    if (g && get().project?.id === p.id) set({ project: { ...get().project!, generation: g } });
  },
  async regenerate(segmentId) {
    set({ regenerating: { ...get().regenerating, [segmentId]: true } });
    await guarded(() => api().call('dub.regenerate', { segmentId }));
    const { [segmentId]: _, ...rest } = get().regenerating;
    set({ regenerating: rest });
    await get().reload();
  },
  async exportDub(format, stems = false) {
    const p = get().project;
    if (!p) return;
    set({ busy: 'export' });
    const r = await guarded(() => api().call('dub.export', { projectId: p.id, format, stems }));
    set({ busy: null });
    if (r) set({ lastExport: r.export });
  },
}));

let subscribed = false;
/** Follow the core's dub events (once per page). */
export function subscribeDubEvents(): void {
  if (subscribed) return;
  subscribed = true;
  api().on('dub.changed', ({ projectId }) => {
    if (useDub.getState().project?.id === projectId) void useDub.getState().reload();
  });
  api().on('dub.progress', ({ projectId, generation }) => {
    const p = useDub.getState().project;
    if (p?.id === projectId) useDub.setState({ project: { ...p, generation } });
    if (generation.status !== 'running') void useDub.getState().reload();
  });
}
