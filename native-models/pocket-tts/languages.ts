/**
 * Pocket TTS across its language bundles: one engine (`pocket-tts`) over one single-bundle engine per installed
 * export (english_2026-04 in `<models>/pocket-tts`, french_24l in `<models>/pocket-tts-french-24l`, …; the catalog's
 * `pocket-tts-languages.ts`). The bundle is chosen per request from the voice:
 *
 * 1. a voice id with a language suffix, `builtin:<name>@<lang>` / `cond:<id>@<lang>`: that language's bundle;
 * 2. a registered `cond:<id>`: the bundle it was registered with (its conditioning names the export);
 * 3. an inline `options.conditioning`: the bundle whose export encoded it (`packId` = `<bundle_name>:<hash>`);
 * 4. `options.language`: that language's bundle;
 * 5. otherwise English.
 *
 * Cloning (`cloneVoice(pcm, rate, { language })`) encodes with the language's own `mimi_encoder`, so a conditioning
 * belongs to one export and a voice cloned in French is spoken by the French bundle. The reference voices of the
 * English pack are offered in every installed language (`builtin:anna@fr`): the French model speaks French with
 * Anna's timbre.
 */
import { join } from 'node:path';
import {
  EngineError,
  type EngineAvailability,
  type EngineLanguage,
  type EngineVoice,
  type SynthesisRequest,
  type SynthesisResult,
  type SynthesisSink,
} from '../engine.js';
import type { SessionOptions } from '../onnx/session.js';
import { POCKET_TTS_ENGLISH } from '../catalog/catalog.js';
import { POCKET_TTS_LANGUAGE_PACKS } from '../catalog/pocket-tts-languages.js';
import { locatePackFiles, type GraphName } from './bundle.js';
import { deserializeConditioning, type VoiceConditioning } from './conditioning.js';
import { createPocketTtsEngine, POCKET_TTS_ENGINE_ID, type PocketTtsEngine } from './engine.js';
import { primaryLanguage } from './normalize-language.js';

export interface PocketBundleInstall {
  /** BCP-47 primary subtag the bundle speaks. */
  language: string;
  /** The export's `bundle_name` (english_2026-04, french_24l, …): conditionings name it. */
  bundle: string;
  /** Catalog pack id, named in install hints. */
  packId: string;
  /** Where the pack is installed. */
  packDir: string;
}

export interface PocketLanguagesOptions {
  /** Every bundle Timbre knows, installed or not; the first English one supplies the reference voices. */
  bundles: PocketBundleInstall[];
  sessionOptions?: SessionOptions;
  maxVoiceSeconds?: number;
}

const SUFFIX = /@([a-z]{2,3})$/;

/** Splits `builtin:anna@fr` into the engine voice id and the language. */
export function splitLanguageSuffix(voiceId: string): { voiceId: string; language?: string } {
  const m = SUFFIX.exec(voiceId);
  return m ? { voiceId: voiceId.slice(0, m.index), language: m[1] } : { voiceId };
}

class PocketTtsLanguages implements PocketTtsEngine {
  readonly id = POCKET_TTS_ENGINE_ID;
  readonly name = 'Pocket TTS';
  readonly license = 'CC-BY-4.0';

  private readonly engines = new Map<string, { b: PocketBundleInstall; e: PocketTtsEngine }>();
  private readonly english?: PocketBundleInstall;
  /** Registered voice id → pack id of the bundle it was registered with. */
  private readonly registeredIn = new Map<string, string>();

  constructor(opts: PocketLanguagesOptions) {
    if (!opts.bundles.length) throw new Error('Pocket TTS needs at least one bundle');
    this.english = opts.bundles.find((b) => b.language === 'en');
    const englishVoices = this.english ? join(this.english.packDir, 'voices') : undefined;
    for (const b of opts.bundles) {
      const own = join(b.packDir, 'voices');
      const voiceDirs = englishVoices && englishVoices !== own ? [own, englishVoices] : [own];
      const e = createPocketTtsEngine({
        packDir: b.packDir,
        packId: b.packId,
        language: b.language,
        voiceDirs,
        sessionOptions: opts.sessionOptions,
        maxVoiceSeconds: opts.maxVoiceSeconds,
      });
      this.engines.set(b.packId, { b, e });
    }
  }

  private all() {
    return [...this.engines.values()];
  }

  private installed(b: PocketBundleInstall): boolean {
    return locatePackFiles(b.packDir).missing.length === 0;
  }

  private defaultBundle() {
    return this.english ? this.engines.get(this.english.packId)! : this.all()[0];
  }

  /** The bundle for a language; an installed one first when several bundles speak it (a 6- and a 24-layer one). */
  private forLanguage(language: string) {
    const lang = primaryLanguage(language);
    const candidates = this.all().filter(({ b }) => b.language === lang);
    if (!candidates.length) {
      const spoken = [...new Set(this.all().map(({ b }) => b.language))].join(', ');
      throw new EngineError(
        'INVALID_INPUT',
        `Pocket TTS has no bundle for the language "${language}"; it speaks ${spoken}.`,
      );
    }
    return candidates.find(({ b }) => this.installed(b)) ?? candidates[0];
  }

  private forConditioning(c: VoiceConditioning) {
    const bundleName = c.packId.split(':')[0];
    const hit = this.all().find(({ b }) => b.bundle === bundleName);
    if (!hit)
      throw new EngineError(
        'INVALID_INPUT',
        `This voice was encoded with the Pocket TTS export "${bundleName}", which Timbre does not know; ` +
          're-encode the voice from its recording.',
      );
    return hit;
  }

