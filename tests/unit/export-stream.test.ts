/**
 * Streaming mixdown and export (issue #9): the streamed mix equals the in-memory mix (gaps, gains, a line
 * stretched by [speed], pauses, a looped music bed with ducking and fade-out) across block boundaries; the
 * loudness combined from per-take analyses equals a direct measurement; real takes get their analysis stored
 * when they are made (and older ones on first use); and a real export of an N-minute and a 4N-minute project,
 * each in its own child process, lands on target (ffmpeg's ebur128) with a peak RSS that does not grow with the
 * length.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, execFileSync } from 'node:child_process';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { mixEpisode, type MixLine } from '../../native-models/dsp/mix.js';
import { MixStream } from '../../native-models/dsp/mix-stream.js';
import { timeStretch } from '../../native-models/dsp/stretch.js';
import { measureLoudness } from '../../native-models/dsp/loudness.js';
import { analyseTake, combineProgramme, decodeAnalysis } from '../../native-models/dsp/take-analysis.js';
import { decodeWav } from '../../native-models/audio/wav.js';
import { createCore, type Core } from '../../main/node/core.js';
import { tempDir } from '../helpers/tmp.js';

const ROOT = path.resolve(__dirname, '../..');

/** Run a command; resolves with its stdout (or stderr), rejects with the end of stderr on failure. */
function run(cmd: string, args: string[], stderr = false): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(cmd, args, { cwd: ROOT, maxBuffer: 64 << 20 }, (err, out, errOut) =>
      err ? reject(new Error(`${cmd} failed: ${String(errOut).slice(-800)}`)) : resolve(stderr ? errOut : out),
    ),
  );
}
const RATE = 24_000;

/** A speech-like line: voiced bursts with syllable-rate amplitude modulation, deterministic per seed. */
function line(seconds: number, seed: number, level = 0.3): Float32Array {
  const x = new Float32Array(Math.round(seconds * RATE));
  const f0 = 100 + seed * 23;
  for (let i = 0; i < x.length; i++) {
    const t = i / RATE;
    const env = Math.max(0, Math.sin(2 * Math.PI * (3 + seed * 0.3) * t)) ** 0.5;
    x[i] = level * env * (0.6 * Math.sin(2 * Math.PI * f0 * t) + 0.3 * Math.sin(2 * Math.PI * 2 * f0 * t + seed));
  }
  return x;
}

async function streamAll(m: MixStream): Promise<Float32Array> {
  const out = new Float32Array(m.total);
  for (let b = await m.next(); b; b = await m.next()) out.set(b.mix, b.start);
  return out;
}

