/** Export: mixing a project down to audio files, subtitles and stems. Part of the one contract: see index.ts. */
import { z } from 'zod';
import { AcxReport, ExportPreset } from './audiobook.js';
import { ApiErrorShape, FilePath, Id, IsoTime, call } from './common.js';

/** `m4b`: an audiobook (AAC in MP4 with chapters and, when the project has one, the cover from its EPUB). */
export const ExportFormat = z.enum(['wav', 'flac', 'mp3', 'opus', 'm4a', 'm4b']);
export type ExportFormat = z.infer<typeof ExportFormat>;

export const ExportFileKind = z.enum(['audio', 'srt', 'vtt', 'words-vtt', 'stems', 'report']);
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
  /** Measured on the PCM fed to the encoder (docs/studio.md), LUFS; null until done (and for the ACX preset). */
  integratedLufs: z.number().nullable(),
  truePeakDbtp: z.number().nullable(),
  durationSeconds: z.number().nullable(),
  /** The ACX preset's report (each chapter file decoded and checked); absent for other exports. */
  acx: AcxReport.optional(),
  error: ApiErrorShape.nullable(),
  createdAt: IsoTime,
});
export type ExportJob = z.infer<typeof ExportJob>;

export const exportMethods = {
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
        /**
         * Subtitle files next to the audio: readable cues timed from each take's words (take QC's alignment; lines
         * not aligned are spread by length). `words-vtt`: WebVTT with a timestamp before every word (`.words.vtt`).
         */
        subtitles: z
          .array(z.enum(['srt', 'vtt', 'words-vtt']))
          .max(3)
          .default([]),
        chapters: z.boolean().default(true),
        stems: z.enum(['none', 'line', 'speaker']).default('none'),
        /** `acx`: one MP3 per chapter at ACX levels plus a report (MP3, 44.1 kHz, CBR ≥ 192 kbps; no subtitles/stems). */
        preset: ExportPreset.default('none'),
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
  /**
   * Show a finished export's file (`index` into its `files`) in the system's file manager. Only the desktop app can
   * (`revealed: true`); in web mode the page offers a download instead (`revealed: false`). NOT_FOUND when gone.
   */
  'export.reveal': call(
    z.object({ id: Id, index: z.number().int().min(0).max(999) }).strict(),
    z.object({ revealed: z.boolean() }).strict(),
  ),
} as const;

export const exportEvents = {
  /** A running export's phase and progress. */
  'export.progress': ExportJob,
  /** An export finished (status done, failed or cancelled); on failure or cancel no file was left behind. */
  'export.done': ExportJob,
} as const;
