/**
 * Piper (VITS voices exported to ONNX, rhasspy/piper) as a Timbre engine. Each installed voice pack
 * (`<modelsDir>/piper-<voice>/`) holds `<voice>.onnx` and `<voice>.onnx.json`.
 *
 * Per request: eSpeak NG phonemes (the voice's eSpeak language, IPA with stress and Piper's clause punctuation, NFD;
 * `../espeak/phonemize.ts`) or, for `phoneme_type: text` voices, the text's own characters → sentences (cut at clause
 * boundaries when longer than MAX_CHUNK_PHONEMES) → per sentence: ids (BOS, pad-interspersed phonemes, EOS), one run
 * of the graph (`input` int64 [1,N], `input_lengths` int64 [1], `scales` float32 [3] = noise_scale, length_scale,
 * noise_w, `sid` int64 [1] for multi-speaker voices; `output` float32 [1,1,1,T]), peak-normalised like Piper, streamed
 * to the sink, with Piper's 0.2 s of silence between sentences. Cancellation is checked before every run.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
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
import {
  assertSignature,
  createSessionWithFallback,
  ort,
  SignatureError,
  type SessionOptions,
} from '../onnx/session.js';
import { changedPackFiles, changedPackMessage } from '../packs/integrity.js';
import { PIPER_PACKS, PIPER_PACK_PREFIX, piperPackId } from '../catalog/piper.js';
import { phonemizeClauses, type PhonemizedClause } from '../espeak/phonemize.js';
import { cleanText, splitLong, splitSentences } from '../espeak/text.js';
import { parsePiperConfig, phonemesToIds, PiperConfigError, type PiperConfig } from './config.js';

export const PIPER_ENGINE_ID = 'piper';
/** Longest stretch of phonemes synthesized in one run; longer sentences are cut at clauses, then at spaces. */
export const MAX_CHUNK_PHONEMES = 400;
/** Text phonemized in one eSpeak NG run, after the first sentence (which goes alone, for an early first chunk). */
export const BATCH_CHARS = 2000;
/** Piper's default silence between sentences (piper's `sentence_silence`, C++ `sentenceSilenceSeconds`). */
export const DEFAULT_SENTENCE_SILENCE = 0.2;
/** Voices with a session kept loaded (each medium voice is ~63 MB of weights). */
const SESSION_CACHE_SIZE = 2;
/** Speakers of a multi-speaker voice listed by listVoices (every speaker stays usable by name or number). */
const MAX_LISTED_SPEAKERS = 24;
const VOICE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,119}$/;
/** The pack the "install a voice" message suggests. */
const SUGGESTED_PACK = 'piper-en_us-lessac-medium';

export interface PiperEngineOptions {
  /** `<dataDir>/models`: Piper voices are the `piper-*` pack folders in it. */
  modelsDir: string;
  sessionOptions?: SessionOptions;
}

/** The knobs `SynthesisRequest.options` accepts (all optional). */
export interface PiperKnobs {
  /** 0.5–2; divides the voice's length_scale. */
  speed: number;
  noiseScale: number;
  lengthScale: number;
  noiseW: number;
  /** Seconds of silence between sentences, 0–2 (default 0.2, like Piper). */
  sentenceSilence: number;
}

interface VoiceFiles {
  name: string;
  packDir: string;
  onnx: string;
  json: string;
}

interface LoadedVoice {
  files: VoiceFiles;
  config: PiperConfig;
  session: ort.InferenceSession;
  inUse: number;
}

export interface ParsedPiperVoice {
  voice: string;
  /** Speaker name or number after `+`, for multi-speaker voices. */
  speaker?: string;
}

/** `<voice>` or `<voice>+<speaker>` (a name from the voice's speaker_id_map, or a speaker number). */
export function parsePiperVoiceId(voiceId: string): ParsedPiperVoice {
  const plus = voiceId.indexOf('+');
  const voice = plus < 0 ? voiceId : voiceId.slice(0, plus);
  const speaker = plus < 0 ? undefined : voiceId.slice(plus + 1);
  if (!VOICE_NAME.test(voice) || (speaker !== undefined && !/^[^\s/\\]{1,120}$/.test(speaker)))
    throw new EngineError(
      'INVALID_INPUT',
      `"${voiceId.slice(0, 80)}" is not a Piper voice id (expected a voice name such as fr_FR-siwis-medium, ` +
        'optionally with +speaker).',
    );
  return { voice, speaker };
}

