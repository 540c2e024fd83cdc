/**
 * Dubbing (#11): the options of a dub and the report it writes. Schemas (the CLI `timbre dub` and the
 * core pipeline in main/node/dub/ validate with them) and the dubbing projects' method map slice (`dubMethods`).
 * Part of the one contract: see index.ts. Details: docs/dubbing.md.
 */
import { z } from 'zod';
import { call } from './common.js';

/** Limits of a dub (docs/security.md, "Dubbing"). */
export const DUB_LIMITS = {
  /** A subtitle file larger than this is refused before it is read (a feature film's SRT is ~100 KB). */
  subtitleBytesMax: 16 * 1024 * 1024,
  /** Cues per subtitle file (a 3-hour film has ~2,000). */
  cuesMax: 20_000,
  /** Characters of one cue's text once tags are removed. */
  cueTextMax: 2_000,
  /** Longest media Timbre dubs (the mix's temporary files grow with it: ~0.6 GB per hour per file). */
  mediaSecondsMax: 6 * 3600,
  /** Speakers (voices) in one dub. */
  speakersMax: 200,
  /** Largest ffprobe answer read (a file with thousands of streams is refused, not parsed). */
  probeJsonBytesMax: 4 * 1024 * 1024,
} as const;

export const BackgroundMode = z.enum(['duck', 'center', 'separate', 'none']);
export type BackgroundMode = z.infer<typeof BackgroundMode>;

/** Dialogue loudness presets: −23 LUFS (EBU R128 broadcast), −16 / −14 (web and streaming). */
export const DubLoudness = z.union([z.literal(-23), z.literal(-16), z.literal(-14)]);
export type DubLoudness = z.infer<typeof DubLoudness>;

/** ISO 639-1 (`fr`) or 639-2 (`fra`) language code, optionally with a region (`pt-BR`). */
export const LanguageCode = z
  .string()
  .regex(/^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$/, 'a language code such as fr, fra or pt-BR');

export const DubOptions = z
  .object({
    /** The video (MP4, MKV, MOV, WebM) or audio file; never modified. */
    input: z.string().min(1),
    /** The target-language subtitles (SRT, VTT, ASS/SSA): the text to speak and the timing. */
    subs: z.string().min(1),
    /** Source-language subtitles: added as a second soft subtitle track. */
    sourceSubs: z.string().min(1).optional(),
    /** Default voice (API voice id or name); `espeak:en-us` when absent. */
    voice: z.string().min(1).optional(),
    /** Voice per speaker (speaker names as in the subtitles, compared without case). */
    speakerVoices: z
      .array(z.object({ speaker: z.string().min(1).max(100), voice: z.string().min(1) }).strict())
      .max(DUB_LIMITS.speakersMax)
      .default([]),
    background: BackgroundMode.default('duck'),
    /** Largest time-stretch (speed-up) applied to a take. */
    maxStretch: z.number().min(1).max(1.4).default(1.15),
    /** Largest silence borrowed from the gap after a cue, seconds. */
    maxBorrow: z.number().min(0).max(5).default(1),
    /** How far the dub ducks the original in `duck` mode, dB (at least 15). */
    duckDb: z.number().min(15).max(60).default(20),
    loudness: DubLoudness.default(-16),
    /** Language of the dub track. */
    language: LanguageCode.optional(),
    /** Language of the source subtitles' track. */
    sourceLanguage: LanguageCode.optional(),
    /** Keep the original audio as a second (not default) track. */
    keepOriginal: z.boolean().default(false),
    /** Read `NAME: text` at the start of a cue as its speaker. */
    speakerPrefix: z.boolean().default(true),
    output: z.string().min(1),
    srt: z.string().min(1).optional(),
    vtt: z.string().min(1).optional(),
    /** Where to write the report (JSON), atomically, before the output is put in place. */
    report: z.string().min(1).optional(),
    /** Folder for the stems (dialogue.wav, background.wav). */
    stems: z.string().min(1).optional(),
    /**
     * Label cues without a speaker by clustering their voices (the speaker-embedding pack): 'auto' stops at the
     * similarity threshold, a number gives the speaker count. Cues that name a speaker keep it and name their cluster.
     */
    clusterSpeakers: z.union([z.literal('auto'), z.number().int().min(1).max(DUB_LIMITS.speakersMax)]).optional(),
    /**
     * Speakers whose voice is cloned from this media (their cleanest 10–30 s into one library voice, with the consent
     * the caller gives; `timbre dub --clone-speaker`). Needs a runner that can clone (the command line); never one
     * clone per line.
     */
    cloneSpeakers: z.array(z.string().trim().min(1).max(100)).max(DUB_LIMITS.speakersMax).default([]),
  })
  .strict();
