/**
 * The one typed API contract of Timbre.
 *
 * Every call the renderer (or a local API client) can make, and every event the core pushes back, is declared
 * here exactly once with a runtime schema. Both transports (Electron IPC and the loopback HTTP/WebSocket server)
 * validate incoming calls against these schemas before any handler runs: the renderer is untrusted.
 *
 * This file must stay free of Node and Electron imports: it is shared by the preload bridge, the renderer and the
 * core services.
 */
import { z } from 'zod';
import { AlignResult, speechMethods } from './speech.js';

export * from './speech.js';

/** Limits that both sides agree on. */
export const LIMITS = {
  projectNameMax: 200,
  lineTextMax: 10_000,
  linesPerProjectMax: 20_000,
  settingKeyMax: 100,
  /** Script file uploaded from the browser (base64 in the call): 8 MiB of source. */
  scriptUploadBytesMax: 8 * 1024 * 1024,
  /** Pasted script text. */
  scriptTextMax: 5_000_000,
  speakersMax: 200,
  dictionaryEntriesMax: 5_000,
  /** Music bed uploaded from the browser (base64 in the call; web mode accepts calls of up to 48 MiB). */
  musicUploadBytesMax: 32 * 1024 * 1024,
} as const;

// ---------------------------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------------------------

export const ErrorCode = z.enum([
  'INVALID_INPUT', // the call did not match its schema
  'UNKNOWN_METHOD',
  'NOT_FOUND', // an id that does not exist (or no longer exists)
  'CONFLICT', // e.g. the project was deleted meanwhile
  'UNSUPPORTED_TEXT', // text an engine cannot speak
  'ENGINE_UNAVAILABLE', // engine or model pack not installed
  'ENGINE_ERROR',
  'CANCELLED',
  'DISK_FULL',
  'VAULT_LOCKED', // voice data is encrypted and no key is available yet (keychain missing: unlock with a passphrase)
  'UNAUTHORIZED',
  'FORBIDDEN',
  'INTERNAL',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const ApiErrorShape = z.object({
  code: ErrorCode,
  message: z.string(),
  /** Machine-readable detail, e.g. the failing schema paths. */
  details: z.unknown().optional(),
});
export type ApiErrorShape = z.infer<typeof ApiErrorShape>;

// ---------------------------------------------------------------------------------------------------------------
// Entities
// ---------------------------------------------------------------------------------------------------------------

const Id = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, 'ids contain only letters, digits, _ and -');
const IsoTime = z.string();

export const Project = z.object({
  id: Id,
  name: z.string(),
  createdAt: IsoTime,
  updatedAt: IsoTime,
  lineCount: z.number().int().nonnegative(),
});
export type Project = z.infer<typeof Project>;

/** Engine knobs. Engines ignore the ones they do not have (eSpeak: speed; Pocket TTS: the rest). */
export const SynthesisOptions = z
  .object({
    /** Speaking rate, 0.5–2. */
    speed: z.number().min(0.5).max(2).optional(),
    /** Sampling temperature of the flow model, 0–2 (0 = deterministic). */
    temperature: z.number().min(0).max(2).optional(),
    /** Flow-matching steps per frame, 1–32. */
    flowSteps: z.number().int().min(1).max(32).optional(),
    /** End-of-speech threshold (logit), −10–10. */
    eosThreshold: z.number().min(-10).max(10).optional(),
    /** Seed for reproducible takes; omitted: a random one, recorded with the take. */
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 31 - 1)
      .optional(),
  })
  .strict();
export type SynthesisOptions = z.infer<typeof SynthesisOptions>;

export const Take = z.object({
  id: Id,
  lineId: Id,
  projectId: Id,
  engineId: z.string(),
  voiceId: z.string(),
  text: z.string(),
  sampleRate: z.number().int().positive(),
  durationMs: z.number().nonnegative(),
  /** The knobs the take was made with (the seed always set), so it can be reproduced. */
  options: SynthesisOptions,
  /** What the engine actually read: the line's text without tags, after the pronunciation dictionary. */
  spokenText: z.string(),
  createdAt: IsoTime,
});
export type Take = z.infer<typeof Take>;

/** A problem with an inline tag in a line, e.g. `[pause abc]` (offsets in UTF-16 code units of the line text). */
export const LineTagError = z.object({
  code: z.string(),
  message: z.string(),
  offset: z.number().int().nonnegative(),
  length: z.number().int().nonnegative(),
});
export type LineTagError = z.infer<typeof LineTagError>;

/** What the core made of a line's inline tags (`[pause 1.5s]`, `[speed 1.2]`, `[gain -3dB]`). */
export const ParsedLineSummary = z.object({
  /** No speakable text (empty, or only tags): generation skips it. */
  empty: z.boolean(),
  tagsOnly: z.boolean(),
  /** Sum of `[pause …]` tags, seconds. */
  pauseSeconds: z.number().nonnegative(),
  /** `[speed …]` of the line, if any (time-stretch keeping pitch). */
  speed: z.number().nullable(),
  /** `[gain …]` of the line in dB, if any. */
  gainDb: z.number().nullable(),
  errors: z.array(LineTagError),
});
export type ParsedLineSummary = z.infer<typeof ParsedLineSummary>;

/** Why a line's active take no longer matches it. */
export const StaleReason = z.enum(['text', 'voice', 'options', 'dictionary']);
export type StaleReason = z.infer<typeof StaleReason>;

export const Line = z.object({
  id: Id,
  projectId: Id,
  position: z.number().int().nonnegative(),
  text: z.string(),
  voiceId: z.string().nullable(),
  /** Per-line knobs over the project's. */
  options: SynthesisOptions,
  activeTakeId: Id.nullable(),
  activeTake: Take.nullable(),
  /** Speaker name (maps to a voice through the project's speakers), or null. */
  speaker: z.string().nullable(),
  /** Locked lines are never regenerated by "generate all" or "generate stale". */
  locked: z.boolean(),
  /**
   * Computed: the line has an active take, but its text, resolved voice, knobs or the project's dictionary changed
   * since that take was made. False when there is no take.
   */
  stale: z.boolean(),
  staleReasons: z.array(StaleReason),
  /** Title of a chapter that starts at this line, or null. */
  chapter: z.string().nullable(),
  parsed: ParsedLineSummary,
  updatedAt: IsoTime,
});
export type Line = z.infer<typeof Line>;

