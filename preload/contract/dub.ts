/**
 * Dubbing (#11): the options of a dub and the report it writes. Schemas only for now (the CLI `timbre dub` and the
 * core pipeline in main/node/dub/ validate with them); the Dub view's method map slice comes with the view.
 * Part of the one contract: see index.ts. Details: docs/dubbing.md.
 */
import { z } from 'zod';

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

export const DubPhase = z.enum(['probing', 'extracting', 'generating', 'mixing', 'encoding', 'done']);
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
