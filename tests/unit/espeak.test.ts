import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineError, type SynthesisRequest, type TtsEngine } from '../../native-models/engine.js';
import { createEspeakEngine } from '../../native-models/espeak/espeak-engine.js';
import { EspeakRuntime } from '../../native-models/espeak/runtime.js';
import { MAX_SENTENCE_CHARS, prepareText, splitSentences } from '../../native-models/espeak/text.js';
import { decodeWav } from '../../native-models/audio/wav.js';

const SR = 22050;

interface Collected {
  chunks: Float32Array[];
  rates: number[];
  progress: number[];
  pcm: Float32Array;
  result: { sampleRate: number; samples: number };
}

let engine: TtsEngine;

beforeAll(() => {
  engine = createEspeakEngine();
});

afterAll(async () => {
  await engine.dispose();
});

async function synth(
  text: string,
  voiceId = 'en-us',
  options?: SynthesisRequest['options'],
  signal = new AbortController().signal,
): Promise<Collected> {
  const chunks: Float32Array[] = [];
  const rates: number[] = [];
  const progress: number[] = [];
  const result = await engine.synthesize(
    { text, voiceId, options },
    {
      onChunk: (pcm, rate) => {
        chunks.push(pcm);
        rates.push(rate);
      },
      onProgress: (f) => progress.push(f),
    },
    signal,
  );
  const pcm = new Float32Array(chunks.reduce((n, c) => n + c.length, 0));
  let off = 0;
  for (const c of chunks) {
    pcm.set(c, off);
    off += c.length;
  }
  return { chunks, rates, progress, pcm, result };
}

function rms(pcm: Float32Array): number {
  let sum = 0;
  for (const s of pcm) sum += s * s;
  return Math.sqrt(sum / Math.max(1, pcm.length));
}

async function engineError(p: Promise<unknown>): Promise<EngineError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(EngineError);
    return err as EngineError;
  }
  throw new Error('expected an EngineError, but the call succeeded');
}

