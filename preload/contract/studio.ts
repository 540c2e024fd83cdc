/** Studio: projects, the script (lines, speakers, dictionary), takes and the timeline. Part of the one contract: see index.ts. */
import { z } from 'zod';
import { FilePath, Id, IsoTime, LIMITS, Upload, call, empty } from './common.js';

/**
 * A BCP-47 language tag as Timbre stores it: a lower-case primary subtag of 2–3 letters, then subtags of 1–8
 * letters or digits (`en`, `fr`, `pt-BR`, `zh-Hans-CN`, `cmn`), at most 35 characters.
 */
export const LanguageTag = z
  .string()
  .max(35, 'A language tag has at most 35 characters')
  .regex(/^[a-z]{2,3}(-[A-Za-z0-9]{1,8})*$/, 'A language is a BCP-47 tag such as "en", "fr" or "pt-BR"');

export const Project = z.object({
  id: Id,
  name: z.string(),
  createdAt: IsoTime,
  updatedAt: IsoTime,
  lineCount: z.number().int().nonnegative(),
  /** What the project is spoken in: filters the voice picker. Until chosen: its first voice's language, else `en`. */
  language: LanguageTag,
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

/** Retakes the core makes by itself when QC flags a new take (project setting `autoRetake`; docs/speech.md). */
export const LineRetake = z.object({
  state: z.enum(['retrying', 'done', 'stopped']),
  /** The retake being made (retrying) or the last one made, 1-based, of `max`. */
  attempt: z.number().int().min(1).max(5),
  max: z.number().int().min(1).max(5),
  /** Every try's take in order (the first is the flagged take that started the retakes). */
  takeIds: z.array(Id),
  /** The take the retakes left active (or the one the user chose); null while retrying. */
  chosenTakeId: Id.nullable(),
  /**
   * Why it ended: passed (a retake passed QC), best (every try was flagged: the best-scoring one is kept), user (you
   * chose a take), failed (a retake could not be made), changed (the line changed or was generated again).
   */
  outcome: z.enum(['passed', 'best', 'user', 'failed', 'changed']).nullable(),
  /** The same in plain English (the CLI prints it). */
  message: z.string(),
});
export type LineRetake = z.infer<typeof LineRetake>;

/** How many retakes a flagged take gets (0: off, the default). */
export const AutoRetakeTries = z.number().int().min(0).max(5);

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
  /** Take QC of the active take (`takes.qc` for the findings); null while it has not been checked (or no take). */
  qc: z.enum(['ok', 'flagged', 'unchecked']).nullable(),
  /** Automatic retakes of this line (the latest run), or null when none were made. */
  retake: LineRetake.nullable(),
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
  /**
   * When a project-wide input of generation last changed (project voice, a speaker's voice, knobs, dictionary):
   * failures older than this no longer describe the line.
   */
  inputsChangedAt: IsoTime.nullable(),
  /** Retakes (new seed) a take gets when QC flags it, up to this many; 0: off. */
  autoRetake: AutoRetakeTries,
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

const ScriptFormat = z.enum(['txt', 'md', 'srt', 'vtt']);

/**
 * How a script becomes lines: `turn` (default) keeps a paragraph / speaker turn as one line unless it is longer than a
 * line's text budget (300 characters; then it is cut at sentence boundaries); `sentence` gives each sentence a line.
 */
export const ScriptSplit = z.enum(['turn', 'sentence']);
export type ScriptSplit = z.infer<typeof ScriptSplit>;

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

export const studioMethods = {
  'projects.list': call(empty, z.array(Project)),
  'projects.get': call(z.object({ id: Id }).strict(), ProjectDetail),
  'projects.create': call(z.object({ name: ProjectName, language: LanguageTag.optional() }).strict(), Project),
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
  /** Start times of every line in the mixed episode (active takes + gaps + pauses). A window of it: `timeline.overview`. */
  'projects.timeline': call(z.object({ id: Id }).strict(), Timeline),

  /** Split a script into lines without saving anything (live preview). */
  'script.preview': call(
    z
      .object({
        text: z.string().max(LIMITS.scriptTextMax, 'The script is too long: import it in parts'),
        format: ScriptFormat.default('txt'),
        split: ScriptSplit.default('turn'),
      })
      .strict(),
    ScriptPreview,
  ),
  /** Import a script into a project in one transaction: lines, speakers (from `NAME:` prefixes) and chapters. */
  'script.import': call(
    z
      .object({
        projectId: Id,
        source: ScriptSource,
        mode: z.enum(['append', 'replace']).default('append'),
        split: ScriptSplit.default('turn'),
      })
      .strict(),
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
  /** Choose the project's language (the voice picker shows its voices first). */
  'projects.setLanguage': call(z.object({ id: Id, language: LanguageTag }).strict(), Project),
  /**
   * Auto-retake: when QC flags a new take, generate the line again with a new seed, up to `tries` times, and keep
   * the best-scoring take active (every try stays a take; a take the user picks stays). 0 turns it off.
   */
  'projects.setAutoRetake': call(z.object({ id: Id, tries: AutoRetakeTries }).strict(), ProjectDetail),
} as const;

export const studioEvents = {
  /** Something in a project changed (from another window, the CLI, or a finished job). */
  'project.changed': z.object({ projectId: Id }),
  'project.deleted': z.object({ projectId: Id }),
  'projects.changed': z.object({}),
} as const;
