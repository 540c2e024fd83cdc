/**
 * eSpeak NG as a Timbre engine: formant synthesis for 100+ languages, tiny, fully offline.
 *
 * GPL-3.0-or-later: everything that imports the `espeak-ng` package lives in this folder (see README.md).
 * Audio is 22050 Hz mono; one chunk is emitted per sentence.
 */
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
import { decodeWav, WavFormatError } from '../audio/wav.js';
import { EspeakRuntime, type EspeakRunResult } from './runtime.js';
import { prepareText } from './text.js';

export const ESPEAK_SAMPLE_RATE = 22050;
/** eSpeak's default rate in words per minute; `speed` 1.0 maps to it. */
const DEFAULT_WPM = 175;
const SPEED_RANGE = [0.5, 2] as const;
const PITCH_RANGE = [0, 99] as const;

/** Languages that also get a few variant voices, and which variants (eSpeak `+f1` … `+m7`). */
const MAIN_LANGUAGES = ['en-us', 'en-gb', 'cmn', 'de', 'fr-fr', 'es'];
const CURATED_VARIANTS = ['f1', 'f2', 'f3', 'f4', 'm2', 'm3'];

type Gender = EngineVoice['gender'];

interface CatalogEntry {
  /** eSpeak's own id: a language code (`en-us`) or a variant file name (`f3`). */
  id: string;
  name: string;
  gender: Gender;
}

interface Catalog {
  /** Keyed by lower-case id. */
  languages: Map<string, CatalogEntry>;
  /** Other codes eSpeak accepts for a language (`fr` → `fr-fr`); accepted as voice ids, not listed. */
  aliases: Map<string, CatalogEntry>;
  variants: Map<string, CatalogEntry>;
  voices: EngineVoice[];
}

export interface EspeakEngineOptions {
  /** Path of espeak-ng.wasm; default: the one shipped in the `espeak-ng` package. */
  wasmPath?: string;
}

export function createEspeakEngine(options: EspeakEngineOptions = {}): TtsEngine {
  return new EspeakEngine(options);
}

class EspeakEngine implements TtsEngine {
  readonly id = 'espeak';
  readonly name = 'eSpeak NG';
  readonly license = 'GPL-3.0-or-later';

  private readonly runtime: EspeakRuntime;
  private catalog?: Promise<Catalog>;

  constructor(options: EspeakEngineOptions) {
    this.runtime = new EspeakRuntime(options.wasmPath);
  }

  async availability(): Promise<EngineAvailability> {
    try {
      await this.runtime.load();
      return { available: true };
    } catch (err) {
      return {
        available: false,
        reason:
          `eSpeak NG could not be loaded (${errorMessage(err)}). ` +
          'Reinstall Timbre; in a development checkout, run `npm install` to restore the espeak-ng package.',
      };
    }
  }

  async listVoices(): Promise<EngineVoice[]> {
    return (await this.loadCatalog()).voices.map((v) => ({ ...v }));
  }

  async synthesize(req: SynthesisRequest, sink: SynthesisSink, signal: AbortSignal): Promise<SynthesisResult> {
    throwIfAborted(signal);
    const sentences = prepareText(req.text);
    const flags = optionFlags(req.options ?? {});
    const voice = resolveVoice(await this.loadCatalog(), req.voiceId);
    // eSpeak seeds its randomness (breath noise) from the wall clock once per run: derive that clock from the seed,
    // so equal requests give equal audio.
    const clockMs = seedToClock(req.seed);

    const totalChars = sentences.reduce((n, s) => n + s.length, 0);
    let doneChars = 0;
    let samples = 0;
    let sampleRate = ESPEAK_SAMPLE_RATE;
    sink.onProgress(0);
    for (const sentence of sentences) {
      // Let pending events (an abort among them) run before the next, synchronous, eSpeak run.
      await new Promise((resolve) => setImmediate(resolve));
      throwIfAborted(signal);
      const pcm = await this.speak(sentence, voice, flags, clockMs);
      throwIfAborted(signal);
      sampleRate = pcm.sampleRate;
      samples += pcm.samples.length;
      sink.onChunk(pcm.samples, pcm.sampleRate);
      doneChars += sentence.length;
      sink.onProgress(doneChars / totalChars);
    }
    return { sampleRate, samples };
  }

  async dispose(): Promise<void> {
    this.catalog = undefined;
    this.runtime.dispose();
  }