const SpeakerName = z.string().trim().min(1, 'A speaker needs a name').max(60);

export const Speaker = z.object({
  name: z.string(),
  /** Voice for this speaker's lines (a line's own voice wins); null: the project's voice. */
  voiceId: z.string().nullable(),
});
export type Speaker = z.infer<typeof Speaker>;

export const DictionaryEntry = z
  .object({
    word: z.string().trim().min(1, 'A dictionary entry needs a word').max(100),
    respelling: z.string().trim().min(1, 'A dictionary entry needs a respelling').max(200),
    /** Match only this exact capitalisation (default: any case). */
    caseSensitive: z.boolean().optional(),
  })
  .strict();
export type DictionaryEntry = z.infer<typeof DictionaryEntry>;

export const MusicBedInfo = z.object({
  /** The music file's original name. */
  name: z.string(),
  /** Bed level in dB. */
  gainDb: z.number(),
  /** Duck (lower) the bed while someone speaks. */
  duck: z.boolean(),
  durationSeconds: z.number().nonnegative(),
});
export type MusicBedInfo = z.infer<typeof MusicBedInfo>;

export const ProjectDetail = Project.extend({
  voiceId: z.string().nullable(),
  options: SynthesisOptions,
  lines: z.array(Line),
  speakers: z.array(Speaker),
  dictionary: z.array(DictionaryEntry),
  /** Default silence between lines, ms. */
  gapMs: z.number().int().nonnegative(),
  musicBed: MusicBedInfo.nullable(),
});
export type ProjectDetail = z.infer<typeof ProjectDetail>;

/** Result of splitting a script without saving it (live preview of an import). */
export const ScriptPreview = z.object({
  lines: z.array(
    z.object({
      text: z.string(),
      speaker: z.string().nullable(),
      /** Title of a chapter starting at this line. */
      chapter: z.string().nullable(),
      paragraph: z.number().int().nonnegative(),
      parsed: ParsedLineSummary,
    }),
  ),
  speakers: z.array(z.string()),
  chapters: z.array(z.object({ title: z.string(), lineIndex: z.number().int().nonnegative() })),
});
export type ScriptPreview = z.infer<typeof ScriptPreview>;

export const Timeline = z.object({
  projectId: Id,
  /** Changes whenever the mix would sound different; part of the mix URL so the player reloads. */
  rev: z.string(),
  durationSeconds: z.number().nonnegative(),
  /** Per line, in script order; lines without an active take have `hasAudio: false` and take no time. */
  lines: z.array(
    z.object({
      lineId: Id,
      start: z.number().nonnegative(),
      end: z.number().nonnegative(),
      hasAudio: z.boolean(),
      speaker: z.string().nullable(),
    }),
  ),
  chapters: z.array(z.object({ title: z.string(), start: z.number().nonnegative(), lineId: Id })),
  /** False when no line has a take yet (the mix URL would 404). */
  hasAudio: z.boolean(),
});
export type Timeline = z.infer<typeof Timeline>;

/** `m4b`: an audiobook (AAC in MP4 with chapters and, when the project has one, the cover from its EPUB). */
export const ExportFormat = z.enum(['wav', 'flac', 'mp3', 'opus', 'm4a', 'm4b']);
export type ExportFormat = z.infer<typeof ExportFormat>;

export const ExportFileKind = z.enum(['audio', 'srt', 'vtt', 'stems']);
export const ExportFile = z.object({
  path: z.string(),
  kind: ExportFileKind,
  bytes: z.number().int().nonnegative(),
});
export type ExportFile = z.infer<typeof ExportFile>;

export const ExportJob = z.object({
  id: Id,
  projectId: Id,
  status: z.enum(['running', 'done', 'failed', 'cancelled']),
  /** 0..1 */
  progress: z.number().min(0).max(1),
  phase: z.enum(['loading', 'mixing', 'loudness', 'encoding', 'subtitles', 'stems', 'done']),
  files: z.array(ExportFile),
  /** Measured on the encoded file (decoded back), LUFS; null until done. */
  integratedLufs: z.number().nullable(),
  truePeakDbtp: z.number().nullable(),
  durationSeconds: z.number().nullable(),
  error: ApiErrorShape.nullable(),
  createdAt: IsoTime,
});
export type ExportJob = z.infer<typeof ExportJob>;

export const EngineInfo = z.object({
  id: z.string(),
  name: z.string(),
  available: z.boolean(),
  /** Why it is unavailable and how to fix it. */
  unavailableReason: z.string().optional(),
  /** Something to show even though it works, e.g. "CUDA failed to load; running on the CPU". */
  notice: z.string().optional(),
  license: z.string(),
});
export type EngineInfo = z.infer<typeof EngineInfo>;

export const VoiceInfo = z.object({
  /** Globally unique: `<engineId>:<engine voice id>`. */
  id: z.string(),
  engineId: z.string(),
  name: z.string(),
  language: z.string(),
  gender: z.enum(['female', 'male', 'unknown']),
});
export type VoiceInfo = z.infer<typeof VoiceInfo>;

export const JobStatus = z.enum(['queued', 'running', 'done', 'failed', 'cancelled', 'interrupted']);
export type JobStatus = z.infer<typeof JobStatus>;

export const Job = z.object({
  id: Id,
  kind: z.literal('synthesize'),
  projectId: Id.nullable(),
  lineId: Id.nullable(),
  /** Jobs queued by the same generate call share a batch id (one queue in the UI). */
  batchId: Id.nullable(),
  status: JobStatus,
  /** 0..1 */
  progress: z.number().min(0).max(1),
  takeId: Id.nullable(),
  error: ApiErrorShape.nullable(),
  createdAt: IsoTime,
  updatedAt: IsoTime,
});
export type Job = z.infer<typeof Job>;

/** An interrupted job that was not resumed, and why. */
export const SkippedJob = z.object({
  jobId: Id,
  lineId: Id.nullable(),
  reason: z.enum(['line-deleted', 'text-changed', 'superseded']),
  message: z.string(),
});
export type SkippedJob = z.infer<typeof SkippedJob>;

// --- Voice audio: staging, quality, recording, consent (issue #4) ----------------------------------------------

