/**
 * The voice library over the real dispatcher: consent statements (generated, recorded from real speech, checked with
 * the real Silero VAD), voices created from staged samples with attestation or statement, samples added/removed,
 * duplicate, preview, export to a .timbrevoice file and back, tampered files and wrong passphrases refused.
 * Cloning and preview use the Pocket TTS contract fixture (the real graphs are not available on this machine).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Core } from '../../main/node/core.js';
import { looksEncrypted } from '../../main/node/vault/index.js';
import { spokenDate } from '../../main/node/voices/consent.js';
import type {
  AlignResult,
  ConsentStatement,
  ConsentVerification,
  LibraryVoice,
  StagedAudio,
} from '../../preload/contract/index.js';
import { makePocketFixture } from '../fixtures/pocket-tts-fixture.js';
import { tempDir } from '../helpers/tmp.js';
import { SPEECH_16K, allFiles, call, callError, openVoiceCore, spokenReading } from '../helpers/voices.js';
import { VERIFICATION_WORD_MIN_SCORE } from '../../native-models/speech/verify.js';

const A = path.join(SPEECH_16K, 'ls_1688-142285-0000.wav'); // 15.0 s, reader 1688
const B = path.join(SPEECH_16K, 'ls_1688-142285-0001.wav'); // 12.6 s, same reader
const OTHER = path.join(SPEECH_16K, 'ls_103-1240-0000.wav'); // 14.1 s, another reader

let cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

async function setup(): Promise<{ core: Core; dir: string; tmp: string }> {
  const t = tempDir();
  cleanups.push(t.cleanup);
  const tmp = tempDir();
  cleanups.push(tmp.cleanup);
  makePocketFixture({ dir: path.join(t.dir, 'models', 'pocket-tts'), eosStep: 4 });
  const core = await openVoiceCore(t.dir);
  cleanups.push(() => core.close());
  await call(core, 'vault.unlock', { passphrase: 'library test passphrase' });
  return { core, dir: t.dir, tmp: tmp.dir };
}

const stage = (core: Core, file: string) => call<StagedAudio>(core, 'voiceAudio.stage', { path: file });
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('consent statements', () => {
  it('generates a statement, checks a plausible reading (passes) and a 1 s one (fails), stores the record', async () => {
    const { core, dir, tmp } = await setup();
    const st = await call<ConsentStatement>(core, 'consent.statement', {
      voiceName: 'Narrator',
      speakerName: 'Alex Reader',
      language: 'en',
    });
    expect(st.text).toContain('Alex Reader');
    expect(st.text).toContain('"Narrator"');
    expect(st.text).toContain(spokenDate(st.date));
    expect(st.date).toBe(new Date().toISOString().slice(0, 10));
    expect(st.words).toHaveLength(3);
    for (const w of st.words) expect(st.text).toContain(w);
    expect(st.expectedSeconds).toBeGreaterThan(15);
    expect(st.expectedSeconds).toBeLessThan(30);
    const zh = await call<ConsentStatement>(core, 'consent.statement', {
      voiceName: '旁白',
      speakerName: '王小明',
      language: 'zh-CN',
    });
    expect(zh.text).toContain('王小明');
    for (const w of zh.words) expect(zh.text).toContain(w);
    const other = await call<ConsentStatement>(core, 'consent.statement', {
      voiceName: 'Narrator',
      speakerName: 'Alex Reader',
    });
    expect(other.words).not.toEqual(st.words); // random (1 in ~74,000 to collide)

    // Someone else's reading (15 s of another text): the embedded aligner hears that the words are not the
    // statement's.
    const wrong = await call<ConsentVerification>(core, 'consent.verify', {
      statementId: st.statementId,
      stagingId: (await stage(core, A)).stagingId,
    });
    expect(wrong.status).toBe('failed');
    expect(wrong.checks[1]).toMatchObject({ check: 'words', result: 'failed' });
    expect(wrong.checks[1].detail).toMatch(/does not match the statement/);
    expect(wrong.checks[1].alignment?.verdict).toBe('mismatch');

    // The statement itself, read aloud (eSpeak over a quiet room).
    const reading = path.join(tmp, 'statement.wav');
    writeFileSync(reading, await spokenReading(st.text));
    const rec = await stage(core, reading);
    const ok = await call<ConsentVerification>(core, 'consent.verify', {
      statementId: st.statementId,
      stagingId: rec.stagingId,
    });
    expect(ok.status, JSON.stringify(ok.checks)).toBe('verified');
    expect(ok.checks).toEqual([
      expect.objectContaining({ check: 'duration', result: 'passed' }),
      expect.objectContaining({ check: 'words', result: 'passed' }),
      {
        check: 'speaker',
        result: 'not-checked',
        detail:
          'not checked (install the "speaker-wespeaker-en" speaker-embedding pack: timbre models download speaker-wespeaker-en)',
      },
    ]);
    const aligned = ok.checks[1].alignment!;
    expect(aligned.verdict).toBe('match');
    // Each verification word was heard where it belongs, by the rule the check applies (placed, score >= 0.3): a
    // randomly drawn word may still read as "weak" in the per-word display without failing the check.
    for (const w of st.words) {
      const a = aligned.words.find((x) => x.word === w);
      expect(a?.status, w).not.toBe('missing');
      expect(a?.score, w).toBeGreaterThanOrEqual(VERIFICATION_WORD_MIN_SCORE);
    }
    // The same alignment over the API, for any text: a staged recording and a text.
    const direct = await call<AlignResult>(core, 'speech.align', { stagingId: rec.stagingId, text: st.text });
    expect(direct.verdict).toBe('match');
    expect(direct.words.map((w) => w.word)).toEqual(aligned.words.map((w) => w.word));
    expect(direct.words[0]).toMatchObject({ word: 'My', status: 'ok', start: expect.any(Number) });
    expect((await callError(core, 'speech.align', { stagingId: rec.stagingId, text: 'x', language: 'de' })).code).toBe(
      'INVALID_INPUT',
    );

    const oneSecond = path.join(tmp, 'short.wav');
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', A, '-t', '1', oneSecond]);
    const short = await stage(core, oneSecond);
    const bad = await call<ConsentVerification>(core, 'consent.verify', {
      statementId: st.statementId,
      stagingId: short.stagingId,
    });
    expect(bad.status).toBe('failed');
    expect(bad.checks[0]).toMatchObject({ check: 'duration', result: 'failed' });
    expect(bad.checks[0].detail).toMatch(/Only \d\.\d s of speech: reading the whole statement takes about \d+ s/);

    const sample = await stage(core, OTHER);
    const refused = await callError(core, 'library.create', {
      name: 'Narrator',
      stagingIds: [sample.stagingId],
      consent: { kind: 'statement', statementId: st.statementId, stagingId: short.stagingId },
    });
    expect(refused.code).toBe('INVALID_INPUT');
    expect(refused.message).toMatch(/consent statement did not pass its checks: Only/);
    expect(existsSync(path.join(dir, 'voices')) && readdirSync(path.join(dir, 'voices'))).toEqual([]);

    const voice = await call<LibraryVoice>(core, 'library.create', {
      name: 'Narrator',
      language: 'en',
      tags: ['audiobook'],
      stagingIds: [sample.stagingId],
      consent: { kind: 'statement', statementId: st.statementId, stagingId: rec.stagingId },
    });
    expect(voice.consent).toMatchObject({
      status: 'verified',
      method: 'statement',
      name: 'Alex Reader',
      statement: st.text,
      statementAudioSha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      audioSha256: voice.samples[0].sha256,
    });
    expect(voice.consent?.checks?.map((c) => c.result)).toEqual(['passed', 'passed', 'not-checked']);
    expect(voice.engines).toEqual(['pocket-tts']);
    expect(voice.previewAvailable).toBe(true);
    const consentFile = path.join(dir, 'voices', voice.id, 'consent.enc');
    expect(looksEncrypted(readFileSync(consentFile))).toBe(true);
    // The staged items and the statement were used up.
    for (const id of [sample.stagingId, rec.stagingId])
      expect((await callError(core, 'voiceAudio.get', { stagingId: id })).code).toBe('NOT_FOUND');
    expect(readdirSync(path.join(dir, 'staging')).some((f) => f.startsWith(st.statementId))).toBe(false);
    // It survives a restart (record in voice_consents).
    await core.close();
    const again = await openVoiceCore(dir, []);
    cleanups.push(() => again.close());
    const [listed] = await call<LibraryVoice[]>(again, 'library.list');
    expect(listed.consent).toEqual(voice.consent);
  }, 180_000);
});

describe('library voices', () => {
  it('creates from several samples, refuses unusable audio, updates, duplicates, adds/removes samples, previews, deletes', async () => {
    const { core, dir, tmp } = await setup();
    const silence = path.join(tmp, 'silence.wav');
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'anullsrc=r=16000:cl=mono', '-t', '5', silence]);
    const quiet = await stage(core, silence);
    const e = await callError(core, 'library.create', {
      name: 'Nobody',
      stagingIds: [quiet.stagingId],
      consent: { kind: 'attest', name: 'Test Operator', purpose: 'Testing' },
    });
    expect(e.code).toBe('INVALID_INPUT');
    expect(e.details).toMatchObject({ audioProblem: 'silent' });
    expect((await callError(core, 'library.create', { name: 'x', stagingIds: [], consent: {} })).code).toBe(
      'INVALID_INPUT',
    );

    const a = await stage(core, A);
    const b = await stage(core, B);
    const wavA = await core.stagingWav(a.stagingId);
    const voice = await call<LibraryVoice>(core, 'library.create', {
      name: 'Reader',
      language: 'en',
      tags: ['narration'],
      stagingIds: [a.stagingId, b.stagingId],
      consent: { kind: 'attest', name: 'Test Operator', purpose: 'Internal test of the voice library' },
    });
    expect(voice.samples).toHaveLength(2);
    expect(voice.samples[0].sha256).toBe(sha(wavA));
    expect(voice.consent).toMatchObject({ status: 'attested', method: 'attestation', name: 'Test Operator' });
    expect(voice.voiceId).toBe(`library:${voice.id}`);

    const updated = await call<LibraryVoice>(core, 'library.update', {
      id: voice.id,
      name: 'Reader One',
      language: 'zh-CN',
      tags: ['a', 'b', 'a'],
    });
    expect(updated).toMatchObject({ name: 'Reader One', language: 'zh-CN', tags: ['a', 'b'] });

    const copy = await call<LibraryVoice>(core, 'library.duplicate', { id: voice.id });
    expect(copy.name).toBe('Reader One (copy)');
    expect(copy.samples.map((s) => s.sha256)).toEqual(voice.samples.map((s) => s.sha256));
    expect(copy.consent).toEqual(updated.consent);
    expect(readdirSync(path.join(dir, 'voices', copy.id)).sort()).toEqual(
      readdirSync(path.join(dir, 'voices', voice.id)).sort(),
    );

    const c = await stage(core, OTHER);
    const three = await call<LibraryVoice>(core, 'library.addSample', { id: voice.id, stagingId: c.stagingId });
    expect(three.samples).toHaveLength(3);
    expect(existsSync(path.join(dir, 'voices', voice.id, 'sample-3.enc'))).toBe(true);
    const two = await call<LibraryVoice>(core, 'library.removeSample', { id: voice.id, sampleId: three.samples[0].id });
    expect(two.samples.map((s) => s.id)).toEqual(three.samples.slice(1).map((s) => s.id));
    expect(existsSync(path.join(dir, 'voices', voice.id, 'sample-1.enc'))).toBe(false);
    expect(two.engines).toEqual(['pocket-tts']); // cloned again from the new first sample
    await call(core, 'library.removeSample', { id: voice.id, sampleId: two.samples[0].id });
    const last = await callError(core, 'library.removeSample', { id: voice.id, sampleId: two.samples[1].id });
    expect(last.code).toBe('CONFLICT');
    expect(last.message).toMatch(/only sample/);

    const preview = await call<StagedAudio>(core, 'library.preview', { id: voice.id, text: 'Hello there.' });
    expect(preview.source).toBe('preview');
    expect(preview.durationSeconds).toBeGreaterThan(0);

    const del = await call(core, 'library.delete', { id: copy.id });
    expect(del).toEqual({ deleted: true, takesDeleted: 0 });
    expect(existsSync(path.join(dir, 'voices', copy.id))).toBe(false);
    expect(allFiles(dir).some((f) => f.includes(copy.id))).toBe(false);
  });

  it('exports to a .timbrevoice file and imports it back equal; tampering and a wrong passphrase are refused clearly', async () => {
    const { core, tmp } = await setup();
    const voice = await call<LibraryVoice>(core, 'library.create', {
      name: 'Travel',
      tags: ['x'],
      stagingIds: [(await stage(core, A)).stagingId, (await stage(core, OTHER)).stagingId],
      // (Consent by attestation: the statement flow and its checks are covered above.)
      consent: { kind: 'attest', name: 'Sam Speaker', purpose: 'travel narration' },
    });
    const target = path.join(tmp, 'travel');
    const out = await call<{ path: string; bytes: number }>(core, 'library.export', {
      id: voice.id,
      path: target,
      passphrase: 'export passphrase 1',
    });
    expect(out.path).toBe(`${target}.timbrevoice`);
    const file = readFileSync(out.path);
    expect(file.length).toBe(out.bytes);
    expect(file.subarray(0, 8).toString('latin1')).toBe('TMBRVOX1');
    expect((await callError(core, 'library.export', { id: voice.id, passphrase: 'short' })).code).toBe('INVALID_INPUT');

    const back = await call<LibraryVoice>(core, 'library.importFile', {
      path: out.path,
      passphrase: 'export passphrase 1',
    });
    expect(back.id).not.toBe(voice.id);
    expect(back).toMatchObject({ name: 'Travel', language: 'en', tags: ['x'], engines: ['pocket-tts'] });
    expect(back.samples.map((s) => [s.sha256, s.seconds, s.sampleRate])).toEqual(
      voice.samples.map((s) => [s.sha256, s.seconds, s.sampleRate]),
    );
    expect(back.consent).toEqual(voice.consent);

    const wrong = await callError(core, 'library.importFile', { path: out.path, passphrase: 'not the passphrase' });
    expect(wrong.code).toBe('INVALID_INPUT');
    expect(wrong.message).toMatch(/^Wrong passphrase for the voice file travel\.timbrevoice/);
    expect(wrong.details).toMatchObject({ voiceFileError: 'wrong-passphrase' });

    for (const at of [Math.floor(file.length / 2), file.length - 1, 9]) {
      const bad = Buffer.from(file);
      bad[at] ^= 0x01;
      const f = path.join(tmp, `tampered-${at}.timbrevoice`);
      writeFileSync(f, bad);
      const err = await callError(core, 'library.importFile', { path: f, passphrase: 'export passphrase 1' });
      expect(err.code, `byte ${at}`).toBe('INVALID_INPUT');
      expect(err.message, `byte ${at}`).toMatch(/altered/);
    }
    const notOurs = path.join(tmp, 'x.timbrevoice');
    writeFileSync(notOurs, 'hello');
    expect((await callError(core, 'library.importFile', { path: notOurs, passphrase: 'whatever1' })).message).toMatch(
      /is not a Timbre voice file/,
    );
    // Only the two voices exist: nothing half-imported.
    expect((await call<LibraryVoice[]>(core, 'library.list')).map((v) => v.id).sort()).toEqual(
      [voice.id, back.id].sort(),
    );
    expect((await callError(core, 'library.importFile', { passphrase: 'x' })).code).toBe('INVALID_INPUT');
  }, 120_000);
});
