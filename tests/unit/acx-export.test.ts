import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createCore, type Core } from '../../main/node/core.js';
import type { ExportJob, ProjectDetail } from '../../preload/contract/index.js';
import { chapterFileName, chapterSpans } from '../../main/node/export/audiobook.js';
import { decodeWav, encodeWav } from '../../native-models/audio/wav.js';
import { buildEpub } from '../helpers/epub.js';
import { tempDir } from '../helpers/tmp.js';

const t = tempDir('timbre-acx-export-');
let core: Core | undefined;
beforeAll(async () => {
  execFileSync(process.execPath, ['build/scripts/build.mjs', '--node', '--if-stale'], { stdio: 'ignore' });
  core = await createCore({ dataDir: path.join(t.dir, 'data'), transport: 'web', version: 'test' });
});
afterAll(async () => {
  await core?.close();
  t.cleanup();
});

async function call<T>(method: string, params: unknown): Promise<T> {
  const r = await core!.dispatch(method, params);
  if (!r.ok) throw new Error(`${method}: ${r.error.code}: ${r.error.message}`);
  return r.result as T;
}

const chapters = [
  {
    title: 'Chapter 1: The Mill',
    paragraphs: ['The mill stood by the river, quiet for years.', 'Nobody had worked it since the flood.'],
  },
  { title: 'Chapter 2: Flour / Bread', paragraphs: ['Mr. Baker came at dawn with a lantern and a sack of grain.'] },
  { title: 'Epilogue', paragraphs: ['It ended well, mostly, and the wheel turned again.'] },
];

/** A project made from a three-chapter EPUB, every line spoken by eSpeak. */
async function book(name: string): Promise<{ id: string; detail: ProjectDetail }> {
  const file = path.join(t.dir, `${name}.epub`);
  writeFileSync(file, await buildEpub({ chapters, title: name }));
  const { id } = await call<{ id: string }>('projects.create', { name });
  await call('projects.setVoice', { id, voiceId: 'espeak:en-us' });
  await call('script.import', { projectId: id, source: { path: file } });
  await call('jobs.generate', { projectId: id });
  await core!.jobs.idle();
  return { id, detail: await call<ProjectDetail>('projects.get', { id }) };
}

async function exportAcx(projectId: string, outputPath: string): Promise<ExportJob> {
  const started = await call<ExportJob>('export.start', {
    projectId,
    format: 'mp3',
    channels: 1,
    preset: 'acx',
    outputPath,
  });
  return core!.exports.wait(started.id);
}

/** ffmpeg's own measurement: astats overall RMS and peak level (dBFS, full-scale square = 0 dB). */
function astats(file: string): { rmsDb: number; peakDb: number } {
  const r = spawnSync('ffmpeg', ['-nostats', '-i', file, '-af', 'astats=measure_perchannel=none', '-f', 'null', '-'], {
    encoding: 'utf8',
  });
  const overall = r.stderr.slice(r.stderr.lastIndexOf('Overall'));
  return {
    rmsDb: Number(/RMS level dB: (-?[\d.]+)/.exec(overall)?.[1]),
    peakDb: Number(/Peak level dB: (-?[\d.]+)/.exec(overall)?.[1]),
  };
}

/** Head and tail room tone: ffmpeg silencedetect below −45 dB lasting at least 0.3 s, at the file's ends. */
function roomTone(file: string, duration: number): { head: number; tail: number } {
  const r = spawnSync('ffmpeg', ['-nostats', '-i', file, '-af', 'silencedetect=noise=-45dB:d=0.3', '-f', 'null', '-'], {
    encoding: 'utf8',
  });
  const starts = [...r.stderr.matchAll(/silence_start: (-?[\d.]+)/g)].map((m) => Number(m[1]));
  const ends = [...r.stderr.matchAll(/silence_end: (-?[\d.]+)/g)].map((m) => Number(m[1]));
  expect(starts[0]).toBeLessThan(0.01);
  return { head: ends[0], tail: duration - starts[starts.length - 1] };
}

function probe(file: string) {
  return JSON.parse(
    execFileSync(
      'ffprobe',
      [
        '-v',
        'error',
        '-show_entries',
        'stream=codec_name,sample_rate,channels,bit_rate:format=duration:format_tags=title,track,album',
        '-of',
        'json',
        file,
      ],
      { encoding: 'utf8' },
    ),
  ) as {
    streams: { codec_name: string; sample_rate: string; channels: number; bit_rate: string }[];
    format: { duration: string; tags?: Record<string, string> };
  };
}

/** Sizes of the MP3's audio frames (constant bit rate: all the same, give or take the one padding byte). */
function frameSizes(file: string): Set<number> {
  const out = execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'packet=size', '-of', 'csv=p=0', file], {
    encoding: 'utf8',
  });
  return new Set(
    out
      .split('\n')
      .map((l) => Number.parseInt(l, 10))
      .filter((n) => Number.isFinite(n)),
  );
}