/** Machine codes of quality advice; UIs translate them (i18n key `voiceAudio.advice.<code>`). */
export const AdviceCode = z.enum([
  'ok',
  'too-short',
  'short',
  'low-snr',
  'noisy',
  'clipping',
  'too-quiet',
  'too-loud',
  'low-sample-rate',
  'long-pauses',
  'dc-offset',
  'mostly-non-speech',
]);
export type AdviceCode = z.infer<typeof AdviceCode>;

export const Advice = z.object({ code: AdviceCode, severity: z.enum(['info', 'warning', 'error']) });
export type Advice = z.infer<typeof Advice>;

/** Analysis of a recording meant for a voice (native-models/enhance/cleanup.ts). */
export const QualityReport = z.object({
  /** Of the source. */
  sampleRate: z.number().int().positive(),
  /** Of the source (analysis is on the mono downmix). */
  channels: z.number().int().positive(),
  durationSeconds: z.number().nonnegative(),
  /** Seconds of speech (Silero VAD). */
  speechSeconds: z.number().nonnegative(),
  /** Speech level vs the noise floor of the non-speech parts; null when there is no non-speech part. */
  snrDb: z.number().nullable(),
  /** % of samples at or near full scale. */
  clippedPercent: z.number().nonnegative(),
  peakDbfs: z.number(),
  /** BS.1770 integrated loudness; null when too short to gate. */
  loudnessLufs: z.number().nullable(),
  dcOffset: z.number(),
  /** Seconds: the clearest 5–30 s of speech (suggested window for long recordings). */
  bestWindow: z.object({ start: z.number().nonnegative(), end: z.number().nonnegative() }).nullable(),
  advice: z.array(Advice),
});
export type QualityReport = z.infer<typeof QualityReport>;

/**
 * Audio held for a voice-to-be (an import, a recording, a cleaned version, a consent statement, a preview), kept
 * encrypted under the data folder until it is used or discarded (swept after 24 h). Play it with
 * `api.stagingAudioUrl(stagingId)` (a 16-bit mono WAV, decrypted on the fly).
 */
export const StagedAudio = z.object({
  stagingId: Id,
  source: z.enum(['import', 'upload', 'recording', 'clean', 'preview']),
  /** For recordings: what it was recorded for. */
  purpose: z.enum(['sample', 'consent', 'room-noise']).nullable(),
  durationSeconds: z.number().nonnegative(),
  /** Of the staged (stored) audio. */
  sampleRate: z.number().int().positive(),
  report: QualityReport,
  /** Room-noise recordings: median block level of the silence in dBFS (else null). */
  noiseFloorDb: z.number().nullable(),
  /** The staged item this one was cleaned from (kept for A/B), else null. */
  derivedFrom: Id.nullable(),
  createdAt: IsoTime,
});
export type StagedAudio = z.infer<typeof StagedAudio>;

/** Speech level of a sample against a room-noise recording. */
export const SnrEstimate = z.object({
  speechDb: z.number(),
  floorDb: z.number(),
  snrDb: z.number(),
  /** good: >= 40 dB; fair: >= 25 dB; noisy: below. */
  verdict: z.enum(['good', 'fair', 'noisy']),
});
export type SnrEstimate = z.infer<typeof SnrEstimate>;

export const RecorderPurpose = z.enum(['sample', 'consent', 'room-noise']);
export type RecorderPurpose = z.infer<typeof RecorderPurpose>;

export const RecorderDevices = z.object({
  /** The capture program found (SoX or arecord), or null. */
  program: z.enum(['sox', 'arecord']).nullable(),
  devices: z.array(
    z.object({
      /** Pass as `device` to recorder.start. */
      id: z.string(),
      description: z.string(),
      isDefault: z.boolean(),
      /** A monitor of an output (what the speakers play), not a microphone. */
      isMonitor: z.boolean(),
    }),
  ),
  /**
   * Why recording is impossible here and how to fix it, else null: no recorder program (SoX/arecord), no input
   * device, or only monitors of outputs (no microphone). Monitors are still listed and can be recorded from.
   */
  problem: z.string().nullable(),
});
export type RecorderDevices = z.infer<typeof RecorderDevices>;

export const RecorderState = z.enum(['idle', 'starting', 'recording', 'paused', 'ended']);
export const RecorderStatus = z.object({
  state: RecorderState,
  purpose: RecorderPurpose.nullable(),
  /** Seconds recorded (paused time excluded). */
  elapsed: z.number().nonnegative(),
  maxSeconds: z.number().nonnegative(),
  /** Set when state is 'ended': the take stopped by itself (limit reached, or the device failed). */
  endReason: z.enum(['limit', 'device-error']).nullable(),
  /** What went wrong with the device, when endReason is 'device-error'. */
  error: ApiErrorShape.nullable(),
});
export type RecorderStatus = z.infer<typeof RecorderStatus>;

export const ReadingScript = z.object({
  language: z.string(),
  title: z.string(),
  /** Read one paragraph per take; each can be retaken. */
  paragraphs: z.array(z.string()),
});
export type ReadingScript = z.infer<typeof ReadingScript>;

export const ConsentStatement = z.object({
  statementId: Id,
  /** The full text the voice owner reads aloud. */
  text: z.string(),
  /** Random verification words included in the text. */
  words: z.array(z.string()),
  /** ISO date (YYYY-MM-DD) written into the statement. */
  date: z.string(),
  language: z.string(),
  /** Plausible reading time of the text, seconds (the duration check accepts about 0.5x–3x of it). */
  expectedSeconds: z.number().positive(),
});
export type ConsentStatement = z.infer<typeof ConsentStatement>;

export const ConsentCheck = z.object({
  check: z.enum(['duration', 'words', 'speaker']),
  result: z.enum(['passed', 'failed', 'not-checked']),
  /** Plain English, e.g. "18.2 s of speech for an expected 20 s" or "not checked (no speech-recognition pack installed)". */
  detail: z.string(),
  /** The words check: the statement aligned to the recording, word by word. */
  alignment: AlignResult.optional(),
});
export type ConsentCheck = z.infer<typeof ConsentCheck>;

