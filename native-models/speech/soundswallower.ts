/**
 * The embedded aligner: SoundSwallower (MIT; PocketSphinx compiled to WebAssembly, with US-English and French
 * acoustic models and dictionaries inside the npm package), so alignment works offline with nothing to download.
 *
 * Per call:
 * 1. normalise the text (text.ts) and give every word a pronunciation: the model's dictionary, else eSpeak NG's
 *    IPA mapped to the model's phones (g2p.ts);
 * 2. forced alignment of the words (optional silences between them) → word and phone timings, acoustic scores;
 *    when the audio cannot be aligned to the whole text (a partial reading, other speech, noise), a grammar in
 *    which every word is optional finds which of the words were said, in order, and only those are aligned;
 * 3. the contrast: a free phone loop decodes the same audio and its phones are aligned for their scores;
 * 4. per word, GOP = (forced score − phone-loop score over the word's frames) / frames (verify.ts), the verdict.
 */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Decoder, Segment, SoundSwallowerModule } from 'soundswallower';
import type { AlignedPhone, AlignedWord, AlignResult } from '../../preload/contract/speech.js';
import { ALIGN_SAMPLE_RATE, AlignError, MAX_ALIGN_SECONDS, type AlignOptions, type SpeechAligner } from './aligner.js';
import { espeakIpa, phoneMapFor, type PhoneMap } from './g2p.js';
import { normaliseForAlignment, type NormalisedText } from './text.js';
import {
  CLEAR_DIFFERENCE_SCORE,
  decide,
  NEXT_TO_DIFFERENCE_OK_SCORE,
  MIN_SPEECH_IN_SILENCE_FRAMES,
  MIN_STRETCH_FRAMES,
  STRETCH_FRAMES_PER_PHONE,
  SPEECH_IN_SILENCE_GOP,
  UNEXPECTED_SPEECH_GOP,
  WORD_GOP_THRESHOLD,
  wordScore,
} from './verify.js';

const FRAME_RATE = 100;
/** Natural-log acoustic score per frame ×1000 ≈ nats (the decoder scales senone scores down by 2^10). */
const GOP_UNITS = 1000;

/** Beam for the second try of a forced alignment (the decoder's default is 1e-48). */
const WIDE_BEAM = 1e-80;
/**
 * Beam for the last try: in effect no pruning. A text that differs from the audio in a few words (a consent statement
 * read with other verification words) loses every path even at WIDE_BEAM; before this try existed such readings fell
 * back to the optional-word grammar, which has no garbage model and so named almost every word of the statement.
 * Aligned without pruning, each word gets its own GOP score and only the words that differ score low.
 */
const UNPRUNED_BEAM = 1e-300;

const MODELS: Record<string, string> = { en: 'en-us', fr: 'fr-fr' };

function modelFor(lang: string): string {
  const base = lang.toLowerCase().split(/[-_]/)[0];
  const m = MODELS[base];
  if (!m)
    throw new AlignError(
      'UNSUPPORTED',
      `The embedded aligner has no model for "${lang}": it aligns English (en) and French (fr).`,
    );
  return m;
}

function packageDir(): string {
  return path.dirname(createRequire(import.meta.url).resolve('soundswallower'));
}

interface ModelState {
  decoder: Decoder;
  phoneMap: PhoneMap;
  loopGrammar: string;
  /** Spoken word → the dictionary word used (itself, or an added entry). */
  known: Map<string, string>;
}

interface Seg {
  t: string;
  start: number; // frame
  frames: number;
  logp: number; // natural log of the segment probability (acoustic + transitions), decoder units
  phones: Seg[];
}

const isFiller = (t: string) => t.startsWith('<') || t.startsWith('[') || t.startsWith('+') || t === '(NULL)';
const baseWord = (t: string) => t.replace(/\(\d+\)$/, '');

