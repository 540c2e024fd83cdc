/**
 * The export worker (a worker thread): mixdown of the active takes with gaps and the ducked music bed,
 * loudness normalisation with a true-peak ceiling, encoding through ffmpeg, subtitles from the mix's line timings,
 * chapters, and stems. It writes only to the staging paths the service gives it; the service renames them into
 * place when everything succeeded, and removes them otherwise.
 */
import { parentPort } from 'node:worker_threads';
import { promises as fsp, constants as fsc } from 'node:fs';
import { toApiError, ApiError } from '../../../native-models/common/errors.js';
import { writeSrt, writeVtt, type Cue } from '../../common/script/subtitles.js';
import { mixPlan } from '../studio/episode.js';
import { exportAudio, exportStems, stemsFromMix } from './export.js';
import { chaptersFrom, type ExportWorkerMessage, type ExportWorkerRequest } from './export-protocol.js';
import type { LoudnessPreset } from '../../../native-models/dsp/loudness.js';

const port = parentPort!;
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

async function run(req: ExportWorkerRequest): Promise<void> {
  const o = req.options;
  const signal = abort.signal;
  send({ type: 'progress', phase: 'loading', progress: 0 });
  const mix = await mixPlan(req.plan, {
    sampleRate: o.sampleRate,
    channels: o.channels,
    signal,
    onProgress: (f) => send({ type: 'progress', phase: 'loading', progress: 0.3 * f }),
  });
  if (signal.aborted) throw new ApiError('CANCELLED', 'Export cancelled');
  send({ type: 'progress', phase: 'mixing', progress: 0.35 });
  const total = mix.channels[0].length / mix.sampleRate;
  const chapters = o.chapters
    ? chaptersFrom(
        req.plan.lines.flatMap((l, i) => (l.chapter ? [{ title: l.chapter, start: mix.timings[i].start }] : [])),
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
  send({ type: 'progress', phase: 'encoding', progress: 0.4 });
  const r = await exportAudio(
    { channels: mix.channels, sampleRate: mix.sampleRate },
    {
      format: o.format,
      outputPath: req.staging.audio,
      sampleRate: o.sampleRate,
      bitDepth: o.wavBits,
      mp3Mode: o.mp3Mode,
      bitrateKbps: o.bitrateKbps,
      loudness,
      chapters,
      metadata: { title: req.plan.projectName, encoded_by: 'Timbre' },
      signal,
    },
  );
  send({ type: 'progress', phase: 'subtitles', progress: 0.8 });
  const cues: Cue[] = mix.timings.map((t, i) => ({
    start: t.start,
    end: t.end,
    text: req.plan.lines[i].text,
    speaker: req.plan.lines[i].speaker ?? undefined,
  }));
  if (req.staging.srt) await writeText(req.staging.srt, writeSrt(cues));
  if (req.staging.vtt) await writeText(req.staging.vtt, writeVtt(cues));
  if (req.staging.stems && o.stems !== 'none') {
    send({ type: 'progress', phase: 'stems', progress: 0.85 });
    const stems = stemsFromMix(mix, o.stems);
    if (o.stems === 'line')
      stems.forEach(
        (s, i) =>
          (s.name = `${String(req.plan.lines[i].number).padStart(4, '0')}-${req.plan.lines[i].speaker ?? 'line'}`),
      );
    await exportStems(stems, {
      format: o.format,
      outputPath: req.staging.stems,
      sampleRate: o.sampleRate,
      bitDepth: o.wavBits,
      mp3Mode: o.mp3Mode,
      bitrateKbps: o.bitrateKbps,
      gainDb: r.gainDb,
      signal,
    });
  }
  if (signal.aborted) throw new ApiError('CANCELLED', 'Export cancelled');
  send({
    type: 'done',
    result: { integratedLufs: r.integratedLufs, truePeakDbtp: r.truePeakDbtp, durationSeconds: r.durationSec },
  });
}

port.on('message', (m: { type: 'start'; req: ExportWorkerRequest } | { type: 'cancel' }) => {
  if (m.type === 'cancel') return abort.abort();
  run(m.req).catch((err) => {
    const e = abort.signal.aborted ? new ApiError('CANCELLED', 'Export cancelled') : toApiError(err);
    send({ type: 'error', error: e.toJSON() });
  });
});