/** Result of checking a consent-statement recording (before or while creating the voice). */
export const ConsentVerification = z.object({
  /** verified: every check that could run passed; failed: one failed. */
  status: z.enum(['verified', 'failed']),
  checks: z.array(ConsentCheck),
});
export type ConsentVerification = z.infer<typeof ConsentVerification>;

export const Consent = z.object({
  /**
   * attested: the user declared they hold the rights (not verified); verified: a consent statement was recorded and
   * its checks passed; failed: a statement whose checks failed (such a voice cannot be created; kept for old data).
   */
  status: z.enum(['attested', 'verified', 'failed']),
  method: z.enum(['attestation', 'statement']),
  /** Who attested or spoke the statement. */
  name: z.string(),
  purpose: z.string(),
  at: IsoTime,
  /** sha256 of the audio the consent covers (the first sample). */
  audioSha256: z.string(),
  /** Statement consent: the text that was read. */
  statement: z.string().optional(),
  /** Statement consent: sha256 of the statement recording (16-bit WAV), kept encrypted with the voice. */
  statementAudioSha256: z.string().optional(),
  /** Statement consent: the per-check results. */
  checks: z.array(ConsentCheck).optional(),
});
export type Consent = z.infer<typeof Consent>;

export const LibraryVoice = z.object({
  id: Id,
  name: z.string(),
  language: z.string(),
  tags: z.array(z.string()),
  samples: z.array(
    z.object({
      id: Id,
      seconds: z.number(),
      sampleRate: z.number().int(),
      /** When it was added (absent for voices from before samples were dated). */
      addedAt: IsoTime.optional(),
      /** sha256 of the sample (16-bit WAV). */
      sha256: z.string().optional(),
    }),
  ),
  consent: Consent.nullable(),
  /** Takes made with this voice (for the delete dialog's "also delete N takes"); absent when not counted. */
  takeCount: z.number().int().nonnegative().optional(),
  /** A preview can be synthesized now (library.preview): some installed cloning engine has this voice. */
  previewAvailable: z.boolean(),
  updatedAt: IsoTime.optional(),
  /** Engines that can speak with this voice now (a cloning pack must be installed when it was added). */
  engines: z.array(z.string()),
  /** The API voice id to use in projects and lines: `library:<id>`. */
  voiceId: z.string(),
  createdAt: IsoTime,
});
export type LibraryVoice = z.infer<typeof LibraryVoice>;

export const ModelPack = z.object({
  id: z.string(),
  name: z.string(),
  version: z.string(),
  kind: z.enum(['tts', 'vad', 'enhance', 'asr']),
  description: z.string().optional(),
  status: z.enum(['installed', 'partial', 'not-installed']),
  outdated: z.boolean(),
  installedVersion: z.string().optional(),
  bytesTotal: z.number().nonnegative(),
  bytesPresent: z.number().nonnegative(),
  cloning: z.boolean(),
  languages: z.array(z.string()),
  presetVoices: z.number().int().nonnegative(),
  requiresTermsAcceptance: z.boolean(),
  licence: z.object({ id: z.string(), url: z.string().optional(), text: z.string().optional() }),
  /** Why an existing pack folder does not count as installed. */
  problem: z.string().optional(),
  /** A file changed size after installation: the pack is not used; models.verify checks it (issue #16). */
  needsVerification: z.boolean().optional(),
  /** A download or import is running. */
  busy: z.boolean(),
});
export type ModelPack = z.infer<typeof ModelPack>;

export const ModelProgress = z.object({
  packId: z.string(),
  phase: z.enum(['download', 'verify', 'import', 'install']),
  file: z.string().optional(),
  bytesDone: z.number().nonnegative(),
  bytesTotal: z.number().nonnegative(),
  speedBps: z.number().nonnegative(),
  etaSeconds: z.number().nullable(),
});
export type ModelProgress = z.infer<typeof ModelProgress>;

export const ExecutionProvider = z.enum(['auto', 'cpu', 'cuda', 'dml', 'coreml']);
export const RuntimeInfo = z.object({
  /** Providers usable on this machine, best first; always ends with cpu. */
  providers: z.array(z.object({ name: z.string(), bundled: z.boolean() })),
  cores: z.number().int().positive(),
});

export const Theme = z.enum(['system', 'light', 'dark']);
export const Locale = z.enum(['en', 'zh-CN']);
export const Settings = z.object({
  theme: Theme,
  locale: Locale,
  defaultVoiceId: z.string().nullable(),
  /** Inference device for neural engines; 'auto' picks the best bundled accelerator, else CPU. */
  executionProvider: ExecutionProvider,
  /** Threads per inference session; null = automatic (the core count). */
  inferenceThreads: z.number().int().min(1).max(64).nullable(),
  /** Re-queue generation interrupted by a crash or quit when Timbre starts again (default on). */
  resumeInterruptedJobs: z.boolean(),
});
export type Settings = z.infer<typeof Settings>;

export const AppInfo = z.object({
  name: z.literal('Timbre'),
  version: z.string(),
  dataDir: z.string(),
  transport: z.enum(['electron', 'web']),
  platform: z.string(),
});
export type AppInfo = z.infer<typeof AppInfo>;

// ---------------------------------------------------------------------------------------------------------------
// Calls
// ---------------------------------------------------------------------------------------------------------------

const ProjectName = z
  .string()
  .trim()
  .min(1, 'A project needs a name')
  .max(LIMITS.projectNameMax, `A project name has at most ${LIMITS.projectNameMax} characters`);

/** Line text as stored (may be empty while the user is still typing; generation refuses empty lines). */
const LineText = z
  .string()
  .max(
    LIMITS.lineTextMax,
    `A line has at most ${LIMITS.lineTextMax.toLocaleString('en')} characters: split it into several lines`,
  );

const empty = z.object({}).strict();

const FilePath = z.string().min(1).max(4096);
const TimeWindow = z
  .object({ start: z.number().nonnegative(), end: z.number().positive() })
  .strict()
  .refine((w) => w.end > w.start, 'The window must end after it starts');