describe('chapter file names', () => {
  it('numbers and sanitises titles, and groups lines into the book’s chapters', () => {
    expect(chapterFileName(3, 12, 'Chapter 3: Flour / Bread')).toBe('03 - Chapter 3_ Flour _ Bread.mp3');
    expect(chapterFileName(7, 120, '../../etc/passwd')).toBe('007 - etc_passwd.mp3');
    expect(chapterFileName(1, 1, '  ...  ')).toBe('01 - Chapter 1.mp3');
    expect(chapterFileName(2, 9, 'a'.repeat(300))).toBe(`02 - ${'a'.repeat(80)}.mp3`);
    expect(
      chapterSpans([{ chapter: null }, { chapter: 'One' }, { chapter: null }, { chapter: 'Two' }], 'Book'),
    ).toEqual([
      { number: 1, title: 'Book', from: 0, to: 1 },
      { number: 2, title: 'One', from: 1, to: 3 },
      { number: 3, title: 'Two', from: 3, to: 4 },
    ]);
  });
});

describe('ACX audiobook preset', () => {
  it('exports one checked MP3 per chapter (44.1 kHz CBR 192k, RMS, peak, room tone) and a report that passes', async () => {
    const { id } = await book('The Mill');
    const out = path.join(t.dir, 'out', 'The Mill.mp3');
    const job = await exportAcx(id, out);
    expect(job.error).toBeNull();
    expect(job.status).toBe('done');
    const audio = job.files.filter((f) => f.kind === 'audio');
    const names = audio.map((f) => path.basename(f.path));
    expect(names).toEqual(chapters.map((c, i) => `The Mill - ${chapterFileName(i + 1, 3, c.title)}`));
    const report = job.files.find((f) => f.kind === 'report')!;
    expect(path.basename(report.path)).toBe('The Mill - ACX report.txt');
    // Exactly these files, and nothing staged left behind.
    expect(readdirSync(path.dirname(out)).sort()).toEqual([...names, 'The Mill - ACX report.txt'].sort());

    expect(
      job.acx?.files.flatMap((f) => f.checks.filter((c) => !c.pass).map((c) => `${f.file}: ${c.message}`)),
    ).toEqual([]);
    expect(job.acx?.pass).toBe(true);
    expect(job.acx?.files.map((f) => f.file)).toEqual(names);
    expect(job.acx?.files.map((f) => f.title)).toEqual(chapters.map((c) => c.title));
    for (const [i, f] of audio.entries()) {
      const rep = job.acx!.files[i];
      const by = Object.fromEntries(rep.checks.map((c) => [c.id, c]));
      expect(rep.checks.filter((c) => !c.pass)).toEqual([]);
      expect(Object.keys(by).sort()).toEqual(
        ['bitrate', 'constant-bitrate', 'format', 'head', 'noise-floor', 'peak', 'rms', 'sample-rate', 'tail'].sort(),
      );
      // Independently: ffprobe for the format, ffmpeg astats for the levels, silencedetect for the room tone.
      const p = probe(f.path);
      expect(p.streams[0]).toMatchObject({ codec_name: 'mp3', sample_rate: '44100', channels: 1, bit_rate: '192000' });
      expect(p.format.tags?.title).toBe(chapters[i].title);
      const sizes = [...frameSizes(f.path)];
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      const a = astats(f.path);
      expect(a.rmsDb).toBeGreaterThanOrEqual(-23);
      expect(a.rmsDb).toBeLessThanOrEqual(-18);
      expect(Math.abs(a.rmsDb - -20)).toBeLessThan(1);
      expect(a.peakDb).toBeLessThanOrEqual(-3);
      expect(by.rms.value as number).toBeCloseTo(a.rmsDb, 1);
      expect(by.peak.value as number).toBeCloseTo(a.peakDb, 1);
      const rt = roomTone(f.path, Number(p.format.duration));
      expect(rt.head).toBeGreaterThan(0.6);
      expect(rt.head).toBeLessThan(0.9);
      expect(rt.tail).toBeGreaterThan(1.8);
      expect(rt.tail).toBeLessThan(2.25);
      expect(Math.abs((by.head.value as number) - rt.head)).toBeLessThan(0.1);
      expect(Math.abs((by.tail.value as number) - rt.tail)).toBeLessThan(0.15);
      expect(by['noise-floor'].value as number).toBeLessThanOrEqual(-60);
    }
    const text = readFileSync(report.path, 'utf8');
    expect(text).toContain('All 3 file(s) pass every check.');
    for (const n of names) expect(text).toContain(`${n}  (chapter`);
  }, 240_000);

  it('names the failing check and by how much when a take has a noisy floor', async () => {
    const { id, detail } = await book('Noisy Mill');
    // The second chapter's take gets a steady hiss (white noise at −52 dBFS RMS) under and between the words.
    const line = detail.lines.find((l) => l.chapter === chapters[1].title)!;
    const row = core!.repos.takes.row(line.activeTake!.id);
    const file = path.join(core!.layout.takes, row.file);
    const w = decodeWav(readFileSync(file));
    let seed = 7;
    const amp = Math.pow(10, -52 / 20) * Math.sqrt(3);
    for (let i = 0; i < w.samples.length; i++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      w.samples[i] += (seed / 2 ** 32 - 0.5) * 2 * amp;
    }
    writeFileSync(file, encodeWav(w.samples, w.sampleRate));

    const out = path.join(t.dir, 'noisy', 'Noisy Mill.mp3');
    const job = await exportAcx(id, out);
    expect(job.status).toBe('done');
    expect(job.acx?.pass).toBe(false);
    const [one, two, three] = job.acx!.files;
    expect(one.pass).toBe(true);
    expect(three.pass).toBe(true);
    expect(two.pass).toBe(false);
    const failed = two.checks.filter((c) => !c.pass);
    expect(failed.map((c) => c.id)).toEqual(['noise-floor']);
    const nf = failed[0];
    // The floor sits where the hiss was put, raised by the chapter's gain; "by" is its distance above −60 dBFS.
    expect(nf.value as number).toBeGreaterThan(-60);
    expect(nf.by).toBeCloseTo((nf.value as number) + 60, 5);
    expect(nf.message).toMatch(/Noise floor -\d+\.\d dB is \d+\.\d dB above the maximum of -60\.0 dB/);
    const text = readFileSync(job.files.find((f) => f.kind === 'report')!.path, 'utf8');
    expect(text).toContain('1 of 3 file(s) fail at least one check.');
    expect(text).toMatch(/FAIL {2}Noise floor/);
  }, 240_000);

  it('refuses settings the preset cannot honour, naming them, and writes nothing', async () => {
    const { id } = await call<{ id: string }>('projects.create', { name: 'Refused' });
    await call('projects.setVoice', { id, voiceId: 'espeak:en-us' });
    await call('script.import', { projectId: id, source: { text: 'One line.', format: 'txt' } });
    await call('jobs.generate', { projectId: id });
    await core!.jobs.idle();
    const dir = path.join(t.dir, 'refused');
    for (const [extra, msg] of [
      [{ format: 'wav' }, /exports MP3 files \(got WAV\)/],
      [{ format: 'mp3', mp3Mode: 'vbr' }, /constant bit rate/],
      [{ format: 'mp3', sampleRate: 48000 }, /44\.1 kHz \(got 48000 Hz\)/],
      [{ format: 'mp3', bitrateKbps: 128 }, /192 kbps or more \(got 128 kbps\)/],
      [{ format: 'mp3', subtitles: ['srt'] }, /no subtitles/],
    ] as const) {
      const r = await core!.dispatch('export.start', {
        projectId: id,
        preset: 'acx',
        outputPath: path.join(dir, 'x.mp3'),
        ...extra,
      });
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.error.code).toBe('INVALID_INPUT');
        expect(r.error.message).toMatch(msg);
      }
    }
    expect(() => readdirSync(dir)).toThrow();
  }, 120_000);
});

