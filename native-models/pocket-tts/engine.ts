import { createHash } from 'node:crypto';
/**
 * Kyutai Pocket TTS as a Timbre engine: zero-shot voice cloning on the five graphs of the `english_2026-04` ONNX
 * export (contract: docs/pocket-tts-contract.md; Timbre's choices: README.md in this folder).
 *
 * Per request: English normalisation → sentence chunks within the token budget → per chunk: text_conditioner, a
 * prompt call of flow_lm_main on a copy of the cached voice state, then the autoregressive loop (flow_lm_main with
 * its state threaded step to step, Euler flow matching over flow_lm_flow with seeded, temperature-scaled noise,
 * EOS threshold + tail frames, a frame limit relative to the text length) while mimi_decoder streams the latents to
 * the sink in small groups with its own state threaded. Cancellation is checked before every graph call.
 */
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { changedPackFiles, changedPackMessage } from '../packs/integrity.js';
import { isAbsolute, join } from 'node:path';
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
  type GraphSignature,
  type SessionOptions,
} from '../onnx/session.js';
import { decodeWav } from '../audio/wav.js';
import { prepareReference } from './audio.js';
import {
  BundleError,
  GRAPHS,
  locatePackFiles,
  parseBundle,
  parseNpyFloat32,
  POCKET_PACK_ID,
  type Bundle,
  type GraphName,
  type StateEntry,
} from './bundle.js';
import {
  ConditioningFormatError,
  deserializeConditioning,
  serializeConditioning,
  type VoiceConditioning,
} from './conditioning.js';
import { normalizeForLanguage } from './normalize-language.js';
import { randomSeed, SeededRandom } from './rng.js';
import { prepareTextPrompt, splitIntoChunks, type PromptOptions } from './text.js';
import { SentencePieceTokenizer } from './tokenizer.js';

export const POCKET_TTS_ENGINE_ID = 'pocket-tts';
export const DEFAULT_EOS_THRESHOLD = -4;
export const DEFAULT_FLOW_STEPS = 1;
/** Upstream truncates voice prompts at 30 s. */
export const DEFAULT_MAX_VOICE_SECONDS = 30;
const TOKENS_PER_SECOND_ESTIMATE = 3;
const GEN_SECONDS_PADDING = 2;
/** Voice states are large (the real flow KV caches are ~49 MB): keep only the most recent few. */
const VOICE_STATE_CACHE_SIZE = 2;

/** Known genders of the export's reference voices (VCTK speakers). */
const BUILTIN_GENDER: Record<string, EngineVoice['gender']> = {
  anna: 'female',
  vera: 'female',
  fantine: 'female',
  charles: 'male',
  paul: 'male',
  eponine: 'female',
  azelma: 'female',
  george: 'male',
  mary: 'female',
  jane: 'female',
  michael: 'male',
  eve: 'female',
};

export interface PocketTtsEngineOptions {
  /** The installed pack folder (bundle.json, the five graphs, tokenizer.model, bos_before_voice.npy, voices/). */
  packDir: string;
  sessionOptions?: SessionOptions;
  /** Longest reference audio encoded (seconds); longer recordings keep their loudest window. Default 30. */
  maxVoiceSeconds?: number;
  /** The language the pack speaks (BCP-47 primary subtag); selects the text normalisation. Default `en`. */
  language?: string;
  /** The pack's catalog id, named in install hints. Default `pocket-tts`. */
  packId?: string;
  /** Folders of reference voices (`<name>.wav`), searched in order. Default `<packDir>/voices`. */
  voiceDirs?: string[];
}

