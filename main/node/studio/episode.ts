/**
 * The episode as a sequence of active takes: its plan (which files, gaps, speakers, chapters, music bed), the
 * timeline computed from take durations, and the streaming mixdown (native-models/dsp/mix-stream.ts) the export
 * worker reads in blocks. Lines without an active take are left out (they take no time).
 */
import { createHash } from 'node:crypto';
import { promises as fsp, readSync } from 'node:fs';
import path from 'node:path';
import type { Timeline } from '../../../preload/contract/index.js';
import { ApiError } from '../../../native-models/common/errors.js';
import {
  decodeWav,
  decodeWavFrames,
  inspectWav,
  wavFrames,
  WavFormatError,
  type WavInfo,
} from '../../../native-models/audio/wav.js';
import { resample } from '../../../native-models/dsp/resample.js';
import { ResampledBed, type BedFrames } from '../../../native-models/dsp/bed-stream.js';
import { MixStream, layoutStream, type StreamLine, type StreamTiming } from '../../../native-models/dsp/mix-stream.js';
import { combineProgramme, type TakeAnalysis } from '../../../native-models/dsp/take-analysis.js';
import type { Repos } from '../db/repositories.js';
import { DEFAULT_GAP_MS, parseInlineTags } from './line-state.js';

export interface EpisodeLine {
  lineId: string;
  /** 1-based line number in the script. */
  number: number;
  speaker: string | null;
  /** Absolute path of the active take's WAV. */
  file: string;
  takeId: string;
  sampleRate: number;
  durationMs: number;
  /** Display text for subtitles (tags removed, before the dictionary). */
  text: string;
  /** The take's aligned words (take QC), seconds from the take's start; set by the export when it writes subtitles. */
  words?: { word: string; start: number | null; end: number | null }[] | null;
  chapter: string | null;
}

export interface EpisodePlan {
  projectId: string;
  projectName: string;
  gapMs: number;
  lines: EpisodeLine[];
  /** Lines of the script with no active take (skipped in the mix). */
  missing: number;
  bed: { file: string; gainDb: number; duck: boolean } | null;
  rev: string;
}

export function episodePlan(repos: Repos, dirs: { root: string; takes: string }, projectId: string): EpisodePlan {
  // The line and take rows only (not the project's full detail with every line's staleness): a 10-hour book has
  // thousands of lines, and this runs before every export.
  const project = repos.projects.row(projectId);
  const gapMs = project.gap_ms ?? DEFAULT_GAP_MS;
  const stored = repos.projects.musicBed(projectId);
  const lines: EpisodeLine[] = [];
  let missing = 0;
  // A chapter whose first lines have no take starts at the next line that has one.
  let pendingChapter: string | null = null;
  for (const l of repos.lines.rows(projectId)) {
    if (l.chapter) pendingChapter = pendingChapter ? `${pendingChapter} / ${l.chapter}` : l.chapter;
    const row = l.active_take_id ? repos.takes.rowOrNull(l.active_take_id) : null;
    if (!row) {
      missing++;
      continue;
    }
    const chapter = pendingChapter;
    pendingChapter = null;
    lines.push({
      lineId: l.id,
      number: l.position + 1,
      speaker: l.speaker,
      file: path.join(dirs.takes, row.file),
      takeId: row.id,
      sampleRate: row.sample_rate,
      durationMs: row.duration_ms,
      text: parseInlineTags(l.text).text,
      chapter,
    });
  }
  const bed = stored
    ? { file: path.join(dirs.root, 'music', stored.file), gainDb: stored.gainDb, duck: stored.duck }
    : null;
  const rev = createHash('sha256')
    .update(JSON.stringify({ g: gapMs, b: bed, l: lines.map((l) => l.takeId) }))
    .digest('hex')
    .slice(0, 16);
  return { projectId, projectName: project.name, gapMs, lines, missing, bed, rev };
}