const VoiceLanguage = z.enum(['en', 'zh-CN']);
const VoiceName = z.string().trim().min(1, 'A voice needs a name').max(100);
const VoiceTags = z.array(z.string().trim().min(1).max(40)).max(20);
const ExportPassphrase = z.string().min(8, 'Use a passphrase of at least 8 characters').max(1000);
const ScriptFormat = z.enum(['txt', 'md', 'srt', 'vtt']);
/** A file the browser uploaded: name (for its type) and content. */
const Upload = (maxBytes: number) =>
  z
    .object({
      fileName: z.string().min(1).max(255),
      base64: z
        .string()
        .max(Math.ceil(maxBytes / 3) * 4 + 4, `The file is too large (at most ${Math.round(maxBytes / 1048576)} MiB)`),
    })
    .strict();
const ScriptSource = z.union([
  z
    .object({
      text: z.string().max(LIMITS.scriptTextMax, 'The script is too long: import it in parts'),
      format: ScriptFormat.default('txt'),
    })
    .strict(),
  /** A .txt/.md/.srt/.vtt/.docx file on this computer (Electron, CLI). */
  z.object({ path: FilePath }).strict(),
  Upload(LIMITS.scriptUploadBytesMax),
]);
const MusicSource = z.union([z.object({ path: FilePath }).strict(), Upload(LIMITS.musicUploadBytesMax)]);

function call<I extends z.ZodType, O extends z.ZodType>(input: I, output: O) {
  return { input, output };
}