function toSegs(s: Segment | null): Seg[] | null {
  if (!s?.w) return null;
  return s.w.map((w) => ({
    t: w.t,
    start: Math.round(w.b * FRAME_RATE),
    frames: Math.max(1, Math.round(w.d * FRAME_RATE)),
    logp: Math.log(Math.max(w.p, 1e-300)),
    phones: (w.w ?? []).map((p) => ({
      t: p.t,
      start: Math.round(p.b * FRAME_RATE),
      frames: Math.max(1, Math.round(p.d * FRAME_RATE)),
      logp: Math.log(Math.max(p.p, 1e-300)),
      phones: [],
    })),
  }));
}

/**
 * A copy of `audio` over a fixed, quiet noise floor (brown noise at about -66 dBFS, a fixed seed: reproducible).
 * Exact digital silence (synthetic speech, edited gaps) makes the decoder lose every path; any microphone has such
 * a floor, and it is far below a real recording's own, so real recordings are not changed in any way that matters.
 */
function withNoiseFloor(audio: Float32Array): Float32Array {
  const out = new Float32Array(audio.length);
  let seed = 12345;
  let brown = 0;
  for (let i = 0; i < audio.length; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    brown = 0.98 * brown + (seed / 2 ** 32 - 0.5);
    out[i] = audio[i] + brown * 0.0007;
  }
  return out;
}

export class SoundSwallowerAligner implements SpeechAligner {
  readonly name = 'embedded aligner (SoundSwallower)';
  readonly languages = ['en', 'fr'] as const;
  private module?: Promise<SoundSwallowerModule>;
  private readonly models = new Map<string, Promise<ModelState>>();

  private async load(model: string): Promise<ModelState> {
    let m = this.models.get(model);
    if (!m) {
      m = this.create(model);
      this.models.set(model, m);
      m.catch(() => this.models.delete(model));
    }
    return m;
  }

  private async create(model: string): Promise<ModelState> {
    const dir = packageDir();
    this.module ??= import('soundswallower').then((x) =>
      x.default({ modelBase: `${path.join(dir, 'model')}${path.sep}` } as Partial<SoundSwallowerModule>),
    );
    const ss = await this.module;
    const decoder = new ss.Decoder({
      hmm: path.join(dir, 'model', model),
      loglevel: 'FATAL',
      samprate: ALIGN_SAMPLE_RATE,
    });
    await decoder.initialize();
    const phoneset = JSON.parse(readFileSync(path.join(dir, 'model', model, 'phoneset.json'), 'utf8')) as Record<
      string,
      string
    >;
    const phones = Object.keys(phoneset).filter((p) => phoneset[p] !== '-' && !p.startsWith('+') && p !== 'SIL');
    // The phone loop's "words" are single phones: ph_<phone>.
    decoder.add_words(...phones.map((p): [string, string] => [`ph_${p.toLowerCase()}`, p]));
    const loopGrammar =
      `#JSGF V1.0;\ngrammar loop;\npublic <loop> = <ph>+;\n` +
      `<ph> = ${phones.map((p) => `ph_${p.toLowerCase()}`).join(' | ')};\n`;
    return { decoder, phoneMap: phoneMapFor(phoneset), loopGrammar, known: new Map() };
  }

  /** Dictionary words for every spoken token, adding eSpeak pronunciations for words the dictionary lacks. */
  private async pronounce(st: ModelState, model: string, tokens: string[]): Promise<string[]> {
    const d = st.decoder;
    const unknown = [...new Set(tokens)].filter((t) => !st.known.has(t));
    const missing: string[] = [];
    for (const t of unknown) {
      // Dictionary entries are plain lower-case words; anything else gets a safe alias with its own pronunciation.
      if (/^[\p{Ll}\p{N}'][\p{Ll}\p{N}'\p{M}]*$/u.test(t) && d.lookup_word(t) !== null) st.known.set(t, t);
      else missing.push(t);
    }
    if (missing.length) {
      const ipa = await espeakIpa(missing, model);
      const entries: [string, string][] = [];
      missing.forEach((t, i) => {
        const phones = ipa[i] ? st.phoneMap.map(ipa[i]!) : null;
        if (!phones)
          throw new AlignError('INVALID_INPUT', `"${t}" cannot be pronounced in this language: spell it out in words.`);
        const alias = `oov_${st.known.size + i}_x`;
        entries.push([alias, phones.join(' ')]);
        st.known.set(t, alias);
      });
      d.add_words(...entries);
    }
    return tokens.map((t) => st.known.get(t)!);
  }

