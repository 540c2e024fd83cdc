/**
 * The Timbre core: every service behind the typed API, as plain Node. Both transports (Electron IPC and the
 * loopback web server) and the CLI build exactly one of these and talk to it through `dispatch`.
 */
import path from 'node:path';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { EventEmitter } from 'node:events';
import os from 'node:os';
import type { EventName, EventPayload, VoiceInfo } from '../../preload/contract.js';
import { ApiError, notFound } from '../common/errors.js';
import { sweepTempFiles } from './atomic-fs.js';
import { openDatabase, type Db } from './db/database.js';
import { createRepos, type Repos } from './db/repositories.js';
import { JobQueue, parseVoiceId, type Emit } from './jobs/queue.js';
import { WorkerHost } from './jobs/worker-host.js';
import { dataLayout, type DataLayout } from './paths.js';
import { createDispatcher, type Handlers, type RpcResponse } from './rpc.js';
import { ModelsService } from './models-service.js';
import { LIBRARY_ENGINE, VoiceLibrary } from './voices/library.js';
import { detectExecutionProviders } from '../../native-models/onnx/providers.js';
import { previewScript, StudioService } from './studio/studio-service.js';
import { assertMixFits, episodePlan, mixPlan, timelineOf } from './studio/episode.js';
import { ExportService } from './export/export-service.js';
import { writeFileAtomic } from './atomic-fs.js';
import { encodeWav } from './audio/wav.js';

export type { RpcResponse };

export interface CoreOptions {
  dataDir: string;
  transport: 'electron' | 'web';
  version: string;
  /** Log sink for internal errors (stderr by default). */
  log?: (msg: string) => void;
}

export interface Core {
  readonly dataDir: string;
  readonly layout: DataLayout;
  readonly repos: Repos;
  readonly jobs: JobQueue;
  readonly engines: WorkerHost;
  readonly models: ModelsService;
  dispatch(method: unknown, params: unknown): Promise<RpcResponse>;
  subscribe(listener: (event: EventName, payload: unknown) => void): () => void;
  readonly exports: ExportService;
  /** Absolute path of a take's WAV file; throws NOT_FOUND. */
  takeFilePath(takeId: string): string;
  /** The project's mixed preview as a WAV file (rendered on demand, cached per revision); throws NOT_FOUND. */
  projectMixFile(projectId: string): Promise<string>;
  /** A finished export's file; throws NOT_FOUND. */
  exportFilePath(exportId: string, index: number): string;
  /** What startup recovery found (interrupted jobs, temp and orphan files removed). */
  readonly recovery: RecoveryReport;
  close(): Promise<void>;
}

export interface RecoveryReport {
  interruptedJobs: number;
  tempFilesRemoved: number;
  orphanTakesRemoved: number;
}

/** After a crash: temp files go, take files the DB does not list go, running jobs are marked interrupted. */
function recover(db: Db, repos: Repos, layout: DataLayout): RecoveryReport {
  const tempFilesRemoved = sweepTempFiles(layout.root).length;
  const known = repos.takes.allFiles();
  let orphanTakesRemoved = 0;
  for (const dir of existsSync(layout.takes) ? readdirSync(layout.takes) : []) {
    const abs = path.join(layout.takes, dir);
    for (const f of readdirSync(abs, { withFileTypes: true }).filter((e) => e.isFile())) {
      if (!known.has(path.join(dir, f.name))) {
        rmSync(path.join(abs, f.name), { force: true });
        orphanTakesRemoved++;
      }
    }
  }
  const interruptedJobs = db.transaction(() => repos.jobs.markInterrupted())();
  return { interruptedJobs, tempFilesRemoved, orphanTakesRemoved };
}

