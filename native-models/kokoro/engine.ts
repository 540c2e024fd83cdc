/**
 * Kokoro-82M as a Timbre engine: 54 preset voices (41 spoken here, in 7 languages) on one ONNX graph, 24 kHz.
 *
 * The graph contract (thewh1teagle/kokoro-onnx `kokoro-v1.0*.onnx`; onnx-community/Kokoro-82M-v1.0-ONNX
 * `onnx/model*.onnx`): inputs `tokens` (kokoro-onnx) or `input_ids` (onnx-community) int64 [1, N] — the phoneme
 * token ids with the pad 0 added at both ends, N ≤ 512 —, `style` float32 [1, 256] — row `len(tokens)` of the
 * voice's style table —, `speed` float32 [1]; output float32 samples at 24 kHz: `waveform` (onnx-community), else
 * `audio`, else the first output (kokoro-onnx reads output 0 without naming it).
 *
 * Per request: sentences (Intl.Segmenter) → eSpeak NG phonemes in the voice's language → the model's symbols
 * (phonemes.ts) → pieces of at most 510 tokens → one graph call per piece, each streamed to the sink as soon as it
 * is made. Cancellation is checked before every phonemizer and graph call and before every chunk is emitted.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  EngineError,
  throwIfAborted,
  type EngineAvailability,
  type EngineVoice,
  type SynthesisRequest,
  type SynthesisResult,
  type SynthesisSink,
  type TtsEngine,
} from '../engine.js';
import { changedPackFiles, changedPackMessage } from '../packs/integrity.js';
import {
  createSessionWithFallback,
  ort,
  signatureMismatches,
  type GraphSignature,
  type SessionOptions,
} from '../onnx/session.js';
import {
  DEFAULT_VOCAB,
  espeakToKokoro,
  keepKnown,
  MAX_PHONEME_TOKENS,
  parseVocab,
  splitPhonemes,
  tokenize,
  type PhonemeDialect,
  type Vocab,
} from './phonemes.js';
import { NpzVoiceArchive, parseRawVoice, STYLE_DIM, styleRow, voiceInfo, type StyleTable } from './voices.js';

export const KOKORO_ENGINE_ID = 'kokoro';
export const KOKORO_SAMPLE_RATE = 24000;
export const SPEED_RANGE = [0.5, 2] as const;
/** Graph files, in the order they are looked for (one pack holds one of them). */
export const GRAPH_FILES = ['model.onnx', 'kokoro-v1.0.onnx', 'model_quantized.onnx', 'kokoro-v1.0.int8.onnx'];
export const VOICES_ARCHIVE = 'voices-v1.0.bin';
export const VOICES_DIR = 'voices';
/**
 * Text phonemized per eSpeak run after the first sentence (which runs alone, so the first audio comes quickly):
 * sentences are grouped up to this many characters. Each run starts a fresh eSpeak instance.
 */
export const PHONEMIZE_BATCH_CHARS = 2000;
/** Most voice tables kept decoded (each 510 × 256 floats, 522 KB). */
const STYLE_CACHE_SIZE = 8;

/**
 * eSpeak NG phonemes for `text` in an eSpeak language (`en-us`, `fr-fr`, …): IPA with stress marks and clause
 * punctuation, one string per sentence (native-models/espeak/phonemize.ts).
 */
export type KokoroPhonemizer = (text: string, espeakLanguage: string, signal: AbortSignal) => Promise<string[]>;

export interface KokoroPackLocation {
  /** Pack id, for messages (`kokoro`, `kokoro-fp32`). */
  id: string;
  dir: string;
}

export interface KokoroEngineOptions {
  /** Pack folders in order of preference; the first one that holds a graph and voices is used. */
  packs: KokoroPackLocation[];
  phonemize: KokoroPhonemizer;
  sessionOptions?: SessionOptions;
}

export interface KokoroEngine extends TtsEngine {
  /** How many times the graph has run since creation (diagnostics and tests). */
  runCount(): number;
  /** The pack in use (after a successful load), else undefined. */
  activePack(): KokoroPackLocation | undefined;
}

interface PackFiles {
  pack: KokoroPackLocation;
  graph?: string;
  archive?: string;
  voiceDir?: string;
  vocab?: string;
}

interface Loaded {
  files: PackFiles;
  session: ort.InferenceSession;
  vocab: Vocab;
  tokensInput: string;
  audioOutput: string;
  archive?: NpzVoiceArchive;
}

function locate(pack: KokoroPackLocation): PackFiles {
  const at = (f: string) => (existsSync(join(pack.dir, f)) ? join(pack.dir, f) : undefined);
  const voiceDir = at(VOICES_DIR);
  return {
    pack,
    graph: GRAPH_FILES.map(at).find(Boolean),
    archive: at(VOICES_ARCHIVE),
    voiceDir: voiceDir && statSync(voiceDir).isDirectory() ? voiceDir : undefined,
    vocab: at('tokenizer.json') ?? at('config.json'),
  };
}