export type DubOptions = z.input<typeof DubOptions>;
export type DubSettings = z.output<typeof DubOptions>;

export const FitKind = z.enum(['fits', 'stretched', 'borrowed', 'too-long']);
export type FitKind = z.infer<typeof FitKind>;

export const DubSegment = z.object({
  index: z.number().int().nonnegative(),
  cueStart: z.number(),
  cueEnd: z.number(),
  speaker: z.string().nullable(),
  /** API voice id (`espeak:en-us+f3`, `library:<id>`). */
  voice: z.string(),
  text: z.string(),
  /** The take's length after edge silence was trimmed, at natural speed (seconds). */
  takeSeconds: z.number(),
  placedStart: z.number(),
  placedEnd: z.number(),
  /** Time-stretch applied (1 = none; 1.1 = 10 % faster). */
  stretch: z.number(),
  borrowedSeconds: z.number(),
  fit: FitKind,
  /** Speaking rate the take was generated at (1 = the voice's natural rate; > 1 when re-generated faster). */
  speakingRate: z.number(),
  /** How much longer than the slot plus the allowed borrow the placed take is (too-long only, else 0). */
  tooLongBySeconds: z.number(),
  /** Largest borrow this segment was allowed (the gap after the cue minus a guard, capped by maxBorrow). */
  borrowLimitSeconds: z.number(),
  /** Fit before generating: the length predicted from the voice's speaking rate and what that predicted. */
  predictedSeconds: z.number(),
  predictedFit: FitKind,
  /**
   * Integrated loudness of the placed take in the output (after the dub's gain, before the true-peak limiter), LUFS;
   * null when the take is too short or too quiet to measure (under one 400 ms gating block of speech).
   */
  loudnessLufs: z.number().nullable().default(null),
  /**
   * Cosine similarity (0..1) of the take's speaker embedding to its voice's reference recording (a library voice's
   * first sample); null without the speaker-embedding pack, for voices with no reference (built-in voices) or for
   * takes shorter than the embedder needs.
   */
  similarity: z.number().nullable().default(null),
});
export type DubSegment = z.infer<typeof DubSegment>;

export const DubReport = z.object({
  source: z.object({
    path: z.string(),
    format: z.string(),
    durationSeconds: z.number(),
    video: z
      .object({ codec: z.string(), width: z.number().int(), height: z.number().int(), frameRate: z.number() })
      .nullable(),
    audio: z.object({ codec: z.string(), channels: z.number().int(), sampleRate: z.number().int() }).nullable(),
    subtitles: z.object({
      path: z.string(),
      format: z.enum(['srt', 'vtt', 'ass']),
      encoding: z.string(),
      cues: z.number(),
    }),
  }),
  output: z.object({
    path: z.string(),
    videoCopied: z.boolean(),
    durationSeconds: z.number(),
    /** Other files written (sidecar subtitles, stems). */
    files: z.array(z.string()),
  }),
  settings: z.object({
    background: BackgroundMode,
    maxStretch: z.number(),
    maxBorrow: z.number(),
    loudnessTarget: z.number(),
    language: z.string().nullable(),
  }),
  segments: z.array(DubSegment),
  loudness: z.object({ integratedLufs: z.number(), truePeakDbtp: z.number() }),
  /** Per voice: characters per second measured on this run's takes (natural speed). */
  speakingRates: z.record(z.string(), z.number()),
  /** Non-fatal things the user should know (overlapping cues changed, cues past the end dropped). */
  warnings: z.array(z.string()),
  wallSeconds: z.number(),
});
export type DubReport = z.infer<typeof DubReport>;

export const DubPhase = z.enum(['probing', 'extracting', 'generating', 'mixing', 'encoding', 'done', 'separating']);
export type DubPhase = z.infer<typeof DubPhase>;

/** Progress of a dub: the phase and the fraction of the whole (0..1). */
export const DubProgress = z.object({
  phase: DubPhase,
  fraction: z.number().min(0).max(1),
  segment: z.number().int().optional(),
  segments: z.number().int().optional(),
});
export type DubProgress = z.infer<typeof DubProgress>;

