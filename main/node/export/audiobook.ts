/**
 * The audiobook (ACX) export preset: one MP3 per chapter at ACX's levels, each checked by acx.ts.
 *
 * Per chapter file:
 * - Gain from RMS, not loudness: the file's RMS (room tone included, as ACX measures it) is brought to −20 dBFS, the
 *   middle of ACX's −23…−18 range. The chapter's takes are read once to sum their squares; the gain follows from
 *   that and the padded length (a second, applying pass streams into ffmpeg).
 * - Peaks: the streaming true-peak limiter (loudness-stream.ts) at −3 dBTP less the export's usual headroom for MP3
 *   coding and resampling (0.35 dB), so the decoded sample peak stays ≤ −3 dBFS (a sample peak never exceeds the
 *   true peak). When the delivered file still misses the peak (codec overshoot) or the RMS range (heavy limiting),
 *   it is encoded again with the correction, at most 3 attempts; the report says what the last one measured.
 * - Room tone: 0.75 s at the head and 2 s at the tail of every file, counted from the first / last 10 ms block of
 *   the chapter's audio above acx.ts's speech threshold after the gain, so a take's own leading or trailing quiet
 *   counts towards it (the speech is never clipped; padding is only added). Every digitally silent sample (the
 *   padding, the gaps between lines, silent stretches inside takes) gets room tone: low-passed noise at the
 *   takes' own floor (their quietest 100 ms window after the gain), −70 dBFS at the least, so a file never drops to
 *   digital silence and the padding sounds like the recording around it. A noisy recording therefore keeps its
 *   noise floor, and the report says so. Limitation: a floor louder than the speech threshold (−45 dBFS after the
 *   gain) cannot be told from speech by level; the padding then gets −70 dBFS, the check measures its noise floor
 *   in that padding and can pass such a recording: listen to it.
 * - 44.1 kHz, constant bit-rate MP3 at 192 kbps (LAME, with an `Info` tag), mono or stereo as chosen.
 */
import { ApiError } from '../../../native-models/common/errors.js';
import { MixStream } from '../../../native-models/dsp/mix-stream.js';
import type { EpisodeSource } from '../studio/episode.js';
import { ACX_REQUIREMENTS, SPEECH_THRESHOLD_DB, acxCheck, type AcxReport as AcxFileCheck } from './acx.js';
import { exportStream, type ExportResult } from './export.js';
import type { AcxCheckResult, AcxFileReport, AcxReport } from '../../../preload/contract/index.js';

/** An ACX chapter is encoded again when its RMS is further than this from −20 dBFS (ACX accepts −23 to −18). */
const RMS_TOLERANCE_DB = 1;

export const ACX_PRESET = {
  rmsTargetDb: -20,
  peakCeilingDb: ACX_REQUIREMENTS.peakMaxDb,
  /** Room tone where the recording has none (digital silence), dBFS RMS. */
  roomToneMinDb: -70,
  headS: 0.75,
  tailS: 2,
  sampleRate: ACX_REQUIREMENTS.sampleRate,
  bitrateKbps: ACX_REQUIREMENTS.bitrateMinKbps,
  maxAttempts: 3,
} as const;

/** A chapter of the episode: lines [from, to) of the plan. */
export interface ChapterSpan {
  /** 1-based. */
  number: number;
  title: string;
  from: number;
  to: number;
}

/**
 * The book's chapters from the plan's lines (a line with `chapter` starts one). Lines before the first heading form
 * a chapter named `untitled` (the project's name); a book without headings is one chapter.
 */
export function chapterSpans(lines: readonly { chapter: string | null }[], untitled: string): ChapterSpan[] {
  const spans: ChapterSpan[] = [];
  for (let i = 0; i < lines.length; i++) {
    const title = lines[i].chapter;
    if (i === 0 || title !== null) spans.push({ number: spans.length + 1, title: title ?? untitled, from: i, to: i });
    spans[spans.length - 1].to = i + 1;
  }
  return spans;
}

const MAX_NAME = 80;

/**
 * A safe file name for chapter `n` of `count`: "07 - The Title.mp3". Letters, digits, spaces, '.', '_' and '-' are
 * kept, anything else (path separators, control characters, quotes, ':' …) becomes '_'; runs collapse, the title is
 * cut at 80 characters and never ends in a dot or space (Windows), and an empty title becomes "Chapter n".
 */