const usable = (f: PackFiles) => Boolean(f.graph && (f.archive || f.voiceDir));

/**
 * The signature the engine needs, for the graph's input and output names: `tokens` (kokoro-onnx) or `input_ids`
 * (onnx-community); the audio is `waveform` (onnx-community, kokoro.js reads it by name), else `audio`, else the
 * graph's first output (kokoro-onnx reads `run(None)[0]` without naming it).
 */
export function expectedSignature(inputNames: readonly string[], outputNames: readonly string[]): GraphSignature {
  const audio = ['waveform', 'audio'].find((n) => outputNames.includes(n)) ?? outputNames[0] ?? 'waveform';
  return {
    inputs: [
      { name: inputNames.includes('tokens') ? 'tokens' : 'input_ids', type: 'int64', rank: 2 },
      { name: 'style', type: 'float32', rank: 2 },
      { name: 'speed', type: 'float32', rank: 1 },
    ],
    outputs: [{ name: audio, type: 'float32' }],
  };
}

/** `speed` from the request options (0.5–2, default 1). */
export function parseSpeed(req: SynthesisRequest): number {
  const v = req.options?.speed;
  if (v === undefined) return 1;
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isFinite(n) || n < SPEED_RANGE[0] || n > SPEED_RANGE[1])
    throw new EngineError(
      'INVALID_INPUT',
      `Kokoro option "speed" must be a number from ${SPEED_RANGE[0]} to ${SPEED_RANGE[1]} (got ${String(v)})`,
    );
  return n;
}

/**
 * Longest stretch of text phonemized as one sentence: a longer "sentence" (no punctuation for pages) is cut at the
 * last space before this many characters (hard, with no space), which keeps every eSpeak run bounded.
 */
export const MAX_SENTENCE_CHARS = 2000;

function cutLong(s: string, max: number): string[] {
  const out: string[] = [];
  let rest = s;
  while (rest.length > max) {
    const space = rest.lastIndexOf(' ', max);
    const cut = space > 0 ? space : max;
    out.push(rest.slice(0, cut).trim());
    rest = rest.slice(cut).trim();
  }
  if (rest) out.push(rest);
  return out;
}

/**
 * Sentences of a text (paragraphs first, then Intl.Segmenter in the voice's language, each at most
 * MAX_SENTENCE_CHARS); blank ones dropped.
 */
export function splitSentences(text: string, language: string): string[] {
  let seg: Intl.Segmenter;
  try {
    seg = new Intl.Segmenter(language, { granularity: 'sentence' });
  } catch {
    seg = new Intl.Segmenter('en', { granularity: 'sentence' });
  }
  const out: string[] = [];
  for (const para of text.split(/\n\s*\n/))
    for (const { segment } of seg.segment(para.replace(/\s+/g, ' '))) {
      for (const s of cutLong(segment.trim(), MAX_SENTENCE_CHARS)) if (/[\p{L}\p{N}]/u.test(s)) out.push(s);
    }
  return out;
}

/** Sentences grouped for phonemizing: the first alone, then groups of up to `max` characters. */
export function batchSentences(sentences: string[], max = PHONEMIZE_BATCH_CHARS): string[] {
  const out: string[] = [];
  let cur = '';
  sentences.forEach((s, i) => {
    if (i === 0) return void out.push(s);
    if (cur && cur.length + 1 + s.length > max) {
      out.push(cur);
      cur = '';
    }
    cur = cur ? `${cur} ${s}` : s;
  });
  if (cur) out.push(cur);
  return out;
}

const dialectOf = (espeak: string): PhonemeDialect =>
  espeak === 'en-us' ? 'en-us' : espeak === 'en-gb' ? 'en-gb' : 'espeak';

class Kokoro implements KokoroEngine {
  readonly id = KOKORO_ENGINE_ID;
  readonly name = 'Kokoro';
  readonly license = 'Apache-2.0';

  private loading?: Promise<Loaded>;
  private loaded?: Loaded;
  private loadError?: string;
  private providerNotice?: string;
  private runs = 0;
  private readonly styles = new Map<string, StyleTable>();

  constructor(private readonly opts: KokoroEngineOptions) {
    if (!opts.packs.length) throw new Error('Kokoro needs at least one pack location');
  }

  runCount(): number {
    return this.runs;
  }

  activePack(): KokoroPackLocation | undefined {
    return this.loaded?.files.pack;
  }

  private pick(): PackFiles | undefined {
    return this.opts.packs.map(locate).find(usable);
  }

