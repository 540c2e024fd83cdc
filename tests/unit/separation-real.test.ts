/**
 * The Spleeter engine on the real pack, when TIMBRE_MODELS_DIR holds it (the pack folder itself, or a models folder
 * holding it as `spleeter-2stems/`): the files match the catalog's pins (size and sha256), and a mix of real speech
 * (../shared/eval) over a synthetic music-like bed separates: the accompaniment is much closer to the bed than the
 * mix is, the vocals much closer to the speech, and the stems add back up to the mix. Skipped otherwise: the pack is
 * a 79 MB download that these machines cannot make.
 */
import { createHash } from 'node:crypto';
import { createReadStream, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeWav } from '../../native-models/audio/wav.js';
import { SPLEETER_2STEMS } from '../../native-models/catalog/separation.js';
import { resample } from '../../native-models/dsp/resample.js';
import {
  SPLEETER_RATE,
  SpleeterSeparator,
  spleeterUnavailableReason,
} from '../../native-models/separation/spleeter.js';

function findPack(): string | null {
  const root = process.env.TIMBRE_MODELS_DIR;
  if (!root) return null;
  for (const dir of [root, path.join(root, 'spleeter-2stems')]) if (!spleeterUnavailableReason(dir)) return dir;
  return null;
}
const packDir = findPack();
if (!packDir)
  console.warn(
    'separation-real tests skipped: set TIMBRE_MODELS_DIR to an installed spleeter-2stems pack (or a models folder containing spleeter-2stems/).',
  );

const EVAL = path.resolve('../shared/eval/speech/16k');
const work = mkdtempSync(path.join(tmpdir(), 'timbre-sep-real-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const sha256 = (file: string) =>
  new Promise<string>((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(file)
      .on('data', (c) => h.update(c))
      .on('error', reject)
      .on('end', () => resolve(h.digest('hex')));
  });
/** Signal-to-distortion ratio in dB of `est` against `ref`. */
function sdr(ref: Float32Array, est: Float32Array): number {
  let s = 0;
  let e = 0;
  for (let i = 0; i < ref.length; i++) {
    s += ref[i] * ref[i];
    e += (ref[i] - est[i]) ** 2;
  }
  return 10 * Math.log10(s / e);
}

describe.skipIf(!packDir)('Spleeter 2-stems on real speech over music', () => {
  it('the installed files are the pinned ones', async () => {
    for (const f of SPLEETER_2STEMS.files) {
      const p = path.join(packDir!, f.path);
      expect(statSync(p).size, f.path).toBe(f.bytes);
      expect(await sha256(p), f.path).toBe(f.sha256);
    }
  }, 120_000);

  it('separates speech from a music-like bed: both stems much closer to their source than the mix is', async () => {
    // 20 s: speech clips one after another from 1 s, over a chord bed with a beat (stereo, different per side).
    const n = 20 * SPLEETER_RATE;
    const speech = new Float32Array(n);
    let at = SPLEETER_RATE;
    for (const f of ['arctic_aew_a0001.wav', 'arctic_aew_a0002.wav', 'arctic_aew_a0003.wav', 'lj_LJ001-0001.wav']) {
      const w = decodeWav(readFileSync(path.join(EVAL, f)));
      const x = resample(w.samples, w.sampleRate, SPLEETER_RATE);
      if (at + x.length > n) break;
      speech.set(x, at);
      at += x.length + Math.round(0.7 * SPLEETER_RATE);
    }
    let peak = 0;
    for (const v of speech) peak = Math.max(peak, Math.abs(v));
    for (let i = 0; i < n; i++) speech[i] *= 0.4 / peak;
    const music = [new Float32Array(n), new Float32Array(n)];
    const chords = [
      [220, 277.18, 329.63],
      [164.81, 246.94, 392],
    ];
    for (let i = 0; i < n; i++) {
      const t = i / SPLEETER_RATE;
      const beat = 0.6 + 0.4 * Math.exp(-((t * 2) % 1) * 6);
      for (let c = 0; c < 2; c++)
        music[c][i] =
          0.04 *
          beat *
          chords[c].reduce((s, f) => s + Math.sin(2 * Math.PI * f * t) + 0.3 * Math.sin(4 * Math.PI * f * t), 0);
    }
    const mix = new Float32Array(2 * n);
    for (let i = 0; i < n; i++) {
      mix[2 * i] = speech[i] + music[0][i];
      mix[2 * i + 1] = speech[i] + music[1][i];
    }
    const input = path.join(work, 'mix.f32');
    writeFileSync(input, Buffer.from(mix.buffer));
    const sep = await SpleeterSeparator.load(packDir!);
    const t0 = performance.now();
    await sep.separateRawFile(input, {
      vocalsOut: path.join(work, 'v.f32'),
      accompanimentOut: path.join(work, 'a.f32'),
    });
    const seconds = (performance.now() - t0) / 1000;
    await sep.dispose();
    const read = (f: string) => {
      const b = readFileSync(path.join(work, f));
      return new Float32Array(b.buffer, b.byteOffset, b.length / 4);
    };
    const v = read('v.f32');
    const a = read('a.f32');
    const chan = (x: Float32Array, c: number) => x.filter((_, i) => i % 2 === c);
    const mixL = chan(mix, 0);
    const rows: string[] = [];
    for (const c of [0, 1]) {
      const accImprove = sdr(music[c], chan(a, c)) - sdr(music[c], chan(mix, c));
      const vocImprove = sdr(speech, chan(v, c)) - sdr(speech, chan(mix, c));
      rows.push(`channel ${c}: accompaniment +${accImprove.toFixed(1)} dB, vocals +${vocImprove.toFixed(1)} dB`);
      expect(accImprove).toBeGreaterThan(6);
      expect(vocImprove).toBeGreaterThan(6);
    }
    // The masks sum to one: vocals + accompaniment = the mix.
    const sum = new Float32Array(n);
    const vl = chan(v, 0);
    const al = chan(a, 0);
    for (let i = 0; i < n; i++) sum[i] = vl[i] + al[i];
    expect(sdr(mixL, sum)).toBeGreaterThan(40);
    console.log(`${rows.join('; ')}; 20 s separated in ${seconds.toFixed(1)} s`);
  }, 600_000);
});
