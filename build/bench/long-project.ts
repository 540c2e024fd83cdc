/**
 * Long projects for the bench and the memory tests: a project whose first few lines are real eSpeak takes and
 * whose other lines reuse them (hard links to the same WAVs, their own take rows with the stored analysis), so a
 * 10-hour episode is built in seconds and takes no extra disk space.
 *
 * As a script: `build <dataDir> <seconds> <concat.txt>` builds the project (and an ffmpeg concat list of its takes
 * and gaps for the reference pipeline) and prints {projectId, lines, audioSeconds}; `export <dataDir> <projectId>
 * <out.mp3>`, in a fresh process, exports it to MP3 at podcast loudness with SRT through the real export service
 * (worker thread) and prints audioSeconds, wallSeconds (export only), maxRssMb (this whole process, the worker
 * included: process.resourceUsage().maxRSS), integratedLufs and truePeakDbtp (Timbre's own measurement).
 */
import { copyFileSync, linkSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createCore, type Core } from '../../main/node/core.js';
import type { ExportJob } from '../../preload/contract/index.js';
import type { TakeRow } from '../../main/node/db/repositories.js';
import { encodeWav } from '../../native-models/audio/wav.js';

const PARAGRAPHS = [
  'Welcome back to the workshop. Today we talk about sound, about the rooms we record in, and about the small habits that make a long recording easier to listen to from the first minute to the last.',
  'It started with a broken radio and a very patient neighbour, who lent me a soldering iron and an afternoon, and told me that every machine can be opened if you are careful and curious enough.',
  'The trick with long recordings is rhythm. A pause after every thought, a breath before every question, and a steady level, so that the listener never has to reach for the volume.',
  'We tried three microphones that week. The first was too bright, the second too dull, and the third, a cheap one from a flea market, sounded exactly like a person sitting next to you.',
  'By the end of the season we had forty episodes, a handful of loyal listeners, and a rule that nobody records after midnight, because the words come out slower and the jokes get longer.',
  'So here is my advice: write it down, read it aloud, cut what you do not need, and leave the rest alone. The audience forgives a stumble far more easily than a sentence that goes nowhere.',
];

async function call<T>(core: Core, method: string, params: unknown): Promise<T> {
  const r = await core.dispatch(method, params);
  if (!r.ok) throw new Error(`${method}: ${r.error.code}: ${r.error.message}`);
  return r.result as T;
}

/** Build a project of about `seconds` of speech; returns its id and the audio length (takes + gaps). */
export async function buildLongProject(
  core: Core,
  seconds: number,
  opts: { gapMs?: number; name?: string; sources?: TakeRow[]; chapterEvery?: number } = {},
): Promise<{ projectId: string; lines: number; audioSeconds: number; sources: TakeRow[] }> {
  const gapMs = opts.gapMs ?? 400;
  const projectId = (await call<{ id: string }>(core, 'projects.create', { name: opts.name ?? 'Long' })).id;
  await call(core, 'projects.setVoice', { id: projectId, voiceId: 'espeak:en-us' });
  let sources = opts.sources ?? [];
  if (!sources.length) {
    // The real takes: a few paragraphs spoken by eSpeak.
    await call(core, 'script.import', {
      projectId,
      source: { text: PARAGRAPHS.slice(0, 3).join('\n\n'), format: 'txt' },
    });
    await call(core, 'jobs.generate', { projectId });
    await core.jobs.idle();
    const detail = await call<{ lines: { id: string; activeTake: { id: string } | null }[] }>(core, 'projects.get', {
      id: projectId,
    });
    sources = detail.lines.map((l) => {
      if (!l.activeTake) throw new Error('eSpeak made no take');
      return core.repos.takes.row(l.activeTake.id);
    });
  }
  const own = opts.sources?.length ? 0 : sources.length;
  const per = sources.reduce((t, s) => t + s.duration_ms / 1000, 0) / sources.length + gapMs / 1000;
  const want = Math.max(own, 1, Math.round(seconds / per));
  // The other lines: script text in one import (one line per paragraph), then a take each.
  const extra = want - own;
  const lines: string[] = [];
  // One sentence each: the script splitter makes a line per sentence, and each line gets exactly one copied take.
  for (let i = 0; i < extra; i++) lines.push(`Line ${i + own + 1} of the long episode.`);
  if (extra > 0) await call(core, 'script.import', { projectId, source: { text: lines.join('\n\n'), format: 'txt' } });
  const all = (await call<{ lines: { id: string }[] }>(core, 'projects.get', { id: projectId })).lines;
  const takesDir = core.layout.takes;
  const insertAll = () => {
    mkdirSync(path.join(takesDir, projectId), { recursive: true });
    for (let i = own; i < all.length; i++) {
      const src = sources[i % sources.length];
      const takeId = `tk_long${i.toString(36).padStart(8, '0')}${Math.random().toString(36).slice(2, 8)}`;
      const rel = path.join(projectId, `${takeId}.wav`);
      try {
        linkSync(path.join(takesDir, src.file), path.join(takesDir, rel));
      } catch {
        copyFileSync(path.join(takesDir, src.file), path.join(takesDir, rel));
      }
      core.repos.takes.insert({ ...src, id: takeId, line_id: all[i].id, file: rel });
      const a = core.repos.takes.analysis(src.id);
      if (a) core.repos.takes.setAnalysis(takeId, a);
      core.repos.lines.setActiveTake(all[i].id, takeId);
    }
  };
  insertAll();
  // Chapter headings every `chapterEvery` lines (audiobook-like), for the timeline's chapter markers.
  if (opts.chapterEvery)
    for (let i = 0, k = 1; i < all.length; i += opts.chapterEvery, k++)
      await call(core, 'lines.update', { id: all[i].id, chapter: `Chapter ${k}` });
  let audio = 0;
  for (let i = 0; i < all.length; i++) audio += sources[i % sources.length].duration_ms / 1000;
  audio += ((all.length - 1) * gapMs) / 1000;
  return { projectId, lines: all.length, audioSeconds: audio, sources };
}

