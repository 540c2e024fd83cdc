/** The voice library: voice audio (staging, clean-up, recording), consent, library voices, the vault. Part of the one contract: see index.ts. */
import { z } from 'zod';
import { AlignResult } from './speech.js';
import { ApiErrorShape, FilePath, Id, IsoTime, TimeWindow, call, empty } from './common.js';

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
  endReason: z.enum(['limit', 'device-error', 'write-error']).nullable(),
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
  /**
   * duration; words (the aligner, or the speech recogniser for a language the aligner has no model for); speaker;
   * transcript (the installed speech recogniser's full word check, beside the aligner's).
   */
  check: z.enum(['duration', 'words', 'speaker', 'transcript']),
  result: z.enum(['passed', 'failed', 'not-checked']),
  /** Plain English, e.g. "18.2 s of speech for an expected 20 s" or "not checked (no speech-recognition pack installed)". */
  detail: z.string(),
  /** The words check: the statement aligned to the recording, word by word. */
  alignment: AlignResult.optional(),
  /** A check made by the speech recogniser: what it heard, and the share of the statement's words that differ. */
  transcript: z.object({ text: z.string(), wer: z.number().min(0) }).optional(),
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

const VoiceLanguage = z.enum(['en', 'zh-CN']);

const VoiceName = z.string().trim().min(1, 'A voice needs a name').max(100);

const VoiceTags = z.array(z.string().trim().min(1).max(40)).max(20);

const ExportPassphrase = z.string().min(8, 'Use a passphrase of at least 8 characters').max(1000);

export const voicesMethods = {
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
} as const;

export const voicesEvents = {
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
} as const;
