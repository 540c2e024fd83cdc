/**
 * The Timbre core: every service behind the typed API, as plain Node. Both transports (Electron IPC and the
 * loopback web server) and the CLI build exactly one of these and talk to it through `dispatch`.
 */
import path from 'node:path';
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { EventEmitter } from 'node:events';
import os from 'node:os';
import type {
  ApiServerStatus,
  DubCloneConsent,
  EventName,
  EventPayload,
  LibraryVoice,
  VoiceInfo,
} from '../../preload/contract/index.js';
import type { GatheredClip } from './dub/clone.js';
import { ApiError, notFound, toApiError } from '../../native-models/common/errors.js';
import { AlignError } from '../../native-models/speech/aligner.js';
import { AlignerHost } from './speech/aligner-host.js';
import { TakeQcService } from './speech/take-qc.js';
import { takeQcPacks } from './speech/take-qc-packs.js';
import { AutoRetake } from './speech/auto-retake.js';
import { RetakeStore } from './studio/retake-store.js';
import { sweepTempFiles } from './atomic-fs.js';
import { openDatabase, type Db } from './db/database.js';
import { createRepos, type Repos } from './db/repositories.js';
import { JobQueue, parseVoiceId, type Emit } from './jobs/queue.js';
import { WorkerHost } from './jobs/worker-host.js';
import { SPEECH_RATE, SpeechService } from './api/speech-service.js';
import { ApiKeys } from './api/api-keys.js';
import { currentPolicy, policyDenied } from './policy/policy.js';
import { dataLayout, type DataLayout } from './paths.js';
import { createDispatcher, type Handlers, type RpcResponse } from './rpc.js';
import { ModelsService } from './models-service.js';
import { LIBRARY_ENGINE, VoiceLibrary } from './voices/library.js';
import { StagingStore, UPLOAD_MAX_BYTES, VOICE_SAMPLE_MAX_SECONDS, diskFullAsApiError } from './voices/staging.js';
import { VoiceAudio } from './voices/voice-audio.js';
import { RecordingService } from './voices/recording-service.js';
import { readVoiceFileFrom } from './voices/voice-file.js';
import { ConsentStatements, installedConsentCheckers, verifyStatement, type Transcriber } from './voices/consent.js';
import { PARAKEET_PACK_ID } from '../../native-models/asr/parakeet.js';
import type { NewSample } from './voices/library.js';
import { readingScript } from './voices/reading-script.js';
import { estimateNoiseFloor, speechSnr } from './recorder/room-noise.js';
import { detectExecutionProviders } from '../../native-models/onnx/providers.js';
import { disableOrtTelemetry } from '../../native-models/onnx/session.js';
import { POCKET_PACK_ID, locatePackFiles } from '../../native-models/pocket-tts/bundle.js';
import { previewScript, StudioService } from './studio/studio-service.js';
import { episodePlan, timelineOf } from './studio/episode.js';
import { takePeaks } from './studio/take-analysis-store.js';
import { TimelineOverviews } from './studio/timeline-overview.js';
import { voicePreview } from './voices/voice-preview.js';
import { ExportService } from './export/export-service.js';
import { Ledger, type Clock } from './privacy/ledger.js';
import { desktopOnlyUpdates, type UpdateService } from './updates/update-service.js';
import { updateSettings } from './updates/updater.js';
import { PrivacyService } from './privacy/privacy-service.js';
import { DubService } from './dub/dub-service.js';
import { ASR_PACK_ID, locateSpeakerPack } from './dub/dub-analysis.js';
import { findAsrPack } from './speech/asr-host.js';
import { SPEAKER_PACK_ID } from '../../native-models/speaker/embedder.js';
import { engineDubDeps, synthesizeWhole } from './dub/engine-deps.js';
import type { VoiceReference } from './speech/voice-similarity.js';
import { separationFor } from './separation/separation-host.js';
import { locateVoiceModel } from '../../native-models/enhance/voice-models.js';

export type { RpcResponse };

export interface CoreOptions {
  dataDir: string;
  transport: 'electron' | 'web';
  version: string;
  /** Log sink for internal errors (stderr by default). */
  log?: (msg: string) => void;
  /** The clock retention and the privacy ledger read (tests advance it instead of waiting). */
  clock?: Clock;
  /** Show a file in the system's file manager (the desktop shell passes Electron's shell.showItemInFolder). */
  revealFile?: (absPath: string) => void;
  /**
   * Frames of a microphone take kept in memory before it spills into an encrypted temporary file (default: the
   * staging work store's, about 87 s at 48 kHz). Tests set it low to watch the spill.
   */
  recorderMemoryFrames?: number;
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
  /** Speech for the public API (`/v1/audio/speech`, MCP). */
  readonly speech: SpeechService;
  /** API keys and the log of calls made with them. */
  readonly apiKeys: ApiKeys;
  /** Take QC: each take aligned to its text (background after generation; `projects.qc`, `timbre qc`). */
  readonly qc: TakeQcService;
  /** Auto-retake of flagged takes (a project setting; docs/speech.md). */
  readonly retakes: AutoRetake;
  /** The web server tells the core where the API answers (for `apiServer.status` and Settings). */
  setApiServer(status: ApiServerStatus): void;
  /** The web server lets Settings open or close the listener for other computers (`apiServer.setRemote`). */
  setApiServerControl(control: ApiServerControl): void;
  /** Absolute path of a take's WAV file; throws NOT_FOUND. */
  takeFilePath(takeId: string): string;
  /** The decrypted WAV of staged audio (for the media routes); throws NOT_FOUND / VAULT_LOCKED. */
  stagingWav(stagingId: string): Promise<Buffer>;
  /**
   * Bytes uploaded by the browser (web mode): audio is decoded in memory and staged (the result of voiceAudio.stage);
   * a voice file is kept as it is (it is already encrypted with its passphrase) for library.importFile.
   */
  upload(kind: 'audio' | 'voice-file' | 'dub-media', name: string, bytes: Buffer): Promise<RpcResponse>;
  /** An upload of dubbing media streamed to disk as it arrives (`declaredBytes`: the request's Content-Length). */
  uploadStream(
    kind: 'dub-media',
    name: string,
    body: AsyncIterable<Buffer>,
    declaredBytes: number | null,
  ): Promise<RpcResponse>;
  /** Largest upload accepted. */
  readonly uploadMaxBytes: number;
  /** A finished export's file; throws NOT_FOUND. */
  exportFilePath(exportId: string, index: number): string;
  /** What startup recovery found (interrupted jobs, temp and orphan files removed). */
  readonly recovery: RecoveryReport;
  /** The privacy ledger (docs/privacy.md): the shells record what only they see (update checks). */
  readonly ledger: Ledger;
  /** The privacy center: report, retention, export/import/erase of everything. */
  readonly privacy: PrivacyService;
  /** Dubbing projects (the Dub view; docs/dubbing.md). */
  readonly dub: DubService;
  /**
   * A library voice from a speaker's sample gathered from media (clone.ts), made with `consent`. The ledger's model
   * runs name `dubProjectId` when the sample came from a stored dubbing project, else the new voice.
   */
  createVoiceFromClip(
    clip: GatheredClip,
    o: { name: string; language: string; consent: DubCloneConsent; dubProjectId?: string },
  ): Promise<LibraryVoice>;
  /** Whether a voice-cloning pack is installed (library voices can speak). */
  cloningInstalled(): boolean;
  /** A dubbing project's media for the player: its source, or the dub preview of its current revision. */
  dubMediaFile(projectId: string, what: 'source' | 'dub'): string;
  /** A studio project's stored music bed (the preview plays it under the voices); throws NOT_FOUND without one. */
  musicBedFile(projectId: string): string;
  /** The Electron shell shows a folder in the file manager (privacy.showInFolder); web mode has none. */
  setRevealer(reveal: ((file: string) => void) | null): void;
  /** The desktop shell (or a test feed in web mode) hands the core its updater: `updates.*` and the status event. */
  setUpdates(service: UpdateService): void;
  close(): Promise<void>;
}

