/**
 * The music bed streams (issue #9): the block resampler equals the whole-array one; a real project (SQLite, eSpeak
 * takes) with a bed made by ffmpeg at another rate than the mix's, longer than one read block and shorter than the
 * episode (so it loops), streams to the same mix as the in-memory mixEpisode, looped and once, ducked and not; the
 * bed's file is closed after the passes and on errors; and, in spawned child processes, neither setting the bed
 * (decoded block by block into its stored file) nor the export grows its peak RSS with the bed's length (a 2-minute
 * and a 20-minute bed).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, execFileSync } from 'node:child_process';
import path from 'node:path';
import { readdirSync, readFileSync, readlinkSync, renameSync, truncateSync, copyFileSync, statSync } from 'node:fs';
import { mixEpisode, type MixLine } from '../../native-models/dsp/mix.js';
import { MixStream } from '../../native-models/dsp/mix-stream.js';
import { resample } from '../../native-models/dsp/resample.js';
import { ResampledBed, arrayFrames } from '../../native-models/dsp/bed-stream.js';
import { decodeWav } from '../../native-models/audio/wav.js';
import { createCore, type Core } from '../../main/node/core.js';
import { episodePlan, episodeSource, openBedFile, type EpisodeSource } from '../../main/node/studio/episode.js';
import type { ProjectDetail } from '../../preload/contract/index.js';
import { tempDir } from '../helpers/tmp.js';

const ROOT = path.resolve(__dirname, '../..');

/** Run a command; resolves with its stdout, rejects with the end of stderr on failure. */
function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(cmd, args, { cwd: ROOT, maxBuffer: 64 << 20 }, (err, out, errOut) =>
      err ? reject(new Error(`${cmd} failed: ${String(errOut).slice(-800)}`)) : resolve(out),
    ),
  );
}

const maxDiff = (a: Float32Array, b: Float32Array) => {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
};

/** Noise plus tones, deterministic. */
function signal(n: number, rate: number): Float32Array {
  const x = new Float32Array(n);
  let s = 12345;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    x[i] = 0.2 * Math.sin((2 * Math.PI * 440 * i) / rate) + 0.1 * ((s / 2 ** 32) * 2 - 1);
  }
  return x;
}

/** File descriptors of this process open on `file` (other tests' descriptors come and go meanwhile). */
const openOn = (file: string) =>
  readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === file;
    } catch {
      return false;
    }
  }).length;

describe('block resampler', () => {
  it.each([
    [44_100, 22_050, 777],
    [44_100, 48_000, 4096],
    [44_100, 24_000, 65_536],
    [22_050, 44_100, 1000],
    [44_100, 44_100, 3000],
  ])(
    '%i → %i Hz in blocks of %i equals the whole-array resample, read forward, looped and skipped',
    async (from, to, block) => {
      const x = signal(20_011, from);
      const whole = resample(x, from, to);
      const bed = new ResampledBed(arrayFrames(x, from), to, { blockFrames: block });
      expect(bed.length).toBe(whole.length);
      // Reads of uneven sizes across the input blocks.
      const out = new Float32Array(bed.length);
      for (let at = 0, k = 0; at < out.length; k++) {
        const n = Math.min(out.length - at, [1, 313, 2048, 5000][k % 4]);
        await bed.read(at, out.subarray(at, at + n));
        at += n;
      }
      expect(maxDiff(out, whole)).toBeLessThanOrEqual(1e-6);
      // A second pass (the loop point): going back starts again from silence before the first sample.
      const again = new Float32Array(1500);
      await bed.read(0, again);
      expect(maxDiff(again, whole.subarray(0, 1500))).toBeLessThanOrEqual(1e-6);
      // A forward jump skips what lies between.
      const later = new Float32Array(700);
      await bed.read(whole.length - 900, later);
      expect(maxDiff(later, whole.subarray(whole.length - 900, whole.length - 200))).toBeLessThanOrEqual(1e-6);
      await expect(bed.read(whole.length - 10, new Float32Array(20))).rejects.toThrow(/requested/);
    },
  );
});

