/**
 * The audiobook (ACX) export preset's report: per delivered file, each check of ACX's published audio requirements
 * with the measured value and by how much it misses. Process-neutral (zod only).
 */
import { z } from 'zod';

/** `acx`: one MP3 per chapter at ACX's levels, with room tone, and a report (docs/studio.md, "Audiobook preset"). */
export const ExportPreset = z.enum(['none', 'acx']);
export type ExportPreset = z.infer<typeof ExportPreset>;

export const AcxCheckId = z.enum([
  'format',
  'sample-rate',
  'bitrate',
  'constant-bitrate',
  'rms',
  'peak',
  'noise-floor',
  'head',
  'tail',
]);

export const AcxCheckResult = z.object({
  id: AcxCheckId,
  pass: z.boolean(),
  /** dB, seconds, Hz or kbps; a word for the format and bit-rate mode; null for −∞ dB (digital silence). */
  value: z.union([z.number(), z.string(), z.null()]),
  /** The requirement in words ("−23.0 dB to −18.0 dB"). */
  requirement: z.string(),
  /** How far outside the requirement the value is, in the value's unit (0 when it passes). */
  by: z.number(),
  message: z.string(),
});
export type AcxCheckResult = z.infer<typeof AcxCheckResult>;

export const AcxFileReport = z.object({
  /** The file's name (in the export's `files`, in the same order). */
  file: z.string(),
  /** 1-based chapter number and the chapter's title. */
  chapter: z.number().int().positive(),
  title: z.string(),
  pass: z.boolean(),
  durationSeconds: z.number().nonnegative(),
  /** Encode attempts (more than 1 when the first file missed the peak or RMS range and was redone). */
  attempts: z.number().int().positive(),
  checks: z.array(AcxCheckResult),
});
export type AcxFileReport = z.infer<typeof AcxFileReport>;

export const AcxReport = z.object({
  pass: z.boolean(),
  files: z.array(AcxFileReport),
});
export type AcxReport = z.infer<typeof AcxReport>;