export function createPiperEngine(opts: PiperEngineOptions): PiperEngine {
  return new PiperEngine(opts);
}

function num(o: SynthesisRequest['options'], key: string, min: number, max: number): number | undefined {
  const v = o?.[key];
  if (v === undefined) return undefined;
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isFinite(n) || n < min || n > max)
    throw new EngineError(
      'INVALID_INPUT',
      `Piper option "${key}" must be a number from ${min} to ${max} (got ${String(v)})`,
    );
  return n;
}

export function parsePiperKnobs(o: SynthesisRequest['options'], c: PiperConfig): PiperKnobs {
  const speed = num(o, 'speed', 0.5, 2) ?? 1;
  const lengthScale = num(o, 'lengthScale', 0.1, 10) ?? c.inference.length_scale;
  return {
    speed,
    lengthScale: lengthScale / speed,
    noiseScale: num(o, 'noiseScale', 0, 2) ?? c.inference.noise_scale,
    noiseW: num(o, 'noiseW', 0, 2) ?? c.inference.noise_w,
    sentenceSilence: num(o, 'sentenceSilence', 0, 2) ?? DEFAULT_SENTENCE_SILENCE,
  };
}

/** Group clauses into chunks: a sentence per chunk, cut at clauses (then spaces) past `max` phonemes. */
export function chunkClauses(clauses: PhonemizedClause[], max = MAX_CHUNK_PHONEMES): string[] {
  const chunks: string[] = [];
  let cur = '';
  const flush = () => {
    const t = cur.trim();
    if (t) chunks.push(t);
    cur = '';
  };
  for (const c of clauses) {
    if (c.phonemes) {
      let piece = c.phonemes + c.punctuation;
      if (c.punctuation === ',' || c.punctuation === ':' || c.punctuation === ';') piece += ' ';
      if (cur && [...cur].length + [...piece].length > max) flush();
      while ([...piece].length > max) {
        const cps = [...piece];
        const window = cps.slice(0, max).join('');
        const cut = window.lastIndexOf(' ');
        const at = cut > max / 4 ? cut : window.length;
        chunks.push(piece.slice(0, at).trim());
        piece = piece.slice(at).trimStart();
      }
      if (cur && !cur.endsWith(' ')) cur += ' ';
      cur += piece;
    }
    if (c.endsSentence) flush();
  }
  flush();
  return chunks;
}

/**
 * Cut the text into the stretches phonemized at once: the first sentence alone, then whole sentences up to
 * BATCH_CHARS (sentences longer than eSpeak's 400-character limit are cut at a clause mark or space first).
 */
export function textBatches(text: string): string[] {
  const sentences = splitSentences(cleanText(text)).flatMap(splitLong);
  const batches: string[] = [];
  let cur = '';
  for (const s of sentences) {
    if (cur && (batches.length === 0 || cur.length + 1 + s.length > BATCH_CHARS)) {
      batches.push(cur);
      cur = '';
    }
    cur = cur ? `${cur} ${s}` : s;
  }
  if (cur) batches.push(cur);
  return batches;
}

export class PiperEngine implements TtsEngine {
  readonly id = PIPER_ENGINE_ID;
  readonly name = 'Piper';
  readonly license = 'MIT';

  private readonly loaded = new Map<string, Promise<LoadedVoice>>();
  private providerNotice: string | undefined;
  /** Graph runs since creation (diagnostics and tests). */
  runs = 0;

  constructor(private readonly opts: PiperEngineOptions) {}