  async availability(): Promise<EngineAvailability> {
    const files = this.pick();
    if (!files) {
      const ids = this.opts.packs.map((p) => p.id);
      return {
        available: false,
        reason:
          `The Kokoro model pack is not installed (looked in ${this.opts.packs.map((p) => p.dir).join(' and ')} for ` +
          `a Kokoro graph and its voices). Install it with ` +
          ids.map((id) => `\`timbre models download ${id}\``).join(' or ') +
          ', or `timbre models import PATH`, or from the Models view.',
      };
    }
    const changed = changedPackFiles(files.pack.dir);
    if (changed.length) return { available: false, reason: changedPackMessage(files.pack.id, changed) };
    if (this.loadError) return { available: false, reason: this.loadError };
    return this.providerNotice ? { available: true, notice: this.providerNotice } : { available: true };
  }

  /** Voice ids present in the pack (archive entries or voices/*.bin), whatever their language. */
  private voiceIds(files: PackFiles): string[] {
    const ids = new Set<string>();
    if (files.archive) {
      try {
        for (const n of NpzVoiceArchive.open(files.archive).names()) ids.add(n);
      } catch {
        // an unreadable archive lists nothing; loading it reports why
      }
    }
    if (files.voiceDir)
      for (const f of readdirSync(files.voiceDir)) {
        const m = /^(.+)\.bin$/.exec(f);
        if (m) ids.add(m[1]);
      }
    return [...ids].sort();
  }

  async listVoices(): Promise<EngineVoice[]> {
    const files = this.pick();
    if (!files) return [];
    const out: EngineVoice[] = [];
    for (const id of this.voiceIds(files)) {
      const info = voiceInfo(id);
      if (!info || info.lang.unsupported) continue;
      out.push({ id, name: info.name, language: info.language, gender: info.gender });
    }
    return out;
  }

  async dispose(): Promise<void> {
    const loading = this.loading;
    this.loading = undefined;
    this.loaded = undefined;
    this.styles.clear();
    if (!loading) return;
    try {
      await (await loading).session.release();
    } catch {
      // nothing loaded, nothing to release
    }
  }

  private load(): Promise<Loaded> {
    this.loading ??= this.doLoad().then(
      (m) => (this.loaded = m),
      (e: unknown) => {
        this.loading = undefined;
        throw e;
      },
    );
    return this.loading;
  }

  private async doLoad(): Promise<Loaded> {
    this.loadError = undefined;
    const avail = await this.availability();
    if (!avail.available) throw new EngineError('ENGINE_UNAVAILABLE', avail.reason ?? 'Kokoro is not available');
    const files = this.pick()!;
    const where = `Kokoro pack "${files.pack.id}" at ${files.pack.dir}`;
    const fail = (msg: string): never => {
      this.loadError = msg;
      throw new EngineError('ENGINE_UNAVAILABLE', msg);
    };
    let vocab = DEFAULT_VOCAB;
    let archive: NpzVoiceArchive | undefined;
    try {
      if (files.vocab) vocab = parseVocab(readFileSync(files.vocab), files.vocab);
      if (files.archive) archive = NpzVoiceArchive.open(files.archive);
    } catch (e) {
      return fail(`${where} is unreadable: ${(e as Error).message}`);
    }
    let session: ort.InferenceSession;
    try {
      const r = await createSessionWithFallback(files.graph!, this.opts.sessionOptions);
      session = r.session;
      this.providerNotice = r.notice;
    } catch (e) {
      return fail(`${where}: the graph failed to load: ${(e as Error).message}`);
    }
    const sig = expectedSignature(session.inputNames, session.outputNames);
    const problems = signatureMismatches(session, sig, 'kokoro');
    if (problems.length) {
      await session.release();
      return fail(
        `${where} does not match the Kokoro v1.0 ONNX contract (inputs tokens/input_ids int64 [1,N], style float32 ` +
          `[1,256], speed float32 [1]; output waveform/audio float32), refusing to use it: ${problems.join('; ')}. ` +
          `Reinstall it with \`timbre models download ${files.pack.id}\`.`,
      );
    }
    return { files, session, vocab, tokensInput: sig.inputs[0].name, audioOutput: sig.outputs[0].name, archive };
  }

  private style(m: Loaded, voice: string): StyleTable {
    const cached = this.styles.get(voice);
    if (cached) {
      this.styles.delete(voice);
      this.styles.set(voice, cached);
      return cached;
    }
    let table: StyleTable | undefined;
    try {
      const raw = m.files.voiceDir ? join(m.files.voiceDir, `${voice}.bin`) : undefined;
      if (raw && existsSync(raw)) {
        const st = statSync(raw);
        if (!st.isFile() || st.size > 1024 * STYLE_DIM * 4)
          throw new Error(`${raw} is not a voice file (${st.size} bytes)`);
        table = parseRawVoice(readFileSync(raw), raw);
      } else if (m.archive?.has(voice)) table = m.archive.read(voice);
    } catch (e) {
      throw new EngineError('ENGINE_ERROR', `Kokoro voice "${voice}" cannot be read: ${(e as Error).message}`);
    }
    if (!table) throw new EngineError('INVALID_INPUT', `The Kokoro pack has no voice "${voice}"`);
    this.styles.set(voice, table);
    while (this.styles.size > STYLE_CACHE_SIZE) this.styles.delete(this.styles.keys().next().value as string);
    return table;
  }