describe('streaming mix', () => {
  const lines: MixLine[] = [
    { id: 'a', audio: line(1.3, 1), sampleRate: RATE, gainDb: 0, pauseAfterMs: 400 },
    { id: 'b', audio: line(0.9, 2, 0.5), sampleRate: RATE, gainDb: -6, pauseAfterMs: 1200 },
    // [speed 1.5]: stretched once per take, as the queue does when it makes the take.
    { id: 'c', audio: timeStretch(line(2.1, 3), RATE, 1.5), sampleRate: RATE, gainDb: 3, pauseAfterMs: 0 },
    { id: 'd', audio: line(0.7, 4, 0.2), sampleRate: RATE, gainDb: 0, pauseAfterMs: 2500 },
    { id: 'e', audio: line(1.1, 5), sampleRate: RATE, pauseAfterMs: 300 },
  ];
  const bedAudio = line(1.7, 9, 0.4).map((v, i) => v + 0.05 * Math.sin(i / 7));

  it.each([
    ['no bed', false, 4000],
    ['a ducked, looped bed with fade-out', true, 4000],
    ['a ducked bed in odd blocks', true, 777],
  ])('equals mixEpisode: %s', async (_name, withBed, block) => {
    const bed = withBed ? { duckDb: -15, gainDb: -4, fadeOutMs: 2000 } : undefined;
    const whole = mixEpisode(lines, {
      sampleRate: RATE,
      channels: 1,
      tailMs: 0,
      bed: bed ? { ...bed, audio: bedAudio, sampleRate: RATE } : undefined,
    });
    const s = new MixStream(
      lines.map((l) => ({
        id: l.id,
        frames: (l.audio as Float32Array).length,
        gainDb: l.gainDb,
        pauseAfter: Math.round(((l.pauseAfterMs ?? 400) / 1000) * RATE),
      })),
      async (i) => lines[i].audio as Float32Array,
      { sampleRate: RATE, tail: 0, blockFrames: block, bed: bed ? { ...bed, samples: bedAudio } : undefined },
    );
    expect(s.timings.map((t) => [t.startSample, t.endSample])).toEqual(
      whole.timings.map((t) => [t.startSample, t.endSample]),
    );
    const out = await streamAll(s);
    expect(out.length).toBe(whole.channels[0].length);
    let diff = 0;
    for (let i = 0; i < out.length; i++) diff = Math.max(diff, Math.abs(out[i] - whole.channels[0][i]));
    expect(diff).toBeLessThan(1e-4); // float rounding only (−80 dB)
    if (withBed) {
      // The bed is really there and really ducked: louder in the long pause than under the voice.
      const d = whole.timings[3];
      const inPause = out.subarray(d.endSample + RATE, d.endSample + Math.round(1.3 * RATE));
      const bedOnly = bedAudio.length ? inPause.reduce((a, v) => a + v * v, 0) / inPause.length : 0;
      expect(bedOnly).toBeGreaterThan(1e-5);
    }
  });

  it('combines per-take analyses into the programme loudness within 0.1 LU of a direct measurement', () => {
    const gains = [0, -6, 3, 0, -2];
    const whole = mixEpisode(
      lines.map((l, i) => ({ ...l, gainDb: gains[i] })),
      { sampleRate: RATE, channels: 1, tailMs: 0 },
    );
    const direct = measureLoudness(whole.channels, RATE);
    const combined = combineProgramme(
      lines.map((l, i) => ({
        analysis: analyseTake(l.audio as Float32Array, RATE),
        startSec: whole.timings[i].start,
        gainDb: gains[i],
      })),
      whole.channels[0].length / RATE,
    );
    expect(Math.abs(combined.integrated - direct.integrated)).toBeLessThan(0.1);
    expect(Math.abs(combined.truePeak - direct.truePeak)).toBeLessThan(0.1);
    // Stereo (the same signal twice) is exactly 3.01 dB louder.
    const stereo = measureLoudness([whole.channels[0], whole.channels[0]], RATE).integrated;
    expect(Math.abs(combineProgramme([], 1, 2).integrated)).toBe(Infinity);
    expect(stereo - direct.integrated).toBeCloseTo(10 * Math.log10(2), 6);
  });
});