  /** The installed voices: every `piper-*` pack folder holding a `.onnx` with its `.onnx.json`. */
  installedVoices(): VoiceFiles[] {
    let entries: string[];
    try {
      entries = readdirSync(this.opts.modelsDir);
    } catch {
      return [];
    }
    const voices: VoiceFiles[] = [];
    for (const dir of entries.sort()) {
      if (!dir.startsWith(PIPER_PACK_PREFIX)) continue;
      const packDir = path.join(this.opts.modelsDir, dir);
      let files: string[];
      try {
        if (!statSync(packDir).isDirectory()) continue;
        files = readdirSync(packDir);
      } catch {
        continue;
      }
      for (const f of files.sort()) {
        const m = /^(.+)\.onnx$/.exec(f);
        if (!m || !VOICE_NAME.test(m[1]) || !files.includes(`${f}.json`)) continue;
        voices.push({ name: m[1], packDir, onnx: path.join(packDir, f), json: path.join(packDir, `${f}.json`) });
      }
    }
    return voices;
  }

  async availability(): Promise<EngineAvailability> {
    if (this.installedVoices().length === 0)
      return {
        available: false,
        reason:
          `No Piper voice is installed. Install one with \`timbre models download ${SUGGESTED_PACK}\` ` +
          `(or Models in the app); \`timbre models list\` shows all ${PIPER_PACKS.length} Piper voices.`,
      };
    return this.providerNotice ? { available: true, notice: this.providerNotice } : { available: true };
  }

  async listVoices(): Promise<EngineVoice[]> {
    const voices: EngineVoice[] = [];
    for (const v of this.installedVoices()) {
      let config: PiperConfig;
      try {
        config = readConfig(v);
      } catch {
        continue; // a broken voice is reported when it is used
      }
      const manifest = PIPER_PACKS.find((p) => p.id === piperPackId(v.name));
      const language = manifest?.capabilities.languages[0] ?? languageTag(config, v.name);
      const base = manifest?.name.replace(/^Piper /, '') ?? v.name;
      voices.push({ id: v.name, name: base, language, gender: 'unknown' });
      const speakers = Object.entries(config.speaker_id_map).sort((a, b) => a[1] - b[1]);
      for (const [speaker] of speakers.slice(0, MAX_LISTED_SPEAKERS))
        voices.push({ id: `${v.name}+${speaker}`, name: `${base}, ${speaker}`, language, gender: 'unknown' });
    }
    return voices;
  }

  async synthesize(req: SynthesisRequest, sink: SynthesisSink, signal: AbortSignal): Promise<SynthesisResult> {
    throwIfAborted(signal);
    const parsed = parsePiperVoiceId(req.voiceId);
    const voice = await this.acquire(parsed.voice);
    try {
      const { config } = voice;
      const knobs = parsePiperKnobs(req.options, config);
      const sid = speakerId(config, parsed);
      const batches = textBatches(req.text);
      const totalChars = batches.reduce((n, b) => n + b.length, 0) || 1;
      const rate = config.audio.sample_rate;
      const silence = new Float32Array(Math.round(knobs.sentenceSilence * rate));
      let samples = 0;
      let spoken = 0;
      let doneChars = 0;
      const missing = new Map<string, number>();
      sink.onProgress(0);
      for (const batch of batches) {
        // Phonemized batch by batch (the first batch is the first sentence): the first audio comes early and a
        // long text never goes to eSpeak NG at once.
        const chunks = await this.chunks(batch, config, signal);
        for (let i = 0; i < chunks.length; i++) {
          const { ids, missing: miss, phonemes } = phonemesToIds(chunks[i], config);
          for (const [p, n] of miss) missing.set(p, (missing.get(p) ?? 0) + n);
          if (phonemes > 0) {
            await new Promise((resolve) => setImmediate(resolve));
            throwIfAborted(signal);
            const pcm = await this.run(voice, ids, knobs, sid);
            throwIfAborted(signal);
            if (spoken > 0 && silence.length) {
              sink.onChunk(silence, rate);
              samples += silence.length;
            }
            sink.onChunk(pcm, rate);
            samples += pcm.length;
            spoken++;
          }
          sink.onProgress((doneChars + (batch.length * (i + 1)) / chunks.length) / totalChars);
        }
        doneChars += batch.length;
        sink.onProgress(doneChars / totalChars);
      }
      if (spoken === 0) {
        const what = [...missing.keys()].slice(0, 10).join(' ');
        throw new EngineError(
          'UNSUPPORTED_TEXT',
          missing.size
            ? `The Piper voice ${parsed.voice} cannot speak this line: its sounds (${what}) are not in the voice. ` +
                'Is the line in the voice’s language?'
            : 'This line has nothing to speak: type some words.',
        );
      }
      return { sampleRate: rate, samples };
    } finally {
      voice.inUse--;
    }
  }