/** Export through the service (worker thread), MP3 + SRT at podcast loudness; returns the finished job. */
export async function exportLong(core: Core, projectId: string, outputPath: string): Promise<ExportJob> {
  const job = await call<ExportJob>(core, 'export.start', {
    projectId,
    format: 'mp3',
    outputPath,
    subtitles: ['srt'],
    loudness: 'podcast',
  });
  return core.exports.wait(job.id);
}

/** The episode's take files in order (for the reference pipeline's concat list). */
export function takeFilesInOrder(core: Core, projectId: string): string[] {
  return core.repos.lines
    .rows(projectId)
    .filter((l) => l.active_take_id)
    .map((l) => path.join(core.layout.takes, core.repos.takes.row(l.active_take_id!).file));
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  const [cmd, dataDir, a, b] = process.argv.slice(2);
  const core = await createCore({ dataDir, transport: 'web', version: 'bench' });
  try {
    if (cmd === 'build') {
      // build <dataDir> <seconds[,seconds…]> <list-prefix> [chapterEvery]: the projects (sharing the same real takes)
      // and, per project, an ffmpeg concat list of its takes and gaps (<list-prefix><i>.txt).
      const out = [];
      let sources: TakeRow[] | undefined;
      for (const [k, sec] of a.split(',').map(Number).entries()) {
        const chapterEvery = Number(process.argv[6] ?? 0) || undefined;
        const p = await buildLongProject(core, sec, { sources, name: `Long ${k}`, chapterEvery });
        sources = p.sources;
        const files = takeFilesInOrder(core, p.projectId);
        const rate = sources[0].sample_rate;
        const gap = path.join(dataDir, 'gap.wav');
        writeFileSync(gap, encodeWav(new Float32Array(Math.round(0.4 * rate)), rate));
        const esc = (f: string) => `file '${f.replace(/'/g, "'\\''")}'`;
        writeFileSync(`${b}${k}.txt`, files.map((f, i) => (i ? `${esc(gap)}\n${esc(f)}` : esc(f))).join('\n') + '\n');
        out.push({ projectId: p.projectId, lines: p.lines, audioSeconds: p.audioSeconds, list: `${b}${k}.txt` });
      }
      process.stdout.write(`${JSON.stringify(out)}\n`);
    } else {
      // export <dataDir> <projectId> <out.mp3>: MP3 + SRT at podcast loudness, timed, with this process's peak RSS.
      const t0 = performance.now();
      const job = await exportLong(core, a, b);
      const wall = (performance.now() - t0) / 1000;
      if (job.status !== 'done') throw new Error(`export ${job.status}: ${JSON.stringify(job.error)}`);
      process.stdout.write(
        `${JSON.stringify({
          audioSeconds: job.durationSeconds,
          wallSeconds: wall,
          maxRssMb: process.resourceUsage().maxRSS / 1024,
          integratedLufs: job.integratedLufs,
          truePeakDbtp: job.truePeakDbtp,
        })}\n`,
      );
    }
  } finally {
    await core.close();
  }
}