/** Open (an address) or close (null) the API's listener for other computers. */
export type ApiServerControl = (address: string | null, port?: number) => Promise<ApiServerStatus>;

export interface RecoveryReport {
  interruptedJobs: number;
  tempFilesRemoved: number;
  orphanTakesRemoved: number;
  /** Interrupted jobs re-queued at this start (setting `resumeInterruptedJobs`, on by default). */
  resumedJobs: number;
  /** Interrupted jobs not resumed because their line changed or is gone (cancelled, with the reason). */
  skippedJobs: number;
}

/**
 * After a crash: temp files go, take files the DB does not list go, queued and running jobs are marked interrupted
 * (their ids come back, in queue order, for the resume that follows once the queue exists).
 */
function recover(
  db: Db,
  repos: Repos,
  layout: DataLayout,
): Omit<RecoveryReport, 'resumedJobs' | 'skippedJobs'> & { interruptedIds: string[] } {
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
  const interruptedIds = db.transaction(() => repos.jobs.markInterruptedIds())();
  return { interruptedJobs: interruptedIds.length, tempFilesRemoved, orphanTakesRemoved, interruptedIds };
}

/** What a built-in voice reads as its reference for speaker similarity (about 6 s of varied sounds). */
export const BUILTIN_REFERENCE_TEXT =
  'This is a sample of my voice, read slowly and clearly. The quick brown fox jumps over the lazy dog, and then we rest.';

/** An engine's or a voice's language tag in the form projects store (`en-us` → `en-us`, `EN_gb` → `en-gb`), or null. */
function normalLanguageTag(tag: string): string | null {
  const [primary, ...rest] = tag.split(/[-_]/);
  const normal = [primary.toLowerCase(), ...rest].join('-');
  return /^[a-z]{2,3}(-[A-Za-z0-9]{1,8})*$/.test(normal) && normal.length <= 35 ? normal : null;
}

/** Why a library voice cannot speak now (it has no cloning data: no cloning pack was installed), or null. */
function libraryVoiceProblem(v: { name: string; engines: string[] }, cloningInstalled: boolean): string | null {
  // A voice added before a cloning pack existed is cloned from its samples on first use once one is installed.
  return v.engines.length || cloningInstalled
    ? null
    : `the voice "${v.name}" needs a voice-cloning model pack to speak. Install Pocket TTS in Models, then generate again.`;
}