export const methods = {
  'app.info': call(empty, AppInfo),

  'settings.get': call(empty, Settings),
  'settings.update': call(Settings.partial().strict(), Settings),

  'projects.list': call(empty, z.array(Project)),
  'projects.get': call(z.object({ id: Id }).strict(), ProjectDetail),
  'projects.create': call(z.object({ name: ProjectName }).strict(), Project),
  'projects.rename': call(z.object({ id: Id, name: ProjectName }).strict(), Project),
  'projects.setVoice': call(z.object({ id: Id, voiceId: z.string().max(200).nullable() }).strict(), Project),
  'projects.setOptions': call(z.object({ id: Id, options: SynthesisOptions }).strict(), Project),
  'projects.delete': call(z.object({ id: Id }).strict(), z.object({ deleted: z.literal(true) })),
  /** Map speakers to voices (the whole list; lines keep their speaker names). */
  'projects.setSpeakers': call(
    z
      .object({
        id: Id,
        speakers: z
          .array(z.object({ name: SpeakerName, voiceId: z.string().max(200).nullable() }).strict())
          .max(LIMITS.speakersMax),
      })
      .strict(),
    ProjectDetail,
  ),
  /** Replace the pronunciation dictionary; a looping, duplicate or empty entry → INVALID_INPUT naming it. */
  'projects.setDictionary': call(
    z.object({ id: Id, entries: z.array(DictionaryEntry).max(LIMITS.dictionaryEntriesMax) }).strict(),
    ProjectDetail,
  ),
  /** Gap between lines and the music bed (null removes it; omit `source` to keep the current file). */
  'projects.setMix': call(
    z
      .object({
        id: Id,
        gapMs: z.number().int().min(0).max(10_000).optional(),
        musicBed: z
          .object({
            source: MusicSource.optional(),
            gainDb: z.number().min(-40).max(6).default(-18),
            duck: z.boolean().default(true),
          })
          .strict()
          .nullable()
          .optional(),
      })
      .strict(),
    ProjectDetail,
  ),
  /** Start times of every line in the mixed episode (active takes + gaps + pauses). Mix audio: `projectMixUrl`. */
  'projects.timeline': call(z.object({ id: Id }).strict(), Timeline),

  /** Split a script into lines without saving anything (live preview). */
  'script.preview': call(
    z
      .object({
        text: z.string().max(LIMITS.scriptTextMax, 'The script is too long: import it in parts'),
        format: ScriptFormat.default('txt'),
      })
      .strict(),
    ScriptPreview,
  ),
  /** Import a script into a project in one transaction: lines, speakers (from `NAME:` prefixes) and chapters. */
  'script.import': call(
    z.object({ projectId: Id, source: ScriptSource, mode: z.enum(['append', 'replace']).default('append') }).strict(),
    ProjectDetail,
  ),

  /** Apply the project's dictionary (or the given unsaved entries) to a text; optionally synthesize it. */
  'dictionary.preview': call(
    z
      .object({
        projectId: Id,
        text: z.string().min(1).max(1000),
        /** Unsaved entries to try instead of the project's. */
        entries: z.array(DictionaryEntry).max(LIMITS.dictionaryEntriesMax).optional(),
        /** Also synthesize the respelled text with this voice (default: the project's) as a short WAV. */
        synthesize: z.boolean().default(false),
        voiceId: z.string().max(200).optional(),
      })
      .strict(),
    z.object({
      text: z.string(),
      fired: z.array(z.object({ word: z.string(), respelling: z.string(), count: z.number().int() })),
      /** WAV (16-bit mono) as base64, when `synthesize` was set. */
      wavBase64: z.string().nullable(),
    }),
  ),

  'lines.add': call(
    z
      .object({
        projectId: Id,
        text: LineText.default(''),
        /** Insert before this position; default: append. */
        position: z.number().int().nonnegative().optional(),
        /** Speaker of the new line (e.g. the one of the line it follows). */
        speaker: SpeakerName.nullable().optional(),
      })
      .strict(),
    Line,
  ),
  'lines.update': call(
    z
      .object({
        id: Id,
        text: LineText.optional(),
        voiceId: z.string().max(200).nullable().optional(),
        options: SynthesisOptions.optional(),
        speaker: SpeakerName.nullable().optional(),
        locked: z.boolean().optional(),
        /** Start a chapter at this line (null: none). */
        chapter: z.string().trim().min(1).max(200).nullable().optional(),
      })
      .strict(),
    Line,
  ),
  /** Delete a line. Its takes are kept aside so `lines.restore` (undo) can bring it back. */
  'lines.delete': call(z.object({ id: Id }).strict(), z.object({ deleted: z.literal(true) })),
  'lines.deleteMany': call(
    z.object({ ids: z.array(Id).min(1).max(LIMITS.linesPerProjectMax) }).strict(),
    z.object({ deleted: z.number().int() }),
  ),
  /** Undo a delete: the lines come back at their old positions with their takes and active take. */
  'lines.restore': call(z.object({ ids: z.array(Id).min(1).max(LIMITS.linesPerProjectMax) }).strict(), z.array(Line)),
  /** Split a line at a UTF-16 offset of its text: the first part keeps the id and takes, the second is new. */
  'lines.split': call(z.object({ id: Id, at: z.number().int().positive() }).strict(), z.tuple([Line, Line])),
  /** Merge adjacent lines (in script order) into the first one; the others are deleted (restorable). */
  'lines.merge': call(z.object({ ids: z.array(Id).min(2).max(1000) }).strict(), Line),
  'lines.reorder': call(
    z.object({ projectId: Id, lineIds: z.array(Id).max(LIMITS.linesPerProjectMax) }).strict(),
    z.array(Line),
  ),

  'engines.list': call(empty, z.array(EngineInfo)),
  'voices.list': call(z.object({ engineId: z.string().max(100).optional() }).strict(), z.array(VoiceInfo)),

  'models.list': call(empty, z.array(ModelPack)),
  /** Start downloading a pack (network only on this explicit request). Progress: `model.progress` events. */
  'models.download': call(
    z.object({ id: z.string().max(100), acceptTerms: z.boolean().default(false) }).strict(),
    ModelPack,
  ),
  /** Import a pack from a folder or .zip on this computer (air-gapped machines). */
  'models.import': call(
    z.object({ path: z.string().min(1).max(4096), acceptTerms: z.boolean().default(false) }).strict(),
    ModelPack,
  ),
  'models.cancel': call(z.object({ id: z.string().max(100) }).strict(), ModelPack),
  'models.verify': call(
    z.object({ id: z.string().max(100) }).strict(),
    z.object({
      id: z.string(),
      ok: z.boolean(),
      files: z.array(z.object({ path: z.string(), ok: z.boolean(), problem: z.string().optional() })),
    }),
  ),
  'models.remove': call(z.object({ id: z.string().max(100) }).strict(), ModelPack),
  'runtime.info': call(empty, RuntimeInfo),

  'library.list': call(empty, z.array(LibraryVoice)),
  /** Add a voice from a recording on this computer (any common audio or video format). */
  'library.import': call(
    z
      .object({
        name: z.string().trim().min(1, 'A voice needs a name').max(100),
        path: z.string().min(1).max(4096),
        language: z.string().min(2).max(20).default('en'),
        tags: z.array(z.string().max(40)).max(20).default([]),
        /** The user attests they hold the rights to this voice (typed name and purpose). */
        attest: z
          .object({ name: z.string().trim().min(2).max(100), purpose: z.string().trim().min(3).max(500) })
          .strict(),
      })
      .strict(),
    LibraryVoice,
  ),
  'library.rename': call(z.object({ id: Id, name: z.string().trim().min(1).max(100) }).strict(), LibraryVoice),
  /** Erase a voice: its samples, cloning data and consent record, from disk and database. */
  'library.delete': call(
    z.object({ id: Id, deleteTakes: z.boolean().default(false) }).strict(),
    z.object({ deleted: z.literal(true), takesDeleted: z.number().int() }),
  ),
  /** Unlock encrypted voice data with a passphrase where no system keychain is available. */
  'vault.unlock': call(
    z.object({ passphrase: z.string().min(8, 'Use at least 8 characters').max(1000) }).strict(),
    z.object({ unlocked: z.literal(true) }),
  ),

  // --- Voice library: staging, clean-up, recording, consent (issue #4) ---
  /**
   * Stage audio from a file on this computer (any common audio/video format; the audio track is used). In web mode
   * the browser cannot give paths: upload instead (`PUT /api/uploads?name=<file name>`, see TimbreApi.stageFile).
   */
  'voiceAudio.stage': call(z.object({ path: FilePath }).strict(), StagedAudio),
  /** Clean a staged item into a new one (the original stays staged for A/B). */
  'voiceAudio.clean': call(
    z
      .object({
        stagingId: Id,
        trim: z.boolean().default(false),
        denoise: z.boolean().default(false),
        normalize: z.boolean().default(false),
        /** Keep only this span (seconds) of the source, or the suggested best window. */
        window: z.union([TimeWindow, z.literal('best')]).optional(),
      })
      .strict(),
    StagedAudio,
  ),
  'voiceAudio.get': call(z.object({ stagingId: Id }).strict(), StagedAudio),
  'voiceAudio.discard': call(z.object({ stagingId: Id }).strict(), z.object({ discarded: z.literal(true) })),
  /** A short text to read for a good reference recording (a few paragraphs). */
  'voiceAudio.readingScript': call(z.object({ language: VoiceLanguage }).strict(), ReadingScript),
  /** Estimated SNR of a staged sample against a staged room-noise recording. */
  'voiceAudio.snr': call(z.object({ stagingId: Id, noiseStagingId: Id }).strict(), SnrEstimate),

  /** Capture programs and input devices; `problem` says why recording is impossible and how to fix it. */
  'recorder.devices': call(empty, RecorderDevices),
  /** Open the microphone (main process) and start a take. Levels: `recorder.level`; state: `recorder.state`. */
  'recorder.start': call(
    z
      .object({
        device: z.string().min(1).max(500).optional(),
        maxSeconds: z.number().positive().max(3600).default(300),
        purpose: RecorderPurpose.default('sample'),
      })
      .strict(),
    RecorderStatus,
  ),
  'recorder.status': call(empty, RecorderStatus),
  'recorder.pause': call(empty, RecorderStatus),
  'recorder.resume': call(empty, RecorderStatus),
  /** Close the microphone and stage the take (room-noise: `noiseFloorDb` is set). */
  'recorder.stop': call(empty, StagedAudio),
  /** Close the microphone and drop the take. */
  'recorder.discard': call(empty, z.object({ discarded: z.literal(true) })),

  /** Generate a consent statement for the voice owner to read (name, date, random verification words). */
  'consent.statement': call(
    z
      .object({
        voiceName: z.string().trim().min(1).max(100),
        speakerName: z.string().trim().min(2).max(100),
        language: VoiceLanguage.default('en'),
      })
      .strict(),
    ConsentStatement,
  ),
  /** Check a staged recording of a statement (duration always; words and speaker when such packs are installed). */
  'consent.verify': call(
    z
      .object({
        statementId: Id,
        stagingId: Id,
        /** A staged sample of the voice, for the same-speaker check. */
        sampleStagingId: Id.optional(),
      })
      .strict(),
    ConsentVerification,
  ),

  /** Create a voice from one or more staged samples with consent (attestation or a verified statement). */
  'library.create': call(
    z
      .object({
        name: VoiceName,
        language: z.string().min(2).max(20).default('en'),
        tags: VoiceTags.default([]),
        stagingIds: z.array(Id).min(1, 'A voice needs at least one sample').max(10),
        consent: z.discriminatedUnion('kind', [
          z
            .object({
              kind: z.literal('attest'),
              name: z.string().trim().min(2).max(100),
              purpose: z.string().trim().min(3).max(500),
            })
            .strict(),
          z.object({ kind: z.literal('statement'), statementId: Id, stagingId: Id }).strict(),
        ]),
      })
      .strict(),
    LibraryVoice,
  ),
  'library.update': call(
    z
      .object({
        id: Id,
        name: VoiceName.optional(),
        language: z.string().min(2).max(20).optional(),
        tags: VoiceTags.optional(),
      })
      .strict(),
    LibraryVoice,
  ),
  /** Copy a voice (samples, conditioning and consent record re-encrypted under the new voice). */
  'library.duplicate': call(z.object({ id: Id, name: VoiceName.optional() }).strict(), LibraryVoice),
  'library.addSample': call(z.object({ id: Id, stagingId: Id }).strict(), LibraryVoice),
  /** The last sample cannot be removed (delete the voice instead). */
  'library.removeSample': call(z.object({ id: Id, sampleId: Id }).strict(), LibraryVoice),
  /** A short synthesized preview, staged: play it with stagingAudioUrl(stagingId). */
  'library.preview': call(
    z.object({ id: Id, text: z.string().trim().min(1).max(300).optional() }).strict(),
    StagedAudio,
  ),
  /**
   * Export a voice as one `.timbrevoice` file encrypted with the passphrase (docs/security.md). Without `path` it
   * goes to `<dataDir>/exports/`.
   */
  'library.export': call(
    z.object({ id: Id, path: FilePath.optional(), passphrase: ExportPassphrase }).strict(),
    z.object({ path: z.string(), bytes: z.number().int().nonnegative() }),
  ),
  /** Import a `.timbrevoice` file (a path, or an upload id from TimbreApi.uploadVoiceFile in web mode). */
  'library.importFile': call(
    z
      .object({ path: FilePath.optional(), uploadId: Id.optional(), passphrase: z.string().min(1).max(1000) })
      .strict()
      .refine((v) => (v.path === undefined) !== (v.uploadId === undefined), 'Give either path or uploadId'),
    LibraryVoice,
  ),

  'takes.list': call(z.object({ lineId: Id }).strict(), z.array(Take)),
  'takes.setActive': call(z.object({ lineId: Id, takeId: Id.nullable() }).strict(), Line),
  /**
   * Waveform peaks of a take (stored with it when it was made): min/max pairs, interleaved, in [-1, 1], `perSecond`
   * pairs per second (50 for zoomed-in drawing, 5 for overviews). Ready for wavesurfer's precomputed `peaks`.
   */
  'takes.peaks': call(
    z.object({ takeId: Id, perSecond: z.union([z.literal(50), z.literal(5)]).default(5) }).strict(),
    z.object({
      takeId: Id,
      perSecond: z.number().int(),
      durationSeconds: z.number(),
      integratedLufs: z.number().nullable(),
      truePeakDbtp: z.number().nullable(),
      peaks: z.array(z.number().min(-1).max(1)),
    }),
  ),
  /**
   * Delete takes in bulk. The active take of a locked line is refused (CONFLICT naming the lines) unless `force`;
   * a line whose active take is deleted falls back to its newest remaining take.
   */
  'takes.delete': call(
    z.object({ ids: z.array(Id).min(1).max(10_000), force: z.boolean().default(false) }).strict(),
    z.object({ deleted: z.number().int(), lines: z.array(Line) }),
  ),

  /**
   * Queue synthesis. scope 'selection' (the default when lineIds is given): exactly those lines (an empty or
   * tags-only one is an error). 'all' (default otherwise): every unlocked line with text. 'stale': unlocked lines
   * that are stale or have no take. Returns the queued jobs (one batch).
   */
  'jobs.generate': call(
    z
      .object({
        projectId: Id,
        lineIds: z.array(Id).min(1).max(LIMITS.linesPerProjectMax).optional(),
        scope: z.enum(['all', 'stale', 'selection']).optional(),
      })
      .strict(),
    z.array(Job),
  ),
  /** Same as jobs.generate, also telling which lines were skipped and why. */
  'jobs.generateBatch': call(
    z
      .object({
        projectId: Id,
        lineIds: z.array(Id).min(1).max(LIMITS.linesPerProjectMax).optional(),
        scope: z.enum(['all', 'stale', 'selection']).optional(),
      })
      .strict(),
    z.object({
      batchId: Id.nullable(),
      jobs: z.array(Job),
      skipped: z.array(
        z.object({ lineId: Id, reason: z.enum(['locked', 'empty', 'tags-only', 'up-to-date']), message: z.string() }),
      ),
    }),
  ),
  /** Jobs still queued or running (the UI re-attaches to them after a reload) plus recently finished ones. */
  'jobs.list': call(z.object({ projectId: Id.optional() }).strict(), z.array(Job)),
  'jobs.cancel': call(z.object({ id: Id }).strict(), Job),
  /** Cancel every queued or running job of a batch. */
  'jobs.cancelBatch': call(z.object({ batchId: Id }).strict(), z.array(Job)),
  /**
   * Re-queue jobs interrupted by a crash or quit (of one project, or all), in their original order and batch. A job
   * whose line was deleted, changed its text since it was queued, or was generated again since is not resumed: it is
   * cancelled and listed in `skipped` with the reason.
   */
  'jobs.resumeInterrupted': call(
    z.object({ projectId: Id.optional() }).strict(),
    z.object({ jobs: z.array(Job), skipped: z.array(SkippedJob) }),
  ),
  /**
   * What the last start did with interrupted generation (`startedAt` identifies the start, so a notice is shown once)
   * and how many jobs are interrupted now (of the project, or all).
   */
  'jobs.recovery': call(
    z.object({ projectId: Id.optional() }).strict(),
    z.object({
      startedAt: IsoTime,
      autoResume: z.boolean(),
      resumed: z.number().int().min(0),
      skipped: z.number().int().min(0),
      interrupted: z.number().int().min(0),
    }),
  ),

  /**
   * Export the episode (mixdown of active takes) in the background; progress: `export.progress`, end:
   * `export.done`. Without `outputPath` the files go to the data folder's exports/ (downloadable via
   * `exportFileUrl`).
   */
  'export.start': call(
    z
      .object({
        projectId: Id,
        format: ExportFormat,
        wavBits: z.union([z.literal(16), z.literal(24)]).default(16),
        mp3Mode: z.enum(['cbr', 'vbr']).default('cbr'),
        bitrateKbps: z.number().int().min(32).max(320).optional(),
        sampleRate: z.union([z.literal(22050), z.literal(24000), z.literal(44100), z.literal(48000)]).default(44100),
        channels: z.union([z.literal(1), z.literal(2)]).default(2),
        loudness: z.enum(['podcast', 'broadcast', 'none']).default('podcast'),
        subtitles: z
          .array(z.enum(['srt', 'vtt']))
          .max(2)
          .default([]),
        chapters: z.boolean().default(true),
        stems: z.enum(['none', 'line', 'speaker']).default('none'),
        /** Absolute path of the audio file to write (subtitles and stems go next to it). */
        outputPath: FilePath.optional(),
      })
      .strict(),
    ExportJob,
  ),
  'export.cancel': call(z.object({ id: Id }).strict(), ExportJob),
  'export.get': call(z.object({ id: Id }).strict(), ExportJob),
  /** The project's exports, newest first (running ones included, so the UI re-attaches after a reload). */
  'export.list': call(z.object({ projectId: Id }).strict(), z.array(ExportJob)),
  ...speechMethods,
} as const;