function sameAudio(a: Float32Array, b: Float32Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

describe('eSpeak NG engine', () => {
  it('identifies itself and is available', async () => {
    expect(engine.id).toBe('espeak');
    expect(engine.name).toBe('eSpeak NG');
    expect(engine.license).toBe('GPL-3.0-or-later');
    expect(await engine.availability()).toEqual({ available: true });
  });

  it('reports a missing .wasm as unavailable, with the fix', async () => {
    const broken = createEspeakEngine({ wasmPath: '/nonexistent/espeak-ng.wasm' });
    const a = await broken.availability();
    expect(a.available).toBe(false);
    expect(a.reason).toMatch(/could not be loaded.*npm install/s);
    await broken.dispose();
  });

  it('lists languages from --voices plus curated variants with readable names', async () => {
    const voices = await engine.listVoices();
    const byId = new Map(voices.map((v) => [v.id, v]));
    expect(byId.size).toBe(voices.length); // unique ids
    expect(voices.length).toBeGreaterThan(100);
    for (const id of ['en-us', 'en-gb', 'cmn', 'de', 'fr-fr', 'es']) expect(byId.has(id), id).toBe(true);
    expect(byId.get('en-us')).toEqual({ id: 'en-us', name: 'English (America)', language: 'en-US', gender: 'male' });
    expect(byId.get('en-us+f3')).toEqual({
      id: 'en-us+f3',
      name: 'English (America), female 3',
      language: 'en-US',
      gender: 'female',
    });
    expect(byId.get('en-gb+m3')?.name).toBe('English (Great Britain), male 3');
    expect(byId.get('de')?.name).toBe('German');
    expect(byId.get('cmn')?.language).toBe('cmn');
    expect(byId.get('cmn-latn-pinyin')?.language).toBe('cmn-Latn-pinyin');
    expect(byId.get('en-gb-x-rp')?.language).toBe('en-GB-x-rp');
    for (const v of voices) {
      expect(v.name).not.toMatch(/_/);
      expect(['female', 'male', 'unknown']).toContain(v.gender);
      expect(v.id).toMatch(/^[a-z0-9-]+(\+[A-Za-z0-9_-]+)?$/i);
    }
  });

  it('speaks "Hello from Timbre" as clearly audible audio of plausible length', async () => {
    const { pcm, chunks, rates, progress, result } = await synth('Hello from Timbre');
    expect(chunks).toHaveLength(1);
    expect(rates).toEqual([SR]);
    expect(result).toEqual({ sampleRate: SR, samples: pcm.length });
    const seconds = pcm.length / SR;
    expect(seconds).toBeGreaterThan(0.6);
    expect(seconds).toBeLessThan(3);
    expect(rms(pcm)).toBeGreaterThan(0.02); // the noise floor of silence/dither is far below 0.001
    expect(Math.max(...pcm.map(Math.abs))).toBeLessThanOrEqual(1);
    expect(progress[0]).toBe(0);
    expect(progress.at(-1)).toBe(1);
  });

  it('streams one chunk per sentence, in order, with rising progress', async () => {
    const sentences = ['One sentence here.', 'Another one follows!', 'Is this the third?'];
    const { chunks, progress, result } = await synth(sentences.join(' '));
    expect(chunks).toHaveLength(3);
    // eSpeak is deterministic: each chunk is exactly that sentence spoken on its own.
    for (let i = 0; i < 3; i++) {
      const alone = await synth(sentences[i]);
      expect(sameAudio(chunks[i], alone.pcm), `chunk ${i}`).toBe(true);
      expect(rms(chunks[i])).toBeGreaterThan(0.02);
    }
    expect(result.samples).toBe(chunks.reduce((n, c) => n + c.length, 0));
    for (let i = 1; i < progress.length; i++) expect(progress[i]).toBeGreaterThan(progress[i - 1]);
    expect(progress).toHaveLength(4);
    expect(progress.at(-1)).toBe(1);
  });

  it('speaks English, Mandarin and German', async () => {
    const en = await synth('The weather is lovely today.', 'en-us');
    const zh = await synth('今天天气很好。我们去公园吧！', 'cmn');
    const de = await synth('Das Wetter ist heute schön.', 'de');
    expect(zh.chunks).toHaveLength(2); // CJK sentence ends without spaces
    for (const r of [en, zh, de]) {
      expect(rms(r.pcm)).toBeGreaterThan(0.02);
      expect(r.pcm.length / SR).toBeGreaterThan(0.5);
    }
    expect(sameAudio(en.pcm, de.pcm)).toBe(false);
  });

  it('gives different audio for two variants of the same language', async () => {
    const f3 = await synth('Hello from Timbre', 'en-us+f3');
    const m3 = await synth('Hello from Timbre', 'en-us+m3');
    const plain = await synth('Hello from Timbre', 'en-us');
    expect(rms(f3.pcm)).toBeGreaterThan(0.02);
    expect(rms(m3.pcm)).toBeGreaterThan(0.02);
    expect(sameAudio(f3.pcm, m3.pcm)).toBe(false);
    expect(sameAudio(f3.pcm, plain.pcm)).toBe(false);
  });

  it('is reproducible: equal seeds give equal audio, other seeds vary the breath noise', async () => {
    const chunks: Float32Array[] = [];
    const run = (seed?: number) =>
      engine
        .synthesize(
          { text: 'Hello there.', voiceId: 'en-us+f3', seed },
          { onChunk: (pcm) => chunks.push(pcm), onProgress: () => undefined },
          new AbortController().signal,
        )
        .then(() => chunks.splice(0)[0]);
    const a = [await run(7), await run(7), await run(7)];
    expect(sameAudio(a[0], a[1]) && sameAudio(a[1], a[2])).toBe(true);
    expect(sameAudio(await run(), await run())).toBe(true);
    expect(sameAudio(a[0], await run(8))).toBe(false);
  });

  it('accepts eSpeak language aliases and is case-insensitive', async () => {
    const fr = await synth('Bonjour tout le monde.', 'fr');
    const frFr = await synth('Bonjour tout le monde.', 'fr-fr');
    expect(sameAudio(fr.pcm, frFr.pcm)).toBe(true);
    const upper = await synth('Hello', 'EN-US+F3');
    expect(sameAudio(upper.pcm, (await synth('Hello', 'en-us+f3')).pcm)).toBe(true);
  });

  it('speaks faster (shorter audio) at a higher speed, and changes pitch', async () => {
    const text = 'This sentence is spoken at different speeds.';
    const slow = await synth(text, 'en-us', { speed: 0.5 });
    const normal = await synth(text, 'en-us');
    const fast = await synth(text, 'en-us', { speed: 2 });
    expect(fast.pcm.length).toBeLessThan(normal.pcm.length * 0.75);
    expect(normal.pcm.length).toBeLessThan(slow.pcm.length * 0.75);
    const low = await synth(text, 'en-us', { pitch: 10 });
    const high = await synth(text, 'en-us', { pitch: 90 });
    expect(sameAudio(low.pcm, high.pcm)).toBe(false);
    // unknown option keys are ignored
    const extra = await synth(text, 'en-us', { temperature: 0.7 });
    expect(sameAudio(extra.pcm, normal.pcm)).toBe(true);
  });

  it('refuses out-of-range options', async () => {
    const bad: Array<Record<string, number | string>> = [
      { speed: 5 },
      { speed: 0.1 },
      { speed: 'fast' },
      { speed: NaN },
      { pitch: 150 },
      { pitch: -1 },
    ];
    for (const options of bad) {
      const err = await engineError(synth('Hello', 'en-us', options));
      expect(err.code, JSON.stringify(options)).toBe('INVALID_INPUT');
    }
  });

  it('stops promptly with CANCELLED when aborted mid-way', async () => {
    const text = Array.from({ length: 12 }, (_, i) => `This is sentence number ${i + 1} of a long text.`).join(' ');
    const ac = new AbortController();
    let chunks = 0;
    let abortedAt = 0;
    const started = performance.now();
    const err = await engineError(
      engine.synthesize(
        { text, voiceId: 'en-us' },
        {
          onChunk: () => {
            chunks++;
            if (chunks === 2) {
              abortedAt = performance.now();
              ac.abort();
            }
          },
          onProgress: () => undefined,
        },
        ac.signal,
      ),
    );
    const stoppedAfter = performance.now() - abortedAt;
    expect(err.code).toBe('CANCELLED');
    expect(chunks).toBe(2); // nothing more after the abort
    expect(stoppedAfter).toBeLessThan(1000);
    expect(abortedAt).toBeGreaterThan(started);
  });

  it('stops when the abort arrives from another task during a sentence', async () => {
    const text = Array.from({ length: 30 }, (_, i) => `Sentence ${i + 1} is here.`).join(' ');
    const ac = new AbortController();
    let abortedAt = 0;
    setTimeout(() => {
      abortedAt = performance.now();
      ac.abort();
    }, 250);
    let chunks = 0;
    const err = await engineError(
      engine.synthesize(
        { text, voiceId: 'en-us' },
        { onChunk: () => chunks++, onProgress: () => undefined },
        ac.signal,
      ),
    );
    expect(err.code).toBe('CANCELLED');
    expect(chunks).toBeLessThan(30);
    // At most the sentence in flight finishes (~0.1-0.3 s; generous for a loaded machine).
    expect(performance.now() - abortedAt).toBeLessThan(1500);
  });

  it('throws CANCELLED at once for an already aborted signal', async () => {
    const ac = new AbortController();
    ac.abort();
    const err = await engineError(synth('Hello', 'en-us', undefined, ac.signal));
    expect(err.code).toBe('CANCELLED');
  });

  it('refuses empty and whitespace-only text', async () => {
    for (const text of ['', '   ', '\n\t  \r\n', '\u0000\u0007\u001b', '\u200b\u00a0']) {
      const err = await engineError(synth(text));
      expect(err.code).toBe('UNSUPPORTED_TEXT');
      expect(err.message).toBe('This line is empty: type something to speak.');
    }
  });

  it('refuses text with only emoji, symbols or punctuation', async () => {
    for (const text of ['🎉🎉🎉', '👍🏽 ❤️', '!!! ... ???', '★ → ♫', '👨‍👩‍👧']) {
      const err = await engineError(synth(text));
      expect(err.code, text).toBe('UNSUPPORTED_TEXT');
      expect(err.message).toMatch(/only emoji, symbols or punctuation/);
    }
  });

  it('speaks text mixing words with emoji and digits in other scripts', async () => {
    expect(rms((await synth('Party time 🎉!')).pcm)).toBeGreaterThan(0.02);
    expect(rms((await synth('٣', 'ar')).pcm)).toBeGreaterThan(0.01); // an Arabic-Indic digit only
  });

  it('refuses unknown voices with INVALID_INPUT', async () => {
    for (const voiceId of ['xx-nope', 'en-us+nope', 'en-us+f3+m3', '', '-w', 'en-us --stdout', '../etc/passwd']) {
      const err = await engineError(synth('Hello', voiceId));
      expect(err.code, voiceId).toBe('INVALID_INPUT');
      expect(err.message).toMatch(/no voice/);
    }
  });

  it('passes text literally: quotes, leading dashes and markup are spoken, not parsed', async () => {
    const r = await synth('--help -v xx "quoted" \'single\' <speak>tag</speak> $HOME `ls`');
    expect(r.chunks).toHaveLength(1);
    expect(rms(r.pcm)).toBeGreaterThan(0.02);
    expect(r.pcm.length / SR).toBeGreaterThan(2);
  });
});

describe('eSpeak runtime', () => {
  it('keeps a failing eSpeak exit from touching process.exitCode or Error.stackTraceLimit', async () => {
    const runtime = new EspeakRuntime();
    const exitCode = process.exitCode;
    const limit = Error.stackTraceLimit;
    const r = await runtime.run(['-v', 'xx-nope', '-w', '/out.wav', 'hi'], { outputs: ['/out.wav'] });
    expect(r.status).toBe(1);
    expect(r.stderr.join('\n')).toMatch(/voice does not exist/);
    expect(r.outputs.has('/out.wav')).toBe(false);
    expect(process.exitCode).toBe(exitCode);
    expect(Error.stackTraceLimit).toBe(limit);
    runtime.dispose();
  });

  it('writes a parseable WAV at 22050 Hz through the virtual file system', async () => {
    const runtime = new EspeakRuntime();
    const r = await runtime.run(['-v', 'en-us', '-w', '/out.wav', '-f', '/in.txt'], {
      inputs: { '/in.txt': 'Testing.' },
      outputs: ['/out.wav'],
    });
    expect(r.status).toBe(0);
    const wav = decodeWav(r.outputs.get('/out.wav')!);
    expect(wav.sampleRate).toBe(SR);
    expect(wav.channels).toBe(1);
    expect(rms(wav.samples)).toBeGreaterThan(0.02);
    runtime.dispose();
  });
});

describe('sentence splitting', () => {
  it('splits on . ! ? … and keeps runs of terminators and closing quotes', () => {
    expect(splitSentences('Hi there. How are you?! Fine… "Really." Yes')).toEqual([
      'Hi there.',
      'How are you?!',
      'Fine…',
      '"Really."',
      'Yes',
    ]);
  });

  it('does not split decimals, abbreviations, initials or dotted acronyms', () => {
    expect(
      splitSentences('Pi is 3.14 today. Mr. Smith met Dr. Who. J. R. R. Tolkien lived in the U.K. for years.'),
    ).toEqual(['Pi is 3.14 today.', 'Mr. Smith met Dr. Who.', 'J. R. R. Tolkien lived in the U.K. for years.']);
  });

  it('still splits after an acronym that ends a sentence', () => {
    expect(splitSentences('I live in the U.K. It rains a lot.')).toEqual(['I live in the U.K.', 'It rains a lot.']);
  });

  it('splits CJK text that has no spaces', () => {
    expect(splitSentences('你好。今天天气很好！我们走吧？好的')).toEqual([
      '你好。',
      '今天天气很好！',
      '我们走吧？',
      '好的',
    ]);
    expect(splitSentences('「你好。」他说。')).toEqual(['「你好。」', '他说。']);
  });

  it('treats line breaks as boundaries and drops empty pieces', () => {
    expect(splitSentences('Title\r\n\r\nFirst line\nSecond.')).toEqual(['Title', 'First line', 'Second.']);
    expect(prepareText('Title\r\n\r\nFirst line\u2028Second.')).toEqual(['Title', 'First line', 'Second.']);
  });

  it('strips control characters and skips symbol-only sentences', () => {
    expect(prepareText('Hel\u0000lo\u0007 world.\tNext')).toEqual(['Hello world.', 'Next']);
    expect(prepareText('Hello. 🎉!! Bye.')).toEqual(['Hello.', 'Bye.']);
  });

  it('cuts over-long sentences at clause marks, then spaces, without splitting surrogate pairs', () => {
    const long = Array.from({ length: 60 }, (_, i) => `clause number ${i}`).join(', ') + '.';
    const parts = prepareText(long);
    expect(parts.length).toBeGreaterThan(1);
    for (const p of parts) expect(p.length).toBeLessThanOrEqual(MAX_SENTENCE_CHARS);
    expect(parts.join(' ').replace(/\s+/g, ' ')).toBe(long);
    expect(parts[0].endsWith(',')).toBe(true);

    const emoji = 'a' + '😀'.repeat(MAX_SENTENCE_CHARS);
    const cut = prepareText(emoji);
    expect(cut.join('')).toBe(emoji);
    for (const p of cut) expect(p).not.toMatch(/^[\uDC00-\uDFFF]|[\uD800-\uDBFF]$/);
  });
});
