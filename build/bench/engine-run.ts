/**
 * One engine's benchmark, in its own process so that peak RSS belongs to that engine alone.
 * Usage: tsx build/bench/engine-run.ts <espeak|pocket-tts|silero-vad|aligner|piper|kokoro|asr> → one JSON line on stdout.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createEspeakEngine } from '../../native-models/espeak/espeak-engine.js';
import { createPocketTtsEngine } from '../../native-models/pocket-tts/index.js';
import { SileroVad } from '../../native-models/vad/index.js';
import type { TtsEngine } from '../../native-models/engine.js';
import { decodeWav } from '../../native-models/audio/wav.js';

export interface BenchResult {
  engine: string;
  /** What ran: the real weights, or contract fixtures (tiny graphs with the real I/O). */
  graphs: string;
  audioSeconds: number;
  computeSeconds: number;
  /** Audio seconds produced (or analysed) per compute second: > 1 is faster than real time. */
  speedXRealtime: number;
  firstAudioMs: number | null;
  peakRssMb: number;
  cores: number;
  runs: number;
}

const TEXT =
  'Welcome back to the show. Today we talk about offline speech synthesis, and why keeping your voice on your own ' +
  'machine matters. Let us get started.';

async function benchTts(engine: TtsEngine, voiceId: string, graphs: string, runs = 3): Promise<BenchResult> {
  const once = async () => {
    const t0 = performance.now();
    let first: number | null = null;
    let samples = 0;
    let rate = 0;
    await engine.synthesize(
      { text: TEXT, voiceId, seed: 1 },
      {
        onChunk: (pcm, sr) => {
          first ??= performance.now() - t0;
          samples += pcm.length;
          rate = sr;
        },
        onProgress: () => undefined,
      },
      new AbortController().signal,
    );
    return { wall: (performance.now() - t0) / 1000, first: first as number | null, audio: samples / rate };
  };
  await once(); // warm-up: model load, JIT, caches
  let wall = 0;
  let audio = 0;
  const firsts: number[] = [];
  for (let i = 0; i < runs; i++) {
    const r = await once();
    wall += r.wall;
    audio += r.audio;
    if (r.first !== null) firsts.push(r.first);
  }
  firsts.sort((a, b) => a - b);
  return {
    engine: engine.id,
    graphs,
    audioSeconds: audio / runs,
    computeSeconds: wall / runs,
    speedXRealtime: audio / wall,
    firstAudioMs: firsts.length ? firsts[Math.floor(firsts.length / 2)] : null,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    cores: os.availableParallelism(),
    runs,
  };
}

