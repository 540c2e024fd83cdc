/**
 * Issue #11, "must show": `timbre dub` on a video this test makes with ffmpeg (a test pattern, real speech from
 * ../shared/eval placed at known times, a synthetic music-like stereo background, SRT cues). Checked on the files
 * written: video packets identical to the source's, duration within one audio frame, every segment starting within
 * 40 ms of its cue (report and onset in the dialogue stem), no stretch beyond the cap, no overrun beyond the allowed
 * borrow, background kept (correlation ≥ 0.9 off speech), original speech ≥ 15 dB down under the dub (duck), removed
 * by centre cancellation (center), subtitle tracks and sidecars matching the cues, loudness within 1 LU of the preset,
 * the source unchanged; bad input refused with exit 2 and nothing written.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeWav } from '../../native-models/audio/wav.js';
import { measureLoudness } from '../../native-models/dsp/loudness.js';
import { resample } from '../../native-models/dsp/resample.js';
import { parseSrt } from '../../main/common/script/subtitles.js';
import { DubPlan, DubReport } from '../../preload/contract/dub.js';
import { ROOT } from '../helpers/server-process.js';
import { tempDir } from '../helpers/tmp.js';
import { corr, fit, sampleIndices } from '../helpers/signal-fit.js';

const RATE = 48_000;
const DURATION = 24;
const EVAL = path.resolve(ROOT, '..', 'shared', 'eval', 'speech', '16k');
/** Real speech placed at known times (seconds). */
const SPEECH = [
  { file: 'arctic_aew_a0001.wav', at: 2 },
  { file: 'arctic_aew_a0002.wav', at: 8 },
  { file: 'arctic_aew_a0003.wav', at: 15 },
];
const CUES = [
  { start: 2, end: 5.5, text: 'Hello everyone, and welcome to the show.' },
  { start: 8, end: 10, speaker: 'ANNA', text: 'This sentence is clearly far too long for the two seconds it has.' },
  { start: 15, end: 18.5, speaker: 'BOB', text: 'Thanks, see you soon.' },
  { start: 20, end: 20.6, text: 'This one has far too many words for its tiny slot, so it has to run long.' },
];
const SRT = CUES.map(
  (c, i) => `${i + 1}\n${ts(c.start)} --> ${ts(c.end)}\n${c.speaker ? `${c.speaker}: ` : ''}${c.text}\n`,
).join('\n');

function ts(s: number): string {
  const ms = Math.round(s * 1000);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `00:${p(Math.floor(ms / 60000))}:${p(Math.floor(ms / 1000) % 60)},${p(ms % 1000, 3)}`;
}

const { dir, cleanup } = tempDir('timbre-dub-');
afterAll(cleanup);
const data = path.join(dir, 'data');
const src = path.join(dir, 'source.mkv');
let speech: Float32Array;
let bgL: Float32Array;
let bgR: Float32Array;

/** Run `timbre` without blocking this worker's event loop (a dub takes seconds; vitest's RPC must keep answering). */
function timbre(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/timbre.mjs'), '--data-dir', data, ...args], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** One audio stream of a file, decoded to mono float at 48 kHz. */
function decodeAudio(file: string, map = '0:a:0'): Float32Array {
  const buf = execFileSync(
    'ffmpeg',
    ['-v', 'error', '-i', file, '-map', map, '-ac', '1', '-ar', String(RATE), '-f', 'f32le', '-'],
    { maxBuffer: 64 << 20 },
  );
  return new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
}

/** size and MD5 of every packet of the first video stream, copied (no decoding). */
function videoPackets(file: string): string[] {
  const out = execFileSync(
    'ffmpeg',
    ['-v', 'error', '-i', file, '-map', '0:v:0', '-c', 'copy', '-f', 'framemd5', '-'],
    {
      maxBuffer: 64 << 20,
      encoding: 'utf8',
    },
  );
  return out
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) =>
      l
        .split(',')
        .slice(-2)
        .map((x) => x.trim())
        .join(' '),
    );
}

function ffprobe(file: string, entries: string): string {
  return execFileSync('ffprobe', ['-v', 'error', '-show_entries', entries, '-of', 'json', file], { encoding: 'utf8' });
}

