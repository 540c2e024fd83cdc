import type { AcxReport, ApiErrorShape, ExportFormat, ExportPreset } from '../../../preload/contract/index.js';
import type { EpisodePlan } from '../studio/episode.js';
import type { Chapter } from './export.js';

export interface ExportSettings {
  format: ExportFormat;
  wavBits: 16 | 24;
  mp3Mode: 'cbr' | 'vbr';
  bitrateKbps?: number;
  sampleRate: number;
  channels: 1 | 2;
  loudness: 'podcast' | 'broadcast' | 'none';
  chapters: boolean;
  stems: 'none' | 'line' | 'speaker';
  /** The project's cover image (M4A/M4B cover art), or null. */
  cover: string | null;
  /** `acx`: one MP3 per chapter (staging.chapters) and a report (staging.report); see audiobook.ts. */
  preset: ExportPreset;
}

export interface ExportWorkerRequest {
  plan: EpisodePlan;
  options: ExportSettings;
  /** Where the worker writes; the service renames these into place on success. */
  staging: {
    audio?: string;
    srt?: string;
    vtt?: string;
    wordsVtt?: string;
    stems?: string;
    chapters?: string[];
    report?: string;
  };
  /** ACX preset: the chapter files' final names (for the report), in chapter order. */
  chapterNames?: string[];
  /** Loudness of the plain mix combined from the takes' stored analyses (null: the worker measures it). */
  known?: { integrated: number; truePeak: number } | null;
  /** Takes with no stored analysis: the worker computes it when it reads them and sends it back. */
  missingAnalysis?: string[];
}

export type ExportPhase = 'loading' | 'mixing' | 'loudness' | 'encoding' | 'subtitles' | 'stems' | 'done';

export type ExportWorkerMessage =
  | { type: 'progress'; phase: ExportPhase; progress: number }
  | {
      type: 'done';
      result: { integratedLufs: number | null; truePeakDbtp: number; durationSeconds: number; acx?: AcxReport };
    }
  | { type: 'analysis'; takeId: string; data: Uint8Array }
  | { type: 'error'; error: ApiErrorShape };

/** Chapters from the lines that start one: each ends where the next starts, the last at the end of the mix. */
export function chaptersFrom(starts: { title: string; start: number }[], total: number): Chapter[] {
  const merged: { title: string; start: number }[] = [];
  for (const c of starts) {
    const prev = merged[merged.length - 1];
    if (prev && c.start - prev.start < 0.001) prev.title = `${prev.title} / ${c.title}`;
    else merged.push({ ...c });
  }
  return merged
    .map((c, i) => ({ title: c.title, start: c.start, end: i + 1 < merged.length ? merged[i + 1].start : total }))
    .filter((c) => c.end > c.start);
}