  private async speak(
    sentence: string,
    voice: string,
    flags: string[],
    clockMs: number,
  ): Promise<{ samples: Float32Array; sampleRate: number }> {
    let result: EspeakRunResult;
    try {
      // The text goes through a file, never argv: quotes and leading dashes stay plain text.
      result = await this.runtime.run(['-b', '1', '-v', voice, ...flags, '-w', '/out.wav', '-f', '/input.txt'], {
        inputs: { '/input.txt': sentence },
        outputs: ['/out.wav'],
        clockMs,
      });
    } catch (err) {
      throw new EngineError('ENGINE_ERROR', `eSpeak NG failed: ${errorMessage(err)}`);
    }
    const wav = result.outputs.get('/out.wav');
    if (result.status !== 0 || !wav) {
      throw new EngineError('ENGINE_ERROR', `eSpeak NG failed (exit ${result.status}): ${describeStderr(result)}`);
    }
    try {
      const decoded = decodeWav(wav);
      return { samples: decoded.samples, sampleRate: decoded.sampleRate };
    } catch (err) {
      if (err instanceof WavFormatError)
        throw new EngineError('ENGINE_ERROR', `eSpeak NG wrote bad audio: ${err.message}`);
      throw err;
    }
  }

  private loadCatalog(): Promise<Catalog> {
    this.catalog ??= this.readCatalog().catch((err: unknown) => {
      this.catalog = undefined;
      throw err instanceof EngineError ? err : new EngineError('ENGINE_UNAVAILABLE', errorMessage(err));
    });
    return this.catalog;
  }

  private async readCatalog(): Promise<Catalog> {
    const langRun = await this.runtime.run(['--voices']);
    const variantRun = await this.runtime.run(['--voices=variant']);
    if (langRun.status !== 0 || variantRun.status !== 0) {
      throw new EngineError('ENGINE_ERROR', `eSpeak NG could not list its voices: ${describeStderr(langRun)}`);
    }
    return buildCatalog(parseVoiceTable(langRun.stdout), parseVoiceTable(variantRun.stdout));
  }
}

/**
 * Parse the table printed by `espeak-ng --voices[=variant]`:
 * `Pty Language Age/Gender VoiceName File Other Languages`, names with `_` for spaces. Columns are split on
 * whitespace because long names overflow their column.
 */
export interface VoiceTableRow {
  language: string;
  gender: Gender;
  name: string;
  file: string;
  /** Other language codes this voice answers to, with eSpeak's priority (lower wins): `(en 2)` → ['en', 2]. */
  aliases: Array<[string, number]>;
}

export function parseVoiceTable(lines: string[]): VoiceTableRow[] {
  const rows: VoiceTableRow[] = [];
  for (const line of lines) {
    const cols = line.trim().split(/\s+/);
    if (cols.length < 5 || !/^\d+$/.test(cols[0])) continue; // header or noise
    const [, language, ageGender, name] = cols;
    const rest = cols.slice(4);
    const otherAt = rest.findIndex((c) => c.startsWith('(')); // "Other Languages": (en 10)(en-gb 3)
    const file = (otherAt < 0 ? rest : rest.slice(0, otherAt)).join(' ');
    const others = otherAt < 0 ? '' : rest.slice(otherAt).join(' ');
    const aliases = [...others.matchAll(/\(([^\s()]+)\s+(\d+)\)/g)].map((m): [string, number] => [m[1], Number(m[2])]);
    const g = ageGender.split('/')[1];
    rows.push({
      language,
      gender: g === 'F' ? 'female' : g === 'M' ? 'male' : 'unknown',
      name: name.replace(/_/g, ' '),
      file,
      aliases,
    });
  }
  return rows;
}

