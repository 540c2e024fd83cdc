/**
 * In-memory API for developing the UI without the core (`npx vite --config renderer/vite.config.ts`, then open
 * `/?mock`). Only reachable in the dev server: the production build drops it.
 */
import type {
  EventName,
  Job,
  Line,
  MethodInput,
  MethodName,
  MethodResult,
  Project,
  ProjectDetail,
  Settings,
  Take,
  VoiceInfo,
} from '../../../preload/contract/index.js';
import { ApiError } from './errors';
import { EventHub, type ClientApi, type Listener } from './types';

type Handler = (p: never) => unknown;

export function createMockApi(): ClientApi {
  const hub = new EventHub();
  let n = 0;
  const id = (p: string) => `${p}_${(++n).toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const now = () => new Date().toISOString();
  const settings: Settings = {
    theme: 'system',
    locale: 'en',
    defaultVoiceId: null,
    executionProvider: 'auto',
    inferenceThreads: null,
    resumeInterruptedJobs: true,
  };
  const projects = new Map<string, Project & { voiceId: string | null }>();
  const lines = new Map<string, Line>();
  const jobs = new Map<string, Job>();
  const audio = new Map<string, string>();
  const voices: VoiceInfo[] = [
    { id: 'kokoro:af_heart', engineId: 'kokoro', name: 'Heart', language: 'en-US', gender: 'female' },
    { id: 'kokoro:am_adam', engineId: 'kokoro', name: 'Adam', language: 'en-US', gender: 'male' },
    { id: 'kokoro:bf_emma', engineId: 'kokoro', name: 'Emma', language: 'en-GB', gender: 'female' },
    { id: 'kokoro:zf_xiaoxiao', engineId: 'kokoro', name: 'Xiaoxiao', language: 'zh-CN', gender: 'female' },
    { id: 'espeak:en', engineId: 'espeak', name: 'eSpeak English', language: 'en', gender: 'unknown' },
  ];
  const projectLines = (pid: string) =>
    [...lines.values()].filter((l) => l.projectId === pid).sort((a, b) => a.position - b.position);
  const need = <T>(v: T | undefined, what: string, key: string): T => {
    if (!v) throw new ApiError('NOT_FOUND', `${what} "${key}" does not exist (it may have been deleted)`);
    return v;
  };
  const renumber = (pid: string) => projectLines(pid).forEach((l, i) => (l.position = i));
  const summary = (p: Project & { voiceId: string | null }): Project => ({
    id: p.id,
    name: p.name,
    createdAt: p.createdAt,
    updatedAt: p.updatedAt,
    language: p.language,
    lineCount: projectLines(p.id).length,
  });

  function wav(seconds: number, freq: number): string {
    const rate = 24000;
    const count = Math.floor(seconds * rate);
    const buf = new ArrayBuffer(44 + count * 2);
    const v = new DataView(buf);
    const str = (o: number, s: string) => [...s].forEach((c, i) => v.setUint8(o + i, c.charCodeAt(0)));
    str(0, 'RIFF');
    v.setUint32(4, 36 + count * 2, true);
    str(8, 'WAVEfmt ');
    v.setUint32(16, 16, true);
    v.setUint16(20, 1, true);
    v.setUint16(22, 1, true);
    v.setUint32(24, rate, true);
    v.setUint32(28, rate * 2, true);
    v.setUint16(32, 2, true);
    v.setUint16(34, 16, true);
    str(36, 'data');
    v.setUint32(40, count * 2, true);
    for (let i = 0; i < count; i++) {
      const t = i / rate;
      const env = Math.min(1, t * 20, (seconds - t) * 20) * (0.6 + 0.4 * Math.sin(t * 9));
      v.setInt16(44 + i * 2, Math.round(Math.sin(2 * Math.PI * freq * t) * 9000 * env), true);
    }
    return URL.createObjectURL(new Blob([buf], { type: 'audio/wav' }));
  }

  function runJob(job: Job) {
    const line = lines.get(job.lineId ?? '');
    const tick = window.setInterval(() => {
      const j = jobs.get(job.id);
      if (!j || j.status === 'cancelled') return window.clearInterval(tick);
      if (line && /fail/i.test(line.text)) {
        window.clearInterval(tick);
        Object.assign(j, {
          status: 'failed',
          updatedAt: now(),
          error: { code: 'UNSUPPORTED_TEXT', message: 'The voice cannot pronounce “fail” (mock error).' },
        });
        return hub.emit('job.updated', { ...j });
      }
      j.status = 'running';
      j.progress = Math.min(1, j.progress + 0.2);
      j.updatedAt = now();
      if (j.progress >= 1 && line) {
        window.clearInterval(tick);
        const take: Take = {
          id: id('take'),
          lineId: line.id,
          projectId: line.projectId,
          engineId: 'kokoro',
          options: { seed: 1 },
          voiceId: line.voiceId ?? 'kokoro:af_heart',
          text: line.text,
          spokenText: line.text,
          sampleRate: 24000,
          durationMs: 1500 + line.text.length * 40,
          createdAt: now(),
        };
        audio.set(take.id, wav(take.durationMs / 1000, 180 + (line.position % 5) * 40));
        line.activeTake = take;
        line.activeTakeId = take.id;
        j.status = 'done';
        j.takeId = take.id;
        hub.emit('job.updated', { ...j });
        hub.emit('project.changed', { projectId: line.projectId });
        return;
      }
      hub.emit('job.updated', { ...j });
    }, 350);
  }

  const handlers: Partial<Record<MethodName, Handler>> = {
    'app.info': () => ({
      name: 'Timbre',
      version: '0.1.0-dev',
      dataDir: '/mock/data',
      transport: 'web',
      platform: 'mock',
    }),
    'settings.get': () => ({ ...settings }),
    'settings.update': (p: Partial<Settings>) => Object.assign(settings, p) && { ...settings },
    'projects.list': () => [...projects.values()].map(summary).sort((a, b) => b.updatedAt.localeCompare(a.updatedAt)),
    'projects.get': (p: { id: string }): ProjectDetail => {
      const pr = need(projects.get(p.id), 'Project', p.id);
      return {
        ...summary(pr),
        voiceId: pr.voiceId,
        options: {},
        inputsChangedAt: null,
        lines: projectLines(pr.id).map((l) => ({ ...l })),
        speakers: [],
        dictionary: [],
        gapMs: 400,
        musicBed: null,
        autoRetake: 0,
      };
    },
    'projects.create': (p: { name: string; language?: string }) => {
      const pr = {
        id: id('prj'),
        name: p.name.trim(),
        createdAt: now(),
        updatedAt: now(),
        lineCount: 0,
        language: p.language ?? 'en',
        voiceId: null,
      };
      projects.set(pr.id, pr);
      hub.emit('projects.changed', {});
      return summary(pr);
    },
    'projects.rename': (p: { id: string; name: string }) => {
      const pr = need(projects.get(p.id), 'Project', p.id);
      pr.name = p.name.trim();
      pr.updatedAt = now();
      return summary(pr);
    },
    'projects.setVoice': (p: { id: string; voiceId: string | null }) => {
      const pr = need(projects.get(p.id), 'Project', p.id);
      pr.voiceId = p.voiceId;
      return summary(pr);
    },
    'projects.delete': (p: { id: string }) => {
      need(projects.get(p.id), 'Project', p.id);
      projects.delete(p.id);
      for (const l of projectLines(p.id)) lines.delete(l.id);
      hub.emit('project.deleted', { projectId: p.id });
      hub.emit('projects.changed', {});
      return { deleted: true };
    },
    'lines.add': (p: { projectId: string; text?: string; position?: number }) => {
      need(projects.get(p.projectId), 'Project', p.projectId);
      const list = projectLines(p.projectId);
      const pos = p.position ?? list.length;
      for (const l of list) if (l.position >= pos) l.position++;
      const line: Line = {
        id: id('ln'),
        projectId: p.projectId,
        position: pos,
        options: {},
        text: p.text ?? '',
        voiceId: null,
        activeTakeId: null,
        activeTake: null,
        speaker: null,
        locked: false,
        stale: false,
        staleReasons: [],
        chapter: null,
        qc: null,
        retake: null,
        parsed: { empty: !p.text?.trim(), tagsOnly: false, pauseSeconds: 0, speed: null, gainDb: null, errors: [] },
        updatedAt: now(),
      };
      lines.set(line.id, line);
      renumber(p.projectId);
      return { ...line };
    },
    'lines.update': (p: { id: string; text?: string; voiceId?: string | null }) => {
      const l = need(lines.get(p.id), 'Line', p.id);
      if (p.text !== undefined) l.text = p.text;
      if (p.voiceId !== undefined) l.voiceId = p.voiceId;
      l.updatedAt = now();
      return { ...l };
    },
    'lines.delete': (p: { id: string }) => {
      const l = need(lines.get(p.id), 'Line', p.id);
      lines.delete(p.id);
      renumber(l.projectId);
      return { deleted: true };
    },
    'lines.reorder': (p: { projectId: string; lineIds: string[] }) => {
      p.lineIds.forEach((lid, i) => (need(lines.get(lid), 'Line', lid).position = i));
      return projectLines(p.projectId).map((l) => ({ ...l }));
    },
    'engines.list': () => [
      { id: 'kokoro', name: 'Kokoro 82M', available: true, license: 'Apache-2.0' },
      { id: 'espeak', name: 'eSpeak NG', available: true, license: 'GPL-3.0' },
      {
        id: 'piper',
        name: 'Piper',
        available: false,
        unavailableReason: 'Model pack not installed: import it from Models.',
        license: 'MIT',
      },
    ],
    'voices.list': (p: { engineId?: string }) => voices.filter((v) => !p.engineId || v.engineId === p.engineId),
    'takes.list': (p: { lineId: string }) => {
      const l = need(lines.get(p.lineId), 'Line', p.lineId);
      return l.activeTake ? [l.activeTake] : [];
    },
    'jobs.generate': (p: { projectId: string; lineIds?: string[] }) => {
      const ids = p.lineIds ?? projectLines(p.projectId).map((l) => l.id);
      return ids.map((lid) => {
        const job: Job = {
          id: id('job'),
          kind: 'synthesize',
          projectId: p.projectId,
          lineId: lid,
          batchId: null,
          status: 'queued',
          progress: 0,
          takeId: null,
          error: null,
          createdAt: now(),
          updatedAt: now(),
        };
        jobs.set(job.id, job);
        runJob(job);
        return { ...job };
      });
    },
    'jobs.recovery': () => ({ startedAt: now(), autoResume: true, resumed: 0, skipped: 0, interrupted: 0 }),
    'jobs.list': (p: { projectId?: string }) =>
      [...jobs.values()].filter((j) => !p.projectId || j.projectId === p.projectId).map((j) => ({ ...j })),
    'jobs.cancel': (p: { id: string }) => {
      const j = need(jobs.get(p.id), 'Job', p.id);
      if (j.status === 'queued' || j.status === 'running') {
        j.status = 'cancelled';
        j.updatedAt = now();
        hub.emit('job.updated', { ...j });
      }
      return { ...j };
    },
  };

  return {
    transport: 'web',
    connection: 'open',
    async call<M extends MethodName>(method: M, params: MethodInput<M>): Promise<MethodResult<M>> {
      await new Promise((r) => setTimeout(r, 60));
      console.debug('mock call', method, JSON.stringify(params));
      const handler = handlers[method] as ((p: unknown) => unknown) | undefined;
      if (!handler) throw new ApiError('UNKNOWN_METHOD', `The mock API does not implement ${method}`);
      return structuredClone(handler(params ?? {})) as MethodResult<M>;
    },
    on<E extends EventName>(event: E, listener: Listener<E>) {
      return hub.on(event, listener);
    },
    onConnection: () => () => {},
    takeAudioUrl: (takeId: string) => audio.get(takeId) ?? '',
    stagingAudioUrl: () => '',
    stageFile: () => Promise.reject(new ApiError('INTERNAL', 'Staging audio is not available in the mock API')),
    uploadVoiceFile: () => Promise.reject(new ApiError('INTERNAL', 'Voice files are not available in the mock API')),
    exportFileUrl: () => '',
    dubMediaUrl: () => '',
    musicBedUrl: () => '',
    uploadDubMedia: () => Promise.reject(new ApiError('INTERNAL', 'Dubbing is not available in the mock API')),
  };
}
