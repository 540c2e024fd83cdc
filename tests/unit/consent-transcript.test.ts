/**
 * The consent check with a speech-recognition pack installed (issue #10: the ASR pack gives consent readings a full
 * word check). The recogniser is the Parakeet contract fixture (tests/fixtures/parakeet-fixture.ts: a 300 Hz tone is
 * heard as "low", a 3 kHz tone as "high"), run by the real ASR worker (AsrHost), so the statements here are made of
 * those two words and the readings of tones:
 * - alone (no aligner for the language), the recogniser makes the words check: the whole statement must be heard,
 *   within MAX_CONSENT_WER, with every verification word;
 * - in the core, beside the embedded aligner: an English statement read by eSpeak passes the aligner's words check,
 *   and the recogniser's own check ("transcript") stands beside it with what it heard; the fixture hears no English,
 *   so that check fails and so does the verification. Without the pack there is no such check. The ledger records
 *   the recogniser's run.
 */
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AsrHost } from '../../main/node/speech/asr-host.js';
import { MAX_CONSENT_WER, verifyStatement, type Transcriber } from '../../main/node/voices/consent.js';
import type { ConsentStatement, ConsentVerification, LedgerPage, StagedAudio } from '../../preload/contract/index.js';
import { makeParakeetFixture } from '../fixtures/parakeet-fixture.js';
import { ROOT } from '../helpers/server-process.js';
import { tempDir } from '../helpers/tmp.js';
import { tones } from '../helpers/tones.js';
import { call, openVoiceCore, spokenReading } from '../helpers/voices.js';

const LOW = 300;
const HIGH = 3000;
const host = new AsrHost();
const pack = makeParakeetFixture();
const fixture: Transcriber = {
  name: 'Speech recognition (fixture)',
  languages: ['en'],
  transcribe: async (samples, rate) => (await host.transcribe(samples, rate, pack.dir)).text,
};
beforeAll(() => {
  execFileSync(process.execPath, [path.join(ROOT, 'build/scripts/build.mjs'), '--node', '--if-stale'], {
    stdio: 'ignore',
  });
});
afterAll(async () => {
  await host.dispose();
  pack.cleanup();
});

const statement = (text: string, words: string[]): ConsentStatement => ({
  statementId: 'cst_tones',
  text,
  words,
  date: '2026-12-06',
  language: 'en',
  expectedSeconds: 5,
});
const verify = (st: ConsentStatement, hz: number[]) =>
  verifyStatement(
    { statement: st, recording: { samples: tones(hz), sampleRate: 16000, speechSeconds: 5 } },
    { transcriber: fixture },
  );
const words = (v: ConsentVerification) => v.checks.find((c) => c.check === 'words')!;