  async dispose(): Promise<void> {
    const all = [...this.loaded.values()];
    this.loaded.clear();
    for (const p of all) {
      try {
        await (await p).session.release();
      } catch {
        // a voice that never loaded has nothing to release
      }
    }
  }

  // ------------------------------------------------------------------------------------------------------------

  private async chunks(text: string, config: PiperConfig, signal: AbortSignal): Promise<string[]> {
    if (config.phoneme_type === 'text') {
      // piper-phonemize's codepoint phonemes: case-folded, NFD, no sentence detection of its own.
      return splitSentences(text)
        .map((s) => s.toLowerCase().normalize('NFD'))
        .flatMap((s) => chunkClauses([{ phonemes: s, punctuation: '', endsSentence: true, text: s }]));
    }
    const clauses = await phonemizeClauses(text, {
      language: config.espeak!.voice,
      normalization: 'NFD',
      signal,
    });
    return chunkClauses(clauses);
  }

  private async run(voice: LoadedVoice, ids: number[], k: PiperKnobs, sid: number | undefined): Promise<Float32Array> {
    const feeds: Record<string, ort.Tensor> = {
      input: new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), [1, ids.length]),
      input_lengths: new ort.Tensor('int64', BigInt64Array.from([BigInt(ids.length)]), [1]),
      scales: new ort.Tensor('float32', Float32Array.from([k.noiseScale, k.lengthScale, k.noiseW]), [3]),
    };
    if (sid !== undefined) feeds.sid = new ort.Tensor('int64', BigInt64Array.from([BigInt(sid)]), [1]);
    this.runs++;
    let out: ort.InferenceSession.OnnxValueMapType;
    try {
      out = await voice.session.run(feeds);
    } catch (e) {
      throw new EngineError('ENGINE_ERROR', `Piper voice ${voice.files.name} failed: ${(e as Error).message}`);
    }
    const t = out.output as ort.Tensor | undefined;
    if (!t || t.type !== 'float32')
      throw new EngineError('ENGINE_ERROR', `Piper voice ${voice.files.name} gave no float32 "output"`);
    const audio = Float32Array.from(t.data as Float32Array);
    // Piper scales every sentence to full range: x / max(0.01, max|x|).
    let peak = 0.01;
    for (const s of audio) if (Math.abs(s) > peak) peak = Math.abs(s);
    for (let i = 0; i < audio.length; i++) audio[i] = Math.max(-1, Math.min(1, audio[i] / peak));
    return audio;
  }

  private async acquire(name: string): Promise<LoadedVoice> {
    let p = this.loaded.get(name);
    if (!p) {
      p = this.load(name);
      this.loaded.set(name, p);
      p.catch(() => this.loaded.delete(name));
    } else {
      // Most recently used last.
      this.loaded.delete(name);
      this.loaded.set(name, p);
    }
    const v = await p;
    v.inUse++;
    await this.evict();
    return v;
  }

  private async evict(): Promise<void> {
    for (const [name, p] of this.loaded) {
      if (this.loaded.size <= SESSION_CACHE_SIZE) return;
      const v = await p.catch(() => undefined);
      if (v && v.inUse > 0) continue;
      this.loaded.delete(name);
      await v?.session.release().catch(() => undefined);
    }
  }

  private async load(name: string): Promise<LoadedVoice> {
    const files = this.installedVoices().find((v) => v.name === name);
    const packId = piperPackId(name);
    if (!files) {
      const known = PIPER_PACKS.some((p) => p.id === packId);
      throw known
        ? new EngineError(
            'ENGINE_UNAVAILABLE',
            `The Piper voice ${name} is not installed: install its pack with \`timbre models download ${packId}\` ` +
              '(or Models in the app).',
          )
        : new EngineError(
            'INVALID_INPUT',
            `Piper has no voice "${name}": install one of the Piper voices listed by \`timbre models list\`.`,
          );
    }
    const changed = changedPackFiles(files.packDir);
    if (changed.length)
      throw new EngineError('ENGINE_UNAVAILABLE', changedPackMessage(path.basename(files.packDir), changed));
    let config: PiperConfig;
    try {
      config = readConfig(files);
    } catch (e) {
      throw new EngineError('ENGINE_UNAVAILABLE', `Piper voice ${name}: ${(e as Error).message}. Reinstall its pack.`);
    }
    let session: ort.InferenceSession;
    try {
      const r = await createSessionWithFallback(files.onnx, this.opts.sessionOptions);
      session = r.session;
      if (r.notice) this.providerNotice = r.notice;
    } catch (e) {
      throw new EngineError(
        'ENGINE_UNAVAILABLE',
        `Piper voice ${name}: the model failed to load: ${(e as Error).message}`,
      );
    }
    const multi = config.num_speakers > 1;
    const problems: string[] = [];
    try {
      assertSignature(
        session,
        {
          inputs: [
            { name: 'input', type: 'int64', rank: 2 },
            { name: 'input_lengths', type: 'int64', rank: 1 },
            { name: 'scales', type: 'float32', rank: 1 },
            ...(multi ? [{ name: 'sid', type: 'int64' as const, rank: 1 }] : []),
          ],
          outputs: [{ name: 'output', type: 'float32' }],
        },
        name,
      );
    } catch (e) {
      if (!(e instanceof SignatureError)) throw e;
      problems.push(...e.problems);
    }
    const extra = session.inputNames.filter(
      (n) => !['input', 'input_lengths', 'scales', ...(multi ? ['sid'] : [])].includes(n),
    );
    if (extra.length)
      problems.push(
        `${name}: unexpected input ${extra.map((n) => `"${n}"`).join(', ')}` +
          (extra.includes('sid') ? ` (the config says ${config.num_speakers} speaker)` : ''),
      );
    if (problems.length) {
      await session.release().catch(() => undefined);
      throw new EngineError(
        'ENGINE_UNAVAILABLE',
        `Piper voice ${name} does not match the Piper voice contract, refusing to use it: ${problems.join('; ')}.`,
      );
    }
    return { files, config, session, inUse: 0 };
  }
}