const samples = (keep: (t: number) => boolean, len: number) => sampleIndices(keep, len, RATE);
const sha = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');

beforeAll(() => {
  execFileSync(process.execPath, [path.join(ROOT, 'build/scripts/build.mjs'), '--node', '--if-stale'], {
    stdio: 'ignore',
  });
  const n = DURATION * RATE;
  speech = new Float32Array(n);
  for (const s of SPEECH) {
    const w = decodeWav(readFileSync(path.join(EVAL, s.file)));
    const x = resample(w.samples, w.sampleRate, RATE);
    let peak = 0;
    for (const v of x) peak = Math.max(peak, Math.abs(v));
    speech.set(
      x.map((v) => (0.4 * v) / peak),
      Math.round(s.at * RATE),
    );
  }
  // A music-like background: a chord per channel with harmonics, a slow swell and a beat.
  bgL = new Float32Array(n);
  bgR = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const t = i / RATE;
    const env = 0.6 + 0.4 * Math.sin(2 * Math.PI * 0.25 * t);
    const beat = 0.7 + 0.3 * Math.exp(-((t * 2) % 1) * 6);
    const chord = (fs: number[]) =>
      fs.reduce((s, f) => s + Math.sin(2 * Math.PI * f * t) + 0.3 * Math.sin(4 * Math.PI * f * t), 0);
    bgL[i] = 0.03 * env * beat * chord([220, 277.18, 329.63]);
    bgR[i] = 0.03 * env * beat * chord([164.81, 246.94, 392]);
  }
  const pcm = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    pcm[2 * i] = speech[i] + bgL[i];
    pcm[2 * i + 1] = speech[i] + bgR[i];
  }
  const raw = path.join(dir, 'source.f32');
  writeFileSync(raw, Buffer.from(pcm.buffer));
  execFileSync('ffmpeg', [
    '-v',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    `testsrc=size=160x120:rate=25:duration=${DURATION}`,
    '-f',
    'f32le',
    '-ar',
    String(RATE),
    '-ac',
    '2',
    '-i',
    raw,
    '-map',
    '0:v',
    '-map',
    '1:a',
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-g',
    '50',
    '-c:a',
    'flac',
    src,
  ]);
  writeFileSync(path.join(dir, 'target.srt'), SRT);
  writeFileSync(
    path.join(dir, 'source.vtt'),
    `WEBVTT\n\n${SPEECH.map((sp, i) => `${ts(sp.at).replace(',', '.')} --> ${ts(sp.at + 3).replace(',', '.')}\nOriginal line ${i + 1}\n`).join('\n')}`,
  );
}, 60_000);