export function chapterFileName(n: number, count: number, title: string, ext = 'mp3'): string {
  const width = Math.max(2, String(count).length);
  let t = title
    .normalize('NFC')
    .replace(/[^\p{L}\p{N} ._-]+/gu, '_')
    .replace(/\s+/g, ' ')
    .replace(/_+/g, '_')
    .trim();
  t = [...t].slice(0, MAX_NAME).join('');
  t = t.replace(/^[. _]+|[. _]+$/g, '');
  if (!t) t = `Chapter ${n}`;
  return `${String(n).padStart(width, '0')} - ${t}.${ext}`;
}

/** 10 ms blocks from one end of `x` whose mean square, after gain `g2` (power), stays at or below `thr`. */
function quietEdge(x: Float32Array, g2: number, rate: number, thr: number, fromEnd: boolean): number {
  const block = Math.max(1, Math.round(rate / 100));
  let frames = 0;
  for (let b = 0; b * block < x.length; b++) {
    const s = fromEnd ? Math.max(0, x.length - (b + 1) * block) : b * block;
    const e = fromEnd ? x.length - b * block : Math.min(x.length, s + block);
    let sq = 0;
    for (let i = s; i < e; i++) sq += x[i] * x[i];
    if ((sq / (e - s)) * g2 > thr) break;
    frames += e - s;
  }
  return frames;
}

/** What one pass over the chapter's takes measures. */
interface ChapterStats {
  /** Σ x² over the chapter's audio (gaps are silent). */
  sumSq: number;
  /** Samples from the first line's start to the last line's end. */
  frames: number;
  /** Mean square of the quietest 100 ms window inside a take that holds no digital silence (0: none). */
  floorMs: number;
}

async function chapterStats(ep: EpisodeSource, span: ChapterSpan, signal?: AbortSignal): Promise<ChapterStats> {
  let sumSq = 0;
  let floorMs = Infinity;
  const block = Math.max(1, Math.round(ep.sampleRate / 100));
  for (let i = span.from; i < span.to; i++) {
    if (signal?.aborted) throw new ApiError('CANCELLED', 'Export cancelled');
    const x = await ep.line(i);
    // 10 ms blocks; a 100 ms window counts only when none of its blocks holds an exactly silent sample run.
    const ring: number[] = [];
    let windowSq = 0;
    for (let s = 0; s + block <= x.length; s += block) {
      let sq = 0;
      let zeros = 0;
      for (let k = s; k < s + block; k++) {
        const v = x[k];
        sq += v * v;
        if (v === 0) zeros++;
      }
      sumSq += sq;
      if (zeros > block / 2) {
        ring.length = 0;
        windowSq = 0;
        continue;
      }
      ring.push(sq);
      windowSq += sq;
      if (ring.length > 10) windowSq -= ring.shift()!;
      if (ring.length === 10) floorMs = Math.min(floorMs, windowSq / (10 * block));
    }
    for (let k = x.length - (x.length % block); k < x.length; k++) sumSq += x[k] * x[k];
  }
  const frames = ep.timings[span.to - 1].endSample - ep.timings[span.from].startSample;
  return { sumSq, frames, floorMs: Number.isFinite(floorMs) ? floorMs : 0 };
}

/** Deterministic low-passed noise (one-pole at ~1.5 kHz) of a given RMS: the room tone. */
class RoomTone {
  private seed: number;
  private y = 0;
  private readonly a: number;
  private readonly scale: number;

  constructor(rate: number, rmsDb: number, seed: number) {
    this.seed = seed >>> 0 || 1;
    this.a = Math.exp((-2 * Math.PI * 1500) / rate);
    // Uniform noise in [−1, 1] has power 1/3; the one-pole (1 − a)/(1 − a z⁻¹) passes (1 − a)/(1 + a) of white power.
    const gainPower = (1 - this.a) / (1 + this.a);
    this.scale = Math.pow(10, rmsDb / 20) / Math.sqrt(gainPower / 3);
  }