/** Start/end of every line from take durations and gaps (the mix lays lines out exactly this way). */
export function timelineOf(repos: Repos, plan: EpisodePlan): Timeline {
  const byId = new Map(plan.lines.map((l) => [l.lineId, l]));
  const out: Timeline['lines'] = [];
  const chapters: Timeline['chapters'] = [];
  let t = 0;
  let any = false;
  // A chapter starts where the first line with audio at or after its heading starts.
  let pending: Timeline['chapters'] = [];
  for (const l of repos.lines.rows(plan.projectId)) {
    const e = byId.get(l.id);
    if (l.chapter) {
      const c = { title: l.chapter, start: t, lineId: l.id };
      chapters.push(c);
      pending.push(c);
    }
    if (!e) {
      out.push({ lineId: l.id, start: t, end: t, hasAudio: false, speaker: l.speaker });
      continue;
    }
    if (any) t += plan.gapMs / 1000;
    for (const c of pending) c.start = t;
    pending = [];
    const end = t + e.durationMs / 1000;
    out.push({ lineId: l.id, start: t, end, hasAudio: true, speaker: l.speaker });
    t = end;
    any = true;
  }
  return {
    projectId: plan.projectId,
    rev: plan.rev,
    durationSeconds: t,
    lines: out,
    chapters,
    hasAudio: any,
  };
}

async function readWav(file: string): Promise<{ samples: Float32Array; sampleRate: number }> {
  const data = await fsp.readFile(file).catch((err: NodeJS.ErrnoException) => {
    throw new ApiError(
      'NOT_FOUND',
      `The audio file of a take is missing (${path.basename(file)}): generate the line again. (${err.code ?? err.message})`,
    );
  });
  return decodeWav(data);
}

/** A stored music bed opened for positioned reads: one file descriptor, closed by `close()` (idempotent). */
export interface BedFile extends BedFrames {
  close(): Promise<void>;
}

/**
 * Open the project's stored bed (a float WAV the studio writes into music/) for streaming: the header is checked
 * here, the samples are read by file offset, a block at a time, when the mix reaches them.
 */
