/**
 * The consent words check with the embedded aligner (no pack installed): a reading of the designated statement is
 * accepted; a reading of another statement (other name, other verification words), half the statement, or room
 * noise is refused with the failed words. Readings are real eSpeak speech over a quiet room.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { decodeWav } from '../../native-models/audio/wav.js';
import { resample } from '../../native-models/dsp/resample.js';
import { EspeakRuntime } from '../../native-models/espeak/runtime.js';
import { SoundSwallowerAligner } from '../../native-models/speech/soundswallower.js';
import {
  installedConsentCheckers,
  statementText,
  verifyStatement,
  type StatementAligner,
} from '../../main/node/voices/consent.js';
import type { ConsentStatement } from '../../preload/contract/index.js';
import { noise } from '../../build/bench/align-eval.js';

const embedded = new SoundSwallowerAligner();
afterAll(() => embedded.dispose());
const aligner: StatementAligner = {
  languages: ['en', 'fr'],
  align: (samples, rate, text, lang) => embedded.align(resample(samples, rate, 16000), text, lang),
};
const rt = new EspeakRuntime();

async function read(text: string): Promise<Float32Array> {
  const out = await rt.run(['-v', 'en-us', '-s', '160', '-w', 'r.wav', text], { outputs: ['r.wav'], clockMs: 0 });
  const wav = decodeWav(out.outputs.get('r.wav')!);
  const x = resample(wav.samples, wav.sampleRate, 16000);
  const room = noise(x.length / 16000, 0.001, 'brown', 5);
  return x.map((v, i) => v + room[i]);
}

const statement = (speakerName: string, words: string[]): ConsentStatement => {
  const text = statementText({ voiceName: 'Narrator', speakerName, language: 'en' }, '2026-12-05', words);
  return { statementId: 'cst_test', text, words, date: '2026-12-05', language: 'en', expectedSeconds: 20 };
};
const designated = statement('Maria Lopez', ['river', 'candle', 'tiger']);

async function verify(audio: Float32Array) {
  return verifyStatement(
    { statement: designated, recording: { samples: audio, sampleRate: 16000, speechSeconds: 20 } },
    installedConsentCheckers('/nonexistent', aligner),
  );
}

describe('consent words check (embedded aligner)', () => {
  it('accepts a reading of the designated statement and reports every word', async () => {
    const v = await verify(await read(designated.text));
    const words = v.checks.find((c) => c.check === 'words')!;
    expect(words.result, words.detail).toBe('passed');
    expect(words.alignment!.verdict).toBe('match');
    expect(words.alignment!.words.map((w) => w.word)).toContain('candle');
    expect(words.alignment!.words.find((w) => w.word === 'candle')!.status).toBe('ok');
  }, 120_000);

  it('refuses a reading of another statement and names the verification words not heard', async () => {
    const v = await verify(await read(statement('John Smith', ['apple', 'violin', 'meadow']).text));
    const words = v.checks.find((c) => c.check === 'words')!;
    expect(words.result).toBe('failed');
    expect(v.status).toBe('failed');
    expect(words.detail).toMatch(/"river"/);
    expect(words.detail).toMatch(/"tiger"/);
  }, 120_000);

  it('refuses half of the statement', async () => {
    const half = designated.text.split(' ');
    const v = await verify(await read(half.slice(0, Math.floor(half.length / 2)).join(' ')));
    const words = v.checks.find((c) => c.check === 'words')!;
    expect(words.result).toBe('failed');
    expect(words.alignment!.words.filter((w) => w.status !== 'ok').length).toBeGreaterThan(10);
  }, 120_000);

  it('refuses room noise', async () => {
    const v = await verify(noise(20, 0.003, 'brown', 9));
    expect(v.checks.find((c) => c.check === 'words')!.result).toBe('failed');
  }, 120_000);
});