export async function createCore(opts: CoreOptions): Promise<Core> {
  const log = opts.log ?? ((m: string) => process.stderr.write(`${m}\n`));
  const layout = dataLayout(opts.dataDir);
  const db = openDatabase(layout.db);
  const repos = createRepos(db);
  const recovery = recover(db, repos, layout);
  const bus = new EventEmitter();
  bus.setMaxListeners(100);
  const emit: Emit = (event, payload) => bus.emit('event', event, payload);
  const engineSettings = () => {
    const st = repos.settings.get();
    return { executionProvider: st.executionProvider, inferenceThreads: st.inferenceThreads };
  };
  const engines = new WorkerHost({ modelsDir: layout.models, ...engineSettings() });
  const jobs = new JobQueue(db, repos, layout.takes, engines, emit);
  let voicesCache: VoiceInfo[] | null = null;
  const reloadEngines = () => {
    voicesCache = null;
    engines.reload(engineSettings());
  };
  const models = new ModelsService(layout.root, emit, reloadEngines);
  const library = new VoiceLibrary(db, layout.root, layout.voices, engines);
  jobs.resolveVoice = async (engineId, voiceId) => {
    if (engineId !== LIBRARY_ENGINE) return null;
    const r = await library.resolve(voiceId);
    return { engineId: r.engineId, voiceId: 'reference', options: { conditioning: r.conditioning } };
  };

  const dirs = { root: layout.root, takes: layout.takes };
  const studio = new StudioService(db, repos, dirs);
  const exportsService = new ExportService(db, repos, dirs, emit);
  for (const f of studio.purgeTrash()) rmSync(path.join(layout.takes, f), { force: true });
  const mixDir = path.join(layout.root, 'mix');
  const mixRenders = new Map<string, Promise<string>>();
  /** Preview mix: mono at 24 kHz, no loudness processing; one cached file per project (latest revision). */
  const projectMixFile = (projectId: string): Promise<string> => {
    const plan = episodePlan(repos, dirs, projectId);
    if (!plan.lines.length) throw new ApiError('NOT_FOUND', 'No line of this project has a take yet.');
    assertMixFits(plan, 24_000, 1, os.totalmem());
    const file = path.join(mixDir, `${projectId}-${plan.rev}.wav`);
    if (existsSync(file)) return Promise.resolve(file);
    let p = mixRenders.get(file);
    if (!p) {
      p = (async () => {
        const mix = await mixPlan(plan, { sampleRate: 24_000, channels: 1 });
        await writeFileAtomic(file, encodeWav(mix.channels[0], 24_000));
        for (const n of existsSync(mixDir) ? readdirSync(mixDir) : [])
          if (n.startsWith(`${projectId}-`) && n !== path.basename(file)) rmSync(path.join(mixDir, n), { force: true });
        return file;
      })().finally(() => mixRenders.delete(file));
      mixRenders.set(file, p);
    }
    return p;
  };

  const removeTakeFiles = (files: string[]) => {
    for (const f of files) rmSync(path.join(layout.takes, f), { force: true });
  };
  const changed = (projectId: string) => emit('project.changed', { projectId });

  const handlers: Handlers = {
    'app.info': () => ({
      name: 'Timbre',
      version: opts.version,
      dataDir: layout.root,
      transport: opts.transport,
      platform: `${os.platform()}-${os.arch()}`,
    }),
    'settings.get': () => repos.settings.get(),
    'settings.update': (p) => {
      const before = engineSettings();
      const next = repos.settings.update(p);
      if (before.executionProvider !== next.executionProvider || before.inferenceThreads !== next.inferenceThreads)
        reloadEngines();
      return next;
    },

    'projects.list': () => repos.projects.list(),
    'projects.get': ({ id }) => repos.projects.detail(id, repos.lines),
    'projects.create': ({ name }) => {
      const p = repos.projects.create(name);
      emit('projects.changed', {});
      return p;
    },
    'projects.rename': ({ id, name }) => {
      const p = repos.projects.rename(id, name);
      emit('projects.changed', {});
      changed(id);
      return p;
    },
    'projects.setVoice': ({ id, voiceId }) => {
      const p = repos.projects.setVoice(id, voiceId);
      changed(id);
      return p;
    },
    'projects.setOptions': ({ id, options }) => {
      const p = repos.projects.setOptions(id, options);
      changed(id);
      return p;
    },
    'projects.delete': ({ id }) => {
      repos.projects.row(id);
      jobs.cancelProject(id);
      const music = studio.musicFile(id);
      const exportDirs = exportsService.dataFolderDirs(id);
      const files = repos.projects.delete(id);
      removeTakeFiles(files);
      rmSync(path.join(layout.takes, id), { recursive: true, force: true });
      // Its music bed, preview mixes and the exports kept in the data folder go too (exports elsewhere stay).
      if (music) rmSync(music, { force: true });
      for (const n of existsSync(mixDir) ? readdirSync(mixDir) : [])
        if (n.startsWith(`${id}-`)) rmSync(path.join(mixDir, n), { force: true });
      for (const d of exportDirs) rmSync(d, { recursive: true, force: true });
      emit('project.deleted', { projectId: id });
      emit('projects.changed', {});
      return { deleted: true as const };
    },

    'lines.add': ({ projectId, text, position, speaker }) => {
      const line = repos.lines.add(projectId, text, position, speaker ?? null);
      changed(projectId);
      return line;
    },
    'lines.update': ({ id, text, voiceId, options, speaker, locked, chapter }) => {
      if (voiceId) parseVoiceId(voiceId);
      const line = repos.lines.update(id, { text, voiceId, options, speaker, locked, chapter });
      changed(line.projectId);
      return line;
    },
    'lines.delete': ({ id }) => {
      const { projectIds } = studio.deleteLines([id]);
      projectIds.forEach(changed);
      return { deleted: true as const };
    },
    'lines.deleteMany': ({ ids }) => {
      const { projectIds, deleted } = studio.deleteLines(ids);
      projectIds.forEach(changed);
      return { deleted };
    },
    'lines.restore': ({ ids }) => {
      const lines = studio.restoreLines(ids);
      [...new Set(lines.map((l) => l.projectId))].forEach(changed);
      return lines;
    },
    'lines.split': ({ id, at }) => {
      const r = studio.splitLine(id, at);
      changed(r[0].projectId);
      return r;
    },
    'lines.merge': ({ ids }) => {
      const line = studio.mergeLines(ids);
      changed(line.projectId);
      return line;
    },
    'lines.reorder': ({ projectId, lineIds }) => {
      const lines = repos.lines.reorder(projectId, lineIds);
      changed(projectId);
      return lines;
    },

    'engines.list': async () =>
      (await engines.listEngines()).map((e) => ({
        id: e.id,
        name: e.name,
        available: e.available,
        unavailableReason: e.reason,
        notice: e.notice,
        license: e.license,
      })),
    'voices.list': async ({ engineId }) => {
      voicesCache ??= (await engines.listVoices()).map((v) => ({
        id: `${v.engineId}:${v.id}`,
        engineId: v.engineId,
        name: v.name,
        language: v.language,
        gender: v.gender,
      }));
      const mine: VoiceInfo[] = library.list().map((v) => ({
        id: v.voiceId,
        engineId: LIBRARY_ENGINE,
        name: v.name,
        language: v.language,
        gender: 'unknown',
      }));
      const all = [...mine, ...voicesCache];
      return engineId ? all.filter((v) => v.engineId === engineId) : all;
    },

    'models.list': () => models.list(),
    'models.download': ({ id, acceptTerms }) => models.download(id, acceptTerms),
    'models.import': ({ path: source, acceptTerms }) => models.import(source, acceptTerms),
    'models.cancel': ({ id }) => models.cancel(id),
    'models.verify': ({ id }) => models.verify(id),
    'models.remove': ({ id }) => models.remove(id),
    'runtime.info': () => ({ providers: detectExecutionProviders(), cores: os.availableParallelism() }),

    'library.list': () => library.list(),
    'library.import': (p) => library.import(p),
    'library.rename': ({ id, name }) => library.rename(id, name),
    'library.delete': ({ id, deleteTakes }) => {
      const { takeFiles } = library.delete(id, deleteTakes);
      removeTakeFiles(takeFiles);
      // Takes of deleted lines kept for undo must not outlive the voice either.
      if (deleteTakes) removeTakeFiles(studio.purgeTrashTakesOfVoice(`library:${id}`));
      studio.forgetVoice(`library:${id}`);
      emit('projects.changed', {});
      return { deleted: true as const, takesDeleted: takeFiles.length };
    },
    'vault.unlock': async ({ passphrase }) => {
      await library.unlock(passphrase);
      return { unlocked: true as const };
    },

    'takes.list': ({ lineId }) => {
      repos.lines.row(lineId);
      return repos.takes.listForLine(lineId);
    },

    'jobs.generate': ({ projectId, lineIds, scope }) => jobs.enqueue(projectId, lineIds, scope),
    'jobs.generateBatch': ({ projectId, lineIds, scope }) => jobs.enqueueBatch(projectId, lineIds, scope),
    'jobs.cancelBatch': ({ batchId }) => jobs.cancelBatch(batchId),
    'jobs.list': ({ projectId }) => repos.jobs.list(projectId),
    'jobs.cancel': ({ id }) => jobs.cancel(id),

    'projects.setSpeakers': ({ id, speakers }) => {
      const d = studio.setSpeakers(id, speakers);
      changed(id);
      return d;
    },
    'projects.setDictionary': ({ id, entries }) => {
      const d = studio.setDictionary(id, entries);
      changed(id);
      return d;
    },
    'projects.setMix': async ({ id, gapMs, musicBed }) => {
      const d = await studio.setMix(id, { gapMs, musicBed });
      changed(id);
      return d;
    },
    'projects.timeline': ({ id }) => timelineOf(repos, episodePlan(repos, dirs, id)),
    'script.preview': ({ text, format }) => previewScript(text, format),
    'script.import': async ({ projectId, source, mode }) => {
      const d = await studio.importScript(projectId, source, mode);
      emit('projects.changed', {});
      changed(projectId);
      return d;
    },
    'dictionary.preview': async ({ projectId, text, entries, synthesize, voiceId }) => {
      const r = studio.previewDictionary(projectId, text, entries);
      const wavBase64 = synthesize ? await jobs.previewWav(projectId, r.text, voiceId) : null;
      return { ...r, wavBase64 };
    },
    'takes.setActive': ({ lineId, takeId }) => {
      const line = studio.setActiveTake(lineId, takeId);
      changed(line.projectId);
      return line;
    },
    'takes.delete': ({ ids, force }) => {
      const r = studio.deleteTakes(ids, force);
      studio.removeFiles(r.files);
      r.projectIds.forEach(changed);
      return { deleted: r.files.length, lines: r.lines };
    },
    'export.start': (p) => exportsService.start(p),
    'export.cancel': ({ id }) => exportsService.cancel(id),
    'export.get': ({ id }) => exportsService.get(id),
    'export.list': ({ projectId }) => {
      repos.projects.row(projectId);
      return exportsService.list(projectId);
    },
  };

  const dispatch = createDispatcher(handlers, (err, method) =>
    log(`[timbre] internal error in ${method}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`),
  );

  let closed = false;
  return {
    dataDir: layout.root,
    layout,
    repos,
    jobs,
    engines,
    models,
    exports: exportsService,
    recovery,
    dispatch,
    projectMixFile,
    exportFilePath: (id, index) => exportsService.filePath(id, index),
    subscribe(listener) {
      const l = (event: EventName, payload: unknown) => listener(event, payload);
      bus.on('event', l);
      return () => bus.off('event', l);
    },
    takeFilePath(takeId) {
      const row = repos.takes.row(takeId);
      const abs = path.join(layout.takes, row.file);
      if (!existsSync(abs)) throw notFound('Audio of take', takeId);
      return abs;
    },
    async close() {
      if (closed) return;
      closed = true;
      jobs.stop();
      await exportsService.close();
      models.close();
      library.close();
      await engines.close();
      db.close();
    },
  };
}

export type { EventName, EventPayload };
export { ApiError };