  /** Which bundle speaks a request, and the request as that bundle's engine sees it. */
  private route(req: SynthesisRequest): { e: PocketTtsEngine; req: SynthesisRequest } {
    const { voiceId, language } = splitLanguageSuffix(req.voiceId);
    if (language) return { e: this.forLanguage(language).e, req: { ...req, voiceId } };
    if (voiceId.startsWith('cond:')) {
      const packId = this.registeredIn.get(voiceId.slice(5));
      if (packId) return { e: this.engines.get(packId)!.e, req };
    }
    const inline = req.options?.conditioning;
    if (typeof inline === 'string' && inline) {
      let c: VoiceConditioning;
      try {
        c = deserializeConditioning(Buffer.from(inline, 'base64'));
      } catch (e) {
        throw new EngineError('INVALID_INPUT', `options.conditioning: ${(e as Error).message}`);
      }
      return { e: this.forConditioning(c).e, req };
    }
    const optLanguage = req.options?.language;
    if (typeof optLanguage === 'string' && optLanguage) return { e: this.forLanguage(optLanguage).e, req };
    return { e: this.defaultBundle().e, req };
  }

  async availability(): Promise<EngineAvailability> {
    const results = await Promise.all(this.all().map(async ({ b, e }) => ({ b, a: await e.availability() })));
    const ok = results.filter((r) => r.a.available);
    if (ok.length) {
      const notice = ok.find((r) => r.a.notice)?.a.notice;
      return notice ? { available: true, notice } : { available: true };
    }
    const first = results.find((r) => r.b.language === 'en') ?? results[0];
    const others = results.filter((r) => r !== first).map((r) => r.b.packId);
    return {
      available: false,
      reason:
        (first.a.reason ?? 'Pocket TTS is not installed.') +
        (others.length ? ` Other languages have their own packs: ${others.join(', ')}.` : ''),
    };
  }

  async languages(): Promise<EngineLanguage[]> {
    const byLanguage = new Map<string, EngineLanguage>();
    for (const { b, e } of this.all()) {
      const a = await e.availability();
      const prev = byLanguage.get(b.language);
      if (prev?.available) continue;
      byLanguage.set(b.language, {
        language: b.language,
        cloning: true,
        available: a.available,
        ...(a.available ? {} : { reason: a.reason ?? `Install \`timbre models download ${b.packId}\`.` }),
      });
    }
    return [...byLanguage.values()];
  }

  async listVoices(): Promise<EngineVoice[]> {
    const out: EngineVoice[] = [];
    const seenLanguages = new Set<string>();
    for (const { b, e } of this.all()) {
      if (seenLanguages.has(b.language) || !(await e.availability()).available) continue;
      seenLanguages.add(b.language);
      for (const v of await e.listVoices()) {
        if (v.id.startsWith('cond:')) {
          if (this.registeredIn.get(v.id.slice(5)) === b.packId) out.push(v);
          continue;
        }
        out.push(b.language === 'en' ? v : { ...v, id: `${v.id}@${b.language}` });
      }
    }
    return out;
  }

  async synthesize(req: SynthesisRequest, sink: SynthesisSink, signal: AbortSignal): Promise<SynthesisResult> {
    const r = this.route(req);
    return r.e.synthesize(r.req, sink, signal);
  }

  async cloneVoice(pcm: Float32Array, sampleRate: number, opts?: { language?: string }): Promise<Uint8Array> {
    const target = opts?.language ? this.forLanguage(opts.language) : this.defaultBundle();
    return target.e.cloneVoice!(pcm, sampleRate);
  }

  encodeVoice(pcm: Float32Array, sampleRate: number): Promise<VoiceConditioning> {
    return this.defaultBundle().e.encodeVoice(pcm, sampleRate);
  }

  registerVoice(id: string, conditioning: VoiceConditioning | Uint8Array, name?: string): void {
    let c: VoiceConditioning;
    try {
      c = conditioning instanceof Uint8Array ? deserializeConditioning(conditioning) : conditioning;
    } catch (e) {
      throw new EngineError('INVALID_INPUT', `Voice "${id}": ${(e as Error).message}`);
    }
    const { b, e } = this.forConditioning(c);
    this.unregisterVoice(id);
    e.registerVoice(id, c, name);
    this.registeredIn.set(id, b.packId);
  }

  unregisterVoice(id: string): void {
    const packId = this.registeredIn.get(id);
    if (packId) this.engines.get(packId)?.e.unregisterVoice(id);
    this.registeredIn.delete(id);
  }

  runCounts(): Record<GraphName, number> {
    const sum = {} as Record<GraphName, number>;
    for (const { e } of this.all())
      for (const [g, n] of Object.entries(e.runCounts()) as [GraphName, number][]) sum[g] = (sum[g] ?? 0) + n;
    return sum;
  }

  async dispose(): Promise<void> {
    await Promise.all(this.all().map(({ e }) => e.dispose()));
  }
}

/** Pocket TTS over several language bundles (see the header). */
export function createPocketTtsLanguagesEngine(opts: PocketLanguagesOptions): PocketTtsEngine {
  return new PocketTtsLanguages(opts);
}

/** Every Pocket TTS bundle of the catalog, each in its pack folder under `modelsDir` (English first). */
export function pocketTtsBundles(modelsDir: string): PocketBundleInstall[] {
  return [POCKET_TTS_ENGLISH, ...POCKET_TTS_LANGUAGE_PACKS].map((m) => ({
    language: m.capabilities.languages[0],
    bundle: m.version,
    packId: m.id,
    packDir: join(modelsDir, m.id),
  }));
}