function buildCatalog(languageRows: VoiceTableRow[], variantRows: VoiceTableRow[]): Catalog {
  const languages = new Map<string, CatalogEntry>();
  for (const r of languageRows) {
    const id = r.language.toLowerCase();
    if (!languages.has(id)) languages.set(id, { id: r.language, name: r.name, gender: r.gender });
  }
  // Codes that are not a voice of their own (`en`, `fr`, `zh`) resolve like eSpeak does: best priority wins.
  const aliases = new Map<string, { entry: CatalogEntry; priority: number }>();
  for (const r of languageRows) {
    const entry = languages.get(r.language.toLowerCase());
    for (const [alias, priority] of r.aliases) {
      const key = alias.toLowerCase();
      const best = aliases.get(key);
      if (entry && !languages.has(key) && (!best || priority < best.priority)) aliases.set(key, { entry, priority });
    }
  }
  const variants = new Map<string, CatalogEntry>();
  for (const r of variantRows) {
    const id = r.file.replace(/^!v\//, '');
    // Only names that are safe and unambiguous as the part after `+` in `-v`.
    if (!/^[A-Za-z0-9_-]+$/.test(id) || variants.has(id.toLowerCase())) continue;
    variants.set(id.toLowerCase(), { id, name: variantLabel(r.name), gender: r.gender });
  }

  const voices: EngineVoice[] = [];
  const base = (l: CatalogEntry): EngineVoice => ({
    id: l.id,
    name: l.name,
    language: toLanguageTag(l.id),
    gender: l.gender,
  });
  for (const code of MAIN_LANGUAGES) {
    const l = languages.get(code);
    if (!l) continue;
    voices.push(base(l));
    for (const v of CURATED_VARIANTS) {
      const variant = variants.get(v);
      if (!variant) continue;
      voices.push({
        id: `${l.id}+${variant.id}`,
        name: `${l.name}, ${variant.name}`,
        language: toLanguageTag(l.id),
        gender: variant.gender,
      });
    }
  }
  const rest = [...languages.values()].filter((l) => !MAIN_LANGUAGES.includes(l.id.toLowerCase()));
  rest.sort((a, b) => a.name.localeCompare(b.name, 'en'));
  voices.push(...rest.map(base));
  return { languages, aliases: new Map([...aliases].map(([k, v]) => [k, v.entry])), variants, voices };
}

/** `female3` → `female 3`; `Mr_Serious` → `Mr Serious`. */
function variantLabel(name: string): string {
  return name.replace(/_/g, ' ').replace(/([A-Za-z])(\d+)$/, '$1 $2');
}

/** eSpeak code → BCP-47 casing: `en-gb-x-rp` → `en-GB-x-rp`, `cmn-latn-pinyin` → `cmn-Latn-pinyin`. */
export function toLanguageTag(code: string): string {
  const parts = code.split('-');
  let privateUse = false;
  return parts
    .map((p, i) => {
      if (i === 0) return p.toLowerCase();
      if (privateUse) return p;
      if (p.toLowerCase() === 'x') {
        privateUse = true;
        return 'x';
      }
      if (/^[a-z]{2}$/i.test(p)) return p.toUpperCase();
      if (/^[a-z]{4}$/i.test(p)) return p[0].toUpperCase() + p.slice(1).toLowerCase();
      return p;
    })
    .join('-');
}

/** Check a `-v` argument (`lang` or `lang+variant`) against what this build has; returns eSpeak's spelling. */
function resolveVoice(catalog: Catalog, voiceId: string): string {
  const unknown = () =>
    new EngineError(
      'INVALID_INPUT',
      `eSpeak NG has no voice "${voiceId.slice(0, 80)}": use a language code such as "en-us" or "cmn", ` +
        'optionally with a variant such as "+f3".',
    );
  if (typeof voiceId !== 'string' || voiceId.length > 100) throw unknown();
  const [lang, variant, ...extra] = voiceId.split('+');
  const l = catalog.languages.get(lang.toLowerCase()) ?? catalog.aliases.get(lang.toLowerCase());
  if (!l || extra.length > 0) throw unknown();
  if (variant === undefined) return l.id;
  const v = catalog.variants.get(variant.toLowerCase());
  if (!v) throw unknown();
  return `${l.id}+${v.id}`;
}

/** Map the engine options to eSpeak flags; unknown keys are ignored, bad values are refused. */
function optionFlags(options: Record<string, number | string | boolean>): string[] {
  const flags: string[] = [];
  if (options.speed !== undefined) {
    const speed = options.speed;
    if (typeof speed !== 'number' || !(speed >= SPEED_RANGE[0] && speed <= SPEED_RANGE[1])) {
      throw new EngineError('INVALID_INPUT', `Speed must be a number from ${SPEED_RANGE[0]} to ${SPEED_RANGE[1]}`);
    }
    flags.push('-s', String(Math.round(DEFAULT_WPM * speed)));
  }
  if (options.pitch !== undefined) {
    const pitch = options.pitch;
    if (typeof pitch !== 'number' || !(pitch >= PITCH_RANGE[0] && pitch <= PITCH_RANGE[1])) {
      throw new EngineError('INVALID_INPUT', `Pitch must be a number from ${PITCH_RANGE[0]} to ${PITCH_RANGE[1]}`);
    }
    flags.push('-p', String(Math.round(pitch)));
  }
  return flags;
}

/** eSpeak calls srand(time()): whole seconds. Map the seed (mod 2^31) to a second; no seed means 0. */
function seedToClock(seed: number | undefined): number {
  const m = 2 ** 31;
  const s = seed === undefined || !Number.isFinite(seed) ? 0 : ((Math.trunc(seed) % m) + m) % m;
  return s * 1000;
}

function describeStderr(run: EspeakRunResult): string {
  const lines = run.stderr.filter((l) => l.trim() && !l.startsWith('program exited'));
  return lines.join(' ').slice(0, 500) || 'no error message';
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