async function main(): Promise<BenchResult> {
  const which = process.argv[2];
  if (which === 'espeak') return benchTts(createEspeakEngine(), 'en-us', 'eSpeak NG (WebAssembly)');
  if (which === 'pocket-tts') {
    const real = process.env.TIMBRE_MODELS_DIR;
    let packDir: string;
    let graphs: string;
    if (real) {
      packDir = path.join(real, 'pocket-tts');
      graphs = `real pack (${packDir})`;
    } else {
      const { makePocketFixture } = await import('../../tests/fixtures/pocket-tts-fixture.js');
      packDir = makePocketFixture({ eosStep: 60 }).dir;
      graphs = 'contract fixtures (not the real model: set TIMBRE_MODELS_DIR to a folder holding pocket-tts/)';
    }
    const engine = createPocketTtsEngine({ packDir });
    const avail = await engine.availability();
    if (!avail.available) throw new Error(avail.reason);
    const voices = await engine.listVoices();
    return benchTts(engine, voices[0]?.id ?? 'builtin:alba', graphs);
  }
  if (which === 'piper') {
    // Piper: the first installed piper-* voice under TIMBRE_MODELS_DIR ("real"), else the contract fixture graph
    // ("fixture": the real eSpeak NG phonemizer and orchestration, a graph that does no neural work).
    const { createPiperEngine } = await import('../../native-models/piper/index.js');
    const real = process.env.TIMBRE_MODELS_DIR;
    let engine = real ? createPiperEngine({ modelsDir: real }) : undefined;
    let voice = engine?.installedVoices()[0]?.name;
    let graphs = `real (${voice} in ${real})`;
    if (!engine || !voice) {
      const { makePiperFixture } = await import('../../tests/fixtures/piper-fixture.js');
      const fx = makePiperFixture({ voice: 'en_US-fixture-medium', espeakVoice: 'en-us' });
      engine = createPiperEngine({ modelsDir: fx.modelsDir });
      voice = fx.voice;
      graphs = 'fixture (contract graph, not the real model: set TIMBRE_MODELS_DIR to a folder holding piper-*/)';
    }
    return benchTts(engine, voice, graphs);
  }
  if (which === 'silero-vad') {
    const model = path.resolve(
      process.env.TIMBRE_MODELS_DIR
        ? path.join(process.env.TIMBRE_MODELS_DIR, 'silero-vad/silero_vad.onnx')
        : '../shared/models/silero-vad/silero_vad.onnx',
    );
    const wav = decodeWav(readFileSync(path.resolve('../shared/eval/speech/16k/ls_1688-142285-0000.wav')));
    const vad = await SileroVad.load(model);
    await vad.detect(wav.samples, wav.sampleRate);
    const runs = 5;
    const t0 = performance.now();
    for (let i = 0; i < runs; i++) await vad.detect(wav.samples, wav.sampleRate);
    const wall = (performance.now() - t0) / 1000 / runs;
    const audio = wav.samples.length / wav.sampleRate;
    return {
      engine: 'silero-vad',
      graphs: `real weights (${path.basename(model)})`,
      audioSeconds: audio,
      computeSeconds: wall,
      speedXRealtime: audio / wall,
      firstAudioMs: null,
      peakRssMb: process.resourceUsage().maxRSS / 1024,
      cores: os.availableParallelism(),
      runs,
    };
  }
  if (which === 'aligner') {
    // The embedded aligner (SoundSwallower, issue #10): the 10 real clips of ../shared/eval with their transcripts,
    // each aligned and verified (forced alignment + phone-loop contrast), after one warm-up call loads the model.
    const { loadClips } = await import('./align-eval.js');
    const { SoundSwallowerAligner } = await import('../../native-models/speech/soundswallower.js');
    const clips = loadClips();
    const aligner = new SoundSwallowerAligner();
    const tw = performance.now();
    await aligner.align(clips[0].audio, clips[0].text, 'en');
    const firstMs = performance.now() - tw;
    let audio = 0;
    const t0 = performance.now();
    for (const c of clips) {
      const r = await aligner.align(c.audio, c.text, 'en');
      if (r.verdict !== 'match') throw new Error(`${c.id}: expected a match`);
      audio += c.audio.length / 16000;
    }
    const wall = (performance.now() - t0) / 1000;
    return {
      engine: 'aligner',
      graphs: 'embedded (SoundSwallower en-us, in the npm package)',
      audioSeconds: audio,
      computeSeconds: wall,
      speedXRealtime: audio / wall,
      firstAudioMs: firstMs,
      peakRssMb: process.resourceUsage().maxRSS / 1024,
      cores: os.availableParallelism(),
      runs: clips.length,
    };
  }
  if (which === 'kokoro') {
    // Kokoro-82M (issue #14): the real pack when TIMBRE_MODELS_DIR holds one (kokoro-fp32/ or kokoro/, or the
    // kokoro-onnx release files directly), else the contract-fixture graph (real I/O names, tiny arithmetic), labelled.
    const { createKokoroEngine, espeakPhonemizer, GRAPH_FILES, KOKORO_PACK_PREFERENCE } =
      await import('../../native-models/kokoro/index.js');
    const real = process.env.TIMBRE_MODELS_DIR;
    const candidates = real
      ? [...KOKORO_PACK_PREFERENCE.map((id) => ({ id, dir: path.join(real, id) })), { id: 'kokoro-onnx', dir: real }]
      : [];
    const { existsSync } = await import('node:fs');
    const found = candidates.find((p) => GRAPH_FILES.some((g) => existsSync(path.join(p.dir, g))));
    let packs;
    let graphs: string;
    if (found) {
      packs = [found];
      graphs = `real pack (${found.dir})`;
    } else {
      const { makeKokoroFixture } = await import('../../tests/fixtures/kokoro-fixture.js');
      packs = [{ id: 'kokoro', dir: makeKokoroFixture().dir }];
      graphs = 'fixture: contract graph, not the real model (set TIMBRE_MODELS_DIR to a folder holding kokoro/)';
    }
    const engine = createKokoroEngine({ packs, phonemize: espeakPhonemizer });
    const avail = await engine.availability();
    if (!avail.available) throw new Error(avail.reason);
    return benchTts(engine, 'af_heart', graphs);
  }
  if (which === 'asr') {
    // Speech recognition (issue #10): the Parakeet pack when TIMBRE_MODELS_DIR holds it, else the contract fixture
    // (the real features, windows and decoding around a tiny graph: it measures Timbre's side, not the model). The 10
    // real clips of ../shared/eval, after one warm-up call that loads the model.
    const { loadClips } = await import('./align-eval.js');
    const { ParakeetTranscriber, parakeetUnavailableReason } = await import('../../native-models/asr/parakeet.js');
    const root = process.env.TIMBRE_MODELS_DIR;
    let packDir = [root && path.join(root, 'parakeet-ctc-en'), root].find((d) => d && !parakeetUnavailableReason(d));
    let graphs = 'real weights (parakeet-ctc-en model.int8.onnx)';
    let cleanup = () => {};
    if (!packDir) {
      const { makeParakeetFixture } = await import('../../tests/fixtures/parakeet-fixture.js');
      const fx = makeParakeetFixture();
      packDir = fx.dir;
      cleanup = fx.cleanup;
      graphs = 'contract fixture (not the real model: set TIMBRE_MODELS_DIR to a folder holding parakeet-ctc-en/)';
    }
    const clips = loadClips();
    const t = new ParakeetTranscriber({ packDir });
    const tw = performance.now();
    await t.transcribe(clips[0].audio);
    const firstMs = performance.now() - tw;
    let audio = 0;
    const t0 = performance.now();
    for (const c of clips) {
      await t.transcribe(c.audio);
      audio += c.audio.length / 16000;
    }
    const wall = (performance.now() - t0) / 1000;
    await t.dispose();
    cleanup();
    return {
      engine: 'asr',
      graphs,
      audioSeconds: audio,
      computeSeconds: wall,
      speedXRealtime: audio / wall,
      firstAudioMs: firstMs,
      peakRssMb: process.resourceUsage().maxRSS / 1024,
      cores: os.availableParallelism(),
      runs: clips.length,
    };
  }
  throw new Error(`unknown engine ${which}`);
}

main().then(
  (r) => {
    process.stdout.write(`${JSON.stringify(r)}\n`);
    process.exit(0);
  },
  (err: Error) => {
    process.stdout.write(`${JSON.stringify({ engine: process.argv[2], error: err.message })}\n`);
    process.exit(1);
  },
);
