import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, afterAll, describe, expect, it } from 'vitest';
import { decodeWav } from '../../native-models/audio/wav.js';
import { resample } from '../../native-models/dsp/resample.js';
import { SignatureError } from '../../native-models/onnx/session.js';
import { SileroVad, type VadFrame } from '../../native-models/vad/index.js';
import type { SegmentEvent } from '../../native-models/vad/segments.js';

const MODEL = path.resolve('../shared/models/silero-vad/silero_vad.onnx');
const SPEECH = path.resolve('../shared/eval/speech');
const load = (rel: string) => decodeWav(readFileSync(path.join(SPEECH, rel)));

function pad(x: Float32Array, rate: number, seconds: number): Float32Array {
  const n = Math.round(rate * seconds);
  const y = new Float32Array(x.length + 2 * n);
  y.set(x, n);
  return y;
}

/** Deterministic white noise (xorshift) at a given RMS. */
function noise(n: number, rms: number, seed = 1234567): Float32Array {
  let s = seed;
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    x[i] = ((s >>> 0) / 0xffffffff - 0.5) * rms * Math.sqrt(12);
  }
  return x;
}

let vad: SileroVad;
beforeAll(async () => {
  vad = await SileroVad.load(MODEL);
});
afterAll(() => vad.dispose());