/** Fit before generating (`timbre dub --plan`): each segment's predicted length and fit, nothing generated. */
export const DubPlan = z.object({
  segments: z.array(
    DubSegment.pick({
      index: true,
      cueStart: true,
      cueEnd: true,
      speaker: true,
      voice: true,
      text: true,
      borrowLimitSeconds: true,
      predictedSeconds: true,
      predictedFit: true,
    }),
  ),
  /** Per voice: letters and digits per second, calibrated on one take of that voice's longest cue. */
  speakingRates: z.record(z.string(), z.number()),
  warnings: z.array(z.string()),
});
export type DubPlan = z.infer<typeof DubPlan>;

// ---------------------------------------------------------------------------------------------------------------
// Dubbing projects (the Dub view): saved in SQLite, served over the contract like studio projects.
// ---------------------------------------------------------------------------------------------------------------

/** Limits of dubbing projects (docs/security.md, "Dubbing"). */
export const DUB_PROJECT_LIMITS = {
  /** Segments in one dubbing project (the subtitle file's cue cap). */
  segmentsMax: DUB_LIMITS.cuesMax,
  /** Characters of a segment's text. */
  segmentTextMax: DUB_LIMITS.cueTextMax,
  /** Shortest segment after a nudge or split, seconds. */
  segmentSecondsMin: 0.1,
  /**
   * Largest media uploaded from the browser (web mode; the desktop app reads the file where it is). The upload
   * streams to disk as it arrives, so this bounds disk use, not memory: 8 GiB holds a feature film at high bitrate.
   */
  mediaUploadBytesMax: 8 * 1024 * 1024 * 1024,
} as const;

const DubId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, 'ids contain only letters, digits, _ and -');

/** A subtitle file sent with the call (the page reads the file it was given): name and content (base64). */
export const DubSubtitleUpload = z
  .object({
    fileName: z.string().min(1).max(255),
    base64: z
      .string()
      .max(
        Math.ceil(DUB_LIMITS.subtitleBytesMax / 3) * 4 + 4,
        `The subtitle file is too large (at most ${DUB_LIMITS.subtitleBytesMax / 1048576} MiB)`,
      ),
  })
  .strict();
/** A subtitle file: a path on this computer (desktop, CLI, API) or its content (the page). */
export const DubSubtitleSource = z.union([z.object({ path: z.string().min(1).max(4096) }).strict(), DubSubtitleUpload]);
export type DubSubtitleSource = z.infer<typeof DubSubtitleSource>;

/** The media of a new dubbing project: a path (read only, never modified) or a browser upload (`/api/uploads?kind=dub-media`). */
export const DubMediaSource = z.union([
  z.object({ path: z.string().min(1).max(4096) }).strict(),
  z.object({ uploadId: DubId }).strict(),
]);
export type DubMediaSource = z.infer<typeof DubMediaSource>;

export const DubProjectSettings = z
  .object({
    background: BackgroundMode,
    maxStretch: z.number().min(1).max(1.4),
    maxBorrow: z.number().min(0).max(5),
    duckDb: z.number().min(15).max(60),
    loudness: DubLoudness,
    language: LanguageCode.nullable(),
    /** The voice of segments whose speaker has none (and of segments without a speaker). */
    defaultVoice: z.string().min(1).max(200),
  })
  .strict();
export type DubProjectSettings = z.infer<typeof DubProjectSettings>;

export const DubMediaInfo = z.object({
  /** The file Timbre reads (the user's own file, or the uploaded copy in the data folder). */
  path: z.string(),
  name: z.string(),
  uploaded: z.boolean(),
  format: z.string(),
  durationSeconds: z.number(),
  video: z
    .object({ codec: z.string(), width: z.number().int(), height: z.number().int(), frameRate: z.number() })
    .nullable(),
  audio: z.object({ codec: z.string(), channels: z.number().int(), sampleRate: z.number().int() }).nullable(),
});
export type DubMediaInfo = z.infer<typeof DubMediaInfo>;

/**
 * Fit before generating, for a segment of a dubbing project (the Dub view's predicted-fit badge): the length its text
 * is predicted to take with its voice, from that voice's speaking rate calibrated on its takes so far (the estimator
 * of `timbre dub --plan`), and the fit that length would get.
 */