  private decode(d: Decoder, audio: Float32Array, level: number): Seg[] | null {
    d.start();
    d.process_audio(audio, false, true);
    d.stop();
    try {
      return toSegs(d.get_alignment({ align_level: level }));
    } catch {
      return null; // the decoder writes no JSON when no path reached the end of the grammar
    }
  }

  /**
   * Forced alignment of `words`: with the default beams, then (when `retry`) WIDE_BEAM, then UNPRUNED_BEAM. `unpruned`
   * says that only the last try found a path: the text does not fit the audio somewhere (the verdict is a mismatch).
   */
  private forced(
    d: Decoder,
    audio: Float32Array,
    words: string[],
    retry = true,
  ): { segs: Seg[]; unpruned: boolean } | null {
    d.set_align_text(words.join(' '));
    const segs = this.decode(d, audio, 1);
    if (segs || !retry) return segs ? { segs, unpruned: false } : null;
    // The default beams prune hard (fast): a stretch that fits the text poorly (a date read another way, fast or
    // synthetic speech) can lose every path. Once more with wide beams before concluding that words are missing.
    const saved = (['beam', 'wbeam', 'pbeam'] as const).map((k) => [k, d.get_config(k)] as const);
    try {
      for (const [beam, unpruned] of [
        [WIDE_BEAM, false],
        [UNPRUNED_BEAM, true],
      ] as const) {
        for (const [k] of saved) d.set_config(k, beam);
        d.set_align_text(words.join(' '));
        const wide = this.decode(d, audio, 1);
        if (wide) return { segs: wide, unpruned };
      }
      return null;
    } finally {
      for (const [k, v] of saved) d.set_config(k, v);
    }
  }

  /** Which of the words (in order) the audio holds, when it cannot be aligned to all of them. */
  private findSaid(d: Decoder, audio: Float32Array, words: string[]): number[] {
    const body = words.map((w) => `[${w}]`).join(' ');
    d.set_grammar(`#JSGF V1.0;\ngrammar said;\npublic <said> = ${body};\n`);
    d.start();
    d.process_audio(audio, false, true);
    d.stop();
    const heard = d
      .get_text()
      .split(/\s+/)
      .filter((w) => w && !isFiller(w))
      .map(baseWord);
    const idx: number[] = [];
    let j = 0;
    for (const h of heard) {
      while (j < words.length && words[j] !== h) j++;
      if (j < words.length) idx.push(j++);
    }
    return idx;
  }

  /**
   * The contrast: per frame, the log-likelihood of the best free phone sequence, and whether that sequence has a
   * phone (not silence) there.
   */
  private phoneLoop(
    st: ModelState,
    audio: Float32Array,
    nFrames: number,
  ): { perFrame: Float64Array; isPhone: Uint8Array } | null {
    const d = st.decoder;
    d.set_grammar(st.loopGrammar);
    d.start();
    d.process_audio(audio, false, true);
    d.stop();
    const hyp = d.get_text().trim();
    if (!hyp) return null;
    const segs = this.forced(d, audio, hyp.split(/\s+/), true)?.segs;
    if (!segs) return null;
    const perFrame = new Float64Array(nFrames);
    const isPhone = new Uint8Array(nFrames);
    for (const s of segs) {
      const v = s.logp / s.frames;
      const phone = isFiller(s.t) ? 0 : 1;
      for (let f = s.start; f < s.start + s.frames && f < nFrames; f++) {
        perFrame[f] = v;
        isPhone[f] = phone;
      }
    }
    return { perFrame, isPhone };
  }