export async function openBedFile(file: string): Promise<BedFile> {
  const fh = await fsp.open(file, 'r').catch((err: NodeJS.ErrnoException) => {
    throw new ApiError(
      'NOT_FOUND',
      `The music bed's file is missing (${path.basename(file)}): choose the music file again. (${err.code ?? err.message})`,
    );
  });
  let info: WavInfo;
  try {
    const size = (await fh.stat()).size;
    // The header only (a few small reads of the chunk headers), never the samples.
    info = inspectWav({
      size,
      read(o, n) {
        const b = Buffer.alloc(Math.max(0, Math.min(n, size - o)));
        return b.subarray(0, readSync(fh.fd, b, 0, b.length, o));
      },
    });
    if (!info.decodable) throw new WavFormatError('not an encoding Timbre stores');
  } catch (err) {
    await fh.close();
    if (!(err instanceof WavFormatError)) throw err;
    throw new ApiError(
      'INVALID_INPUT',
      `The music bed's file (${path.basename(file)}) is damaged: ${err.message}. Choose the music file again.`,
    );
  }
  const { dataOffset, blockAlign } = info;
  let bytes = Buffer.alloc(0);
  let closed = false;
  return {
    frames: wavFrames(info),
    sampleRate: info.sampleRate,
    async read(from, out) {
      const want = out.length * blockAlign;
      if (bytes.length < want) bytes = Buffer.alloc(want);
      const { bytesRead } = await fh.read(bytes, 0, want, dataOffset + from * blockAlign);
      if (bytesRead < want)
        throw new ApiError(
          'INVALID_INPUT',
          `The music bed's file (${path.basename(file)}) ended early: choose the music file again.`,
        );
      decodeWavFrames(info, bytes.subarray(0, want), out, 0);
    },
    async close() {
      if (closed) return;
      closed = true;
      await fh.close();
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Streaming (export): the episode as blocks mixed straight from the take files.

/**
 * The rate the episode is mixed at: the takes' own rate when they all share one (nothing to resample; ffmpeg
 * converts to the export rate while encoding), otherwise the export rate.
 */
export function mixRateOf(plan: EpisodePlan, exportRate: number): number {
  const rates = new Set(plan.lines.map((l) => l.sampleRate));
  return rates.size === 1 ? [...rates][0] : exportRate;
}

/** Lines laid out at `rate` (lengths from the takes' stored durations, exactly as the loader delivers them). */
export function streamLines(plan: EpisodePlan, rate: number): StreamLine[] {
  const pause = Math.max(0, Math.round((plan.gapMs / 1000) * rate));
  return plan.lines.map((l) => {
    const native = Math.round((l.durationMs / 1000) * l.sampleRate);
    return {
      id: l.lineId,
      speaker: l.speaker ?? undefined,
      frames: l.sampleRate === rate ? native : Math.ceil((native * rate) / l.sampleRate),
      pauseAfter: pause,
    };
  });
}

export interface EpisodeSource {
  sampleRate: number;
  lines: StreamLine[];
  timings: StreamTiming[];
  total: number;
  /** A fresh pass over the episode (optionally only some lines, the others silent, and no bed). */
  open(opts?: { include?: (index: number) => boolean; bed?: boolean }): MixStream;
  /** One line's audio at the mix rate. */
  line(index: number): Promise<Float32Array>;
  /** Close the music bed's file (after the last pass, on cancel or error). */
  close(): Promise<void>;
}

/**
 * The episode as a streaming source. `onTake` sees each take's native samples when a pass loads it (the export
 * worker computes missing per-take analyses there).
 */
export async function episodeSource(
  plan: EpisodePlan,
  req: { exportRate: number; onTake?: (index: number, samples: Float32Array, rate: number) => void },
): Promise<EpisodeSource> {
  if (!plan.lines.length)
    throw new ApiError(
      'INVALID_INPUT',
      'Nothing to mix: no line has a take yet. Generate the script first (Generate all).',
    );
  const rate = mixRateOf(plan, req.exportRate);
  const lines = streamLines(plan, rate);
  // The bed streams from its file: each pass reads it a block at a time, resampled to the mix rate as it goes.
  const bedFile = plan.bed ? await openBedFile(plan.bed.file) : null;
  const bedOf = () =>
    bedFile && plan.bed
      ? { reader: new ResampledBed(bedFile, rate), gainDb: plan.bed.gainDb, duckDb: plan.bed.duck ? -15 : 0 }
      : undefined;
  const line = async (i: number): Promise<Float32Array> => {
    const w = await readWav(plan.lines[i].file);
    req.onTake?.(i, w.samples, w.sampleRate);
    const x = w.sampleRate === rate ? w.samples : resample(w.samples, w.sampleRate, rate);
    const want = lines[i].frames;
    if (x.length === want) return x;
    // A file whose length differs from the stored duration: fit it to its place on the timeline.
    const fitted = new Float32Array(want);
    fitted.set(x.subarray(0, want));
    return fitted;
  };
  const layout = layoutStream(lines, rate, 0, 0);
  return {
    sampleRate: rate,
    lines,
    timings: layout.timings,
    total: layout.total,
    line,
    open: (o = {}) =>
      new MixStream(lines, line, {
        sampleRate: rate,
        tail: 0,
        bed: o.bed === false ? undefined : bedOf(),
        include: o.include,
      }),
    close: async () => {
      await bedFile?.close();
    },
  };
}

/**
 * Integrated loudness and true peak of the plain episode (no bed) from the takes' stored analyses, or null when a
 * take has none yet or the episode has a bed (then the export measures in a streaming pass). The analyses are read
 * one at a time (about 0.6 kB per second of take: a 10-hour book's would be 20 MB at once).
 */
export function combinedLoudness(
  plan: EpisodePlan,
  exportRate: number,
  analysisOf: (takeId: string) => TakeAnalysis | null,
): { integrated: number; truePeak: number } | null {
  if (plan.bed || !plan.lines.length) return null;
  const rate = mixRateOf(plan, exportRate);
  const { timings, total } = layoutStream(streamLines(plan, rate), rate, 0, 0);
  let missing = false;
  function* items() {
    for (let i = 0; i < plan.lines.length && !missing; i++) {
      const a = analysisOf(plan.lines[i].takeId);
      if (!a) missing = true;
      else yield { analysis: a, startSec: timings[i].start };
    }
  }
  const r = combineProgramme(items(), total / rate, 1);
  return missing ? null : r;
}