describe('timbre export --preset acx', () => {
  it('writes the chapter files and the report from the command line, and refuses a clashing format', async () => {
    const dir = path.join(t.dir, 'cli');
    const data = path.join(dir, 'data');
    const c = await createCore({ dataDir: data, transport: 'web', version: 'test' });
    let id: string;
    try {
      const r = await c.dispatch('projects.create', { name: 'CLI Book' });
      if (!r.ok) throw new Error(r.error.message);
      id = (r.result as { id: string }).id;
      for (const [m, p] of [
        ['projects.setVoice', { id, voiceId: 'espeak:en-us' }],
        ['script.import', { projectId: id, source: { text: 'A short book.\n\nIt has no chapters.', format: 'txt' } }],
        ['jobs.generate', { projectId: id }],
      ] as const) {
        const x = await c.dispatch(m, p);
        if (!x.ok) throw new Error(x.error.message);
      }
      await c.jobs.idle();
    } finally {
      await c.close();
    }
    const bin = path.resolve(import.meta.dirname, '../../bin/timbre.mjs');
    const timbre = (args: string[]) =>
      spawnSync(process.execPath, [bin, '--data-dir', data, 'export', id, ...args], { encoding: 'utf8' });
    const out = path.join(dir, 'out', 'book.mp3');
    const r = timbre(['--preset', 'acx', '-o', out]);
    expect(r.status, r.stderr).toBe(0);
    const file = path.join(dir, 'out', 'book - 01 - CLI Book.mp3');
    expect(r.stdout).toContain(`pass  ${file}`);
    expect(r.stdout).toContain('1 chapter file(s), 1 passing every ACX check');
    expect(readdirSync(path.join(dir, 'out')).sort()).toEqual(['book - 01 - CLI Book.mp3', 'book - ACX report.txt']);
    expect(probe(file).streams[0]).toMatchObject({ codec_name: 'mp3', sample_rate: '44100', bit_rate: '192000' });
    const bad = timbre(['--preset', 'acx', '-f', 'wav', '-o', path.join(dir, 'bad.wav')]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/The ACX audiobook preset exports MP3 files \(got WAV\)/);
  }, 120_000);
});