/** The knobs `SynthesisRequest.options` accepts (all optional). */
export interface PocketTtsKnobs {
  /** Noise variance of the flow sampler (0 = deterministic). Default: the model's (0.3 for english_2026-04). */
  temperature: number;
  /** Euler steps over flow_lm_flow per frame (1–32). Default 1. */
  flowSteps: number;
  /** EOS fires when eos_logit > this. Default −4. */
  eosThreshold: number;
  /** Frames generated after EOS; default the bundle's recommendation, else upstream's guess (3 or 1, + 2). */
  framesAfterEos?: number;
  /** Frame limit per text chunk; default ceil((tokens / 3 + 2) · frame rate), and never past the KV cache. */
  maxFrames?: number;
  /** Clamp of the sampled noise (none by default, like upstream). */
  noiseClamp?: number;
  /** Silence between text chunks, milliseconds (twice that between paragraphs). Default 250. */
  pauseMs: number;
  /** Latent frames in the first streamed chunk (default 2) and in later ones (default 12). */
  firstChunkFrames: number;
  chunkFrames: number;
}

export interface PocketTtsEngine extends TtsEngine {
  /**
   * Encodes a reference recording into a reusable voice conditioning (mono; resampled to 24 kHz; at most
   * `maxVoiceSeconds`, the loudest window when longer). Store `serializeConditioning(result)` with the voice.
   */
  encodeVoice(pcm: Float32Array, sampleRate: number): Promise<VoiceConditioning>;
  /** Makes a conditioning usable as voice `cond:<id>` (bytes from `serializeConditioning`, or the object). */
  registerVoice(id: string, conditioning: VoiceConditioning | Uint8Array, name?: string): void;
  unregisterVoice(id: string): void;
  /** How many times each graph has run since creation (diagnostics and tests). */
  runCounts(): Record<GraphName, number>;
}

interface Loaded {
  bundle: Bundle;
  tokenizer: SentencePieceTokenizer;
  sessions: Record<GraphName, ort.InferenceSession>;
  bos: Float32Array | null;
}

interface VoiceState {
  state: Record<string, ort.Tensor>;
  /** KV-cache positions the voice prompt used. */
  positions: number;
}

type Feeds = Record<string, ort.Tensor>;

export type ParsedVoiceId = { kind: 'builtin'; name: string } | { kind: 'cond'; ref: string };

/** `builtin:<name>` (a reference voice of the pack), `cond:<id-or-absolute-path>`; a bare name means builtin. */
export function parseVoiceId(voiceId: string): ParsedVoiceId {
  if (voiceId.startsWith('cond:')) return { kind: 'cond', ref: voiceId.slice(5) };
  return { kind: 'builtin', name: voiceId.startsWith('builtin:') ? voiceId.slice(8) : voiceId };
}

export function expectedSignatures(b: Bundle): Record<GraphName, GraphSignature> {
  const f32 = (name: string, rank?: number) => ({ name, type: 'float32' as const, rank });
  const statesIn = (m: StateEntry[]) => m.map((e) => ({ name: e.inputName, type: e.dtype, rank: e.shape.length }));
  const statesOut = (m: StateEntry[]) => m.map((e) => ({ name: e.outputName, type: e.dtype }));
  return {
    text_conditioner: { inputs: [{ name: 'token_ids', type: 'int64', rank: 2 }], outputs: [f32('embeddings')] },
    flow_lm_main: {
      inputs: [f32('sequence', 3), f32('text_embeddings', 3), ...statesIn(b.flowState)],
      outputs: [f32('conditioning'), f32('eos_logit'), ...statesOut(b.flowState)],
    },
    flow_lm_flow: { inputs: [f32('c', 2), f32('s', 2), f32('t', 2), f32('x', 2)], outputs: [f32('flow_dir')] },
    mimi_encoder: { inputs: [f32('audio', 3)], outputs: [f32('latents')] },
    mimi_decoder: {
      inputs: [f32('latent', 3), ...statesIn(b.mimiState)],
      outputs: [f32('audio_frame'), ...statesOut(b.mimiState)],
    },
  };
}