describe('per-take analysis and streaming export on real takes', () => {
  let core: Core;
  let t: { dir: string; cleanup: () => void };

  beforeAll(() => {
    execFileSync(process.execPath, ['build/scripts/build.mjs', '--node', '--if-stale'], { stdio: 'ignore', cwd: ROOT });
    t = tempDir();
  }, 120_000);
  afterAll(async () => {
    await core?.close();
    t?.cleanup();
  });

  it('stores the analysis when a take is made, and computes it once for a take that has none', async () => {
    core = await createCore({ dataDir: path.join(t.dir, 'data'), transport: 'web', version: 'test' });
    const call = async <T>(m: string, p: unknown): Promise<T> => {
      const r = await core.dispatch(m, p);
      if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
      return r.result as T;
    };
    const { id } = await call<{ id: string }>('projects.create', { name: 'Analysis' });
    await call('projects.setVoice', { id, voiceId: 'espeak:en-us' });
    await call('script.import', {
      projectId: id,
      source: { text: 'The first line is short.\n\nThe second line is a little longer than that.', format: 'txt' },
    });
    await call('jobs.generate', { projectId: id });
    await core.jobs.idle();
    const lines = (await call<{ lines: { id: string; activeTake: { id: string } }[] }>('projects.get', { id })).lines;
    expect(lines).toHaveLength(2);
    for (const l of lines) {
      const stored = core.repos.takes.analysis(l.activeTake.id);
      expect(stored).not.toBeNull();
      const a = decodeAnalysis(stored!);
      const wav = decodeWav(readFileSync(core.takeFilePath(l.activeTake.id)));
      expect(a.frames).toBe(wav.samples.length);
      expect(a.sampleRate).toBe(wav.sampleRate);
      const m = measureLoudness([wav.samples], wav.sampleRate);
      expect(a.integratedLufs).toBeCloseTo(m.integrated, 3);
      expect(a.truePeakDb).toBeCloseTo(m.truePeak, 3);
      const p = await call<{ perSecond: number; peaks: number[]; durationSeconds: number }>('takes.peaks', {
        takeId: l.activeTake.id,
      });
      expect(p.perSecond).toBe(5);
      expect(p.peaks.length).toBe(2 * Math.ceil(a.durationSec * 5));
      expect(Math.max(...p.peaks)).toBeCloseTo(Math.pow(10, a.samplePeakDb / 20), 2);
    }
    // A take from before the analysis existed (same file, no analysis row): computed on first use, then stored.
    const src = core.repos.takes.row(lines[0].activeTake.id);
    core.repos.takes.insert({ ...src, id: 'tk_legacy0000000000001' });
    expect(core.repos.takes.analysis('tk_legacy0000000000001')).toBeNull();
    const p50 = await call<{ peaks: number[] }>('takes.peaks', { takeId: 'tk_legacy0000000000001', perSecond: 50 });
    expect(p50.peaks.length).toBe(2 * Math.ceil((src.duration_ms / 1000) * 50));
    expect(core.repos.takes.analysis('tk_legacy0000000000001')).toEqual(core.repos.takes.analysis(src.id));
    await core.close();
  }, 120_000);

  it('exports an N- and a 4N-minute project on target, with a peak RSS that does not grow with length', async () => {
    const data = path.join(t.dir, 'long');
    const tsx = ['--import', 'tsx', path.join(ROOT, 'build/bench/long-project.ts')];
    // Child processes, awaited asynchronously (a blocking spawn would stall the test runner for minutes).
    const built = await run(process.execPath, [...tsx, 'build', data, '120,480', path.join(t.dir, 'list')]);
    const projects = JSON.parse(built.trim().split('\n').pop()!) as { projectId: string; audioSeconds: number }[];
    const results = [];
    for (const [k, p] of projects.entries()) {
      const out = path.join(t.dir, `long-${k}.mp3`);
      const res = JSON.parse(
        (await run(process.execPath, [...tsx, 'export', data, p.projectId, out])).trim().split('\n').pop()!,
      ) as { maxRssMb: number; audioSeconds: number; integratedLufs: number; truePeakDbtp: number };
      // ffmpeg's own EBU R128 meter on the file.
      const e = await run(
        'ffmpeg',
        ['-nostats', '-i', out, '-filter_complex', 'ebur128=peak=true:framelog=verbose', '-f', 'null', '-'],
        true,
      );
      const summary = e.slice(e.lastIndexOf('Summary:'));
      const lufs = Number(/I:\s+(-?[\d.]+) LUFS/.exec(summary)![1]);
      const peak = Number(/Peak:\s+(-?[\d.]+) dBFS/.exec(summary)![1]);
      expect(Math.abs(lufs - -16)).toBeLessThanOrEqual(0.5);
      expect(peak).toBeLessThanOrEqual(-1);
      // The reported figures (the fed PCM's, corrected by the codec change measured on the first minute) agree
      // with ffmpeg's measurement of the whole MP3 (which prints one decimal).
      expect(Math.abs(res.integratedLufs - lufs)).toBeLessThanOrEqual(0.2);
      expect(res.truePeakDbtp).toBeLessThanOrEqual(-1);
      expect(Math.abs(res.audioSeconds - p.audioSeconds)).toBeLessThan(0.2);
      results.push(res);
    }
    expect(results[1].audioSeconds).toBeGreaterThan(3.5 * results[0].audioSeconds);
    expect(results[1].maxRssMb).toBeLessThan(400);
    expect(results[1].maxRssMb).toBeLessThan(1.3 * results[0].maxRssMb);
  }, 600_000);
});
