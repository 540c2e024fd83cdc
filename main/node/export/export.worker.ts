/**
 * The export worker (a worker thread): a streaming mixdown of the active takes with gaps and the ducked music bed
 * (blocks mixed straight from the take files: memory does not grow with the episode), loudness normalisation with
 * a true-peak ceiling (the loudness combined from the takes' stored analyses, or a measuring pass; then an
 * applying pass through a streaming limiter into ffmpeg's stdin), subtitles from the line timings, chapters, and
 * stems. It writes only to the staging paths the service gives it; the service renames them into
 * place when everything succeeded, and removes them otherwise.
 */
import { parentPort } from 'node:worker_threads';
import v8 from 'node:v8';
import vm from 'node:vm';
import { promises as fsp, constants as fsc } from 'node:fs';
import { toApiError, ApiError } from '../../../native-models/common/errors.js';
import { writeSrt, writeVtt } from '../../common/script/subtitles.js';
import { timeWords, wordCues, writeWordVtt } from '../../common/script/word-cues.js';
import { episodeSource, type EpisodeSource } from '../studio/episode.js';
import { exportStems, exportStream, type Stem, type StreamSource } from './export.js';
import { analyseTake, encodeAnalysis } from '../../../native-models/dsp/take-analysis.js';
import type { MixStream } from '../../../native-models/dsp/mix-stream.js';
import { chaptersFrom, type ExportWorkerMessage, type ExportWorkerRequest } from './export-protocol.js';
import type { LoudnessPreset } from '../../../native-models/dsp/loudness.js';
import { chapterSpans, exportAcxChapter, fileReport, reportText } from './audiobook.js';
import type { AcxReport } from '../../../preload/contract/index.js';

const port = parentPort!;

/**
 * A full garbage collection every 10 minutes of programme. Each take is read into fresh arrays that live across
 * several mixed blocks, so V8 promotes them and frees them only at a full collection, which it starts when about
 * 64 MB of such garbage has piled up; the allocator then keeps that high-water mark and creeps higher over hours
 * (a 10-hour export's peak RSS was 38 % above a 1-hour one's). Collecting on a schedule keeps the garbage to about
 * 10 minutes of takes (~70 MB at worst, usually far less) whatever the length, for about 10 ms per collection.
 * `--expose-gc` is set for this worker's own new context only (as Jest's --logHeapUsage does).
 */
const collect: () => void = (() => {
  try {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as unknown;
    return typeof gc === 'function' ? (gc as () => void) : () => undefined;
  } catch {
    return () => undefined;
  }
})();
const GC_EVERY_SECONDS = 600;
/** Calls `collect` each time `seconds` of programme passes another GC_EVERY_SECONDS. */
function gcPacer(): (seconds: number) => void {
  let next = GC_EVERY_SECONDS;
  return (seconds) => {
    if (seconds < next) return;
    next = (Math.floor(seconds / GC_EVERY_SECONDS) + 1) * GC_EVERY_SECONDS;
    collect();
  };
}
// Profiling aid (docs/studio.md, long-form bench): TIMBRE_EXPORT_MEMLOG=1 prints the worker's memory every 2 s.
if (process.env.TIMBRE_EXPORT_MEMLOG) {
  const mb = (n: number) => Math.round(n / 1048576);
  setInterval(() => {
    const m = process.memoryUsage();
    process.stderr.write(
      `export worker: rss ${mb(m.rss)} heap ${mb(m.heapUsed)}/${mb(m.heapTotal)} external ${mb(m.external)} arrayBuffers ${mb(m.arrayBuffers)} MB\n`,
    );
  }, 2000).unref();
}
const abort = new AbortController();
const send = (m: ExportWorkerMessage) => port.postMessage(m);