function initState(manifest: StateEntry[]): Feeds {
  const out: Feeds = {};
  for (const e of manifest) {
    const n = e.shape.reduce((a, b) => a * b, 1);
    if (e.dtype === 'float32') {
      const d = new Float32Array(n);
      if (e.fill === 'nan') d.fill(NaN);
      else if (e.fill === 'ones') d.fill(1);
      out[e.inputName] = new ort.Tensor('float32', d, e.shape);
    } else if (e.dtype === 'int64') {
      const d = new BigInt64Array(n);
      if (e.fill === 'ones') d.fill(1n);
      out[e.inputName] = new ort.Tensor('int64', d, e.shape);
    } else {
      const d = new Uint8Array(n);
      if (e.fill === 'ones') d.fill(1);
      out[e.inputName] = new ort.Tensor('bool', d, e.shape);
    }
  }
  return out;
}

function threadState(state: Feeds, outputs: ort.InferenceSession.OnnxValueMapType, manifest: StateEntry[]): void {
  for (const e of manifest) {
    const v = outputs[e.outputName];
    if (!v) throw new EngineError('ENGINE_ERROR', `Pocket TTS graph gave no state output "${e.outputName}"`);
    state[e.inputName] = v as ort.Tensor;
  }
}

function num(
  opts: SynthesisRequest['options'],
  key: string,
  min: number,
  max: number,
  integer = false,
): number | undefined {
  const v = opts?.[key];
  if (v === undefined) return undefined;
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n)))
    throw new EngineError(
      'INVALID_INPUT',
      `Pocket TTS option "${key}" must be ${integer ? 'an integer' : 'a number'} in [${min}, ${max}] (got ${String(v)})`,
    );
  return n;
}

export function parseKnobs(req: SynthesisRequest, b: Bundle): PocketTtsKnobs {
  const o = req.options;
  return {
    temperature: num(o, 'temperature', 0, 5) ?? b.defaultTemperature,
    flowSteps: num(o, 'flowSteps', 1, 32, true) ?? DEFAULT_FLOW_STEPS,
    eosThreshold: num(o, 'eosThreshold', -100, 100) ?? DEFAULT_EOS_THRESHOLD,
    framesAfterEos: num(o, 'framesAfterEos', 0, 100, true),
    maxFrames: num(o, 'maxFrames', 1, 100000, true),
    noiseClamp: num(o, 'noiseClamp', 0, 100),
    pauseMs: num(o, 'pauseMs', 0, 10000) ?? 250,
    firstChunkFrames: num(o, 'firstChunkFrames', 1, 1000, true) ?? 2,
    chunkFrames: num(o, 'chunkFrames', 1, 1000, true) ?? 12,
  };
}