  async align(audio: Float32Array, text: string, lang: string, opts: AlignOptions = {}): Promise<AlignResult> {
    const durationSeconds = audio.length / ALIGN_SAMPLE_RATE;
    if (durationSeconds > MAX_ALIGN_SECONDS)
      throw new AlignError(
        'INVALID_INPUT',
        `The audio is ${durationSeconds.toFixed(0)} s long: the aligner takes at most ${MAX_ALIGN_SECONDS} s at a time. Cut it into shorter parts.`,
      );
    if (audio.length < ALIGN_SAMPLE_RATE / 10)
      throw new AlignError('INVALID_INPUT', 'The audio is shorter than 0.1 s: there is nothing to align.');
    let norm: NormalisedText;
    try {
      norm = normaliseForAlignment(text, lang);
    } catch (err) {
      throw new AlignError('INVALID_INPUT', (err as Error).message);
    }
    if (!norm.tokens.length) throw new AlignError('INVALID_INPUT', 'The text has no words to align.');
    const model = modelFor(lang);
    const check = () => {
      if (opts.signal?.aborted) throw new AlignError('CANCELLED', 'The alignment was cancelled.');
    };
    const progress = (f: number, stage: string) => opts.onProgress?.(f, stage);

    const st = await this.load(model);
    check();
    audio = withNoiseFloor(audio);
    const dictWords = await this.pronounce(
      st,
      model,
      norm.tokens.map((t) => t.spoken),
    );
    progress(0.1, 'pronunciations');
    check();
    const d = st.decoder;
    const nFrames = Math.ceil(audio.length / (ALIGN_SAMPLE_RATE / FRAME_RATE));

    // Alignment: all the words, else only those the audio holds.
    let kept = dictWords.map((_, i) => i);
    const all = this.forced(d, audio, dictWords);
    let segs = all?.segs ?? null;
    // Aligned only without pruning: words differ somewhere (the per-word scores say which).
    const unpruned = all?.unpruned ?? false;
    if (!segs) {
      // The audio cannot hold all the words (too short for them: a partial reading).
      kept = this.findSaid(d, audio, dictWords);
      segs = kept.length
        ? (this.forced(
            d,
            audio,
            kept.map((i) => dictWords[i]),
            false,
          )?.segs ?? null)
        : [];
      if (!segs) {
        kept = [];
        segs = [];
      }
    }
    progress(0.5, 'alignment');
    check();
    const loop = this.phoneLoop(st, audio, nFrames);
    progress(0.9, 'contrast');
    check();
    const loopSum = (s: Seg) => {
      if (!loop) return 0;
      let sum = 0;
      for (let f = s.start; f < s.start + s.frames && f < nFrames; f++) sum += loop.perFrame[f];
      return sum;
    };

    // Token results, in text order.
    const tokenRes: ({ start: number; end: number; gopSum: number; frames: number; phones: Seg[] } | null)[] =
      norm.tokens.map(() => null);
    let unexpected = 0;
    let k = 0;
    for (const s of segs) {
      const gopSum = (s.logp - loopSum(s)) * GOP_UNITS;
      if (isFiller(s.t)) {
        const gop = gopSum / s.frames;
        if (gop < UNEXPECTED_SPEECH_GOP) unexpected += s.frames / FRAME_RATE;
        else if (gop < SPEECH_IN_SILENCE_GOP && loop) {
          // A long "silence" that fits silence only somewhat worse than phones: count it when the phone loop hears
          // phones there for at least MIN_SPEECH_IN_SILENCE_FRAMES (someone read on after the text ended).
          let phones = 0;
          for (let f = s.start; f < s.start + s.frames && f < nFrames; f++) phones += loop.isPhone[f];
          if (phones >= MIN_SPEECH_IN_SILENCE_FRAMES) unexpected += phones / FRAME_RATE;
        }
        continue;
      }
      const ti = kept[k++];
      if (ti === undefined) continue;
      // A word held far longer than it takes to say has absorbed speech that is not in the text (the last words of a
      // text stretched over what was read after it): the excess counts as such speech, and the word as weak.
      const limit = Math.max(MIN_STRETCH_FRAMES, STRETCH_FRAMES_PER_PHONE * Math.max(1, s.phones.length));
      const stretched = s.frames > limit;
      if (stretched) unexpected += (s.frames - limit) / FRAME_RATE;
      tokenRes[ti] = {
        start: s.start,
        end: s.start + s.frames,
        gopSum: stretched ? Math.min(gopSum, (WORD_GOP_THRESHOLD - 1) * s.frames) : gopSum,
        frames: s.frames,
        phones: s.phones,
      };
    }

    // Written words: frame-weighted GOP over their spoken tokens; missing when any token is missing.
    const words: AlignedWord[] = [];
    const phones: AlignedPhone[] = [];
    let allGop = 0;
    let allFrames = 0;
    norm.written.forEach((word, wi) => {
      const toks = norm.tokens.map((t, i) => (t.from === wi ? tokenRes[i] : undefined)).filter((t) => t !== undefined);
      if (!toks.length) return; // punctuation-only words were dropped already; nothing spoken here
      if (toks.some((t) => t === null)) {
        words.push({ word, start: null, end: null, score: 0, status: 'missing' });
        allFrames += 10; // a missing word weighs like a short word with a very low score
        allGop += 10 * 2 * WORD_GOP_THRESHOLD;
        return;
      }
      const present = toks as NonNullable<(typeof toks)[number]>[];
      const frames = present.reduce((a, t) => a + t.frames, 0);
      const gop = present.reduce((a, t) => a + t.gopSum, 0) / frames;
      allGop += gop * frames;
      allFrames += frames;
      const score = wordScore(gop);
      words.push({
        word,
        start: present[0].start / FRAME_RATE,
        end: present[present.length - 1].end / FRAME_RATE,
        score: Math.round(score * 1000) / 1000,
        status: gop >= WORD_GOP_THRESHOLD ? 'ok' : 'weak',
      });
      if (opts.phones)
        for (const t of present)
          for (const p of t.phones)
            phones.push({
              phone: p.t,
              start: p.start / FRAME_RATE,
              end: (p.start + p.frames) / FRAME_RATE,
              word: words.length - 1,
            });
    });
    if (unpruned) markAroundDifferences(words);
    const meanGop = allFrames ? allGop / allFrames : -Infinity;
    const unexpectedSpeechSeconds = Math.round(unexpected * 100) / 100;
    const decided = decide({ words, meanGop, unexpectedSpeechSeconds, unpruned });
    // Without the contrast nothing is verified: fail closed (a consent reading must be checked, not assumed).
    const { verdict, reasons } = loop
      ? decided
      : {
          verdict: 'mismatch' as const,
          reasons: [
            ...decided.reasons,
            'The recording could not be compared with free speech sounds: record it again.',
          ],
        };
    progress(1, 'done');
    return {
      words,
      ...(opts.phones ? { phones } : {}),
      score: words.length ? Math.round((words.reduce((a, w) => a + w.score, 0) / words.length) * 1000) / 1000 : 0,
      verdict,
      unexpectedSpeechSeconds,
      reasons,
      aligner: `${this.name.replace(')', ` ${model})`)}`,
      durationSeconds: Math.round(durationSeconds * 1000) / 1000,
      ...(unpruned ? { unpruned } : {}),
    };
  }

  dispose(): void {
    for (const m of this.models.values()) void m.then((s) => s.decoder.delete()).catch(() => undefined);
    this.models.clear();
  }
}

/**
 * When the text fits the audio only without pruning (other words were said), a word next to a clearly different word
 * (scoring under CLEAR_DIFFERENCE_SCORE) is weak unless it scores at least NEXT_TO_DIFFERENCE_OK_SCORE: the boundary
 * between the two is uncertain, and the alignment squeezes the word onto whatever part of the other words sounds most
 * like it ("Maria" laid over the "-ohn" of "John Smith" at 0.52 while "Lopez" scores 0). Readings that fit with
 * pruning (right readings among them) are not touched.
 */
function markAroundDifferences(words: AlignedWord[]): void {
  const clear = words.map((w) => w.status !== 'ok' && w.score < CLEAR_DIFFERENCE_SCORE);
  words.forEach((w, i) => {
    if (w.status === 'ok' && w.score < NEXT_TO_DIFFERENCE_OK_SCORE && (clear[i - 1] || clear[i + 1]))
      words[i] = { ...w, status: 'weak' };
  });
}