  next(): number {
    this.seed = (Math.imul(this.seed, 1664525) + 1013904223) >>> 0;
    const w = (this.seed / 2 ** 32) * 2 - 1;
    this.y = this.a * this.y + (1 - this.a) * w;
    return this.y * this.scale;
  }
}

export interface AcxChapterOptions {
  outputPath: string;
  channels: 1 | 2;
  /** CBR bit rate, kbps (default and minimum 192). */
  bitrateKbps?: number;
  /** Tags: album (the book), artist … */
  metadata: Record<string, string>;
  ffmpegPath?: string;
  signal?: AbortSignal;
  onProgress?: (fraction: number) => void;
}

export interface AcxChapterResult {
  export: ExportResult;
  check: AcxFileCheck;
  attempts: number;
  gainDb: number;
  roomToneDb: number;
}

/** Export one chapter as an ACX file (see the file comment) and check it; the file is written atomically. */
export async function exportAcxChapter(
  ep: EpisodeSource,
  span: ChapterSpan,
  count: number,
  o: AcxChapterOptions,
): Promise<AcxChapterResult> {
  const P = ACX_PRESET;
  const rate = ep.sampleRate;
  const stats = await chapterStats(ep, span, o.signal);
  if (stats.sumSq === 0)
    throw new ApiError('INVALID_INPUT', `Chapter ${span.number} ("${span.title}") is silent: nothing to export.`);
  const thr = Math.pow(10, SPEECH_THRESHOLD_DB / 10);
  const first = await ep.line(span.from);
  const last = span.to - 1 === span.from ? first : await ep.line(span.to - 1);
  const target = Math.pow(10, P.rmsTargetDb / 10);
  let gainDb = 0;
  let head = 0;
  let tail = 0;
  let roomToneDb: number = P.roomToneMinDb;
  const layout = (gDb: number) => {
    const g2 = Math.pow(10, gDb / 10);
    head = Math.max(0, Math.round(P.headS * rate) - quietEdge(first, g2, rate, thr, false));
    tail = Math.max(0, Math.round(P.tailS * rate) - quietEdge(last, g2, rate, thr, true));
    // The quietest window is the recording's own floor only when it is below the speech threshold after the gain
    // (otherwise it is the softest speech: clean takes have no floor but digital silence).
    const floorDb = stats.floorMs > 0 ? 10 * Math.log10(stats.floorMs) + gDb : -Infinity;
    roomToneDb = floorDb < SPEECH_THRESHOLD_DB ? Math.max(P.roomToneMinDb, floorDb) : P.roomToneMinDb;
  };
  // Mean square of the file = (g²·Σx² + room tone power × its samples) / length; solve for g (twice: the padding
  // depends on g through the speech threshold). The room tone's share is bounded by its power times the length.
  const solve = (wantMs: number) => {
    for (let k = 0; k < 3; k++) {
      layout(gainDb);
      const n = head + stats.frames + tail;
      const tone = Math.pow(10, roomToneDb / 10);
      gainDb = 10 * Math.log10(Math.max(1e-12, (wantMs * n - tone * (head + tail)) / stats.sumSq));
    }
    layout(gainDb);
  };
  solve(target);

  let ceiling: number = P.peakCeilingDb;
  let result: AcxChapterResult | null = null;
  for (let attempt = 1; attempt <= P.maxAttempts; attempt++) {
    const g = Math.pow(10, gainDb / 20);
    const lines = ep.lines.slice(span.from, span.to);
    const tone = new RoomTone(rate, roomToneDb, span.number * 7919);
    const open = () => new MixStream(lines, (k) => ep.line(span.from + k), { sampleRate: rate, leadIn: head, tail });
    const total = open().total;
    let done = 0;
    const r = await exportStream(
      {
        sampleRate: rate,
        frames: total,
        async *open() {
          const m = open();
          for (let b = await m.next(); b; b = await m.next()) {
            const y = new Float32Array(b.mix.length);
            for (let i = 0; i < y.length; i++) {
              const v = b.mix[i];
              y[i] = v === 0 ? tone.next() : v * g;
            }
            done += y.length;
            o.onProgress?.(Math.min(1, done / total));
            yield y;
          }
        },
      },
      {
        format: 'mp3',
        outputPath: o.outputPath,
        sampleRate: P.sampleRate,
        channels: o.channels,
        mp3Mode: 'cbr',
        bitrateKbps: Math.max(P.bitrateKbps, o.bitrateKbps ?? P.bitrateKbps),
        loudness: null,
        gainDb: 0,
        ceilingDb: ceiling,
        metadata: { ...o.metadata, title: span.title, track: `${span.number}/${count}` },
        ffmpegPath: o.ffmpegPath,
        signal: o.signal,
      },
    );
    const check = await acxCheck(r.path, o.signal);
    result = { export: r, check, attempts: attempt, gainDb, roomToneDb };
    const peak = check.checks.find((c) => c.id === 'peak');
    const rms = check.checks.find((c) => c.id === 'rms');
    const peakOver = peak && !peak.pass ? peak.by : 0;
    // RMS drifts below the target when the limiter works hard: more gain, until within RMS_TOLERANCE_DB of −20 dBFS.
    // The limiter absorbs about half of a correction (measured: −21.3 → −20.7 → −20.4 dBFS with plain steps, three
    // encodes), so a step is 1.5 times the miss, never more than would reach −18.5 dBFS if none were absorbed (ACX
    // allows up to −18): one retry instead of two for a typical chapter.
    const rmsValue = typeof rms?.value === 'number' ? rms.value : NaN;
    const miss =
      Number.isFinite(rmsValue) && Math.abs(rmsValue - P.rmsTargetDb) > RMS_TOLERANCE_DB ? P.rmsTargetDb - rmsValue : 0;
    const rmsOff = miss > 0 ? Math.min(miss * 1.5, -18.5 - rmsValue) : miss;
    if (!peakOver && !rmsOff) break;
    if (peakOver) ceiling -= peakOver + 0.1;
    if (rmsOff) {
      gainDb += rmsOff;
      layout(gainDb);
    }
  }
  return result!;
}

