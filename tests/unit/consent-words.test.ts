/**
 * The consent words check with the embedded aligner (no pack installed): a reading of the designated statement is
 * accepted; a reading of another statement (other name, other verification words), half the statement, or room
 * noise is refused with the failed words. Readings are real eSpeak speech over a quiet room. The aligner runs in its
 * worker thread (dist/node/align.worker.js), as in the core.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeWav } from '../../native-models/audio/wav.js';
import { resample } from '../../native-models/dsp/resample.js';
import { EspeakRuntime } from '../../native-models/espeak/runtime.js';
import { AlignerHost } from '../../main/node/speech/aligner-host.js';
import { ROOT } from '../helpers/server-process.js';
import {
  installedConsentCheckers,
  spokenDate,
  statementText,
  verifyStatement,
  WORDS_EN,
  type StatementAligner,
} from '../../main/node/voices/consent.js';
import { spokenReading } from '../helpers/voices.js';
import type { ConsentStatement } from '../../preload/contract/index.js';
import { noise } from '../../build/bench/align-eval.js';

// The aligner runs in its worker thread, as in the core (a long decode never blocks this thread).
const host = new AlignerHost();
beforeAll(() => {
  execFileSync(process.execPath, [path.join(ROOT, 'build/scripts/build.mjs'), '--node', '--if-stale'], {
    stdio: 'ignore',
  });
});
afterAll(() => host.dispose());
const aligner: StatementAligner = {
  languages: ['en', 'fr'],
  align: (samples, rate, text, lang) => host.align(samples, rate, text, lang),
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

  it('writes the date in words, read one way: a statement dated the 2nd of a month passes when read', async () => {
    // Written "March 2, 2027", eSpeak read "march two, two thousand twenty seven" and the check expected "march
    // second, twenty twenty seven": refused on the 2nd of every month.
    expect(spokenDate('2027-03-02')).toBe('March second, twenty twenty-seven');
    expect(spokenDate('2026-12-21')).toBe('December twenty-first, twenty twenty-six');
    expect(spokenDate('2030-01-31')).toBe('January thirty-first, twenty thirty');
    expect(spokenDate('2026-13-01')).toBe('2026-13-01');
    const text = statementText({ voiceName: 'Narrator', speakerName: 'Alex Reader', language: 'en' }, '2027-03-02', [
      'river',
      'candle',
      'tiger',
    ]);
    expect(text).toContain('today is March second, twenty twenty-seven.');
    const st: ConsentStatement = { ...designated, text, date: '2027-03-02' };
    const wav = decodeWav(await spokenReading(text));
    const v = await verifyStatement(
      { statement: st, recording: { samples: wav.samples, sampleRate: wav.sampleRate, speechSeconds: 20 } },
      installedConsentCheckers('/nonexistent', aligner),
    );
    const words = v.checks.find((c) => c.check === 'words')!;
    expect(words.result, words.detail).toBe('passed');
  }, 120_000);

  it('refuses a reading of another statement and names the verification words not heard', async () => {
    const v = await verify(await read(statement('John Smith', ['apple', 'violin', 'meadow']).text));
    const words = v.checks.find((c) => c.check === 'words')!;
    expect(words.result).toBe('failed');
    expect(v.status).toBe('failed');
    // Only the name and the three verification words differ (5 of about 60 words), so the statement as a whole may
    // align ("match"): the verification words are what refuse it. At least one of them is named, and the name read
    // differs too. (Before the date was written in words, eSpeak's other reading of it pushed this to "mismatch".)
    expect(words.detail).toMatch(/Verification words? not heard clearly: .*"(river|candle|tiger)"/);
    const name = words.alignment!.words.filter((w) => w.word === 'Maria' || w.word === 'Lopez');
    expect(name.some((w) => w.status !== 'ok')).toBe(true);
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

  it('cancels through the host: progress arrives, an abort stops the worker, the next call runs on a fresh one', async () => {
    const audio = await read(designated.text);
    const ac = new AbortController();
    const stages: string[] = [];
    const run = host.align(audio, 16000, designated.text, 'en', {
      signal: ac.signal,
      onProgress: (f, stage) => {
        stages.push(stage);
        if (f >= 0.1) ac.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(stages).toEqual(['pronunciations']);
    const again = await host.align(audio.subarray(0, 16000 * 3), 16000, 'My name is Maria Lopez', 'en');
    expect(again.words).toHaveLength(5);
  }, 120_000);
});

describe('verification words in the words check', () => {
  // The rule itself, on alignments given as they come back from an aligner: which verification words a check names.
  const aligned = (verdict: 'match' | 'mismatch', candle: { score: number; status: 'ok' | 'weak' | 'missing' }) => {
    const words = designated.text
      .split(/\s+/)
      .map((w) => w.replace(/[^\p{L}\p{N}-]/gu, ''))
      .filter(Boolean)
      .map((word) => ({
        word,
        start: 0,
        end: 0.1,
        ...(word === 'candle' ? candle : { score: 0.9, status: 'ok' as const }),
      }));
    const fixed: StatementAligner = {
      languages: ['en'],
      align: () =>
        Promise.resolve({
          words,
          score: 0.8,
          verdict,
          unexpectedSpeechSeconds: 0,
          reasons: verdict === 'match' ? [] : ['Parts of the recording do not fit the text: "candle".'],
          aligner: 'fixed',
          durationSeconds: 20,
        }),
    };
    return verifyStatement(
      { statement: designated, recording: { samples: new Float32Array(16000), sampleRate: 16000, speechSeconds: 20 } },
      installedConsentCheckers('/nonexistent', fixed),
    ).then((v) => v.checks.find((c) => c.check === 'words')!);
  };

  it('a refused reading names a weak verification word, whatever its score', async () => {
    const c = await aligned('mismatch', { score: 0.42, status: 'weak' });
    expect(c.result).toBe('failed');
    expect(c.detail).toMatch(/Verification word not heard clearly: "candle"\./);
  });

  it('a matching reading lets a weak verification word pass at the lenient mark, not under it', async () => {
    expect((await aligned('match', { score: 0.42, status: 'weak' })).result).toBe('passed');
    const low = await aligned('match', { score: 0.2, status: 'weak' });
    expect(low.result).toBe('failed');
    expect(low.detail).toMatch(/Verification word not heard clearly: "candle"\./);
  });
});

describe('the English verification word list: every word is heard in every place of a real statement (eSpeak reading)', () => {
  // Statement i asks for words i, i+1 and i+2 (mod n): every word once in each of the three places, after the
  // same text a user reads. Read as voices-library.test reads its random statement (eSpeak NG en-us at its default
  // rate, over a quiet room). "nutmeg" (never placed) and "mirror" (0.13 right after "are:" in the random statement
  // that failed voices-library.test) were taken out. The rest of the statement moves a word's score ("mirror" first
  // scores 0.75 with this name, 0.46 after "Maria Lopez"), so this guard, with one name and one date, keeps words
  // that pass in every place here; it cannot prove that every name and date will (docs/speech.md).
  // One test per statement, each with its own limit: a reading and its check take about 5 s on an idle machine, and
  // a limit on all 43 together (about 4 minutes) left too little room when the machine was shared.
  const statements = WORDS_EN.map((_, i) => [0, 1, 2].map((k) => WORDS_EN[(i + k) % WORDS_EN.length]!));
  it.each(statements)(
    '"%s, %s, %s"',
    async (...words: string[]) => {
      const st = statement('Alex Reader', words);
      const wav = decodeWav(await spokenReading(st.text));
      const v = await verifyStatement(
        { statement: st, recording: { samples: wav.samples, sampleRate: wav.sampleRate, speechSeconds: 20 } },
        installedConsentCheckers('/nonexistent', aligner),
      );
      const check = v.checks.find((c) => c.check === 'words')!;
      expect(check.result, check.detail).toBe('passed');
    },
    60_000,
  );
});