async function writeText(file: string, text: string): Promise<void> {
  const fh = await fsp.open(file, fsc.O_CREAT | fsc.O_EXCL | fsc.O_WRONLY, 0o644);
  try {
    await fh.writeFile(text);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** A source over a mix stream factory (each pass opens a fresh stream). */
function sourceOf(
  ep: EpisodeSource,
  open: () => MixStream,
  known?: StreamSource['known'],
  frames = ep.total,
): StreamSource {
  return {
    sampleRate: ep.sampleRate,
    frames,
    known,
    async *open() {
      const m = open();
      for (let b = await m.next(); b; b = await m.next()) yield b.mix;
    },
  };
}

async function run(req: ExportWorkerRequest): Promise<void> {
  const o = req.options;
  const signal = abort.signal;
  const exportRate = o.format === 'opus' ? 48_000 : o.sampleRate;
  send({ type: 'progress', phase: 'loading', progress: 0 });
  // Takes without a stored analysis get one the first time a pass reads them (the service stores it).
  const missing = new Set(req.missingAnalysis ?? []);
  const ep = await episodeSource(req.plan, {
    exportRate,
    onTake: (i, samples, rate) => {
      const takeId = req.plan.lines[i].takeId;
      if (!missing.delete(takeId)) return;
      send({ type: 'analysis', takeId, data: encodeAnalysis(analyseTake(samples, rate)) });
    },
  });
  // The bed's file stays open over every pass and is closed at the end, on cancel and on error; "done" is sent only
  // once it is closed, so nothing of the export is still open when the service sees it finished.
  let done: Done;
  try {
    if (signal.aborted) throw new ApiError('CANCELLED', 'Export cancelled');
    done = await (o.preset === 'acx' ? runAcx(req, ep, signal) : runMix(req, ep, signal));
  } finally {
    await ep.close();
  }
  send(done);
}

type Done = Extract<ExportWorkerMessage, { type: 'done' }>;

/** Every preset but ACX: one programme file (loudness, chapters, cover), subtitles and stems. */
async function runMix(req: ExportWorkerRequest, ep: EpisodeSource, signal: AbortSignal): Promise<Done> {
  const o = req.options;
  const total = ep.total / ep.sampleRate;
  const chapters = o.chapters
    ? chaptersFrom(
        req.plan.lines.flatMap((l, i) => (l.chapter ? [{ title: l.chapter, start: ep.timings[i].start }] : [])),
        total,
      )
    : [];
  const loudness: LoudnessPreset | null =
    o.loudness === 'none'
      ? null
      : o.loudness === 'broadcast'
        ? 'broadcast'
        : o.channels === 1
          ? 'podcast-mono'
          : 'podcast-stereo';
  let lastProgress = 0;
  const pace = gcPacer();
  const span = { loudness: [0.02, 0.3], encoding: [0.3, 0.7], checking: [0.7, 0.8] } as const;
  const r = await exportStream(
    sourceOf(ep, () => ep.open(), req.known ?? undefined),
    {
      format: o.format,
      outputPath: req.staging.audio!,
      sampleRate: o.sampleRate,
      channels: o.channels,
      bitDepth: o.wavBits,
      mp3Mode: o.mp3Mode,
      bitrateKbps: o.bitrateKbps,
      loudness,
      chapters,
      coverPath: o.cover ?? undefined,
      metadata: { title: req.plan.projectName, encoded_by: 'Timbre' },
      signal,
      onProgress: (phase, f) => {
        pace(phase === 'checking' ? 0 : f * total + (phase === 'encoding' ? total : 0));
        const progress = span[phase][0] + (span[phase][1] - span[phase][0]) * Math.min(1, f);
        if (progress - lastProgress < 0.005) return; // at most 200 messages
        lastProgress = progress;
        send({ type: 'progress', phase: phase === 'loudness' ? 'loudness' : 'encoding', progress });
      },
    },
  );
  send({ type: 'progress', phase: 'subtitles', progress: 0.8 });
  // Readable cues timed from each take's words (spread by length where a take has no alignment).
  const cues = wordCues(
    ep.timings.map((t, i) => {
      const line = req.plan.lines[i];
      return {
        words: timeWords(line.text, line.words ?? null, { start: t.start, end: t.end, offset: t.start }),
        speaker: line.speaker ?? undefined,
      };
    }),
  );
  if (req.staging.srt) await writeText(req.staging.srt, writeSrt(cues));
  if (req.staging.vtt) await writeText(req.staging.vtt, writeVtt(cues));
  if (req.staging.wordsVtt) await writeText(req.staging.wordsVtt, writeWordVtt(cues));
  if (req.staging.stems && o.stems !== 'none') {
    send({ type: 'progress', phase: 'stems', progress: 0.85 });
    // Per line: each take alone; per speaker: full-length tracks, the other speakers' lines silent, no bed.
    const stems: Stem[] =
      o.stems === 'line'
        ? req.plan.lines.map((l, i) => ({
            name: `${String(l.number).padStart(4, '0')}-${l.speaker ?? 'line'}`,
            source: {
              sampleRate: ep.sampleRate,
              frames: ep.lines[i].frames,
              async *open() {
                yield await ep.line(i);
              },
            },
          }))
        : [...new Set(req.plan.lines.map((l) => l.speaker ?? 'voice'))].map((who) => ({
            name: who,
            source: sourceOf(ep, () =>
              ep.open({ bed: false, include: (i) => (req.plan.lines[i].speaker ?? 'voice') === who }),
            ),
          }));
    await exportStems(stems, {
      format: o.format,
      outputPath: req.staging.stems,
      sampleRate: o.sampleRate,
      channels: o.channels,
      bitDepth: o.wavBits,
      mp3Mode: o.mp3Mode,
      bitrateKbps: o.bitrateKbps,
      gainDb: r.gainDb,
      signal,
    });
  }
  if (signal.aborted) throw new ApiError('CANCELLED', 'Export cancelled');
  return {
    type: 'done',
    result: { integratedLufs: r.integratedLufs, truePeakDbtp: r.truePeakDbtp, durationSeconds: r.durationSec },
  };
}

/** The ACX preset: one checked MP3 per chapter, then the report (JSON in the result, text next to the files). */
async function runAcx(req: ExportWorkerRequest, ep: EpisodeSource, signal: AbortSignal): Promise<Done> {
  const spans = chapterSpans(req.plan.lines, req.plan.projectName);
  const staged = req.staging.chapters ?? [];
  const names = req.chapterNames ?? [];
  if (staged.length !== spans.length || names.length !== spans.length || !req.staging.report)
    throw new ApiError('INTERNAL', 'The chapter files do not match the book’s chapters');
  const files: AcxReport['files'] = [];
  let seconds = 0;
  let truePeak = -Infinity;
  const pace = gcPacer();
  let before = 0;
  for (const [k, span] of spans.entries()) {
    if (signal.aborted) throw new ApiError('CANCELLED', 'Export cancelled');
    const length = ep.timings[span.to - 1].end - ep.timings[span.from].start;
    const r = await exportAcxChapter(ep, span, spans.length, {
      outputPath: staged[k],
      channels: req.options.channels,
      bitrateKbps: req.options.bitrateKbps,
      metadata: { album: req.plan.projectName, encoded_by: 'Timbre' },
      signal,
      onProgress: (f) => {
        pace(before + f * length);
        send({ type: 'progress', phase: 'encoding', progress: 0.02 + (0.93 * (k + Math.min(1, f))) / spans.length });
      },
    });
    before += length;
    files.push(fileReport(names[k], span, r));
    seconds += r.check.durationS;
    truePeak = Math.max(truePeak, r.export.truePeakDbtp);
  }
  const acx: AcxReport = { pass: files.every((f) => f.pass), files };
  await writeText(req.staging.report, reportText(req.plan.projectName, acx));
  if (signal.aborted) throw new ApiError('CANCELLED', 'Export cancelled');
  return { type: 'done', result: { integratedLufs: null, truePeakDbtp: truePeak, durationSeconds: seconds, acx } };
}

port.on('message', (m: { type: 'start'; req: ExportWorkerRequest } | { type: 'cancel' }) => {
  if (m.type === 'cancel') return abort.abort();
  run(m.req).catch((err) => {
    const e = abort.signal.aborted ? new ApiError('CANCELLED', 'Export cancelled') : toApiError(err);
    send({ type: 'error', error: e.toJSON() });
  });
});