function readConfig(v: VoiceFiles): PiperConfig {
  const st = statSync(v.json);
  if (st.size > 4 * 1024 * 1024) throw new PiperConfigError(`${path.basename(v.json)} is too large (${st.size} bytes)`);
  return parsePiperConfig(readFileSync(v.json));
}

function speakerId(config: PiperConfig, parsed: ParsedPiperVoice): number | undefined {
  if (config.num_speakers <= 1) {
    if (parsed.speaker !== undefined)
      throw new EngineError(
        'INVALID_INPUT',
        `The Piper voice ${parsed.voice} has one speaker: drop "+${parsed.speaker}".`,
      );
    return undefined;
  }
  if (parsed.speaker === undefined) return 0;
  const named = config.speaker_id_map[parsed.speaker];
  if (named !== undefined) return named;
  if (/^\d+$/.test(parsed.speaker) && Number(parsed.speaker) < config.num_speakers) return Number(parsed.speaker);
  throw new EngineError(
    'INVALID_INPUT',
    `The Piper voice ${parsed.voice} has no speaker "${parsed.speaker.slice(0, 40)}" ` +
      `(use a name from its speaker list or a number from 0 to ${config.num_speakers - 1}).`,
  );
}

function languageTag(config: PiperConfig, name: string): string {
  const code = config.language?.code ?? /^([a-z]{2,3}_[A-Z]{2})-/.exec(name)?.[1] ?? config.espeak?.voice ?? 'und';
  return code.replace('_', '-');
}