export type Methods = typeof methods;
export type MethodName = keyof Methods;
export type MethodInput<M extends MethodName> = z.input<Methods[M]['input']>;
export type MethodParams<M extends MethodName> = z.output<Methods[M]['input']>;
export type MethodResult<M extends MethodName> = z.output<Methods[M]['output']>;

// ---------------------------------------------------------------------------------------------------------------
// Events (core → UI)
// ---------------------------------------------------------------------------------------------------------------

export const events = {
  /** A job changed state or progress. */
  'job.updated': Job,
  /** A chunk of audio of a running job: mono 16-bit little-endian PCM, base64. */
  'job.audio': z.object({
    jobId: Id,
    seq: z.number().int().nonnegative(),
    sampleRate: z.number().int().positive(),
    pcm16: z.string(),
  }),
  /** Something in a project changed (from another window, the CLI, or a finished job). */
  'project.changed': z.object({ projectId: Id }),
  'project.deleted': z.object({ projectId: Id }),
  'projects.changed': z.object({}),
  /** Bytes, speed and ETA of a running pack download or import. */
  'model.progress': ModelProgress,
  /** A pack's state changed (installed, removed, failed, cancelled); `error` set when a transfer failed. */
  'model.updated': z.object({ pack: ModelPack, error: ApiErrorShape.nullable() }),
  /** Live level of the microphone while recording or paused (about 20 per second). */
  'recorder.level': z.object({
    rmsDb: z.number(),
    peakDb: z.number(),
    clipping: z.boolean(),
    tooQuiet: z.boolean(),
    /** Seconds recorded (paused time excluded). */
    elapsed: z.number().nonnegative(),
    paused: z.boolean(),
  }),
  /** The recorder changed state (started, paused, resumed, ended by itself, stopped, discarded). */
  'recorder.state': RecorderStatus,
  /** A running export's phase and progress. */
  'export.progress': ExportJob,
  /** An export finished (status done, failed or cancelled); on failure or cancel no file was left behind. */
  'export.done': ExportJob,
} as const;