  async synthesize(req: SynthesisRequest, sink: SynthesisSink, signal: AbortSignal): Promise<SynthesisResult> {
    throwIfAborted(signal);
    const voice = req.voiceId.startsWith(`${KOKORO_ENGINE_ID}:`) ? req.voiceId.slice(7) : req.voiceId;
    const info = voiceInfo(voice);
    if (!info) throw new EngineError('INVALID_INPUT', `"${req.voiceId}" is not a Kokoro voice id (e.g. af_heart)`);
    if (info.lang.unsupported)
      throw new EngineError('UNSUPPORTED_TEXT', `Kokoro voice ${voice}: ${info.lang.unsupported}.`);
    const espeak = info.lang.espeak!;
    const speed = parseSpeed(req);
    const m = await this.load();
    const table = this.style(m, voice);
    const sentences = splitSentences(req.text ?? '', info.language);
    if (!sentences.length) throw new EngineError('UNSUPPORTED_TEXT', 'Kokoro found no words to speak in the text');

    const batches = batchSentences(sentences);
    const totalChars = batches.reduce((n, b) => n + b.length, 0);
    let doneChars = 0;
    let samples = 0;
    let spoken = 0;
    for (const batch of batches) {
      throwIfAborted(signal);
      let ipaSentences: string[];
      try {
        ipaSentences = await this.opts.phonemize(batch, espeak, signal);
      } catch (e) {
        if (e instanceof EngineError) throw e;
        throw new EngineError('ENGINE_ERROR', `eSpeak NG could not phonemize for Kokoro: ${(e as Error).message}`);
      }
      const pieces = ipaSentences.flatMap((ipa) =>
        splitPhonemes(keepKnown(espeakToKokoro(ipa, dialectOf(espeak)), m.vocab), MAX_PHONEME_TOKENS),
      );
      for (let k = 0; k < pieces.length; k++) {
        const ids = tokenize(pieces[k], m.vocab);
        if (!ids.length) continue;
        throwIfAborted(signal);
        const pcm = await this.run(m, ids, styleRow(table, ids.length), speed);
        throwIfAborted(signal);
        if (pcm.length) {
          samples += pcm.length;
          sink.onChunk(pcm, KOKORO_SAMPLE_RATE);
        }
        spoken++;
        sink.onProgress(Math.min(1, (doneChars + (batch.length * (k + 1)) / pieces.length) / totalChars));
      }
      doneChars += batch.length;
      sink.onProgress(Math.min(1, doneChars / totalChars));
    }
    if (!spoken)
      throw new EngineError('UNSUPPORTED_TEXT', `Kokoro found nothing it can pronounce in the text (voice ${voice})`);
    return { sampleRate: KOKORO_SAMPLE_RATE, samples };
  }

  /** One graph call: [0, ids…, 0], the style row for ids.length tokens, the speed. */
  private async run(m: Loaded, ids: number[], style: Float32Array, speed: number): Promise<Float32Array> {
    const padded = new BigInt64Array(ids.length + 2);
    ids.forEach((id, i) => (padded[i + 1] = BigInt(id)));
    this.runs++;
    let out: ort.InferenceSession.OnnxValueMapType;
    try {
      out = await m.session.run({
        [m.tokensInput]: new ort.Tensor('int64', padded, [1, padded.length]),
        style: new ort.Tensor('float32', style, [1, STYLE_DIM]),
        speed: new ort.Tensor('float32', Float32Array.of(speed), [1]),
      });
    } catch (e) {
      throw new EngineError('ENGINE_ERROR', `Kokoro graph failed: ${(e as Error).message}`);
    }
    const audio = out[m.audioOutput] as ort.Tensor | undefined;
    if (!audio || audio.type !== 'float32')
      throw new EngineError('ENGINE_ERROR', `Kokoro graph gave no float32 "${m.audioOutput}" output`);
    const data = new Float32Array(audio.data as Float32Array);
    for (let i = 0; i < data.length; i++)
      if (!Number.isFinite(data[i]))
        throw new EngineError('ENGINE_ERROR', 'Kokoro graph produced non-finite samples (a broken or fp16 export?)');
    return data;
  }
}

export function createKokoroEngine(opts: KokoroEngineOptions): KokoroEngine {
  return new Kokoro(opts);
}
