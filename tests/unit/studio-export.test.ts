/**
 * Episode export end to end on real eSpeak takes: every format decodes back (ffprobe/ffmpeg) at the right
 * duration and rate, loudness is on target measured independently with ffmpeg's ebur128 filter, chapters are in
 * MP3 (ID3 CHAP) and M4A, SRT/VTT cues match the line timings, stems are zipped, the web route serves the files
 * with the token only, and a cancelled export or a full disk leaves nothing behind.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import yauzl from 'yauzl';
import { createCore, type Core } from '../../main/node/core.js';
import { parseSrt, parseVtt } from '../../main/common/script/subtitles.js';
import { startWebServer } from '../../main/node/server/web-server.js';
import type { ExportJob, ProjectDetail, TakeQc, Timeline } from '../../preload/contract/index.js';
import { tempDir } from '../helpers/tmp.js';

const ROOT = path.resolve(__dirname, '../..');
let core: Core;
let t: { dir: string; cleanup: () => void };
let projectId = '';
let timeline: Timeline;
let detail: ProjectDetail;

async function call<T>(method: string, params: unknown): Promise<T> {
  const r = await core.dispatch(method, params);
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.result as T;
}

const SCRIPT = `# Opening

HOST: Welcome back to the workshop, where we build things out of sound.
GUEST: Thank you. I have been looking forward to this conversation all week.

# The story

HOST: So tell me, how did the first recording come about?
GUEST: It started with a broken radio and a very patient neighbour.
HOST: That is a wonderful beginning for any story.`;

beforeAll(async () => {
  execFileSync(process.execPath, ['build/scripts/build.mjs', '--node', '--if-stale'], { stdio: 'ignore', cwd: ROOT });
  t = tempDir();
  core = await createCore({ dataDir: path.join(t.dir, 'data'), transport: 'web', version: 'test' });
  projectId = (await call<{ id: string }>('projects.create', { name: 'Workshop' })).id;
  await call('script.import', { projectId, source: { text: SCRIPT, format: 'md' } });
  await call('projects.setSpeakers', {
    id: projectId,
    speakers: [
      { name: 'HOST', voiceId: 'espeak:en-us' },
      { name: 'GUEST', voiceId: 'espeak:en-gb' },
    ],
  });
  await call('jobs.generate', { projectId });
  await core.jobs.idle();
  await core.qc.idle(); // every take aligned: the subtitles are timed from its words
  timeline = await call<Timeline>('projects.timeline', { id: projectId });
  detail = await call<ProjectDetail>('projects.get', { id: projectId });
}, 300_000);

afterAll(async () => {
  await core?.close();
  t?.cleanup();
});

async function exportWith(params: Record<string, unknown>): Promise<ExportJob> {
  const job = await call<ExportJob>('export.start', { projectId, ...params });
  return core.exports.wait(job.id);
}

function probe(file: string): {
  format: { duration: string; format_name: string };
  streams: {
    codec_name: string;
    sample_rate: string;
    channels: number;
    bits_per_raw_sample?: string;
    sample_fmt: string;
  }[];
  chapters: { start_time: string; end_time: string; tags: { title: string } }[];
} {
  const r = spawnSync(
    'ffprobe',
    ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', '-show_chapters', file],
    {
      encoding: 'utf8',
    },
  );
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

/** Integrated loudness and true peak measured by ffmpeg's own EBU R128 meter (independent of ours). */
function ebur128(file: string): { lufs: number; peak: number } {
  const r = spawnSync('ffmpeg', ['-nostats', '-i', file, '-filter_complex', 'ebur128=peak=true', '-f', 'null', '-'], {
    encoding: 'utf8',
  });
  expect(r.status, r.stderr.slice(-500)).toBe(0);
  const summary = r.stderr.slice(r.stderr.lastIndexOf('Summary:'));
  return {
    lufs: Number(/I:\s+(-?[\d.]+) LUFS/.exec(summary)![1]),
    peak: Number(/Peak:\s+(-?[\d.]+) dBFS/.exec(summary)![1]),
  };
}

// Several encodes per test on two shared cores: generous limits (these are not timing assertions).
const SLOW = 300_000;