export const DubPrediction = z.object({
  predictedSeconds: z.number(),
  fit: FitKind,
  /** Time-stretch the take would need (1 = none). */
  stretch: z.number(),
  borrowedSeconds: z.number(),
  /** How far past the slot plus the allowed borrow it would still run at the stretch cap (too-long only, else 0). */
  tooLongBySeconds: z.number(),
  /** Spoken characters (letters and digits) per second used for the voice. */
  rate: z.number(),
  /** The rate was measured on takes of this voice (false: the prior, 14 characters a second, alone). */
  calibrated: z.boolean(),
});
export type DubPrediction = z.infer<typeof DubPrediction>;

export const DubProjectSegment = z.object({
  id: z.string(),
  index: z.number().int().nonnegative(),
  start: z.number(),
  end: z.number(),
  speaker: z.string().nullable(),
  /** Source-language text (from the source subtitles), for reference. */
  sourceText: z.string(),
  /** The text spoken. */
  text: z.string(),
  locked: z.boolean(),
  /** The current take's placement and fit, or null before it is generated. */
  fit: DubSegment.nullable(),
  /** The take no longer matches the text, timing or voice (regenerate it). */
  stale: z.boolean(),
  /** Fit before generating (null when the segment has no text yet). */
  predicted: DubPrediction.nullable().default(null),
});
export type DubProjectSegment = z.infer<typeof DubProjectSegment>;

export const DubGenerationStatus = z.enum(['idle', 'running', 'done', 'cancelled', 'failed']);
export const DubGeneration = z.object({
  status: DubGenerationStatus,
  done: z.number().int(),
  total: z.number().int(),
  /** Seconds left, from the pace of the takes made so far (null before the first). */
  etaSeconds: z.number().nullable(),
  error: z.string().nullable(),
});
export type DubGeneration = z.infer<typeof DubGeneration>;