describe('streamed music bed on a real project', () => {
  let core: Core;
  let t: { dir: string; cleanup: () => void };
  let projectId: string;
  let data: string;

  const call = async <T>(m: string, p: unknown): Promise<T> => {
    const r = await core.dispatch(m, p);
    if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
    return r.result as T;
  };
  const source = (exportRate = 48_000) =>
    episodeSource(episodePlan(core.repos, { root: core.layout.root, takes: core.layout.takes }, projectId), {
      exportRate,
    });
  const streamAll = async (ep: EpisodeSource, m = ep.open()): Promise<Float32Array> => {
    const out = new Float32Array(m.total);
    for (let b = await m.next(); b; b = await m.next()) out.set(b.mix, b.start);
    return out;
  };
  /** The same episode mixed whole in memory (mixEpisode), from the take files and the stored bed. */
  const inMemory = (ep: EpisodeSource, bed: { loop: boolean; gainDb: number; duck: boolean }): Float32Array => {
    const plan = episodePlan(core.repos, { root: core.layout.root, takes: core.layout.takes }, projectId);
    const lines: MixLine[] = plan.lines.map((l) => {
      const w = decodeWav(readFileSync(l.file));
      return { id: l.lineId, audio: w.samples, sampleRate: w.sampleRate, pauseAfterMs: plan.gapMs };
    });
    const stored = decodeWav(readFileSync(plan.bed!.file));
    return mixEpisode(lines, {
      sampleRate: ep.sampleRate,
      channels: 1,
      tailMs: 0,
      bed: {
        audio: stored.samples,
        sampleRate: stored.sampleRate,
        gainDb: bed.gainDb,
        duckDb: bed.duck ? -15 : 0,
        loop: bed.loop,
      },
    }).channels[0];
  };

  beforeAll(async () => {
    execFileSync(process.execPath, ['build/scripts/build.mjs', '--node', '--if-stale'], { stdio: 'ignore', cwd: ROOT });
    t = tempDir();
    data = path.join(t.dir, 'data');
    core = await createCore({ dataDir: data, transport: 'web', version: 'test' });
    projectId = (await call<{ id: string }>('projects.create', { name: 'Bed' })).id;
    await call('projects.setVoice', { id: projectId, voiceId: 'espeak:en-us' });
    await call('script.import', {
      projectId,
      source: {
        text: 'The music starts softly under the voice.\n\nIt ducks while anyone speaks.\n\nAnd it loops to the end of the episode, then fades.',
        format: 'txt',
      },
    });
    await call('jobs.generate', { projectId });
    await core.jobs.idle();
    const takes = (await call<ProjectDetail>('projects.get', { id: projectId })).lines.filter((l) => l.activeTake);
    expect(takes).toHaveLength(3);
    // A 2.6-second bed at 48 kHz, stereo (stored mono at 44.1 kHz): longer than one read block (65,536 frames),
    // much shorter than the episode, so it loops.
    const music = path.join(t.dir, 'bed.flac');
    execFileSync('ffmpeg', [
      '-v',
      'error',
      '-f',
      'lavfi',
      '-i',
      'sine=frequency=330:sample_rate=48000:duration=2.6',
      '-f',
      'lavfi',
      '-i',
      'anoisesrc=color=pink:sample_rate=48000:duration=2.6:amplitude=0.2:seed=7',
      '-filter_complex',
      '[0][1]amix=inputs=2,aformat=channel_layouts=stereo',
      music,
    ]);
    const d = await call<ProjectDetail>('projects.setMix', {
      id: projectId,
      gapMs: 700,
      musicBed: { source: { path: music }, gainDb: -6, duck: true },
    });
    expect(d.musicBed!.durationSeconds).toBeCloseTo(2.6, 1);
  }, 180_000);
  afterAll(async () => {
    await core?.close();
    t?.cleanup();
  });

  it('streams the same mix as mixEpisode: a ducked bed at another rate, looped over the episode', async () => {
    const ep = await source();
    const plan = episodePlan(core.repos, { root: core.layout.root, takes: core.layout.takes }, projectId);
    expect(openOn(plan.bed!.file)).toBe(1);
    const stored = decodeWav(readFileSync(plan.bed!.file));
    expect(stored.sampleRate).toBe(44_100);
    expect(ep.sampleRate).not.toBe(stored.sampleRate);
    expect(stored.samples.length).toBeGreaterThan(65_536);
    // At least two loops of the bed.
    expect(ep.total / ep.sampleRate).toBeGreaterThan((2 * stored.samples.length) / stored.sampleRate);
    const streamed = await streamAll(ep);
    const whole = inMemory(ep, { loop: true, gainDb: -6, duck: true });
    expect(maxDiff(streamed, whole)).toBeLessThanOrEqual(1e-5);
    // A second pass (the export's applying pass after its measuring pass) over the same open file: the same.
    expect(maxDiff(await streamAll(ep), streamed)).toBe(0);
    // The bed is really there and really ducked.
    const voice = new Float32Array(ep.total);
    const vs = ep.open({ bed: false });
    for (let b = await vs.next(); b; b = await vs.next()) voice.set(b.mix, b.start);
    const rms = (a: number, b: number) => {
      let s = 0;
      for (let i = a; i < b; i++) s += (streamed[i] - voice[i]) ** 2;
      return Math.sqrt(s / (b - a));
    };
    const gap = [ep.timings[0].endSample, ep.timings[1].startSample];
    const speech = [ep.timings[1].startSample, ep.timings[1].endSample];
    const inGap = rms(gap[0] + Math.round(0.45 * ep.sampleRate), gap[1] - Math.round(0.05 * ep.sampleRate));
    const underSpeech = rms(speech[0] + Math.round(0.3 * ep.sampleRate), speech[1] - Math.round(0.3 * ep.sampleRate));
    expect(inGap).toBeGreaterThan(1e-3);
    expect(20 * Math.log10(underSpeech / inGap)).toBeLessThan(-5);
    await ep.close();
    expect(openOn(plan.bed!.file)).toBe(0);
  });

  it('streams the same mix as mixEpisode without ducking, and with the bed played once', async () => {
    await call('projects.setMix', { id: projectId, musicBed: { gainDb: -3, duck: false } });
    const ep = await source(24_000);
    expect(maxDiff(await streamAll(ep), inMemory(ep, { loop: true, gainDb: -3, duck: false }))).toBeLessThanOrEqual(
      1e-5,
    );
    // Once (no loop): the stored file streamed through MixStream, nothing after the bed's end, in odd blocks.
    const plan = episodePlan(core.repos, { root: core.layout.root, takes: core.layout.takes }, projectId);
    for (const duck of [true, false]) {
      const file = await openBedFile(plan.bed!.file);
      const m = new MixStream(ep.lines, ep.line, {
        sampleRate: ep.sampleRate,
        tail: 0,
        blockFrames: 10_007,
        bed: {
          reader: new ResampledBed(file, ep.sampleRate, { blockFrames: 30_000 }),
          loop: false,
          gainDb: -3,
          duckDb: duck ? -15 : 0,
        },
      });
      const once = await streamAll(ep, m);
      await file.close();
      const whole = inMemory(ep, { loop: false, gainDb: -3, duck });
      expect(maxDiff(once, whole)).toBeLessThanOrEqual(1e-5);
      const bedEnd = Math.ceil((file.frames * ep.sampleRate) / file.sampleRate);
      const voiceOnly = await streamAll(ep, ep.open({ bed: false }));
      expect(maxDiff(once.subarray(bedEnd), voiceOnly.subarray(bedEnd))).toBe(0);
      expect(maxDiff(once.subarray(0, bedEnd), voiceOnly.subarray(0, bedEnd))).toBeGreaterThan(1e-3);
    }
    await ep.close();
    await call('projects.setMix', { id: projectId, musicBed: { gainDb: -6, duck: true } });
  });

  it('a damaged bed file is a clear error, and its file is closed', async () => {
    const plan = episodePlan(core.repos, { root: core.layout.root, takes: core.layout.takes }, projectId);
    const copy = path.join(t.dir, 'cut.wav');
    copyFileSync(plan.bed!.file, copy);
    // The header still declares the whole bed; the file ends after a second of it.
    truncateSync(copy, 44_100 * 4);
    const file = await openBedFile(copy);
    expect(openOn(copy)).toBe(1);
    expect(file.frames).toBeLessThan(44_100);
    const bed = new ResampledBed(file, 24_000);
    await bed.read(0, new Float32Array(1000));
    await file.close();
    expect(openOn(copy)).toBe(0);
    // Not a WAV at all: refused when opened, nothing left open.
    truncateSync(copy, 10);
    await expect(openBedFile(copy)).rejects.toThrow(/damaged.*choose the music file again/i);
    expect(openOn(copy)).toBe(0);
    await expect(openBedFile(path.join(t.dir, 'gone.wav'))).rejects.toThrow(/missing/);
    // A refused bed (too short) leaves the stored one alone and nothing partial in music/.
    const before = readdirSync(path.join(data, 'music'));
    const short = path.join(t.dir, 'short.flac');
    execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'sine=frequency=330:duration=0.3', short]);
    const r = await core.dispatch('projects.setMix', { id: projectId, musicBed: { source: { path: short } } });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toMatch(/shorter than half a second/);
    expect(readdirSync(path.join(data, 'music'))).toEqual(before);
    expect(before).toEqual([path.basename(plan.bed!.file)]);
    expect(statSync(plan.bed!.file).size).toBeGreaterThan(44_100 * 4);
  });

  it('an export closes the bed file when it ends, when it is cancelled and when it fails', async () => {
    const plan = episodePlan(core.repos, { root: core.layout.root, takes: core.layout.takes }, projectId);
    const bedFile = plan.bed!.file;
    const start = (outputPath: string) =>
      call<{ id: string }>('export.start', { projectId, format: 'mp3', outputPath, loudness: 'podcast' });
    const done = await core.exports.wait((await start(path.join(t.dir, 'whole.mp3'))).id);
    expect(done.status).toBe('done');
    expect(openOn(bedFile)).toBe(0);
    // Cancelled as soon as it runs (it may finish first on a fast machine: either way the file is closed).
    const job = await start(path.join(t.dir, 'cancelled.mp3'));
    await call('export.cancel', { id: job.id });
    expect(['cancelled', 'done']).toContain((await core.exports.wait(job.id)).status);
    expect(openOn(bedFile)).toBe(0);
    // A pass that fails mid-way (a take's file gone after the bed was opened): an error, and the bed's file closed.
    const take = plan.lines[1].file;
    renameSync(take, `${take}.away`);
    try {
      const failed = await core.exports.wait((await start(path.join(t.dir, 'failed.mp3'))).id);
      expect(failed.status).toBe('failed');
      expect(failed.error?.message).toMatch(/audio file of a take is missing/);
      expect(openOn(bedFile)).toBe(0);
    } finally {
      renameSync(`${take}.away`, take);
    }
  });

  it('sets and exports a 2-minute and a 20-minute bed at the same peak RSS (child processes)', async () => {
    await core.close();
    const tsx = ['--import', 'tsx', path.join(ROOT, 'tests', 'helpers', 'bed-export-child.ts')];
    const results: { maxRssMb: number; audioSeconds: number; integratedLufs: number; truePeakDbtp: number }[] = [];
    const staged: number[] = [];
    for (const minutes of [2, 20]) {
      const music = path.join(t.dir, `bed-${minutes}.flac`);
      await run('ffmpeg', [
        '-v',
        'error',
        '-f',
        'lavfi',
        '-i',
        `sine=frequency=220:sample_rate=48000:duration=${minutes * 60}`,
        '-c:a',
        'flac',
        music,
      ]);
      const set = JSON.parse(
        (await run(process.execPath, [...tsx, 'bed', data, projectId, music])).trim().split('\n').pop()!,
      ) as {
        maxRssMb: number;
        durationSeconds: number;
      };
      expect(set.durationSeconds).toBeCloseTo(minutes * 60, 1);
      staged.push(set.maxRssMb);
      const out = path.join(t.dir, `bed-${minutes}.mp3`);
      const res = await run(process.execPath, [...tsx, 'export', data, projectId, out]);
      results.push(JSON.parse(res.trim().split('\n').pop()!) as (typeof results)[number]);
    }
    const [short, long] = results;
    for (const r of results) {
      expect(Math.abs(r.integratedLufs - -16)).toBeLessThanOrEqual(0.5);
      expect(r.truePeakDbtp).toBeLessThanOrEqual(-1);
    }
    expect(long.audioSeconds).toBeCloseTo(short.audioSeconds, 1);
    // Whole, the 20-minute bed alone is 212 MB stored plus 115 MB resampled: the peak may not grow by a fraction of it.
    expect(long.maxRssMb).toBeLessThan(short.maxRssMb + 60);
    expect(long.maxRssMb).toBeLessThan(400);
    // Setting the bed decodes it block by block into its stored file: that step does not grow with it either.
    expect(staged[1]).toBeLessThan(staged[0] + 60);
    console.log(
      `peak RSS (MB): setting the bed ${staged.map(Math.round).join(' / ')}, exporting ${results.map((r) => Math.round(r.maxRssMb)).join(' / ')} (2 / 20 minutes)`,
    );
  }, 300_000);
});