export async function createCore(opts: CoreOptions): Promise<Core> {
  disableOrtTelemetry(); // before any model session, in this process and the workers it starts
  // A managed policy is read first: a broken one stops Timbre before anything is opened (fail closed).
  const policy = currentPolicy();
  const log = opts.log ?? ((m: string) => process.stderr.write(`${m}\n`));
  const layout = dataLayout(opts.dataDir);
  const db = openDatabase(layout.db);
  const repos = createRepos(db);
  const clock = opts.clock ?? Date.now;
  const ledger = new Ledger(db, clock, (err) =>
    log(`[timbre] privacy ledger: ${err instanceof Error ? err.message : String(err)}`),
  );
  const { interruptedIds, ...recovered } = recover(db, repos, layout);
  const startedAt = new Date().toISOString();
  const bus = new EventEmitter();
  bus.setMaxListeners(100);
  const emit: Emit = (event, payload) => bus.emit('event', event, payload);
  const engineSettings = () => {
    const st = repos.settings.get();
    return { executionProvider: st.executionProvider, inferenceThreads: st.inferenceThreads };
  };
  const engines = new WorkerHost({ modelsDir: layout.models, ...engineSettings() });
  const jobs = new JobQueue(db, repos, layout.takes, engines, emit);
  // Before any job can start (resumed ones too): retake jobs carry their seed.
  const retakeStore = new RetakeStore(db);
  jobs.retakeOf = (jobId) => retakeStore.retakeOf(jobId);
  jobs.ledger = ledger;
  let voicesCache: VoiceInfo[] | null = null;
  const reloadEngines = () => {
    voicesCache = null;
    engines.reload(engineSettings());
  };
  const models = new ModelsService(layout.root, emit, reloadEngines, undefined, ledger);
  const library = new VoiceLibrary(db, layout.root, layout.voices, engines);
  // The cloning pack's files are all there (a few stat calls; the engine itself checks them again when it loads).
  const cloningInstalled = () => locatePackFiles(path.join(layout.models, POCKET_PACK_ID)).missing.length === 0;
  library.cloningInstalled = cloningInstalled;
  const voiceAudio = new VoiceAudio(layout.models);
  const staging = new StagingStore(path.join(layout.root, 'staging'), () => library.openVault(), voiceAudio);
  staging.sweep();
  const recording = new RecordingService(staging, emit, ledger, opts.recorderMemoryFrames);
  const statements = new ConsentStatements(staging.dir);
  const aligner = new AlignerHost();
  const statementAligner = {
    languages: ['en', 'fr'] as const,
    align: (samples: Float32Array, sampleRate: number, text: string, language: string) =>
      aligner.align(samples, sampleRate, text, language).catch((err: unknown) => {
        throw err instanceof AlignError
          ? new ApiError(err.code === 'FAILED' ? 'INTERNAL' : 'INVALID_INPUT', err.message)
          : err;
      }),
  };

  /** A staged item as a voice sample: refused with the specific problem when no voice can be made from it. */
  const stagedSample = async (stagingId: string): Promise<NewSample> => {
    const item = staging.item(stagingId);
    voiceAudio.assertUsable(item.report, item.noiseFloorDbfs);
    // A sample is decrypted, stored and encoded whole: long recordings give their best window instead.
    if (item.durationSeconds > VOICE_SAMPLE_MAX_SECONDS)
      throw new ApiError(
        'INVALID_INPUT',
        `This recording is ${(item.durationSeconds / 60).toFixed(1)} minutes long: a voice sample is at most ${VOICE_SAMPLE_MAX_SECONDS / 60} minutes (10–30 s of clear speech is best). Clean it keeping the best window and use that.`,
        { audioProblem: 'too-long' },
      );
    const s = await staging.samples(stagingId);
    return { samples: s.samples, sampleRate: s.sampleRate, wav: s.wav };
  };
  const checkStatement = async (statementId: string, stagingId: string, sample?: NewSample) => {
    const statement = statements.get(statementId);
    const item = staging.item(stagingId);
    const rec = await staging.samples(stagingId);
    const verification = await verifyStatement(
      {
        statement,
        recording: { samples: rec.samples, sampleRate: rec.sampleRate, speechSeconds: item.report.speechSeconds },
        sample,
      },
      installedConsentCheckers(layout.models, statementAligner, consentTranscriber()),
    );
    if (verification.checks.some((c) => c.transcript))
      ledger.record('model.run', {
        engine: PARAKEET_PACK_ID,
        item: 'staged',
        itemId: stagingId,
        language: statement.language,
      });
    return { statement, verification, wav: rec.wav };
  };
  const voicesChanged = () => emit('projects.changed', {});
  // A voice added before a cloning pack existed, cloned from its samples on first use: the ledger's model run.
  library.onCloned = (voiceId, cloned) => {
    for (const engine of cloned) ledger.record('model.run', { engine, item: 'voice', itemId: voiceId });
    voicesChanged();
  };
  jobs.voiceProblem = (voice) => {
    if (!voice.startsWith(`${LIBRARY_ENGINE}:`)) return null;
    const id = voice.slice(LIBRARY_ENGINE.length + 1);
    const v = library.list().find((x) => x.id === id);
    return v ? libraryVoiceProblem(v, cloningInstalled()) : null;
  };
  jobs.resolveVoice = async (engineId, voiceId) => {
    if (engineId !== LIBRARY_ENGINE) return null;
    const r = await library.resolve(voiceId);
    return { engineId: r.engineId, voiceId: 'reference', options: { conditioning: r.conditioning } };
  };

  // Generation interrupted by a crash or quit goes on where it stopped (a podcaster's 300-line batch should not
  // turn into 300 'interrupted' rows to find and regenerate). Only the jobs this start found are resumed.
  const autoResume = repos.settings.get().resumeInterruptedJobs;
  const resumedAtStart =
    autoResume && interruptedIds.length ? jobs.resumeInterrupted({ ids: interruptedIds }) : { jobs: [], skipped: [] };
  const recovery: RecoveryReport = {
    ...recovered,
    resumedJobs: resumedAtStart.jobs.length,
    skippedJobs: resumedAtStart.skipped.length,
  };
  if (resumedAtStart.skipped.length)
    log(`Not resumed: ${resumedAtStart.skipped.map((s) => `${s.jobId} (${s.reason})`).join(', ')}`);

  const dirs = { root: layout.root, takes: layout.takes };
  const studio = new StudioService(db, repos, dirs);
  const exportsService = new ExportService(db, repos, dirs, emit);
  for (const f of studio.purgeTrash()) rmSync(path.join(layout.takes, f), { force: true });
  const overviews = new TimelineOverviews(repos, layout.takes);
  // The timeline's cached layouts follow every change the core announces.
  bus.on('event', (event: EventName, payload: unknown) => {
    if (event === 'project.changed' || event === 'project.deleted')
      overviews.invalidate((payload as { projectId: string }).projectId);
    else if (event === 'projects.changed') overviews.invalidate();
  });
  // Preview mixes of older versions (the preview now plays line by line and never builds a mix).
  rmSync(path.join(layout.root, 'mix'), { recursive: true, force: true });

  const removeTakeFiles = (files: string[]) => {
    for (const f of files) rmSync(path.join(layout.takes, f), { force: true });
  };
  const changed = (projectId: string) => emit('project.changed', { projectId });

  const engineVoices = async (): Promise<VoiceInfo[]> =>
    (voicesCache ??= (await engines.listVoices()).map((v) => ({
      id: `${v.engineId}:${v.id}`,
      engineId: v.engineId,
      name: v.name,
      language: v.language,
      gender: v.gender,
    })));
  /** The language of a voice (library or engine), as a tag the project language accepts; null when unknown. */
  const voiceLanguage = async (voiceId: string): Promise<string | null> => {
    const mine = library.list().find((v) => v.voiceId === voiceId);
    const tag = mine ? mine.language : (await engineVoices()).find((v) => v.id === voiceId)?.language;
    return tag ? normalLanguageTag(tag) : null;
  };
  const qcPacks = takeQcPacks(layout.models, library);
  // The consent check's recogniser: the installed speech-recognition pack (English), looked up at each check, on
  // take QC's worker.
  const consentTranscriber = (): Transcriber | null => {
    const t = qcPacks.transcriber();
    return t && { name: 'Speech recognition (Parakeet)', languages: ['en'], transcribe: (s, r) => t.transcribe(s, r) };
  };
  // A built-in voice has no samples of its own: its reference for "sounds like this voice" (take QC's voice drift,
  // the dub report's similarity) is its own reading of a fixed text, made on first need and, like every voice
  // embedding, kept in memory only.
  let referenceJobs = 0;
  const builtinReference = (voiceId: string): VoiceReference | null => {
    if (voiceId.startsWith(`${LIBRARY_ENGINE}:`) || !voiceId.includes(':')) return null;
    const voice = parseVoiceId(voiceId);
    return {
      key: `builtin-reading-1:${voiceId}`,
      load: async () => {
        const r = await synthesizeWhole(
          engines,
          `voice-reference-${++referenceJobs}`,
          voice,
          BUILTIN_REFERENCE_TEXT,
          {},
          new AbortController().signal,
        );
        return [{ samples: r.pcm, sampleRate: r.sampleRate }];
      },
    };
  };
  const takeQc = new TakeQcService({
    ...qcPacks,
    voiceSamples: (voiceId) => qcPacks.voiceSamples(voiceId) ?? builtinReference(voiceId),
    repos,
    takesDir: layout.takes,
    aligner,
    languageOf: async (voiceId) => {
      const mine = library.list().find((v) => v.voiceId === voiceId);
      if (mine) return mine.language;
      return (await engineVoices()).find((v) => v.id === voiceId)?.language ?? null;
    },
    onModelRun: (takeId, engine, language) =>
      ledger.record('model.run', { engine, item: 'take', itemId: takeId, language }),
    onChecked: (projectId, qc) => {
      autoRetake.onChecked(qc);
      changed(projectId);
    },
    log,
  });
  jobs.onTakeCreated = (takeId, projectId) => takeQc.schedule(takeId, projectId);
  const autoRetake = new AutoRetake({
    repos,
    store: retakeStore,
    jobs,
    qcOf: (takeId) => takeQc.stored(takeId),
    scheduleQc: (takeId, projectId) => takeQc.schedule(takeId, projectId),
    qcIdle: () => takeQc.idle(),
    changed,
    log,
  });
  bus.on('event', (event: EventName, payload: unknown) => {
    if (event === 'job.updated') autoRetake.onJobUpdated(payload as EventPayload<'job.updated'>);
  });
  autoRetake.recover();

  const apiKeys = new ApiKeys(db, ledger);
  /**
   * The ledger's `file.imported`: what kind, how it came (a file on this computer or an upload), its size and type
   * (extension), the item it became; never the file's name or path (names often carry people's names).
   */
  const fileImported = (kind: string, how: 'file' | 'upload', bytes: number | null, name: string, item: string) =>
    ledger.record('file.imported', {
      kind,
      how,
      bytes,
      type: path.extname(name).slice(1).toLowerCase().slice(0, 10) || 'none',
      item,
    });
  const sizeOf = (file: string): number | null => {
    try {
      return statSync(file).size;
    } catch {
      return null;
    }
  };
  // The ledger's `export.written` for studio exports (files, bytes, where), once each finishes.
  bus.on('event', (event: EventName, payload: unknown) => {
    if (event !== 'export.done') return;
    const job = payload as EventPayload<'export.done'>;
    if (job.status !== 'done') return;
    ledger.record('export.written', {
      kind: 'project',
      projectId: job.projectId,
      exportId: job.id,
      files: job.files.length,
      bytes: job.files.reduce((n, f) => n + f.bytes, 0),
      type: path.extname(job.files[0]?.path ?? '').slice(1) || 'none',
      inDataFolder: job.files.every((f) => path.resolve(f.path).startsWith(path.join(layout.root, 'exports'))),
    });
  });
  // "Show in folder" (exports, the privacy center): the desktop shell's file manager; none in web mode.
  let revealer: ((file: string) => void) | null = opts.revealFile ?? null;
  const privacy = new PrivacyService({
    db,
    root: layout.root,
    ledger,
    clock,
    policy: () => policy,
    library: {
      // A policy that turns voice export off keeps voices out of the archive too.
      voiceIds: () => (policy.policy.voiceExport === false ? [] : library.list().map((v) => v.id)),
      exportTo: (id, passphrase, target) => library.exportTo(id, passphrase, target),
      importFrom: (data, passphrase, where) => library.importFrom(data, passphrase, where),
      delete: (id) => void library.delete(id, false),
    },
    sweepStaging: (maxAgeMs, now) => staging.sweep(maxAgeMs, now),
    deleteTakes: (ids) => {
      const r = studio.deleteTakes(ids, true);
      studio.removeFiles(r.files);
      r.projectIds.forEach(changed);
    },
    quiesce: async () => {
      for (const p of repos.projects.list()) {
        jobs.cancelProject(p.id);
        for (const e of exportsService.list(p.id).filter((x) => x.status === 'running')) {
          exportsService.cancel(e.id);
          await exportsService.wait(e.id).catch(() => undefined);
        }
      }
      await jobs.idle();
      // Dubbing generation writes takes into the data folder too.
      for (const d of dub.list()) await dub.cancel(d.id);
      for (const d of dub.list()) await dub.analysis.cancel(d.id);
      await recording.discard().catch(() => undefined);
    },
    afterReset: () => {
      library.close();
      voicesCache = null;
      overviews.invalidate();
      dataLayout(layout.root);
    },
  });
  privacy.start(log);
  const dub = new DubService({
    db,
    root: layout.root,
    emit,
    log,
    locateVad: () => locateVoiceModel('silero-vad', [layout.models]),
    locateSpeakerPack: () => locateSpeakerPack([layout.models]),
    locateAsrPack: () => findAsrPack([layout.models], ASR_PACK_ID) ?? null,
    locateGtcrn: () => locateVoiceModel('gtcrn', [layout.models]),
    deps: {
      ...engineDubDeps({
        voices: async () => (await handlers['voices.list']({})) as VoiceInfo[],
        resolve: async (id): Promise<{ engineId: string; voiceId: string; options: Record<string, string> }> => {
          if (id.startsWith(`${LIBRARY_ENGINE}:`)) {
            const r = await library.resolve(id.slice(LIBRARY_ENGINE.length + 1));
            return { engineId: r.engineId, voiceId: 'reference', options: { conditioning: r.conditioning } };
          }
          const { engineId, voiceId } = parseVoiceId(id);
          return { engineId, voiceId, options: {} };
        },
        engines,
        separation: separationFor([layout.models]),
      }),
      // The report's per-segment similarity: the same measure as take QC's voice drift (the mean of the voice's own
      // samples; a built-in voice's own reading of a fixed text). A failure leaves that segment's similarity empty,
      // never fails the dub.
      similarity: async (voice, pcm, sampleRate, signal) => {
        if (signal.aborted) return null;
        try {
          return await takeQc.voiceSimilarity(voice.id, { samples: pcm, sampleRate });
        } catch (err) {
          log(`[timbre] dub similarity for ${voice.id} skipped: ${(err as Error).message}`);
          return null;
        }
      },
    },
  });
  let apiServer: ApiServerStatus = { baseUrl: null, remote: false, listen: null };
  let apiServerControl: ApiServerControl | null = null;
  // Updates (docs/electron.md): the desktop app's updater when the shell sets one; otherwise "handled by the desktop app".
  let updates: UpdateService = desktopOnlyUpdates(updateSettings(policy), opts.version);
  let stopUpdates: () => void = () => undefined;
  /**
   * A voice cloned from a speaker's gathered media (dub.cloneSpeaker, `timbre dub --clone-speaker`): the sample goes
   * through the library's own path (staging, usability checks, consent, policy, ledger) and is gone from staging after.
   */
  const createVoiceFromClip = async (
    clip: GatheredClip,
    o: { name: string; language: string; consent: DubCloneConsent; dubProjectId?: string },
  ): Promise<LibraryVoice> => {
    const item = await staging.put(clip.samples, clip.sampleRate, { source: 'import' });
    let v: LibraryVoice;
    try {
      v = await handlers['library.create']({
        name: o.name,
        language: o.language,
        tags: ['dub'],
        stagingIds: [item.stagingId],
        consent: o.consent,
      });
    } finally {
      staging.remove(item.stagingId);
    }
    const about = o.dubProjectId ? { item: 'dub', itemId: o.dubProjectId } : { item: 'voice', itemId: v.id };
    ledger.record('model.run', { engine: 'silero-vad', ...about });
    if (clip.report.denoised) ledger.record('model.run', { engine: 'gtcrn', ...about });
    return v;
  };

  const handlers: Handlers = {
    'apiKeys.list': () => apiKeys.list(),
    'apiKeys.create': ({ name, scope }) => {
      if (policy.policy.localApi === false) throw policyDenied('The local API is turned off');
      return apiKeys.create(name, scope);
    },
    'apiKeys.revoke': ({ id }) => apiKeys.revoke(id),
    'apiLog.list': ({ limit, beforeId }) => apiKeys.log(limit, beforeId),
    'apiServer.status': () => apiServer,
    'policy.get': () => policy,
    'apiServer.setRemote': async ({ address, port }) => {
      if (address !== null && (policy.policy.remoteApi === false || policy.policy.localApi === false))
        throw policyDenied('Serving the API to other computers is turned off');
      if (!apiServerControl)
        throw new ApiError(
          'ENGINE_UNAVAILABLE',
          'The API is served only while the studio runs in web mode (timbre serve)',
        );
      return apiServerControl(address, port);
    },
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
    'projects.get': ({ id }) => {
      let d = repos.projects.detail(id, repos.lines);
      // A project from before project languages (migration 0050) with a voice takes that voice's language when its
      // language is known without asking the worker (a library voice, or the engine voices already listed).
      if (d.voiceId && repos.projects.chosenLanguage(id) === null) {
        const known =
          library.list().find((v) => v.voiceId === d.voiceId)?.language ??
          voicesCache?.find((v) => v.id === d.voiceId)?.language;
        const tag = known && normalLanguageTag(known);
        if (tag && repos.projects.adoptLanguage(id, tag)) d = repos.projects.detail(id, repos.lines);
      }
      // Opening a project: build its timeline envelope while the page renders (a no-op when it is cached).
      setImmediate(() => overviews.warm(id));
      return d;
    },
    'projects.create': ({ name, language }) => {
      const p = repos.projects.create(name, language ?? null);
      emit('projects.changed', {});
      return p;
    },
    'projects.rename': ({ id, name }) => {
      const p = repos.projects.rename(id, name);
      emit('projects.changed', {});
      changed(id);
      return p;
    },
    'projects.setVoice': async ({ id, voiceId }) => {
      let p = repos.projects.setVoice(id, voiceId);
      // A project whose language was never chosen takes its first voice's.
      if (voiceId && repos.projects.chosenLanguage(id) === null) {
        const language = await voiceLanguage(voiceId);
        if (language && repos.projects.adoptLanguage(id, language)) {
          p = repos.projects.get(id);
          emit('projects.changed', {});
        }
      }
      changed(id);
      return p;
    },
    'projects.setAutoRetake': ({ id, tries }) => {
      retakeStore.setAutoRetake(id, tries);
      changed(id);
      return repos.projects.detail(id, repos.lines);
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
      const cover = studio.coverFile(id);
      const exportDirs = exportsService.dataFolderDirs(id);
      const files = repos.projects.delete(id);
      removeTakeFiles(files);
      rmSync(path.join(layout.takes, id), { recursive: true, force: true });
      // Its music bed and the exports kept in the data folder go too (exports elsewhere stay).
      if (music) rmSync(music, { force: true });
      if (cover) rmSync(cover, { force: true });
      for (const d of exportDirs) rmSync(d, { recursive: true, force: true });
      overviews.forget(id);
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
        ...(e.languages ? { languages: e.languages } : {}),
      })),
    'voices.list': async ({ engineId }) => {
      voicesCache = await engineVoices();
      const cloning = cloningInstalled();
      const mine: VoiceInfo[] = library.list().map((v) => {
        const problem = libraryVoiceProblem(v, cloning);
        return {
          id: v.voiceId,
          engineId: LIBRARY_ENGINE,
          name: v.name,
          language: v.language,
          gender: 'unknown',
          ...(problem ? { unavailableReason: problem } : {}),
        };
      });
      const all = [...mine, ...voicesCache];
      return engineId ? all.filter((v) => v.engineId === engineId) : all;
    },

    'voices.preview': async ({ voiceId }) => {
      if (voiceId.startsWith(`${LIBRARY_ENGINE}:`))
        throw new ApiError('INVALID_INPUT', 'A voice of your library is previewed with library.preview.');
      const voice = ((await handlers['voices.list']({})) as VoiceInfo[]).find((v) => v.id === voiceId);
      if (!voice) throw new ApiError('NOT_FOUND', `No voice "${voiceId}" among the installed engines' voices.`);
      const out = await voicePreview(
        {
          cacheDir: path.join(layout.root, 'cache', 'previews'),
          speak: async (engineId, id, text, onAudio) => {
            await speech.speak({ model: engineId, voice: voiceId, input: text, speed: 1 }, onAudio, undefined, {
              engineId,
              voiceId: id,
              options: {},
              label: voiceId,
            });
            return { sampleRate: SPEECH_RATE };
          },
        },
        voice,
      );
      return { wav: out.wav.toString('base64'), text: out.text, cached: out.cached };
    },
    'models.list': () => models.list(),
    'models.download': ({ id, acceptTerms }) => models.download(id, acceptTerms),
    'models.import': ({ path: source, acceptTerms }) => models.import(source, acceptTerms),
    'models.cancel': ({ id }) => models.cancel(id),
    'models.verify': ({ id }) => models.verify(id),
    'models.remove': ({ id }) => models.remove(id),
    'runtime.info': () => ({ providers: detectExecutionProviders(), cores: os.availableParallelism() }),

    'library.list': () => library.list(),
    'library.import': async (p) => {
      // This call only takes an attestation as consent.
      if (policy.policy.cloningRequiresVerifiedConsent)
        throw policyDenied(
          'A voice needs a consent statement read by its owner and checked (an attestation is not enough)',
        );
      const v = await library.import(p);
      fileImported('audio', 'file', sizeOf(p.path), p.path, v.id);
      return v;
    },
    'library.rename': ({ id, name }) => library.rename(id, name),
    'library.delete': ({ id, deleteTakes }) => {
      const { takeFiles } = library.delete(id, deleteTakes);
      staging.removeForVoice(id);
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

    'voiceAudio.stage': async ({ path: file }) => {
      const item = await staging.putFile(file);
      fileImported('audio', 'file', sizeOf(file), file, item.stagingId);
      return staging.get(item.stagingId);
    },
    'voiceAudio.clean': async ({ stagingId, trim, denoise, normalize, window }) => {
      ledger.record('model.run', {
        engine: denoise ? 'gtcrn+silero-vad' : 'silero-vad',
        item: 'staged',
        itemId: stagingId,
      });
      // In streaming passes over blocks (temporary audio encrypted in staging/work): memory does not grow with length.
      const store = staging.workStore();
      try {
        return await diskFullAsApiError(async () => {
          const src = await staging.source(stagingId, store);
          // The item's analysis from when it was staged: the whole input is not analysed again.
          const prior = staging.fullReport(stagingId) ?? undefined;
          const out = await voiceAudio.cleanSource(src, { trim, denoise, normalize, window }, store, prior);
          const opts = { source: 'clean' as const, derivedFrom: stagingId };
          return staging.get((await staging.putSource(out.output, opts, store, out.full)).stagingId);
        });
      } finally {
        store.dispose();
      }
    },
    'voiceAudio.get': ({ stagingId }) => staging.get(stagingId),
    'voiceAudio.discard': ({ stagingId }) => {
      staging.discard(stagingId);
      return { discarded: true as const };
    },
    'voiceAudio.readingScript': ({ language }) => readingScript(language),
    'voiceAudio.snr': async ({ stagingId, noiseStagingId }) => {
      const speech = await staging.samples(stagingId);
      const noise = await staging.samples(noiseStagingId);
      const r = speechSnr(speech.samples, speech.sampleRate, estimateNoiseFloor(noise.samples, noise.sampleRate));
      return { speechDb: r.speechDb, floorDb: r.floorDb, snrDb: r.snrDb, verdict: r.verdict };
    },
    'recorder.devices': () => recording.devices(),
    'recorder.start': (p) => recording.start(p),
    'recorder.status': () => recording.status(),
    'recorder.pause': () => recording.pause(),
    'recorder.resume': () => recording.resume(),
    'recorder.stop': () => recording.stop(),
    'recorder.discard': () => recording.discard(),

    'consent.statement': (p) => statements.create(p),
    'speech.align': async ({ stagingId, text, language }) => {
      ledger.record('model.run', { engine: 'aligner', item: 'staged', itemId: stagingId, language });
      const rec = await staging.samples(stagingId);
      return statementAligner.align(rec.samples, rec.sampleRate, text, language);
    },
    'consent.verify': async ({ statementId, stagingId, sampleStagingId }) => {
      ledger.record('model.run', { engine: 'consent-checks', item: 'staged', itemId: stagingId });
      const sample = sampleStagingId ? await staging.samples(sampleStagingId) : undefined;
      return (await checkStatement(statementId, stagingId, sample)).verification;
    },
    'library.create': async ({ name, language, tags, stagingIds, consent }) => {
      if (consent.kind === 'attest' && policy.policy.cloningRequiresVerifiedConsent)
        throw policyDenied(
          'A voice needs a consent statement read by its owner and checked (an attestation is not enough)',
        );
      const samples: NewSample[] = [];
      for (const id of new Set(stagingIds)) samples.push(await stagedSample(id));
      let voice;
      if (consent.kind === 'attest') {
        voice = await library.createVoice({ name, language, tags, samples, consent });
      } else {
        const { statement, verification, wav } = await checkStatement(
          consent.statementId,
          consent.stagingId,
          samples[0],
        );
        if (policy.policy.cloningRequiresVerifiedConsent && verification.status !== 'verified')
          throw policyDenied('A voice needs a consent statement whose checks all passed');
        voice = await library.createVoice({
          name,
          language,
          tags,
          samples,
          consent: {
            kind: 'statement',
            speakerName: statement.speakerName,
            voicePurpose: `As read in the consent statement for the voice "${statement.voiceName}"`,
            statement: statement.text,
            words: statement.words,
            checks: verification.checks,
            status: verification.status,
            audio: wav,
          },
        });
        staging.remove(consent.stagingId);
        statements.remove(consent.statementId);
      }
      for (const id of stagingIds) staging.remove(id);
      // Cloning ran each installed cloning engine on the voice's first sample.
      for (const engine of voice.engines) ledger.record('model.run', { engine, item: 'voice', itemId: voice.id });
      voicesChanged();
      return voice;
    },
    'library.update': ({ id, ...p }) => library.update(id, p),
    'library.duplicate': async ({ id, name }) => {
      const v = await library.duplicate(id, name);
      voicesChanged();
      return v;
    },
    'library.addSample': async ({ id, stagingId }) => {
      library.get(id);
      const v = await library.addSample(id, await stagedSample(stagingId));
      staging.remove(stagingId);
      return v;
    },
    'library.removeSample': ({ id, sampleId }) => library.removeSample(id, sampleId),
    'library.preview': async ({ id, text }) => {
      ledger.record('model.run', { engine: 'library', voice: `library:${id}`, item: 'preview' });
      const audio = await library.preview(id, text);
      const item = await staging.put(audio.samples, audio.sampleRate, { source: 'preview', voiceId: id });
      return staging.get(item.stagingId);
    },
    'library.export': async ({ id, path: target, passphrase }) => {
      if (policy.policy.voiceExport === false) throw policyDenied('Exporting voices is turned off');
      const r = await library.exportTo(id, passphrase, target);
      ledger.record('export.written', { kind: 'voice', voiceId: id, bytes: r.bytes, inDataFolder: !target });
      return r;
    },
    'library.importFile': async ({ path: file, uploadId, passphrase }) => {
      let voice;
      if (file) {
        voice = await library.importFile(file, passphrase);
        fileImported('voice-file', 'file', sizeOf(file), file, voice.id);
      } else {
        const up = path.join(staging.dir, `${uploadId}.upload`);
        if (!existsSync(up)) throw notFound('Uploaded voice file', uploadId!);
        voice = await library.importFrom(
          await readVoiceFileFrom(up, 'The uploaded voice file'),
          passphrase,
          'The uploaded voice file',
        );
        rmSync(up, { force: true });
      }
      if (policy.policy.cloningRequiresVerifiedConsent && voice.consent?.status !== 'verified') {
        // Undo the import: under this policy only voices with a checked consent reading may be added.
        library.delete(voice.id, false);
        throw policyDenied('This voice has no checked consent statement, which your organization requires');
      }
      voicesChanged();
      return voice;
    },

    'takes.list': ({ lineId }) => {
      repos.lines.row(lineId);
      return repos.takes.listForLine(lineId);
    },

    'jobs.generate': ({ projectId, lineIds, scope }) => jobs.enqueue(projectId, lineIds, scope),
    'jobs.generateBatch': ({ projectId, lineIds, scope }) => jobs.enqueueBatch(projectId, lineIds, scope),
    'jobs.cancelBatch': ({ batchId }) => jobs.cancelBatch(batchId),
    'jobs.list': ({ projectId }) => (projectId ? repos.jobs.latestPerLine(projectId) : repos.jobs.list()),
    'jobs.cancel': ({ id }) => jobs.cancel(id),
    'jobs.resumeInterrupted': ({ projectId }) => jobs.resumeInterrupted({ projectId }),
    'jobs.recovery': ({ projectId }) => {
      if (projectId) repos.projects.row(projectId);
      return {
        startedAt,
        autoResume,
        resumed: recovery.resumedJobs,
        skipped: recovery.skippedJobs,
        interrupted: repos.jobs.countInterrupted(projectId),
      };
    },

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
      const src = musicBed?.source;
      if (src && 'path' in src) fileImported('music', 'file', sizeOf(src.path), src.path, id);
      else if (src) fileImported('music', 'upload', Math.floor((src.base64.length * 3) / 4), src.fileName, id);
      changed(id);
      return d;
    },
    'projects.timeline': ({ id }) => timelineOf(repos, episodePlan(repos, dirs, id)),
    'script.preview': ({ text, format, split }) => previewScript(text, format, split),
    'script.import': async ({ projectId, source, mode, split }) => {
      const d = await studio.importScript(projectId, source, mode, split);
      if ('path' in source) fileImported('script', 'file', sizeOf(source.path), source.path, projectId);
      else if ('fileName' in source)
        fileImported('script', 'upload', Math.floor((source.base64.length * 3) / 4), source.fileName, projectId);
      emit('projects.changed', {});
      changed(projectId);
      return d;
    },
    'dictionary.preview': async ({ projectId, text, entries, synthesize, voiceId }) => {
      const r = studio.previewDictionary(projectId, text, entries);
      if (synthesize)
        ledger.record('model.run', { engine: 'preview', voice: voiceId ?? null, item: 'dictionary', projectId });
      const wavBase64 = synthesize ? await jobs.previewWav(projectId, r.text, voiceId) : null;
      return { ...r, wavBase64 };
    },
    'takes.peaks': ({ takeId, perSecond }) => takePeaks(repos, layout.takes, takeId, perSecond),
    'takes.qc': ({ takeId }) => takeQc.get(takeId),
    'projects.qc': ({ projectId }) => takeQc.project(projectId),
    'timeline.overview': ({ projectId, from, to, buckets }) => overviews.overview(projectId, from, to, buckets),
    'timeline.playQueue': ({ projectId, from, lineId, count }) =>
      overviews.playQueue(projectId, { from, lineId }, count),
    'takes.setActive': ({ lineId, takeId }) => {
      const line0 = studio.setActiveTake(lineId, takeId);
      autoRetake.userChose(lineId, takeId);
      const line = line0.retake ? repos.lines.get(lineId) : line0;
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
    'export.reveal': ({ id, index }) => {
      const file = exportsService.filePath(id, index);
      if (!revealer) return { revealed: false };
      revealer(file);
      return { revealed: true };
    },
    'export.list': ({ projectId }) => {
      repos.projects.row(projectId);
      return exportsService.list(projectId);
    },

    'dub.list': () => dub.list(),
    'dub.get': ({ projectId }) => dub.get(projectId),
    'dub.create': async (p) => {
      const d = await dub.create(p);
      fileImported('dub-media', 'uploadId' in p.media ? 'upload' : 'file', null, d.media.name, d.id);
      return d;
    },
    'dub.delete': async ({ projectId }) => {
      await dub.delete(projectId);
      return { deleted: true as const };
    },
    'dub.updateSettings': ({ projectId, settings }) => dub.updateSettings(projectId, settings),
    'dub.updateSegment': (p) => dub.updateSegment(p),
    'dub.addSegment': (p) => dub.addSegment(p),
    'dub.deleteSegment': ({ segmentId }) => dub.deleteSegment(segmentId),
    'dub.detectSpeech': async ({ projectId }) => {
      const d = await dub.detectSpeech(projectId);
      ledger.record('model.run', { engine: 'silero-vad', item: 'dub', itemId: projectId });
      return d;
    },
    'dub.splitSegment': ({ segmentId, at, textAt }) => dub.splitSegment(segmentId, at, textAt),
    'dub.mergeSegments': ({ segmentIds }) => dub.mergeSegments(segmentIds),
    'dub.setSpeakerVoice': ({ projectId, speaker, voiceId }) => dub.setSpeakerVoice(projectId, speaker, voiceId),
    'dub.generate': ({ projectId, all }) => dub.generate(projectId, all),
    'dub.cancel': ({ projectId }) => dub.cancel(projectId),
    'dub.regenerate': ({ segmentId }) => dub.regenerate(segmentId),
    'dub.preview': async ({ projectId }) => {
      const r = await dub.preview(projectId);
      return { revision: r.revision, durationSeconds: r.durationSeconds };
    },
    'dub.findSpeakers': async ({ projectId, speakers, threshold }) => {
      const r = await dub.analysis.findSpeakers(projectId, { speakers, threshold });
      ledger.record('model.run', { engine: SPEAKER_PACK_ID, item: 'dub', itemId: projectId });
      return r;
    },
    'dub.transcribe': async ({ projectId, asText }) => {
      const r = await dub.analysis.transcribe(projectId, asText);
      ledger.record('model.run', { engine: ASR_PACK_ID, item: 'dub', itemId: projectId });
      return r;
    },
    'dub.cancelAnalysis': async ({ projectId }) => ({ cancelled: await dub.analysis.cancel(projectId) }),
    'dub.export': async (p) => {
      const r = await dub.export(p);
      ledger.record('export.written', {
        kind: 'dub',
        projectId: p.projectId,
        files: 1 + (r.export.srtPath ? 1 : 0) + (r.export.bilingualSrtPath ? 1 : 0) + (r.export.stems ? 2 : 0),
        bytes: sizeOf(r.export.path),
        type: p.format,
        inDataFolder: path.resolve(r.export.path).startsWith(path.join(layout.root, 'exports')),
      });
      return r;
    },
    'dub.cloneSpeaker': async ({ projectId, speaker, name, denoise, consent }) => {
      // Refused before the work when the policy wants a statement (library.create would refuse it after).
      if (consent.kind === 'attest' && policy.policy.cloningRequiresVerifiedConsent)
        throw policyDenied(
          'A voice needs a consent statement read by its owner and checked (an attestation is not enough)',
        );
      let made = '';
      const { clip } = await dub.cloneSpeaker(projectId, speaker, denoise, async (c, language, projectName) => {
        const v = await createVoiceFromClip(c, {
          name: (name ?? `${speaker} (${projectName})`).slice(0, 100),
          language,
          consent,
          dubProjectId: projectId,
        });
        made = v.id;
        return { voiceId: v.voiceId };
      });
      return { voice: library.get(made), report: clip.report };
    },
    'dub.cancelClone': ({ projectId }) => ({ cancelled: dub.cancelClone(projectId) }),
    'privacy.report': () => privacy.report(),
    'privacy.ledger': ({ limit, beforeId, kind }) => ledger.page(limit, beforeId, kind),
    'privacy.exportLedger': async ({ path: target }) => {
      const r = await ledger.exportTo(path.resolve(target));
      ledger.record('export.written', { kind: 'ledger', entries: r.entries });
      return r;
    },
    'privacy.setRetention': (p) => privacy.setRetention(p),
    'privacy.sweep': () => privacy.sweep(),
    'privacy.showInFolder': ({ kind }) => {
      const where = privacy.location(kind);
      if (!revealer) return { shown: false, path: where };
      revealer(where);
      return { shown: true, path: where };
    },
    'privacy.export': ({ path: target, passphrase }) => privacy.exportAll(target, passphrase),
    'privacy.import': async ({ path: file, passphrase }) => {
      const r = await privacy.importAll(file, passphrase);
      emit('projects.changed', {});
      return r;
    },
    'privacy.erase': async () => {
      const r = await privacy.erase();
      emit('projects.changed', {});
      return r;
    },
    'updates.status': () => updates.info(),
    'updates.check': () => updates.check(),
    'updates.download': () => updates.download(),
    'updates.install': () => updates.install(),
    'projects.setLanguage': ({ id, language }) => {
      const p = repos.projects.setLanguage(id, language);
      emit('projects.changed', {});
      changed(id);
      return p;
    },
  };

  const speech = new SpeechService({
    engines,
    ledger,
    voices: async () => (await handlers['voices.list']({})) as VoiceInfo[],
    availableEngines: async () => (await engines.listEngines()).filter((e) => e.available).map((e) => e.id),
    usableLibraryVoices: () =>
      new Set(
        library
          .list()
          .filter((v) => v.engines.length > 0)
          .map((v) => v.voiceId),
      ),
    resolveLibrary: async (id) => {
      const r = await library.resolve(id);
      return { engineId: r.engineId, voiceId: 'reference', options: { conditioning: r.conditioning } };
    },
  });

  // Dubbing projects: sweep unnamed take files, resume a generate-all that a crash or quit interrupted.
  const dubStart = dub.start();
  if (dubStart.resumed.length) log(`Resumed dubbing generation of ${dubStart.resumed.length} project(s)`);

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
    speech,
    apiKeys,
    qc: takeQc,
    retakes: autoRetake,
    setApiServer(status) {
      apiServer = status;
    },
    setApiServerControl(control) {
      apiServerControl = control;
    },
    recovery,
    ledger,
    privacy,
    setUpdates(service) {
      stopUpdates();
      updates = service;
      stopUpdates = service.onChange((info) => emit('updates.status', info));
      emit('updates.status', service.info());
    },
    dub,
    createVoiceFromClip,
    cloningInstalled,
    dubMediaFile: (projectId, what) => (what === 'source' ? dub.mediaFile(projectId) : dub.previewFile(projectId)),
    musicBedFile(projectId) {
      repos.projects.get(projectId);
      const file = studio.musicFile(projectId);
      if (!file || !existsSync(file)) throw notFound('Music bed of project', projectId);
      return file;
    },
    setRevealer(reveal) {
      revealer = reveal;
    },
    dispatch,
    exportFilePath: (id, index) => exportsService.filePath(id, index),
    subscribe(listener) {
      const l = (event: EventName, payload: unknown) => listener(event, payload);
      bus.on('event', l);
      return () => bus.off('event', l);
    },
    stagingWav: (id) => staging.wav(id),
    uploadMaxBytes: UPLOAD_MAX_BYTES,
    async upload(kind, name, bytes) {
      try {
        if (kind === 'dub-media') {
          const uploadId = await dub.keepUpload(name, bytes);
          fileImported('dub-media', 'upload', bytes.length, name, uploadId);
          return { ok: true, result: { uploadId } };
        }
        if (kind === 'audio') {
          const item = await staging.putBytes(bytes, name);
          fileImported('audio', 'upload', bytes.length, name, item.stagingId);
          return { ok: true, result: staging.get(item.stagingId) };
        }
        const uploadId = await library.keepUpload(staging.dir, bytes);
        fileImported('voice-file', 'upload', bytes.length, name, uploadId);
        return { ok: true, result: { uploadId } };
      } catch (err) {
        const e = toApiError(err);
        if (e.code === 'INTERNAL')
          log(`[timbre] internal error in upload: ${err instanceof Error ? err.stack : String(err)}`);
        return { ok: false, error: e.toJSON() };
      }
    },
    async uploadStream(_kind, name, body, declaredBytes) {
      try {
        const { uploadId, bytes } = await dub.keepUploadStream(name, body, declaredBytes);
        fileImported('dub-media', 'upload', bytes, name, uploadId);
        return { ok: true, result: { uploadId } };
      } catch (err) {
        const e = toApiError(err);
        if (e.code === 'INTERNAL')
          log(`[timbre] internal error in upload: ${err instanceof Error ? err.stack : String(err)}`);
        return { ok: false, error: e.toJSON() };
      }
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
      privacy.stop();
      stopUpdates();
      await dub.close();
      jobs.stop();
      // Take QC first: a check in flight may still ask the engines for a voice's language.
      takeQc.stop();
      await takeQc.idle();
      await recording.close();
      await exportsService.close();
      models.close();
      library.close();
      await voiceAudio.close();
      staging.closeWork();
      await engines.close();
      await aligner.dispose();
      await qcPacks.dispose();
      db.close();
    },
  };
}

export type { EventName, EventPayload };
export { ApiError };