function titleCase(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

class PocketTts implements PocketTtsEngine {
  readonly id = POCKET_TTS_ENGINE_ID;
  readonly name = 'Pocket TTS';
  readonly license = 'CC-BY-4.0';

  private loading?: Promise<Loaded>;
  private loadError?: string;
  private readonly counts: Record<GraphName, number> = {
    text_conditioner: 0,
    flow_lm_main: 0,
    flow_lm_flow: 0,
    mimi_encoder: 0,
    mimi_decoder: 0,
  };
  /** Encoded built-in voices (name → conditioning promise): the encoder runs once per voice. */
  private readonly builtinConditionings = new Map<string, Promise<VoiceConditioning>>();
  private readonly registered = new Map<string, { cond: VoiceConditioning; name: string }>();
  private readonly fileConditionings = new Map<string, VoiceConditioning>();
  /** Voice key → primed flow state, most recent last. */
  private readonly voiceStates = new Map<string, Promise<VoiceState>>();

  private readonly language: string;
  private readonly packId: string;
  private readonly voiceDirs: string[];

  constructor(private readonly opts: PocketTtsEngineOptions) {
    this.language = opts.language ?? 'en';
    this.packId = opts.packId ?? POCKET_PACK_ID;
    this.voiceDirs = opts.voiceDirs ?? [join(opts.packDir, 'voices')];
  }

  runCounts(): Record<GraphName, number> {
    return { ...this.counts };
  }

  /** Set when the chosen accelerator failed and the graphs run on the CPU instead (shown to the user). */
  private providerNotice: string | undefined;

  async availability(): Promise<EngineAvailability> {
    const files = locatePackFiles(this.opts.packDir);
    if (files.missing.length)
      return {
        available: false,
        reason:
          `Pocket TTS model files are missing from ${this.opts.packDir}: ${files.missing.join(', ')}. ` +
          `Install them with \`timbre models download ${this.packId}\` or \`timbre models import PATH\`.`,
      };
    // Checked at every load (a few stat calls): a pack file changed since installation is not used.
    const changed = changedPackFiles(this.opts.packDir);
    if (changed.length) return { available: false, reason: changedPackMessage(this.packId, changed) };
    if (this.loadError) return { available: false, reason: this.loadError };
    return this.providerNotice ? { available: true, notice: this.providerNotice } : { available: true };
  }

  async listVoices(): Promise<EngineVoice[]> {
    const voices: EngineVoice[] = [];
    const seen = new Set<string>();
    for (const dir of this.voiceDirs) {
      if (!existsSync(dir)) continue;
      for (const f of readdirSync(dir).sort()) {
        const m = /^(.+)\.wav$/i.exec(f);
        if (!m || seen.has(m[1])) continue;
        seen.add(m[1]);
        voices.push({
          id: `builtin:${m[1]}`,
          name: titleCase(m[1]),
          language: this.language,
          gender: BUILTIN_GENDER[m[1].toLowerCase()] ?? 'unknown',
        });
      }
    }
    for (const [id, { name }] of this.registered)
      voices.push({ id: `cond:${id}`, name, language: this.language, gender: 'unknown' });
    return voices;
  }

  registerVoice(id: string, conditioning: VoiceConditioning | Uint8Array, name = id): void {
    if (!id) throw new EngineError('INVALID_INPUT', 'A voice id is required');
    let cond: VoiceConditioning;
    try {
      cond = conditioning instanceof Uint8Array ? deserializeConditioning(conditioning) : conditioning;
    } catch (e) {
      throw new EngineError('INVALID_INPUT', `Voice "${id}": ${(e as Error).message}`);
    }
    this.registered.set(id, { cond, name });
    this.voiceStates.delete(`cond:${id}`);
  }

  unregisterVoice(id: string): void {
    this.registered.delete(id);
    this.voiceStates.delete(`cond:${id}`);
  }

  async dispose(): Promise<void> {
    const loading = this.loading;
    this.loading = undefined;
    this.voiceStates.clear();
    this.builtinConditionings.clear();
    this.fileConditionings.clear();
    if (!loading) return;
    try {
      const m = await loading;
      await Promise.all(GRAPHS.map((g) => m.sessions[g].release()));
    } catch {
      // a pack that never loaded has nothing to release
    }
  }

  // ------------------------------------------------------------------------------------------------------------
  // Loading
  // ------------------------------------------------------------------------------------------------------------

  private load(): Promise<Loaded> {
    this.loading ??= this.doLoad().catch((e: unknown) => {
      this.loading = undefined;
      throw e;
    });
    return this.loading;
  }

  private async doLoad(): Promise<Loaded> {
    const avail = await this.availability();
    if (!avail.available && !this.loadError) throw new EngineError('ENGINE_UNAVAILABLE', avail.reason ?? '');
    this.loadError = undefined;
    const files = locatePackFiles(this.opts.packDir);
    const fail = (msg: string): never => {
      this.loadError = msg;
      throw new EngineError('ENGINE_UNAVAILABLE', msg);
    };
    let bundle: Bundle;
    let tokenizer: SentencePieceTokenizer;
    let bos: Float32Array | null = null;
    try {
      bundle = parseBundle(readFileSync(files.bundle!));
      tokenizer = new SentencePieceTokenizer(readFileSync(files.tokenizer!));
      if (bundle.insertBosBeforeVoice && files.bos) {
        const npy = parseNpyFloat32(readFileSync(files.bos));
        if (npy.data.length % bundle.conditioningDim)
          throw new BundleError(
            `bos_before_voice.npy has shape [${npy.shape}], not a multiple of conditioning_dim ${bundle.conditioningDim}`,
          );
        bos = npy.data;
      }
    } catch (e) {
      return fail(`Pocket TTS pack at ${this.opts.packDir} is unreadable: ${(e as Error).message}`);
    }
    const sessions = {} as Record<GraphName, ort.InferenceSession>;
    try {
      let sessionOptions = this.opts.sessionOptions;
      for (const g of GRAPHS) {
        const r = await createSessionWithFallback(files.graphs[g]!, sessionOptions);
        sessions[g] = r.session;
        if (r.notice) {
          // The accelerator failed once: load the other graphs straight on the CPU.
          this.providerNotice = r.notice;
          sessionOptions = { ...sessionOptions, executionProviders: ['cpu'] };
        }
      }
    } catch (e) {
      await Promise.all(Object.values(sessions).map((s) => s.release()));
      return fail(`Pocket TTS pack at ${this.opts.packDir}: a graph failed to load: ${(e as Error).message}`);
    }
    const sigs = expectedSignatures(bundle);
    const problems: string[] = [];
    for (const g of GRAPHS) {
      try {
        assertSignature(sessions[g], sigs[g], g);
      } catch (e) {
        if (!(e instanceof SignatureError)) throw e;
        problems.push(...e.problems);
      }
    }
    if (problems.length) {
      await Promise.all(GRAPHS.map((g) => sessions[g].release()));
      return fail(
        `Pocket TTS pack at ${this.opts.packDir} does not match the Pocket TTS export contract, refusing to use it: ` +
          `${problems.join('; ')}. Reinstall it with \`timbre models download ${this.packId}\`.`,
      );
    }
    return { bundle, tokenizer, sessions, bos };
  }

  private async run(m: Loaded, g: GraphName, feeds: Feeds): Promise<ort.InferenceSession.OnnxValueMapType> {
    this.counts[g]++;
    try {
      return await m.sessions[g].run(feeds);
    } catch (e) {
      throw new EngineError('ENGINE_ERROR', `Pocket TTS ${g} failed: ${(e as Error).message}`);
    }
  }

  // ------------------------------------------------------------------------------------------------------------
  // Voices
  // ------------------------------------------------------------------------------------------------------------

  async cloneVoice(pcm: Float32Array, sampleRate: number): Promise<Uint8Array> {
    return serializeConditioning(await this.encodeVoice(pcm, sampleRate));
  }

  async encodeVoice(pcm: Float32Array, sampleRate: number): Promise<VoiceConditioning> {
    const m = await this.load();
    return this.encode(m, pcm, sampleRate);
  }

  private async encode(m: Loaded, pcm: Float32Array, sampleRate: number): Promise<VoiceConditioning> {
    if (!Number.isInteger(sampleRate) || sampleRate < 1000 || sampleRate > 384000)
      throw new EngineError('INVALID_INPUT', `Reference sample rate ${sampleRate} is not supported`);
    if (!pcm.length) throw new EngineError('INVALID_INPUT', 'The reference recording is empty');
    if (!pcm.every(Number.isFinite))
      throw new EngineError('INVALID_INPUT', 'The reference recording has NaN/∞ samples');
    const b = m.bundle;
    const ref = prepareReference(
      pcm,
      sampleRate,
      b.sampleRate,
      this.opts.maxVoiceSeconds ?? DEFAULT_MAX_VOICE_SECONDS,
      b.samplesPerFrame,
    );
    const out = await this.run(m, 'mimi_encoder', {
      audio: new ort.Tensor('float32', ref.pcm, [1, 1, ref.pcm.length]),
    });
    const lat = out.latents as ort.Tensor;
    const dim = lat.dims[lat.dims.length - 1];
    if (dim !== b.conditioningDim)
      throw new EngineError('ENGINE_ERROR', `mimi_encoder gave width ${dim}, expected ${b.conditioningDim}`);
    const latents = new Float32Array(lat.data as Float32Array);
    return { latents, frames: latents.length / dim, dim, packId: b.packId, seconds: ref.seconds };
  }

  private builtinConditioning(m: Loaded, name: string): Promise<VoiceConditioning> {
    let p = this.builtinConditionings.get(name);
    if (!p) {
      const file = this.voiceDirs.map((d) => join(d, `${name}.wav`)).find((f) => existsSync(f));
      if (!/^[\w.-]+$/.test(name) || !file)
        throw new EngineError('INVALID_INPUT', `Pocket TTS has no built-in voice "${name}"`);
      p = (async () => {
        const wav = decodeWav(readFileSync(file));
        return this.encode(m, wav.samples, wav.sampleRate);
      })();
      p.catch(() => this.builtinConditionings.delete(name));
      this.builtinConditionings.set(name, p);
    }
    return p;
  }

  private resolveConditioning(
    m: Loaded,
    req: SynthesisRequest,
  ): { key: string; cond: () => Promise<VoiceConditioning> } {
    const inline = req.options?.conditioning;
    if (typeof inline === 'string' && inline)
      return {
        key: `inline:${createHash('sha256').update(inline).digest('hex')}`,
        cond: async () => {
          try {
            return deserializeConditioning(Buffer.from(inline, 'base64'));
          } catch (e) {
            throw new EngineError('INVALID_INPUT', `options.conditioning: ${(e as Error).message}`);
          }
        },
      };
    const v = parseVoiceId(req.voiceId);
    if (v.kind === 'builtin') return { key: `builtin:${v.name}`, cond: () => this.builtinConditioning(m, v.name) };
    const reg = this.registered.get(v.ref);
    if (reg) return { key: `cond:${v.ref}`, cond: async () => reg.cond };
    if (isAbsolute(v.ref) && existsSync(v.ref))
      return {
        key: `cond:${v.ref}`,
        cond: async () => {
          let c = this.fileConditionings.get(v.ref);
          if (!c) {
            try {
              c = deserializeConditioning(readFileSync(v.ref));
            } catch (e) {
              if (e instanceof ConditioningFormatError)
                throw new EngineError('INVALID_INPUT', `${v.ref}: ${e.message}`);
              throw e;
            }
            this.fileConditionings.set(v.ref, c);
          }
          return c;
        },
      };
    throw new EngineError('INVALID_INPUT', `Unknown Pocket TTS voice "${req.voiceId}"`);
  }

  /** Primes (or reuses) the flow state for a voice: [bos_before_voice; latents] through flow_lm_main. */
  private voiceState(m: Loaded, req: SynthesisRequest, signal: AbortSignal): Promise<VoiceState> {
    const { key, cond } = this.resolveConditioning(m, req);
    const cached = this.voiceStates.get(key);
    if (cached) {
      this.voiceStates.delete(key);
      this.voiceStates.set(key, cached);
      return cached;
    }
    const p = (async (): Promise<VoiceState> => {
      const c = await cond();
      const b = m.bundle;
      if (c.packId !== b.packId || c.dim !== b.conditioningDim)
        throw new EngineError(
          'INVALID_INPUT',
          `This voice was encoded for another Pocket TTS export (${c.packId}, width ${c.dim}); the installed pack is ` +
            `${b.packId} (width ${b.conditioningDim}). Re-encode the voice from its recording.`,
        );
      throwIfAborted(signal);
      const bosRows = m.bos ? m.bos.length / b.conditioningDim : 0;
      const prompt = new Float32Array((bosRows + c.frames) * b.conditioningDim);
      if (m.bos) prompt.set(m.bos);
      prompt.set(c.latents, bosRows * b.conditioningDim);
      const positions = bosRows + c.frames;
      if (positions >= b.cachePositions)
        throw new EngineError(
          'INVALID_INPUT',
          `The voice prompt (${positions} frames) does not fit the model's context`,
        );
      const state = initState(b.flowState);
      const out = await this.run(m, 'flow_lm_main', {
        sequence: new ort.Tensor('float32', new Float32Array(0), [1, 0, b.latentDim]),
        text_embeddings: new ort.Tensor('float32', prompt, [1, positions, b.conditioningDim]),
        ...state,
      });
      threadState(state, out, b.flowState);
      return { state, positions };
    })();
    p.catch(() => this.voiceStates.delete(key));
    this.voiceStates.set(key, p);
    while (this.voiceStates.size > VOICE_STATE_CACHE_SIZE)
      this.voiceStates.delete(this.voiceStates.keys().next().value as string);
    return p;
  }

  // ------------------------------------------------------------------------------------------------------------
  // Synthesis
  // ------------------------------------------------------------------------------------------------------------

  async synthesize(req: SynthesisRequest, sink: SynthesisSink, signal: AbortSignal): Promise<SynthesisResult> {
    throwIfAborted(signal);
    const m = await this.load();
    const b = m.bundle;
    const knobs = parseKnobs(req, b);
    const seedOpt = num(req.options, 'seed', 0, Number.MAX_SAFE_INTEGER, true);
    const rng = new SeededRandom(req.seed ?? seedOpt ?? randomSeed());

    const normalized = normalizeForLanguage(req.text ?? '', this.language);
    if (!/\p{Script=Latin}/u.test(normalized))
      throw new EngineError(
        'UNSUPPORTED_TEXT',
        this.language === 'en'
          ? 'Pocket TTS (English) found no English words to speak in the text'
          : `Pocket TTS (${this.language}) found no words in the Latin script to speak in the text`,
      );
    const promptOpts: PromptOptions = {
      padWithSpacesForShortInputs: b.padWithSpacesForShortInputs,
      removeSemicolons: b.removeSemicolons,
    };
    // Paragraphs (blank lines) are chunked separately and get a longer pause between them.
    const chunks: { text: string; pauseBefore: number }[] = [];
    for (const para of normalized.split(/\n\s*\n/)) {
      if (!/[\p{L}\p{N}]/u.test(para)) continue;
      splitIntoChunks(m.tokenizer, para, b.maxTokenPerChunk, promptOpts).forEach((text, i) =>
        chunks.push({ text, pauseBefore: chunks.length === 0 ? 0 : i === 0 ? 2 * knobs.pauseMs : knobs.pauseMs }),
      );
    }
    const voice = await this.voiceState(m, req, signal);

    let samples = 0;
    const emit = (pcm: Float32Array) => {
      if (!pcm.length) return;
      samples += pcm.length;
      sink.onChunk(pcm, b.sampleRate);
    };
    for (let ci = 0; ci < chunks.length; ci++) {
      throwIfAborted(signal);
      const pause = Math.round((chunks[ci].pauseBefore / 1000) * b.sampleRate);
      if (pause > 0) emit(new Float32Array(pause));
      await this.generateChunk(m, voice, chunks[ci].text, knobs, promptOpts, rng, signal, emit, (f) =>
        sink.onProgress(Math.min(1, (ci + f) / chunks.length)),
      );
    }
    sink.onProgress(1);
    return { sampleRate: b.sampleRate, samples };
  }

  private async generateChunk(
    m: Loaded,
    voice: VoiceState,
    chunk: string,
    k: PocketTtsKnobs,
    promptOpts: PromptOptions,
    rng: SeededRandom,
    signal: AbortSignal,
    emit: (pcm: Float32Array) => void,
    progress: (fraction: number) => void,
  ): Promise<void> {
    const b = m.bundle;
    const { text, framesAfterEosGuess } = prepareTextPrompt(chunk, promptOpts);
    const ids = m.tokenizer.encode(text);
    if (!ids.length) return;
    const framesAfterEos = k.framesAfterEos ?? b.modelRecommendedFramesAfterEos ?? framesAfterEosGuess + 2;
    let maxFrames =
      k.maxFrames ?? Math.ceil((ids.length / TOKENS_PER_SECOND_ESTIMATE + GEN_SECONDS_PADDING) * b.frameRate);
    const free = b.cachePositions - voice.positions - ids.length;
    if (free < 1)
      throw new EngineError(
        'INVALID_INPUT',
        `Voice prompt (${voice.positions}) and text chunk (${ids.length} tokens) exceed the model's context of ${b.cachePositions}`,
      );
    maxFrames = Math.min(maxFrames, free);

    // Text prompt on a copy of the voice state (the voice state itself is never consumed).
    throwIfAborted(signal);
    const emb = (
      await this.run(m, 'text_conditioner', {
        token_ids: new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), [1, ids.length]),
      })
    ).embeddings as ort.Tensor;
    const textEmb =
      emb.dims.length === 3
        ? emb
        : new ort.Tensor('float32', emb.data as Float32Array, [1, ids.length, b.conditioningDim]);
    const state: Feeds = { ...voice.state };
    throwIfAborted(signal);
    threadState(
      state,
      await this.run(m, 'flow_lm_main', {
        sequence: new ort.Tensor('float32', new Float32Array(0), [1, 0, b.latentDim]),
        text_embeddings: textEmb,
        ...state,
      }),
      b.flowState,
    );

    const L = b.latentDim;
    const emptyText = new ort.Tensor('float32', new Float32Array(0), [1, 0, b.conditioningDim]);
    const st: { s: ort.Tensor; t: ort.Tensor }[] = [];
    for (let i = 0; i < k.flowSteps; i++)
      st.push({
        s: new ort.Tensor('float32', Float32Array.of(i / k.flowSteps), [1, 1]),
        t: new ort.Tensor('float32', Float32Array.of((i + 1) / k.flowSteps), [1, 1]),
      });
    const dt = 1 / k.flowSteps;
    const std = Math.sqrt(k.temperature);

    const mimi = initState(b.mimiState);
    const pending: Float32Array[] = [];
    let decodedAny = false;
    const decode = async (count: number) => {
      const packed = new Float32Array(count * L);
      for (let f = 0; f < count; f++) packed.set(pending[f], f * L);
      pending.splice(0, count);
      throwIfAborted(signal);
      const out = await this.run(m, 'mimi_decoder', {
        latent: new ort.Tensor('float32', packed, [1, count, L]),
        ...mimi,
      });
      threadState(mimi, out, b.mimiState);
      decodedAny = true;
      emit(new Float32Array((out.audio_frame as ort.Tensor).data as Float32Array));
    };

    let current = new ort.Tensor('float32', new Float32Array(L).fill(NaN), [1, 1, L]);
    let eosStep: number | null = null;
    for (let step = 0; step < maxFrames; step++) {
      throwIfAborted(signal);
      const out = await this.run(m, 'flow_lm_main', { sequence: current, text_embeddings: emptyText, ...state });
      threadState(state, out, b.flowState);
      const eos = ((out.eos_logit as ort.Tensor).data as Float32Array)[0];
      if (eosStep === null && eos > k.eosThreshold) eosStep = step;
      if (eosStep !== null && step >= eosStep + framesAfterEos) break;

      const x = k.temperature > 0 ? rng.fillGaussian(new Float32Array(L), std, k.noiseClamp) : new Float32Array(L);
      const c = out.conditioning as ort.Tensor;
      for (const { s, t } of st) {
        throwIfAborted(signal);
        const flow = await this.run(m, 'flow_lm_flow', { c, s, t, x: new ort.Tensor('float32', x.slice(), [1, L]) });
        const dir = (flow.flow_dir as ort.Tensor).data as Float32Array;
        for (let i = 0; i < L; i++) x[i] += dir[i] * dt;
      }
      pending.push(x);
      current = new ort.Tensor('float32', x, [1, 1, L]);

      const want = decodedAny ? k.chunkFrames : k.firstChunkFrames;
      if (pending.length >= want) await decode(want);
      progress((step + 1) / maxFrames);
    }
    if (pending.length) await decode(pending.length);
  }
}

export function createPocketTtsEngine(opts: PocketTtsEngineOptions): PocketTtsEngine {
  return new PocketTts(opts);
}