describe('the consent words check by a speech recogniser', () => {
  // The fixture hears balanced tone sequences right (a run of one tone shifts its feature normalisation), so the
  // verification "word" is the one place two "high"s follow each other.
  const st = statement('Low, high, low, high, low, high, high, low, high, low.', ['high high']);
  const RIGHT = [LOW, HIGH, LOW, HIGH, LOW, HIGH, HIGH, LOW, HIGH, LOW];

  it('accepts the statement heard word for word, with what was heard', async () => {
    const v = await verify(st, RIGHT);
    expect(v.status, JSON.stringify(v.checks)).toBe('verified');
    expect(words(v)).toMatchObject({
      result: 'passed',
      transcript: { text: 'low high low high low high high low high low', wer: 0 },
    });
    expect(words(v).detail).toMatch(/heard the statement and every verification word \(0 % of its words differ\)/);
  });

  it('accepts one word heard wrong in ten (within MAX_CONSENT_WER), naming it', async () => {
    expect(MAX_CONSENT_WER).toBeGreaterThanOrEqual(0.1);
    const v = await verify(st, [LOW, HIGH, LOW, HIGH, LOW, HIGH, HIGH, LOW, HIGH, HIGH]);
    expect(words(v)).toMatchObject({ result: 'passed', transcript: { wer: 0.1 } });
    expect(words(v).detail).toContain('"low" heard as "high"');
  });

  it('refuses a reading without the verification word, naming it, however close the rest', async () => {
    const v = await verify(st, [LOW, HIGH, LOW, HIGH, LOW, HIGH, LOW, LOW, HIGH, LOW]);
    expect(v.status).toBe('failed');
    expect(words(v)).toMatchObject({ result: 'failed', transcript: { wer: 0.1 } });
    expect(words(v).detail).toMatch(
      /heard the statement \(10 % of its words differ\)\. Verification word not heard: "high high"/,
    );
  });

  it('refuses half the statement, with the share of words that differ', async () => {
    const v = await verify(st, RIGHT.slice(0, 5));
    expect(words(v)).toMatchObject({ result: 'failed', transcript: { wer: 0.5 } });
    expect(words(v).detail).toMatch(/heard other words: 50 % of the statement's words differ \("low" not heard/);
  });

  it('refuses a recording without the reading', async () => {
    const v = await verify(st, []);
    expect(words(v).result).toBe('failed');
    expect(words(v).transcript!.wer).toBeGreaterThanOrEqual(0.9);
  });

  it('a recogniser that fails leaves the check "not checked", saying why', async () => {
    const broken: Transcriber = {
      ...fixture,
      transcribe: (samples, rate) =>
        host.transcribe(samples, rate, path.join(pack.root, 'nowhere')).then((r) => r.text),
    };
    const v = await verifyStatement(
      { statement: st, recording: { samples: tones(RIGHT), sampleRate: 16000, speechSeconds: 5 } },
      { transcriber: broken },
    );
    expect(words(v).result).toBe('not-checked');
    expect(words(v).detail).toMatch(
      /^not checked \(Speech recognition \(fixture\) could not transcribe the recording: .+\)$/,
    );
  });

  it('is not asked for a language it does not recognise', async () => {
    const v = await verifyStatement(
      {
        statement: { ...st, language: 'zh-CN' },
        recording: { samples: tones(RIGHT), sampleRate: 16000, speechSeconds: 5 },
      },
      { transcriber: fixture },
    );
    expect(words(v)).toMatchObject({ result: 'not-checked' });
  });
});

describe('in the core, beside the embedded aligner', () => {
  it('adds the recogniser check when the pack is installed, records its run, and is gone when the pack is', async () => {
    const t = tempDir();
    const tmp = tempDir();
    const core = await openVoiceCore(t.dir);
    try {
      await call(core, 'vault.unlock', { passphrase: 'consent transcript test' });
      const st = await call<ConsentStatement>(core, 'consent.statement', {
        speakerName: 'Ada Park',
        voiceName: 'Narrator',
        language: 'en',
      });
      const reading = path.join(tmp.dir, 'statement.wav');
      writeFileSync(reading, await spokenReading(st.text));
      const rec = await call<StagedAudio>(core, 'voiceAudio.stage', { path: reading });

      // Without the pack: the aligner's words check, and no recogniser check.
      const plain = await call<ConsentVerification>(core, 'consent.verify', {
        statementId: st.statementId,
        stagingId: rec.stagingId,
      });
      expect(plain.status, JSON.stringify(plain.checks)).toBe('verified');
      expect(plain.checks.map((c) => c.check)).toEqual(['duration', 'words', 'speaker']);

      // Installed where the pack manager puts it: the fixture hears no English, so its check fails the reading.
      const installed = path.join(t.dir, 'models', 'parakeet-ctc-en');
      execFileSync('cp', ['-r', pack.dir, installed]);
      const both = await call<ConsentVerification>(core, 'consent.verify', {
        statementId: st.statementId,
        stagingId: rec.stagingId,
      });
      expect(both.checks.map((c) => [c.check, c.result])).toEqual([
        ['duration', 'passed'],
        ['words', 'passed'],
        ['transcript', 'failed'],
        ['speaker', 'not-checked'],
      ]);
      expect(both.status).toBe('failed');
      const tr = both.checks[2];
      expect(tr.transcript!.wer).toBeGreaterThan(MAX_CONSENT_WER);
      expect(tr.detail).toMatch(/^Speech recognition \(Parakeet\) heard other words: \d+ % of the statement's words/);
      const ledger = await call<LedgerPage>(core, 'privacy.ledger', { limit: 50, kind: 'model.run' });
      expect(ledger.entries.map((e) => e.detail)).toContainEqual({
        engine: 'parakeet-ctc-en',
        item: 'staged',
        itemId: rec.stagingId,
        language: 'en',
      });

      // Removed: looked up at each check, so gone from the next one.
      rmSync(installed, { recursive: true });
      const again = await call<ConsentVerification>(core, 'consent.verify', {
        statementId: st.statementId,
        stagingId: rec.stagingId,
      });
      expect(again.checks.map((c) => c.check)).toEqual(['duration', 'words', 'speaker']);
    } finally {
      await core.close();
      t.cleanup();
      tmp.cleanup();
    }
  }, 120_000);
});