export const DubProjectSummary = z.object({
  id: z.string(),
  name: z.string(),
  mediaName: z.string(),
  durationSeconds: z.number(),
  hasVideo: z.boolean(),
  segments: z.number().int(),
  generated: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type DubProjectSummary = z.infer<typeof DubProjectSummary>;

export const DubExportInfo = z.object({
  path: z.string(),
  srtPath: z.string().nullable(),
  /** Target and source text in each cue (when the project has source text), next to the SRT. */
  bilingualSrtPath: z.string().nullable().default(null),
  reportPath: z.string().nullable(),
  /** The stems (dialogue and background, 48 kHz WAV, the dub's gain applied) when asked for. */
  stems: z.object({ dialogue: z.string(), background: z.string() }).nullable().default(null),
  videoCopied: z.boolean(),
  durationSeconds: z.number(),
  at: z.string(),
});
export type DubExportInfo = z.infer<typeof DubExportInfo>;

export const DubProjectDetail = DubProjectSummary.extend({
  media: DubMediaInfo,
  settings: DubProjectSettings,
  speakers: z.array(z.object({ name: z.string(), voiceId: z.string().nullable() })),
  segmentList: z.array(DubProjectSegment),
  generation: DubGeneration,
  /** Changes with every edit or take: the dub preview's cache key. */
  revision: z.number().int(),
  lastExport: DubExportInfo.nullable(),
  warnings: z.array(z.string()),
});
export type DubProjectDetail = z.infer<typeof DubProjectDetail>;

export const DubExportFormat = z.enum(['mp4', 'mkv', 'wav']);
export type DubExportFormat = z.infer<typeof DubExportFormat>;

const projectRef = z.object({ projectId: DubId }).strict();
const SegmentText = z.string().trim().min(1, 'A segment needs text to speak').max(DUB_PROJECT_LIMITS.segmentTextMax);
const Seconds = z.number().nonnegative().max(DUB_LIMITS.mediaSecondsMax);

/** Limits of speaker clustering and transcription in dubbing projects (docs/security.md, "Dubbing: speakers and transcripts"). */
export const DUB_ANALYSIS_LIMITS = {
  /** Segments at least this long are embedded and clustered (shorter ones say too little about a voice). */
  clusterSecondsMin: 1,
  /** Segments from this long up to clusterSecondsMin join the most similar cluster; shorter ones are skipped. */
  joinSecondsMin: 0.5,
  /** Audio embedded per segment: its first this many seconds (memory and time per segment stay bounded). */
  embedSecondsMax: 30,
  /**
   * Segments clustered at once (the longest; the rest join the most similar cluster): average-linkage clustering is
   * O(n²) memory and O(n³) time (2,000 took 27 s on the loaded 2-core build machine; 1,000 about an eighth of that).
   */
  clusterItemsMax: 1000,
  /** Default same-speaker threshold (cosine similarity), provisional: not yet measured on the real pack. */
  speakerThreshold: 0.5,
  /** Audio transcribed per call to the recogniser (with 5 s of context each side), so memory does not grow with the media. */
  transcribeChunkSeconds: 300,
  /**
   * Segments at least this long are checked for a second voice: their halves are embedded, and when each half is
   * clearly nearer another speaker, the segment is reported with where the voice changes (the user splits it).
   */
  mixedSecondsMin: 4,
  /** How much nearer (cosine similarity) each half must be to its own speaker than to the other's. */
  mixedMargin: 0.05,
} as const;

export const DubAnalysisProgress = z.object({
  projectId: z.string(),
  task: z.enum(['speakers', 'transcript']),
  phase: z.enum(['extracting', 'embedding', 'clustering', 'transcribing', 'done', 'cancelled', 'failed']),
  fraction: z.number().min(0).max(1),
});
export type DubAnalysisProgress = z.infer<typeof DubAnalysisProgress>;

const SegmentRef = z.object({ segmentId: z.string(), start: z.number(), end: z.number() });
export const DubSpeakersResult = z.object({
  project: DubProjectDetail,
  /** The speakers found, with how many segments each now has. */
  speakers: z.array(z.object({ name: z.string(), segments: z.number().int() })),
  /** Segments given a speaker by clustering. */
  labelled: z.number().int(),
  /** Segments too short to cluster that joined the most similar cluster. */
  joined: z.array(SegmentRef.extend({ speaker: z.string() })),
  /** Segments left as they were: too short to tell a voice. */
  skipped: z.array(SegmentRef.extend({ reason: z.string() })),
  /** Locked segments, kept as they were. */
  locked: z.number().int(),
  /**
   * Segments where two speakers seem to talk one after the other (each half nearer another speaker): `at` is where
   * the voice changes, `speakers` who talks before and after. Reported, not split: the text must be divided too.
   */
  mixed: z.array(SegmentRef.extend({ at: z.number(), speakers: z.tuple([z.string(), z.string()]) })).default([]),
});
export type DubSpeakersResult = z.infer<typeof DubSpeakersResult>;

export const DubTranscribeResult = z.object({
  project: DubProjectDetail,
  /** New segments made from the transcript. */
  added: z.number().int(),
  /** Existing segments that had no source text and got the transcript's words inside them. */
  filled: z.number().int(),
  /** Transcript segments not added because a segment already covers that time. */
  covered: z.number().int(),
  words: z.number().int(),
  model: z.string(),
});
export type DubTranscribeResult = z.infer<typeof DubTranscribeResult>;

export const dubMethods = {
  'dub.list': call(z.object({}).strict(), z.array(DubProjectSummary)),
  'dub.get': call(projectRef, DubProjectDetail),
  /** A dubbing project from a video or audio file, with its target (and source) subtitles when given. */
  'dub.create': call(
    z
      .object({
        name: z.string().trim().min(1).max(200).optional(),
        media: DubMediaSource,
        targetSubs: DubSubtitleSource.optional(),
        sourceSubs: DubSubtitleSource.optional(),
        settings: DubProjectSettings.partial().optional(),
      })
      .strict(),
    DubProjectDetail,
  ),
  'dub.delete': call(projectRef, z.object({ deleted: z.literal(true) })),
  'dub.updateSettings': call(
    z.object({ projectId: DubId, settings: DubProjectSettings.partial().strict() }).strict(),
    DubProjectDetail,
  ),
  /** Edit a segment: text, speaker, start/end (nudge), lock. Segments never overlap: a change that would is refused. */
  'dub.updateSegment': call(
    z
      .object({
        segmentId: DubId,
        text: SegmentText.optional(),
        speaker: z.string().trim().min(1).max(100).nullable().optional(),
        start: Seconds.optional(),
        end: Seconds.optional(),
        locked: z.boolean().optional(),
      })
      .strict(),
    DubProjectDetail,
  ),
  /** A new segment (e.g. for media without subtitles). */
  'dub.addSegment': call(
    z
      .object({
        projectId: DubId,
        start: Seconds,
        end: Seconds,
        text: SegmentText,
        speaker: z.string().max(100).nullable().optional(),
      })
      .strict(),
    DubProjectDetail,
  ),
  /** Segments from the speech the VAD finds where no segment is yet (text left empty for the user to type). */
  'dub.detectSpeech': call(projectRef, DubProjectDetail),
  'dub.deleteSegment': call(z.object({ segmentId: DubId }).strict(), DubProjectDetail),
  /** Split a segment at a time; the text splits at `textAt` (characters) or at the word nearest the time's share. */
  'dub.splitSegment': call(
    z.object({ segmentId: DubId, at: Seconds, textAt: z.number().int().positive().optional() }).strict(),
    DubProjectDetail,
  ),
  /** Merge neighbouring segments (in time order) into the first. */
  'dub.mergeSegments': call(z.object({ segmentIds: z.array(DubId).min(2).max(100) }).strict(), DubProjectDetail),
  /** The voice of a speaker (null: the project's default voice). */
  'dub.setSpeakerVoice': call(
    z
      .object({
        projectId: DubId,
        speaker: z.string().trim().min(1).max(100),
        voiceId: z.string().min(1).max(200).nullable(),
      })
      .strict(),
    DubProjectDetail,
  ),
  /** Generate every segment without a current take (locked segments are kept); `dub.progress` reports. */
  'dub.generate': call(z.object({ projectId: DubId, all: z.boolean().default(false) }).strict(), DubGeneration),
  'dub.cancel': call(projectRef, DubGeneration),
  /** Generate one segment again now (seconds: the engine stays loaded). */
  'dub.regenerate': call(z.object({ segmentId: DubId }).strict(), DubProjectSegment),
  /** The dub (mix of the takes with the background) as a WAV for the player; built on demand per revision. */
  'dub.preview': call(projectRef, z.object({ revision: z.number().int(), durationSeconds: z.number() })),
  /** Write the dubbed file (video copied) and a sidecar SRT; without `path`, into the data folder's exports. */
  'dub.export': call(
    z
      .object({
        projectId: DubId,
        format: DubExportFormat,
        path: z.string().min(1).max(4096).optional(),
        srt: z.boolean().default(true),
        keepOriginal: z.boolean().default(false),
        /** Also write the stems (dialogue.wav, background.wav) into a folder next to the export. */
        stems: z.boolean().default(false),
      })
      .strict(),
    z.object({ export: DubExportInfo, report: DubReport }),
  ),
  /**
   * Speakers from the voices (the speaker-embedding pack): each segment's audio is embedded and the segments are
   * clustered, by a similarity threshold or into a known number of speakers, and labelled "Speaker 1"…; locked
   * segments keep their speaker (a locked segment's hand-given name names its cluster). `dub.analysis` reports.
   */
  'dub.findSpeakers': call(
    z
      .object({
        projectId: DubId,
        /** The number of speakers, when known (else the threshold decides). */
        speakers: z.number().int().min(1).max(DUB_LIMITS.speakersMax).optional(),
        /** Cosine similarity two clusters need to be merged (default DUB_ANALYSIS_LIMITS.speakerThreshold). */
        threshold: z.number().min(-1).max(1).optional(),
      })
      .strict(),
    DubSpeakersResult,
  ),
  /**
   * Segments from a transcript of the media (the ASR pack) where no segment is yet, with the transcript as their
   * source text (and as the text to speak with `asText`); existing segments without source text get theirs.
   */
  'dub.transcribe': call(
    z.object({ projectId: DubId, asText: z.boolean().default(false) }).strict(),
    DubTranscribeResult,
  ),
  /** Stop a running `dub.findSpeakers` or `dub.transcribe` (nothing is changed). */
  'dub.cancelAnalysis': call(projectRef, z.object({ cancelled: z.boolean() })),
} as const;

export const dubEvents = {
  /** Generation progress of a dubbing project (also once at the end: done, cancelled or failed). */
  'dub.progress': z.object({ projectId: z.string(), generation: DubGeneration }),
  /** A dubbing project changed (edits, a new take): reload it. */
  'dub.changed': z.object({ projectId: z.string() }),
  /** Progress of `dub.findSpeakers` / `dub.transcribe` (fraction of the whole, 0..1). */
  'dub.analysis': DubAnalysisProgress,
} as const;

// ---------------------------------------------------------------------------------------------------------------
// Clone from this video (#11 step 4): one library voice from a speaker's cleanest 10–30 s of their own segments.
// ---------------------------------------------------------------------------------------------------------------

/** Limits of "clone from this video" (docs/security.md, "Dubbing: clone from this video"). */
export const DUB_CLONE_LIMITS = {
  /** Less usable speech than this is refused (a clone from less sounds unlike the speaker). */
  minSeconds: 10,
  /** The gathering stops once the chosen spans reach this much (enough for a good clone). */
  targetSeconds: 20,
  /** Never more than this in the voice's sample (longer references do not clone better and cost memory). */
  maxSeconds: 30,
  /** A candidate whose speech is less than this far above the non-speech around it is not used. */
  minSnrDb: 10,
  /** At most this much of the speaker's audio is analysed (their longest segments first). */
  analysedSecondsMax: 600,
  /** A segment closer than this to another speaker's segment counts as overlapping it (cross-talk). */
  overlapGuardSeconds: 0.04,
} as const;

/** Why a candidate segment was or was not used. */
export const DubCloneVerdict = z.enum(['chosen', 'overlap', 'no-speech', 'noisy', 'not-needed', 'not-analysed']);
export type DubCloneVerdict = z.infer<typeof DubCloneVerdict>;

export const DubCloneSpan = z.object({
  segmentId: z.string(),
  /** Media time of the speech used, seconds. */
  start: z.number(),
  end: z.number(),
  /** Speech (VAD) seconds in the span. */
  speechSeconds: z.number(),
  /** Speech level over the non-speech frames around it (null: no speech found, or not analysed). */
  snrDb: z.number().nullable(),
  verdict: DubCloneVerdict,
});
export type DubCloneSpan = z.infer<typeof DubCloneSpan>;

export const DubCloneReport = z.object({
  speaker: z.string(),
  /** The spans in the voice's sample, in media order. */
  spans: z.array(DubCloneSpan),
  /** Seconds of the sample (the chosen spans, end to end). */
  totalSeconds: z.number(),
  /** Every segment of the speaker, with its verdict. */
  candidates: z.array(DubCloneSpan),
  denoised: z.boolean(),
});
export type DubCloneReport = z.infer<typeof DubCloneReport>;

/** The consent record the new voice is created with: the same two kinds as `library.create`. */
export const DubCloneConsent = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('attest'),
      name: z.string().trim().min(2).max(100),
      purpose: z.string().trim().min(3).max(500),
    })
    .strict(),
  z.object({ kind: z.literal('statement'), statementId: DubId, stagingId: DubId }).strict(),
]);