describe('Silero VAD on real speech', () => {
  for (const dir of ['16k', 'native']) {
    for (const file of readdirSync(path.join(SPEECH, dir)).filter((f) => f.endsWith('.wav'))) {
      it(`finds the speech in ${dir}/${file}`, async () => {
        const w = load(`${dir}/${file}`);
        const dur = w.samples.length / w.sampleRate;
        const r = await vad.detect(w.samples, w.sampleRate);
        expect(r.segments.length).toBeGreaterThan(0);
        const covered = r.segments.reduce((a, s) => a + s.end - s.start, 0);
        // Every clip is read speech from start to end: most of it must be detected.
        expect(covered / dur).toBeGreaterThan(0.6);
        expect(Math.max(...r.probabilities)).toBeGreaterThan(0.9);
        expect(r.probabilities.length).toBe(Math.ceil((dur * r.modelRate) / 512 - 1e-9));
        for (const s of r.segments) {
          expect(s.start).toBeGreaterThanOrEqual(0);
          expect(s.end).toBeLessThanOrEqual(dur + 1e-6);
          expect(s.end).toBeGreaterThan(s.start);
        }
      });
    }
  }

  it('reports no speech in 2 s of digital silence or low-level noise, at 8, 16 and 44.1 kHz', async () => {
    for (const rate of [8000, 16000, 44100]) {
      const silence = new Float32Array(2 * rate);
      const s = await vad.detect(silence, rate);
      expect(s.segments, `silence @${rate}`).toEqual([]);
      expect(Math.max(...s.probabilities)).toBeLessThan(0.2);
      for (const rms of [0.001, 0.003]) {
        const n = await vad.detect(pad(noise(rate, rms), rate, 0.5), rate);
        expect(n.segments, `noise ${rms} @${rate}`).toEqual([]);
        expect(Math.max(...n.probabilities)).toBeLessThan(0.5);
      }
    }
  });

  // LJ Speech clips are segmented at the speech: the voice starts within a few ms of the first sample and the
  // recording stops in the decay of the last word. Padded with 1.5 s of digital silence, the true speech edges are the
  // padding edges. The native files are 22.05 kHz (resampled to 16 kHz inside the VAD).
  for (const dir of ['native', '16k']) {
    for (const id of ['LJ001-0001', 'LJ001-0003', 'LJ001-0005']) {
      it(`segment edges land within 100 ms of the true edges (${dir}/${id}, 1.5 s silence each side)`, async () => {
        const w = load(`${dir}/lj_${id}.wav`);
        const x = pad(w.samples, w.sampleRate, 1.5);
        const r = await vad.detect(x, w.sampleRate);
        const trueStart = 1.5;
        const trueEnd = 1.5 + w.samples.length / w.sampleRate;
        expect(Math.abs(r.segments[0].start - trueStart)).toBeLessThan(0.1);
        expect(Math.abs(r.segments.at(-1)!.end - trueEnd)).toBeLessThan(0.1);
      });
    }
  }

  it('segment edges on a studio clip with room silence match its energy edges within 100 ms', async () => {
    // CMU ARCTIC has ~150 ms of quiet room tone around the speech: its edges are where the 10 ms frame level comes
    // within 40 dB of the loudest frame.
    const w = load('16k/arctic_aew_a0001.wav');
    const frame = 160;
    const lv: number[] = [];
    for (let i = 0; i + frame <= w.samples.length; i += frame) {
      let e = 0;
      for (let j = 0; j < frame; j++) e += w.samples[i + j] ** 2;
      lv.push(e / frame);
    }
    const th = Math.max(...lv) * 1e-4;
    const first = lv.findIndex((v) => v > th) * 0.01;
    const last = (lv.length - [...lv].reverse().findIndex((v) => v > th)) * 0.01;
    const r = await vad.detect(pad(w.samples, 16000, 1.5), 16000);
    expect(Math.abs(r.segments[0].start - (1.5 + first))).toBeLessThan(0.1);
    expect(Math.abs(r.segments.at(-1)!.end - (1.5 + last))).toBeLessThan(0.1);
  });

  it('runs natively at 8 kHz (256-sample windows)', async () => {
    const w = load('16k/arctic_aew_a0002.wav');
    const x8 = resample(pad(w.samples, 16000, 1), 16000, 8000);
    const r = await vad.detect(x8, 8000);
    expect(r.modelRate).toBe(8000);
    expect(r.windowSeconds).toBeCloseTo(0.032, 6);
    expect(r.segments.length).toBeGreaterThan(0);
    expect(r.segments[0].start).toBeGreaterThan(0.9);
    expect(r.segments.at(-1)!.end).toBeLessThan(1 + 4.02 + 0.2);
  });

  it('streaming in uneven chunks gives the same probabilities as a whole-file pass, plus start/end events', async () => {
    const w = load('native/lj_LJ001-0005.wav');
    const x = pad(w.samples, w.sampleRate, 1);
    const whole = await vad.detect(x, w.sampleRate);
    const stream = vad.createStream(w.sampleRate);
    const frames: VadFrame[] = [];
    const events: SegmentEvent[] = [];
    const pushes: Promise<unknown>[] = [];
    for (let off = 0, k = 1; off < x.length; k++) {
      const n = 1 + ((k * 7919) % 3000);
      // Not awaited on purpose: the stream keeps pushes in order.
      pushes.push(
        stream.push(x.subarray(off, off + n)).then((u) => (frames.push(...u.frames), events.push(...u.events))),
      );
      off += n;
    }
    await Promise.all(pushes);
    const fin = await stream.finish();
    frames.push(...fin.frames);
    events.push(...fin.events);
    expect(frames.length).toBe(whole.probabilities.length);
    frames.forEach((f, i) => {
      expect(f.time).toBeCloseTo(i * 0.032, 9);
      expect(Math.abs(f.probability - whole.probabilities[i])).toBeLessThan(1e-5);
    });
    const starts = events.filter((e) => e.type === 'start');
    const ends = events.flatMap((e) => (e.type === 'end' ? [e.segment] : []));
    expect(starts.length).toBe(ends.length);
    expect(ends.length).toBe(whole.segments.length);
    expect(Math.abs(ends[0].start - whole.segments[0].start)).toBeLessThan(1e-9);
  });

  it('refuses a graph with a different signature and names the input', async () => {
    const err = await SileroVad.load(path.resolve('../shared/models/gtcrn/gtcrn.onnx')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SignatureError);
    expect((err as Error).message).toMatch(/missing input "input" \(has: mix/);
  });
});