/** One file's check as the contract's report entry (−∞ dB values become null: JSON has no infinity). */
export function fileReport(file: string, span: ChapterSpan, r: AcxChapterResult): AcxFileReport {
  return {
    file,
    chapter: span.number,
    title: span.title,
    pass: r.check.pass,
    durationSeconds: r.check.durationS,
    attempts: r.attempts,
    checks: r.check.checks.map((c): AcxCheckResult => ({
      id: c.id,
      pass: c.pass,
      value: typeof c.value === 'number' && !Number.isFinite(c.value) ? null : c.value,
      requirement: c.requirement,
      by: Number.isFinite(c.by) ? c.by : 0,
      message: c.message,
    })),
  };
}

const CHECK_NAMES: Record<AcxCheckResult['id'], string> = {
  format: 'Format',
  'sample-rate': 'Sample rate',
  bitrate: 'Bit rate',
  'constant-bitrate': 'Constant bit rate',
  rms: 'RMS',
  peak: 'Peak',
  'noise-floor': 'Noise floor',
  head: 'Room tone (head)',
  tail: 'Room tone (tail)',
};

/** The human-readable report written next to the files. */
export function reportText(book: string, report: AcxReport, when = new Date()): string {
  const out = [
    `ACX audiobook report: ${book}`,
    `Made by Timbre on ${when.toISOString().slice(0, 19).replace('T', ' ')} UTC`,
    `Requirements: MP3, 44.1 kHz, constant bit rate of 192 kbps or more, RMS -23 to -18 dBFS, peak at most -3 dBFS,`,
    `noise floor at most -60 dBFS, 0.5-1 s of room tone at the head and 1-5 s at the tail of each file.`,
    '',
    report.pass
      ? `All ${report.files.length} file(s) pass every check.`
      : `${report.files.filter((f) => !f.pass).length} of ${report.files.length} file(s) fail at least one check.`,
    '',
  ];
  for (const f of report.files) {
    out.push(
      `${f.file}  (chapter ${f.chapter}: ${f.title}; ${f.durationSeconds.toFixed(1)} s): ${f.pass ? 'PASS' : 'FAIL'}`,
    );
    for (const c of f.checks)
      out.push(`  ${c.pass ? 'pass' : 'FAIL'}  ${CHECK_NAMES[c.id].padEnd(18)} ${c.message.replace(/−/g, '-')}`);
    out.push('');
  }
  return out.join('\n');
}
