/**
 * Silero VAD real-time factor on a WAV file: `npx tsx native-models/vad/bench-vad.ts <file.wav> [model.onnx]`.
 * Prints the model rate, segments and wall time / audio time (one warm-up pass first).
 */
import { readFileSync } from 'node:fs';
import { decodeWav } from '../audio/wav.js';
import { SileroVad } from './silero-vad.js';

const [file, model = '../shared/models/silero-vad/silero_vad.onnx'] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: tsx native-models/vad/bench-vad.ts <file.wav> [silero_vad.onnx]\n');
  process.exit(2);
}
const wav = decodeWav(readFileSync(file));
const vad = await SileroVad.load(model);
await vad.detect(wav.samples, wav.sampleRate);
const runs = 5;
const t0 = performance.now();
let segs = 0;
for (let i = 0; i < runs; i++) segs = (await vad.detect(wav.samples, wav.sampleRate)).segments.length;
const wall = (performance.now() - t0) / runs / 1000;
const audio = wav.samples.length / wav.sampleRate;
process.stdout.write(
  `${file}: ${audio.toFixed(2)} s at ${wav.sampleRate} Hz, ${segs} segments, ${(wall * 1000).toFixed(1)} ms per pass, RTF ${(wall / audio).toFixed(4)} (${vad.provider})\n`,
);
await vad.dispose();