describe('timbre dub', () => {
  it('duck (default) into MP4: video copied, timing, fit, background, ducking, subtitles, loudness', async () => {
    const before = sha(src);
    const out = path.join(dir, 'dubbed.mp4');
    const r = await timbre([
      'dub',
      src,
      '--subs',
      'target.srt',
      '--speaker-voice',
      'BOB=espeak:en-us+m3',
      '--language',
      'fr',
      '--keep-original',
      '-o',
      out,
      '--srt',
      'dubbed.srt',
      '--vtt',
      'dubbed.vtt',
      '--report',
      'report.json',
      '--stems',
      'stems',
      '--loudness',
      '-16',
      '--source-subs',
      'source.vtt',
      '--source-language',
      'en',
    ]);
    expect(r.stderr + r.stdout).toMatch(/Wrote .*dubbed\.mp4/);
    expect(r.status).toBe(0);
    expect(sha(src)).toBe(before);
    const report = DubReport.parse(JSON.parse(readFileSync(path.join(dir, 'report.json'), 'utf8')));
    expect(report.output.videoCopied).toBe(true);

    // Video packets identical to the source's (sizes and MD5 of every packet).
    const a = videoPackets(src);
    expect(a.length).toBe(DURATION * 25);
    expect(videoPackets(out)).toEqual(a);

    // Duration equal within one audio frame (1024 samples).
    const dur = (f: string) => Number(JSON.parse(ffprobe(f, 'format=duration')).format.duration);
    expect(Math.abs(dur(out) - dur(src))).toBeLessThanOrEqual(1024 / RATE);
    const decoded = decodeAudio(out);
    expect(Math.abs(decoded.length / RATE - DURATION)).toBeLessThanOrEqual(1024 / RATE);
    const dub = decoded.subarray(0, DURATION * RATE);

    // Segments: start within 40 ms of the cue, stretch within the cap, no overrun beyond the allowed borrow.
    expect(report.segments.map((s) => s.text)).toEqual(CUES.map((c) => c.text));
    expect(report.segments.map((s) => s.speaker)).toEqual([null, 'ANNA', 'BOB', null]);
    expect(report.segments[2].voice).toBe('espeak:en-us+m3');
    const fits = report.segments.map((s) => s.fit);
    expect(fits[0]).toBe('fits');
    expect(['stretched', 'borrowed']).toContain(fits[1]);
    expect(report.segments[1].speakingRate).toBeGreaterThan(1); // re-generated faster before stretching
    expect(fits[3]).toBe('too-long');
    expect(report.segments[3].predictedFit).toBe('too-long');
    const dialogue = decodeWav(readFileSync(path.join(dir, 'stems', 'dialogue.wav'))).samples;
    for (const s of report.segments) {
      expect(Math.abs(s.placedStart - s.cueStart)).toBeLessThanOrEqual(0.04);
      expect(s.stretch).toBeLessThanOrEqual(1.15 + 1e-9);
      if (s.fit !== 'too-long') expect(s.placedEnd).toBeLessThanOrEqual(s.cueEnd + s.borrowLimitSeconds + 0.002);
      else {
        expect(s.tooLongBySeconds).toBeGreaterThan(0);
        expect(s.placedEnd - (s.cueEnd + s.borrowLimitSeconds)).toBeCloseTo(s.tooLongBySeconds, 2);
      }
      expect(s.borrowLimitSeconds).toBeLessThanOrEqual(1);
      // The onset heard in the dialogue stem: the first 5 ms frame within 30 dB of the segment's loudest frame.
      const from = Math.round((s.cueStart - 0.5) * RATE);
      const to = Math.round(s.placedEnd * RATE);
      const hop = RATE / 200;
      const rms: number[] = [];
      for (let i = from; i + hop <= to; i += hop) {
        let e = 0;
        for (let k = i; k < i + hop; k++) e += dialogue[k] * dialogue[k];
        rms.push(Math.sqrt(e / hop));
      }
      const top = Math.max(...rms);
      const onset = (from + rms.findIndex((v) => v > 0.0316 * top) * hop) / RATE;
      expect(Math.abs(onset - s.cueStart), `segment ${s.index} onset ${onset}`).toBeLessThanOrEqual(0.04);
    }

    // Background kept off speech (correlation with the original background ≥ 0.9), original speech ≥ 15 dB down
    // under the dub: least squares of the output on (original speech, background, dialogue stem).
    const bgMono = bgL.map((v, i) => 0.5 * (v + bgR[i]));
    const busy = report.segments.map((s) => [s.cueStart - 0.3, Math.max(s.cueEnd, s.placedEnd) + 0.5]);
    const speechAt = SPEECH.map((s) => [s.at - 0.1, s.at + 4.2]);
    const inAny = (t: number, spans: number[][]) => spans.some(([x, y]) => t >= x && t <= y);
    const quiet = samples((t) => !inAny(t, busy) && !inAny(t, speechAt) && t < DURATION - 0.1, dub.length);
    expect(quiet.length).toBeGreaterThan(RATE); // over 4 s of background-only audio
    expect(corr(dub, bgMono, quiet)).toBeGreaterThanOrEqual(0.9);
    const [gBg] = fit(dub, [bgMono], quiet);
    const under = samples(
      (t) => report.segments.some((s) => t >= s.placedStart && t <= s.placedEnd) && inAny(t, speechAt),
      dub.length,
    );
    const [gSpeech] = fit(dub, [speech, bgMono, dialogue], under);
    const downDb = 20 * Math.log10(Math.abs(gSpeech) / gBg);
    expect(downDb, `original speech under the dub: ${downDb.toFixed(1)} dB`).toBeLessThanOrEqual(-15);

    // Loudness within 1 LU of the preset (measured on the decoded output), and the report says the same.
    const loud = measureLoudness([dub], RATE).integrated;
    expect(Math.abs(loud - -16)).toBeLessThanOrEqual(1);
    expect(Math.abs(report.loudness.integratedLufs - -16)).toBeLessThanOrEqual(1);
    expect(report.loudness.truePeakDbtp).toBeLessThanOrEqual(-0.9);

    // Tracks: dub (default, French), the original (not default), the subtitles as a soft track; cues match.
    const streams = JSON.parse(
      ffprobe(out, 'stream=codec_type,codec_name:stream_tags=language,handler_name:stream_disposition=default'),
    ).streams as {
      codec_type: string;
      codec_name: string;
      tags?: { language?: string; handler_name?: string };
      disposition: { default: number };
    }[];
    expect(streams.map((s) => s.codec_type)).toEqual(['video', 'audio', 'audio', 'subtitle', 'subtitle', 'subtitle']);
    // The third subtitle track is bilingual: each target cue, then the source text it overlaps; named in the file.
    expect(streams[5]).toMatchObject({ codec_name: 'mov_text', tags: { language: 'fre', handler_name: 'Bilingual' } });
    expect(streams.slice(3).map((s) => s.tags?.handler_name)).toEqual(['Dub', 'Original', 'Bilingual']);
    const bilingualTrack = parseSrt(
      execFileSync('ffmpeg', ['-v', 'error', '-i', out, '-map', '0:s:2', '-f', 'srt', '-'], { encoding: 'utf8' }),
    );
    // One cue per target cue, at its times; the source text on its own line(s) under the target text.
    expect(bilingualTrack.map((c) => [c.start, c.end])).toEqual(CUES.map((c) => [c.start, c.end]));
    SPEECH.forEach((_, i) => expect(bilingualTrack[i].text.split('\n').at(-1)).toBe(`Original line ${i + 1}`));
    expect(bilingualTrack.map((c) => c.text.replace(/\s+/g, ' ').trim())).toEqual(
      CUES.map((c, i) => (SPEECH[i] ? `${c.text} Original line ${i + 1}` : c.text)),
    );
    expect(streams[1]).toMatchObject({ codec_name: 'aac', tags: { language: 'fre' }, disposition: { default: 1 } });
    expect(streams[2].disposition.default).toBe(0);
    expect(streams[3]).toMatchObject({ codec_name: 'mov_text', tags: { language: 'fre' } });
    expect(streams[4]).toMatchObject({ codec_name: 'mov_text', tags: { language: 'eng' } });
    const sourceTrack = parseSrt(
      execFileSync('ffmpeg', ['-v', 'error', '-i', out, '-map', '0:s:1', '-f', 'srt', '-'], { encoding: 'utf8' }),
    );
    expect(sourceTrack.map((c) => [c.start, c.end, c.text])).toEqual(
      SPEECH.map((sp, i) => [sp.at, sp.at + 3, `Original line ${i + 1}`]),
    );
    const flat = (t: string) => t.replace(/\s+/g, ' ').trim();
    const expectCues = (cues: { start: number; end: number; text: string }[]) => {
      expect(cues.map((c) => [c.start, c.end, flat(c.text)])).toEqual(CUES.map((c) => [c.start, c.end, c.text]));
    };
    expectCues(
      parseSrt(
        execFileSync('ffmpeg', ['-v', 'error', '-i', out, '-map', '0:s:0', '-f', 'srt', '-'], { encoding: 'utf8' }),
      ),
    );
    expectCues(parseSrt(readFileSync(path.join(dir, 'dubbed.srt'), 'utf8')));
    expect(readFileSync(path.join(dir, 'dubbed.vtt'), 'utf8')).toMatch(/^WEBVTT\n[\s\S]*<v BOB>Thanks, see you soon\./);
    // The original audio track is the source's audio.
    const orig = decodeAudio(out, '0:a:1');
    const srcMono = decodeAudio(src);
    expect(
      corr(
        orig,
        srcMono,
        samples(() => true, Math.min(orig.length, srcMono.length)),
      ),
    ).toBeGreaterThan(0.99);
    // Nothing else was left next to the output.
    expect(readdirSync(dir).filter((f) => f.includes('tmp-timbre'))).toEqual([]);
  }, 120_000);

  it("--plan predicts each segment's fit before generating and writes nothing", async () => {
    const out = path.join(dir, 'planned.mp4');
    const r = await timbre(['dub', src, '--subs', 'target.srt', '-o', out, '--plan', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const plan = DubPlan.parse(JSON.parse(r.stdout));
    expect(plan.segments.map((s) => s.predictedFit)).toEqual(['fits', 'too-long', 'fits', 'too-long']);
    expect(plan.speakingRates['espeak:en-us']).toBeGreaterThan(8);
    expect(plan.speakingRates['espeak:en-us']).toBeLessThan(25);
    expect(r.stderr).toMatch(/4 segments, 2 predicted too long/);
    expect(existsSync(out)).toBe(false);
  }, 60_000);

  it('center into MKV: the centred speech is removed, the stereo background kept', async () => {
    const out = path.join(dir, 'center.mkv');
    const r = await timbre([
      'dub',
      src,
      '--subs',
      'target.srt',
      '--background',
      'center',
      '--language',
      'de',
      '-o',
      out,
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(videoPackets(out)).toEqual(videoPackets(src));
    const dub = decodeAudio(out).subarray(0, DURATION * RATE);
    const side = bgL.map((v, i) => 0.5 * (v - bgR[i]));
    const quiet = samples(
      (t) => !CUES.some((c) => t >= c.start - 0.3 && t <= c.end + 3) && t < DURATION - 0.1,
      dub.length,
    );
    expect(corr(dub, side, quiet)).toBeGreaterThanOrEqual(0.9);
    // The original speech is gone everywhere (not just ducked): ≥ 30 dB under the background's gain.
    const all = samples((t) => SPEECH.some((s) => t >= s.at && t <= s.at + 3.5), dub.length);
    const [gSpeech, gSide] = fit(dub, [speech, side], all);
    expect(20 * Math.log10(Math.abs(gSpeech) / gSide)).toBeLessThanOrEqual(-30);
    const streams = JSON.parse(ffprobe(out, 'stream=codec_type,codec_name:stream_tags=language')).streams as {
      codec_type: string;
      codec_name: string;
      tags?: { language?: string };
    }[];
    expect(streams.map((s) => `${s.codec_type}:${s.codec_name}:${s.tags?.language ?? ''}`)).toEqual([
      'video:h264:',
      'audio:opus:de',
      'subtitle:subrip:de',
    ]);
  }, 120_000);

  it("audio in, audio out (--background none): the dub alone, the source's length; a video output is refused", async () => {
    const wav = path.join(dir, 'talk.wav');
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', src, '-map', '0:a', '-t', '8', '-ac', '1', wav]);
    writeFileSync(path.join(dir, 'one.srt'), '1\n00:00:02,000 --> 00:00:05,000\nOnly this is spoken.\n');
    const out = path.join(dir, 'talk-dub.wav');
    const r = await timbre(['dub', wav, '--subs', 'one.srt', '--background', 'none', '-o', out, '--json']);
    expect(r.status, r.stderr).toBe(0);
    const report = DubReport.parse(JSON.parse(r.stdout));
    expect(report.output.videoCopied).toBe(false);
    const pcm = decodeAudio(out);
    expect(Math.abs(pcm.length - 8 * RATE)).toBeLessThanOrEqual(1);
    const energy = (a: number, b: number) => pcm.subarray(a * RATE, b * RATE).reduce((e, v) => e + v * v, 0);
    expect(energy(0, 1.9)).toBe(0); // nothing of the original: the dub alone
    expect(energy(5.5, 8)).toBe(0);
    expect(energy(2, 4)).toBeGreaterThan(100);
    const v = await timbre(['dub', wav, '--subs', 'one.srt', '-o', path.join(dir, 'talk.mp4')]);
    expect(v.status).toBe(2);
    expect(v.stderr).toMatch(/has no video stream: write audio instead/);
  }, 60_000);

  it('refuses bad input with exit 2 (or 1 for a missing pack), a plain message, and writes nothing', async () => {
    writeFileSync(path.join(dir, 'bad.srt'), '1\n00:00:0x,000 --> 00:00:01,000\nHi\n');
    writeFileSync(path.join(dir, 'junk.mp4'), Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 251)));
    const out = path.join(dir, 'never.mp4');
    const cases: [string[], number, RegExp][] = [
      [['dub', src, '--subs', 'bad.srt', '-o', out], 2, /bad\.srt: Line 2: malformed cue time/],
      [['dub', src, '--subs', 'target.srt', '-o', path.join(dir, 'x.avi')], 2, /end the output name with/],
      [
        ['dub', src, '--subs', 'target.srt', '--max-stretch', '1.6', '-o', out],
        2,
        /--max-stretch must be a number from 1 to 1\.4/,
      ],
      [
        ['dub', src, '--subs', 'target.srt', '--speaker-voice', 'ZED=espeak:en-us', '-o', out],
        2,
        /No speaker "ZED".*ANNA, BOB/,
      ],
      [['dub', src, '--subs', 'target.srt', '--background', 'separate', '-o', out], 1, /spleeter-2stems/],
      [['dub', src, '--subs', 'target.srt', '--voice', 'nobody-here', '-o', out], 2, /No voice "nobody-here"/],
      [
        ['dub', path.join(dir, 'target.srt'), '--subs', 'target.srt', '-o', out],
        2,
        /neither a video nor an audio stream/,
      ],
      [['dub', path.join(dir, 'junk.mp4'), '--subs', 'target.srt', '-o', out], 2, /not a video or audio file/],
      [['dub', path.join(dir, 'source.f32'), '--subs', 'target.srt', '-o', out], 2, /not a video or audio file/],
    ];
    for (const [args, code, msg] of cases) {
      const r = await timbre(args);
      expect(r.stderr, args.join(' ')).toMatch(msg);
      expect(r.status, args.join(' ')).toBe(code);
      expect(existsSync(out)).toBe(false);
    }
    expect(readdirSync(dir).filter((f) => f.includes('tmp-timbre'))).toEqual([]);
  }, 120_000);

  it('Ctrl-C while generating: exit 1, nothing at the output paths, the temporary folder removed', async () => {
    const many = Array.from(
      { length: 40 },
      (_, i) => `${i + 1}\n${ts(0.5 * i)} --> ${ts(0.5 * i + 0.45)}\nWord ${i}.\n`,
    );
    writeFileSync(path.join(dir, 'many.srt'), many.join('\n'));
    const tmp = path.join(dir, 'tmp');
    mkdirSync(tmp);
    const out = path.join(dir, 'cancelled.mp4');
    const child = spawn(
      process.execPath,
      [
        path.join(ROOT, 'bin/timbre.mjs'),
        '--data-dir',
        data,
        'dub',
        src,
        '--subs',
        'many.srt',
        '-o',
        out,
        '--srt',
        'cancelled.srt',
        '--progress',
      ],
      { cwd: dir, env: { ...process.env, TMPDIR: tmp } },
    );
    let stderr = '';
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    await new Promise<void>((resolve) => {
      child.stderr.on('data', (c: Buffer) => {
        stderr += c.toString();
        if (/generating 3\//.test(stderr)) resolve();
      });
      void exited.then(() => resolve());
    });
    child.kill('SIGINT');
    expect(await exited).toBe(1);
    expect(stderr).toMatch(/Cancelled: nothing was written/);
    expect(existsSync(out)).toBe(false);
    expect(existsSync(path.join(dir, 'cancelled.srt'))).toBe(false);
    expect(readdirSync(dir).filter((f) => f.includes('tmp-timbre'))).toEqual([]);
    expect(readdirSync(tmp)).toEqual([]);
  }, 120_000);
});