describe('export', () => {
  it(
    'writes every format at the chosen rate; decodes back at the mix duration',
    async () => {
      const out = path.join(t.dir, 'formats');
      const cases = [
        { format: 'wav', wavBits: 24, sampleRate: 48000, codec: 'pcm_s24le' },
        { format: 'wav', wavBits: 16, sampleRate: 22050, codec: 'pcm_s16le' },
        { format: 'flac', sampleRate: 44100, codec: 'flac' },
        { format: 'mp3', mp3Mode: 'vbr', sampleRate: 44100, codec: 'mp3' },
        { format: 'opus', sampleRate: 48000, codec: 'opus' },
        { format: 'm4a', sampleRate: 44100, codec: 'aac', channels: 1 },
      ] as const;
      for (const c of cases) {
        const file = path.join(out, `${c.format}-${c.sampleRate}.${c.format}`);
        const { codec, ...params } = c;
        const job = await exportWith({ ...params, outputPath: file, chapters: false });
        expect(job.status, JSON.stringify(job.error)).toBe('done');
        expect(job.files).toEqual([{ path: file, kind: 'audio', bytes: expect.any(Number) }]);
        const p = probe(file);
        expect(p.streams[0].codec_name).toBe(codec);
        expect(Number(p.streams[0].sample_rate)).toBe(c.format === 'opus' ? 48000 : c.sampleRate);
        expect(p.streams[0].channels).toBe('channels' in c ? c.channels : 2);
        // Encoder padding of lossy codecs stays well under 100 ms.
        expect(Math.abs(Number(p.format.duration) - timeline.durationSeconds)).toBeLessThan(0.1);
        expect(Math.abs(job.durationSeconds! - timeline.durationSeconds)).toBeLessThan(0.1);
      }
    },
    SLOW,
  );

  it(
    'meets the loudness presets (±1 LU, true peak ≤ −1 dBTP) measured independently',
    async () => {
      const cases = [
        { loudness: 'podcast', channels: 2, target: -16, format: 'mp3' },
        { loudness: 'podcast', channels: 1, target: -19, format: 'wav' },
        { loudness: 'broadcast', channels: 2, target: -23, format: 'm4a' },
      ] as const;
      for (const c of cases) {
        const file = path.join(t.dir, 'loud', `${c.loudness}-${c.channels}.${c.format}`);
        const job = await exportWith({
          format: c.format,
          loudness: c.loudness,
          channels: c.channels,
          outputPath: file,
        });
        expect(job.status).toBe('done');
        const m = ebur128(file);
        expect(Math.abs(m.lufs - c.target), `${c.loudness}/${c.channels}: ${m.lufs} LUFS`).toBeLessThanOrEqual(1);
        expect(m.peak, `true peak ${m.peak}`).toBeLessThanOrEqual(-1);
        expect(Math.abs(job.integratedLufs! - c.target)).toBeLessThanOrEqual(1);
        expect(job.truePeakDbtp!).toBeLessThanOrEqual(-1);
      }
    },
    SLOW,
  );

  it(
    'writes chapters (ID3 CHAP in MP3, chapters in M4A) and SRT/VTT cues at the line timings',
    async () => {
      const mp3 = path.join(t.dir, 'ch', 'episode.mp3');
      const job = await exportWith({ format: 'mp3', outputPath: mp3, subtitles: ['srt', 'vtt'], chapters: true });
      expect(job.files.map((f) => [path.basename(f.path), f.kind])).toEqual([
        ['episode.mp3', 'audio'],
        ['episode.srt', 'srt'],
        ['episode.vtt', 'vtt'],
      ]);
      const storyLine = detail.lines.findIndex((l) => l.chapter === 'The story');
      // Two turns before it (GUEST's two sentences stay one line: a turn is one line).
      expect(storyLine).toBe(2);
      expect(timeline.chapters.map((c) => c.start)).toEqual([0, timeline.lines[storyLine].start]);
      const chStarts = [0, timeline.lines[storyLine].start];
      for (const file of [
        mp3,
        (await exportWith({ format: 'm4a', outputPath: path.join(t.dir, 'ch', 'e.m4a') })).files[0].path,
      ]) {
        const ch = probe(file).chapters;
        expect(ch.map((c) => c.tags.title)).toEqual(['Opening', 'The story']);
        ch.forEach((c, i) => expect(Number(c.start_time)).toBeCloseTo(chStarts[i], 1));
        expect(Number(ch[1].end_time)).toBeCloseTo(timeline.durationSeconds, 1);
      }
      // Word-timed cues: each line's cues say its text, start when its first word is heard (take QC's alignment),
      // stay inside the line's time and the layout limits, and never overlap.
      const srt = parseSrt(readFileSync(path.join(t.dir, 'ch', 'episode.srt'), 'utf8'));
      const vtt = parseVtt(readFileSync(path.join(t.dir, 'ch', 'episode.vtt'), 'utf8'));
      expect(vtt.map((c) => [c.start, c.end, c.text])).toEqual(srt.map((c) => [c.start, c.end, c.text]));
      const spoken = detail.lines.filter((l) => l.activeTake);
      expect(srt.length).toBeGreaterThanOrEqual(spoken.length);
      let k = 0;
      for (const [i, line] of spoken.entries()) {
        const span = timeline.lines.find((x) => x.lineId === line.id)!;
        const next = spoken[i + 1] ? timeline.lines.find((x) => x.lineId === spoken[i + 1].id)!.start : Infinity;
        const qc = await call<TakeQc>('takes.qc', { takeId: line.activeTake!.id });
        expect(qc.status, qc.summary).toBe('ok');
        const first = k;
        const said: string[] = [];
        while (k < srt.length && said.join(' ') !== line.text) said.push(srt[k++].text.replace(/\n/g, ' '));
        expect(said.join(' ')).toBe(line.text);
        expect(srt[first].start).toBeCloseTo(span.start + qc.words[0].start!, 2);
        for (let c = first; c < k; c++) {
          expect(srt[c].start).toBeGreaterThanOrEqual(span.start - 0.001);
          expect(srt[c].end).toBeLessThanOrEqual(Math.min(next, Math.max(span.end, srt[c].start + 7)) + 0.001);
          expect(srt[c].text.split('\n').length).toBeLessThanOrEqual(2);
          for (const row of srt[c].text.split('\n')) expect(row.length).toBeLessThanOrEqual(42);
          if (c > 0) expect(srt[c].start).toBeGreaterThanOrEqual(srt[c - 1].end);
          expect(vtt[c].speaker).toBe(line.speaker);
        }
      }
      expect(k).toBe(srt.length);
    },
    SLOW,
  );

  it(
    'zips stems per speaker and per line',
    async () => {
      const bySpeaker = await exportWith({
        format: 'wav',
        outputPath: path.join(t.dir, 'stems', 'a.wav'),
        stems: 'speaker',
      });
      const zip = bySpeaker.files.find((f) => f.kind === 'stems')!;
      expect(path.basename(zip.path)).toBe('a-stems.zip');
      expect((await zipNames(zip.path)).sort()).toEqual(['GUEST.wav', 'HOST.wav']);
      const byLine = await exportWith({
        format: 'flac',
        outputPath: path.join(t.dir, 'stems', 'b.flac'),
        stems: 'line',
      });
      expect(await zipNames(byLine.files[1].path)).toEqual(
        detail.lines.map((l) => `${String(l.position + 1).padStart(4, '0')}-${l.speaker}.flac`),
      );
    },
    SLOW,
  );

  it(
    'serves finished exports on the web route with the token only',
    async () => {
      const job = await exportWith({ format: 'mp3', subtitles: ['srt'] });
      expect(job.files[0].path.startsWith(path.join(t.dir, 'data', 'exports', job.id))).toBe(true);
      const server = await startWebServer({ core, staticDir: t.dir });
      try {
        const url = `${server.url}/api/media/exports/${job.id}/1`;
        expect((await fetch(url)).status).toBe(401);
        const ok = await fetch(`${url}?token=${server.token}`);
        expect(ok.status).toBe(200);
        expect(ok.headers.get('content-disposition')).toMatch(/attachment; filename="Workshop\.srt"/);
        expect(await ok.text()).toBe(readFileSync(job.files[1].path, 'utf8'));
        expect((await fetch(`${server.url}/api/media/exports/${job.id}/7?token=${server.token}`)).status).toBe(404);
        // Browser uploads: a 3 MiB script goes through (the general 2 MiB cap is for other calls).
        const rpc = (method: string, params: unknown) =>
          fetch(`${server.url}/api/rpc`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${server.token}` },
            body: JSON.stringify({ method, params }),
          });
        const sentence = `${'Many words in a long sentence '.repeat(9).trim()}.\n\n`;
        const script = sentence.repeat(Math.ceil((3 * 1024 * 1024) / sentence.length));
        const big = await call<{ id: string }>('projects.create', { name: 'Big upload' });
        const up = await rpc('script.import', {
          projectId: big.id,
          source: { fileName: 'big.txt', base64: Buffer.from(script).toString('base64') },
        });
        expect(up.status).toBe(200);
        const imported = (await up.json()) as { result: ProjectDetail };
        expect(imported.result.lines.length).toBe(Math.ceil((3 * 1024 * 1024) / sentence.length));
        const tooBig = await rpc('lines.add', { projectId: big.id, text: 'x'.repeat(3 * 1024 * 1024) });
        expect(tooBig.status).toBe(413);
      } finally {
        await server.close();
      }
    },
    SLOW,
  );

  it(
    'writes only files of the chosen format: other output names are refused',
    async () => {
      for (const name of ['run.sh', 'episode.wav', 'notes.txt']) {
        const r = await core.dispatch('export.start', {
          projectId,
          format: 'mp3',
          outputPath: path.join(t.dir, 'bad', name),
        });
        expect(r.ok).toBe(false);
        if (!r.ok) expect(r.error.message).toMatch(/must be saved as \.mp3/);
      }
      expect((await core.dispatch('export.start', { projectId, format: 'mp3', outputPath: 'relative.mp3' })).ok).toBe(
        false,
      );
    },
    SLOW,
  );

  it(
    'a cancelled export leaves no file behind',
    async () => {
      const dir = path.join(t.dir, 'cancel');
      mkdirSync(dir);
      const job = await call<ExportJob>('export.start', {
        projectId,
        format: 'flac',
        outputPath: path.join(dir, 'x.flac'),
        subtitles: ['srt'],
        stems: 'line',
      });
      await call('export.cancel', { id: job.id });
      const end = await core.exports.wait(job.id);
      expect(end.status).toBe('cancelled');
      expect(end.files).toEqual([]);
      expect(readdirSync(dir)).toEqual([]);
      expect((await call<ExportJob>('export.get', { id: job.id })).status).toBe('cancelled');
      const listed = await call<ExportJob[]>('export.list', { projectId });
      expect(listed[0].id).toBe(job.id);
      expect(listed.every((j) => j.projectId === projectId)).toBe(true);
    },
    SLOW,
  );

  const canUnshare = spawnSync('unshare', ['-rm', 'true']).status === 0;
  it.skipIf(!canUnshare)(
    'a disk that fills during export gives DISK_FULL and leaves no file',
    () => {
      const r = spawnSync(
        'unshare',
        [
          '-rm',
          process.execPath,
          '--import',
          'tsx',
          path.join(ROOT, 'tests/helpers/export-full-disk-scenario.ts'),
          path.join(t.dir, 'fd'),
        ],
        { cwd: ROOT, encoding: 'utf8', timeout: 120_000 },
      );
      expect(r.status, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
      expect(out.status).toBe('failed');
      expect(out.error.code).toBe('DISK_FULL');
      expect(out.error.message).toMatch(/The disk is full/);
      expect(out.leftovers).toEqual([]);
    },
    SLOW,
  );
});

function zipNames(file: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return reject(err);
      const names: string[] = [];
      zip.on('entry', (e: { fileName: string }) => {
        names.push(e.fileName);
        zip.readEntry();
      });
      zip.on('end', () => resolve(names));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}