export type Events = typeof events;
export type EventName = keyof Events;
export type EventPayload<E extends EventName> = z.output<Events[E]>;

/** A browser File (kept structural so this file needs no DOM types). */
export interface UploadableFile {
  readonly name: string;
  readonly size: number;
  arrayBuffer(): Promise<ArrayBuffer>;
}

/** Bytes of an upload sent so far (web mode; Electron sends no bytes and never calls it). */
export type UploadProgress = (sent: number, total: number) => void;

/** The API as the renderer sees it, whatever the transport. */
export interface TimbreApi {
  call<M extends MethodName>(method: M, params: MethodInput<M>): Promise<MethodResult<M>>;
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
  /** A URL the renderer can put in an <audio> element to play a take. */
  takeAudioUrl(takeId: string): string;
  /** A URL for an <audio> element (or wavesurfer) to play staged audio (16-bit mono WAV). */
  stagingAudioUrl(stagingId: string): string;
  /**
   * Stage a file the user picked or dropped (File from an <input type=file> or a drop). Electron: its real path goes
   * to voiceAudio.stage; web mode: it is uploaded (PUT /api/uploads). Same result and errors as voiceAudio.stage.
   */
  stageFile(file: UploadableFile, onProgress?: UploadProgress): Promise<StagedAudio>;
  /** Make a picked `.timbrevoice` file available to library.importFile: a path (Electron) or an upload id (web). */
  uploadVoiceFile(file: UploadableFile): Promise<{ path: string } | { uploadId: string }>;
  /** URL of the project's mixed preview (WAV); `rev` from `projects.timeline`. */
  projectMixUrl(projectId: string, rev: string): string;
  /** URL to download file `index` of a finished export (`ExportJob.files[index]`). */
  exportFileUrl(exportId: string, index: number): string;
  readonly transport: 'electron' | 'web';
}

/** Shape of the raw bridge the Electron preload exposes on `window.timbreBridge`. */
export interface PreloadBridge {
  invoke(method: string, params: unknown): Promise<{ ok: true; result: unknown } | { ok: false; error: ApiErrorShape }>;
  subscribe(listener: (event: string, payload: unknown) => void): () => void;
  readonly mediaScheme: string;
  /** The real path of a File the user picked or dropped (webUtils.getPathForFile); '' when it has none. */
  pathForFile?(file: unknown): string;
}

export const isMethodName = (m: unknown): m is MethodName =>
  typeof m === 'string' && Object.prototype.hasOwnProperty.call(methods, m);