export type DubCloneConsent = z.infer<typeof DubCloneConsent>;

export const DubClonePhase = z.enum(['extracting', 'analysing', 'denoising', 'creating', 'done']);

export const dubCloneMethods = {
  /**
   * Clone a speaker from this video: their cleanest 10–30 s (VAD, SNR, no overlap, optional denoise) become ONE
   * library voice, created through the library's own path with the consent given (`library.create`), and the
   * speaker is mapped to it. `dub.cloneProgress` reports; `dub.cancelClone` stops it (nothing is kept).
   */
  'dub.cloneSpeaker': call(
    z
      .object({
        projectId: DubId,
        speaker: z.string().trim().min(1).max(100),
        name: z.string().trim().min(1).max(100).optional(),
        denoise: z.boolean().default(false),
        consent: DubCloneConsent,
      })
      .strict(),
    z.object({
      voice: z.object({
        id: z.string(),
        name: z.string(),
        voiceId: z.string(),
        samples: z.array(z.object({ id: z.string(), seconds: z.number() })),
        consent: z.object({ status: z.string(), method: z.string() }).nullable(),
      }),
      report: DubCloneReport,
    }),
  ),
  /** Stop a running clone of this project's speaker (nothing is created). */
  'dub.cancelClone': call(projectRef, z.object({ cancelled: z.boolean() })),
} as const;

export const dubCloneEvents = {
  /** Progress of a clone from the video (phase, 0..1). */
  'dub.cloneProgress': z.object({
    projectId: z.string(),
    speaker: z.string(),
    phase: DubClonePhase,
    fraction: z.number().min(0).max(1),
  }),
} as const;
