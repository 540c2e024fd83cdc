/**
 * "Clone from this video" (issue #11 step 4, `dub.cloneSpeaker`): a video this test makes with ffmpeg from real
 * speech in ../shared/eval placed at known times (LJ Speech as ANNA, LibriSpeech 1688 as BOB, CMU ARCTIC aew as
 * CARL), white noise over two of ANNA's segments, and one ANNA cue overlapped by BOB's. Through the core's dispatch
 * on a real SQLite file with the real Silero VAD and GTCRN packs: the chosen spans are ANNA's clean ones (10–30 s in
 * all, none overlapping anything), the voice is in the library with its sample and an attested consent, the project
 * maps ANNA to it; too little speech (CARL), a missing consent and a cancel create nothing (no voice, no staged or
 * temporary file, integrity_check ok); a consent statement (failing, then verified) goes through the same path; memory
 * stays bounded on a 30-minute recording (a spawned child, tests/helpers/dub-clone-child.ts).
 */
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../main/node/core.js';
import { chooseSpans, overlappingIds } from '../../main/node/dub/clone.js';
import { resetPolicyCache } from '../../main/node/policy/policy.js';
import type {
  ConsentStatement,
  DubCloneReport,
  DubProjectDetail,
  LibraryVoice,
  StagedAudio,
} from '../../preload/contract/index.js';
import { CLEAN, LJ1, makeCloneMedia } from '../helpers/dub-clone-media.js';
import { tempDir } from '../helpers/tmp.js';
import { SPEECH_16K, allFiles, call, callError, openVoiceCore, spokenReading } from '../helpers/voices.js';

const { dir, cleanup } = tempDir('timbre-dubclone-test-');
const data = path.join(dir, 'data');
let core: Core;
let project: DubProjectDetail;
let media: { video: string; srt: string };

function integrity(): string {
  const db = new Database(core.layout.db, { readonly: true });
  try {
    return db.pragma('integrity_check', { simple: true }) as string;
  } finally {
    db.close();
  }
}
/** Files that must not outlive a refused or cancelled clone: staged audio and the clone's temporary folders. */
const leftovers = () => [
  ...allFiles(path.join(data, 'staging')).filter((f) => !f.includes(`${path.sep}work${path.sep}`)),
  ...readdirSync(tmpdir()).filter((n) => n.startsWith('timbre-dubclone-') && !dir.endsWith(n)),
];
const attest = { kind: 'attest', name: 'Anna Example', purpose: 'Dub her lines of this talk into French' };

beforeAll(async () => {
  media = makeCloneMedia(dir);
  core = await openVoiceCore(data, ['silero-vad', 'gtcrn']);
  await call(core, 'vault.unlock', { passphrase: 'dub clone test passphrase' });
  project = await call<DubProjectDetail>(core, 'dub.create', {
    media: { path: media.video },
    targetSubs: { path: media.srt },
  });
}, 120_000);
afterAll(async () => {
  await core?.close();
  cleanup();
});

const segOf = (text: string) => project.segmentList.find((s) => s.text === text)!;

describe('clone a speaker from the video', () => {
  it('the import cut the overlapped cue so it touches the other speaker (the case the overlap rule is for)', () => {
    expect(segOf('Talked over.').end).toBe(segOf('Bob interrupts.').start);
    expect(project.speakers.map((s) => s.name).sort()).toEqual(['ANNA', 'BOB', 'CARL']);
  });

  it('refuses too little speech with how much was found, and changes nothing', async () => {
    const before = await call<LibraryVoice[]>(core, 'library.list');
    const err = await callError(core, 'dub.cloneSpeaker', { projectId: project.id, speaker: 'CARL', consent: attest });
    expect(err.code).toBe('INVALID_INPUT');
    expect(err.message).toMatch(/"CARL" has only \d+\.\d s of usable speech in this video; .* at least 10 s/);
    const found = (err.details as { usableSeconds: number }).usableSeconds;
    expect(found).toBeGreaterThan(2.5); // the 3.9 s clip, its edges trimmed by the VAD
    expect(found).toBeLessThan(4.2);
    expect(await call<LibraryVoice[]>(core, 'library.list')).toEqual(before);
    const p = await call<DubProjectDetail>(core, 'dub.get', { projectId: project.id });
    expect(p.speakers.find((s) => s.name === 'CARL')?.voiceId).toBeNull();
    expect(p.revision).toBe(project.revision);
    expect(leftovers()).toEqual([]);
    expect(integrity()).toBe('ok');
  }, 120_000);

  it('refuses a clone without a consent record (the contract requires one)', async () => {
    const err = await callError(core, 'dub.cloneSpeaker', { projectId: project.id, speaker: 'ANNA' });
    expect(err.code).toBe('INVALID_INPUT');
    expect(err.message).toMatch(/consent/);
    expect(await call<LibraryVoice[]>(core, 'library.list')).toEqual([]);
  });

  it('stops when cancelled and creates nothing', async () => {
    const off = core.subscribe((event, payload) => {
      const p = payload as { projectId: string; phase: string };
      if (event === 'dub.cloneProgress' && p.phase === 'analysing')
        void core.dispatch('dub.cancelClone', { projectId: project.id });
    });
    try {
      const err = await callError(core, 'dub.cloneSpeaker', {
        projectId: project.id,
        speaker: 'ANNA',
        consent: attest,
      });
      expect(err.code).toBe('CANCELLED');
    } finally {
      off();
    }
    expect(await call<LibraryVoice[]>(core, 'library.list')).toEqual([]);
    expect(leftovers()).toEqual([]);
    expect(integrity()).toBe('ok');
  }, 120_000);

  it("gathers ANNA's clean segments into one library voice with its consent and maps ANNA to it", async () => {
    const phases: string[] = [];
    const off = core.subscribe((event, payload) => {
      if (event === 'dub.cloneProgress') phases.push((payload as { phase: string }).phase);
    });
    let r: { voice: { id: string; voiceId: string }; report: DubCloneReport };
    try {
      r = await call(core, 'dub.cloneSpeaker', {
        projectId: project.id,
        speaker: 'anna', // speakers are matched without case, like dub.setSpeakerVoice
        name: 'Anna (talk)',
        consent: attest,
      });
    } finally {
      off();
    }
    const rep = r.report;
    const verdict = (text: string) => rep.candidates.find((c) => c.segmentId === segOf(text).id)!;
    // Every ANNA segment is reported, with why it was or was not used.
    expect(rep.candidates).toHaveLength(6);
    expect(verdict('Talked over.').verdict).toBe('overlap');
    for (const t of ['Noisy one.', 'Noisy two.']) {
      expect(verdict(t).verdict).toBe('noisy');
      expect(verdict(t).snrDb!).toBeLessThan(10);
    }
    // The chosen spans are the clean segments, inside their cues, ranked above the noisy ones.
    expect(rep.spans.map((s) => project.segmentList.find((x) => x.id === s.segmentId)!.text).sort()).toEqual(
      [...CLEAN].sort(),
    );
    for (const s of rep.spans) {
      const seg = project.segmentList.find((x) => x.id === s.segmentId)!;
      expect(s.start).toBeGreaterThanOrEqual(seg.start);
      expect(s.end).toBeLessThanOrEqual(seg.end);
      expect(s.snrDb!).toBeGreaterThan(25);
      expect(s.speechSeconds).toBeGreaterThan(6);
      // No chosen span overlaps another speaker's segment, nor another span.
      for (const o of project.segmentList.filter((x) => x.speaker !== 'ANNA'))
        expect(s.end <= o.start || s.start >= o.end).toBe(true);
    }
    for (let i = 1; i < rep.spans.length; i++) expect(rep.spans[i].start).toBeGreaterThanOrEqual(rep.spans[i - 1].end);
    expect(rep.totalSeconds).toBeGreaterThanOrEqual(10);
    expect(rep.totalSeconds).toBeLessThanOrEqual(30);
    expect(rep.totalSeconds).toBeCloseTo(
      rep.spans.reduce((n, s) => n + s.end - s.start, 0),
      2,
    );
    expect(rep.denoised).toBe(false);
    expect(phases[0]).toBe('extracting');
    expect(phases).toContain('analysing');
    expect(phases.slice(-2)).toEqual(['creating', 'done']);

    // ONE library voice, its one sample the chosen spans end to end (0.25 s pauses), an attested consent.
    const voices = await call<LibraryVoice[]>(core, 'library.list');
    expect(voices).toHaveLength(1);
    const v = voices[0];
    expect(v.id).toBe(r.voice.id);
    expect(v.name).toBe('Anna (talk)');
    expect(v.tags).toEqual(['dub']);
    expect(v.samples).toHaveLength(1);
    expect(v.samples[0].seconds).toBeCloseTo(rep.totalSeconds + 0.25 * (rep.spans.length - 1), 1);
    expect(v.consent).toMatchObject({ status: 'attested', method: 'attestation', name: 'Anna Example' });
    expect(v.consent!.audioSha256).toBe(v.samples[0].sha256);
    const enc = readdirSync(path.join(data, 'voices', v.id));
    expect(enc).toContain('sample-1.enc');

    // The project maps ANNA to it; other speakers are untouched.
    const p = await call<DubProjectDetail>(core, 'dub.get', { projectId: project.id });
    expect(p.speakers.find((s) => s.name === 'ANNA')?.voiceId).toBe(v.voiceId);
    expect(p.speakers.filter((s) => s.name !== 'ANNA').every((s) => s.voiceId === null)).toBe(true);
    expect(leftovers()).toEqual([]);
    expect(integrity()).toBe('ok');
  }, 180_000);
});

describe('clone with a consent statement read by the speaker', () => {
  it('refuses a statement that fails its checks (nothing made) and stores a verified one with the voice (denoised)', async () => {
    const st = await call<ConsentStatement>(core, 'consent.statement', {
      voiceName: 'Anna',
      speakerName: 'Anna Example',
      language: 'en',
    });
    const stageFile = async (file: string) =>
      (await call<StagedAudio>(core, 'voiceAudio.stage', { path: file })).stagingId;
    const oneSecond = path.join(dir, 'one-second.wav');
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', path.join(SPEECH_16K, `${LJ1}.wav`), '-t', '1', oneSecond]);
    const short = await stageFile(oneSecond);
    const before = await call<LibraryVoice[]>(core, 'library.list');
    const mapped = (await call<DubProjectDetail>(core, 'dub.get', { projectId: project.id })).speakers;
    const refused = await callError(core, 'dub.cloneSpeaker', {
      projectId: project.id,
      speaker: 'ANNA',
      consent: { kind: 'statement', statementId: st.statementId, stagingId: short },
    });
    expect(refused.code).toBe('INVALID_INPUT');
    expect(refused.message).toMatch(/consent statement did not pass its checks: Only \d\.\d s of speech/);
    expect(await call<LibraryVoice[]>(core, 'library.list')).toEqual(before);
    expect((await call<DubProjectDetail>(core, 'dub.get', { projectId: project.id })).speakers).toEqual(mapped);
    // Only the statement recording stays staged (to record again); the gathered sample was removed.
    const staged = () => allFiles(path.join(data, 'staging')).filter((f) => f.endsWith('.enc') && !f.includes('work'));
    expect(staged().map((f) => path.basename(f))).toEqual([`${short}.enc`]);
    expect(integrity()).toBe('ok');

    const reading = path.join(dir, 'statement.wav');
    writeFileSync(reading, await spokenReading(st.text));
    const rec = await stageFile(reading);
    // With GTCRN denoising this time: the same clean spans are chosen (ranked on the original audio).
    const r = await call<{ voice: { id: string; voiceId: string }; report: DubCloneReport }>(core, 'dub.cloneSpeaker', {
      projectId: project.id,
      speaker: 'ANNA',
      name: 'Anna verified',
      denoise: true,
      consent: { kind: 'statement', statementId: st.statementId, stagingId: rec },
    });
    expect(r.report.denoised).toBe(true);
    expect(r.report.spans.map((x) => project.segmentList.find((y) => y.id === x.segmentId)!.text).sort()).toEqual(
      [...CLEAN].sort(),
    );
    const v = (await call<LibraryVoice[]>(core, 'library.list')).find((x) => x.id === r.voice.id)!;
    expect(v.consent, JSON.stringify(v.consent?.checks)).toMatchObject({
      status: 'verified',
      method: 'statement',
      name: 'Anna Example',
      statement: st.text,
    });
    expect(v.consent!.checks!.map((c) => [c.check, c.result])).toEqual([
      ['duration', 'passed'],
      ['words', 'passed'],
      ['speaker', 'not-checked'],
    ]);
    expect(readdirSync(path.join(data, 'voices', v.id)).sort()).toEqual(['consent.enc', 'sample-1.enc']);
    expect((await call<DubProjectDetail>(core, 'dub.get', { projectId: project.id })).speakers).toContainEqual({
      name: 'ANNA',
      voiceId: r.voice.voiceId,
    });
    expect(staged().map((f) => path.basename(f))).toEqual([`${short}.enc`]);
    expect(integrity()).toBe('ok');
  }, 240_000);
});

describe('under a managed policy that requires verified consent', () => {
  it('refuses an attestation before any work, and creates nothing', async () => {
    const t = tempDir('timbre-dubclone-policy-');
    const policy = path.join(t.dir, 'policy.json');
    writeFileSync(policy, JSON.stringify({ cloningRequiresVerifiedConsent: true }));
    const saved = process.env.TIMBRE_POLICY_FILE;
    process.env.TIMBRE_POLICY_FILE = policy;
    resetPolicyCache();
    let strict: Core | undefined;
    try {
      strict = await openVoiceCore(path.join(t.dir, 'data'));
      await call(strict, 'vault.unlock', { passphrase: 'dub clone policy passphrase' });
      const p = await call<DubProjectDetail>(strict, 'dub.create', {
        media: { path: media.video },
        targetSubs: { path: media.srt },
      });
      const events: string[] = [];
      const off = strict.subscribe((event) => void (event === 'dub.cloneProgress' && events.push(event)));
      const err = await callError(strict, 'dub.cloneSpeaker', { projectId: p.id, speaker: 'ANNA', consent: attest });
      off();
      expect(err.code).toBe('FORBIDDEN');
      expect(events).toEqual([]); // refused before the audio was read
      expect(err.message).toMatch(/consent statement read by its owner.*set by your organization/);
      expect(await call<LibraryVoice[]>(strict, 'library.list')).toEqual([]);
      expect((await call<DubProjectDetail>(strict, 'dub.get', { projectId: p.id })).speakers).toEqual(p.speakers);
    } finally {
      await strict?.close();
      if (saved === undefined) delete process.env.TIMBRE_POLICY_FILE;
      else process.env.TIMBRE_POLICY_FILE = saved;
      resetPolicyCache();
      t.cleanup();
    }
  }, 120_000);
});

describe('the choice rules', () => {
  const cand = (id: string, start: number, len: number, snrDb: number) => ({
    segmentId: id,
    start,
    end: start + len,
    segStart: start,
    segEnd: start + len,
    speechSeconds: len,
    snrDb,
    verdict: 'not-needed' as const,
  });

  it('takes the best SNR first up to the target, never past 30 s, cutting only to reach the 10 s minimum', () => {
    // 25 s first (best); 12 s and 8 s would pass 30 s and the minimum is met: skipped.
    expect(
      chooseSpans([cand('a', 0, 12, 30), cand('b', 20, 25, 40), cand('c', 50, 8, 20)]).map((c) => c.segmentId),
    ).toEqual(['b']);
    // 8 s alone is under the minimum: the next (40 s) is cut to fill up to 30 s.
    const cut = chooseSpans([cand('a', 100, 40, 30), cand('b', 0, 8, 40)]);
    expect(cut.map((c) => [c.segmentId, c.end - c.start])).toEqual([
      ['b', 8],
      ['a', 22],
    ]);
    // Three clean 9 s spans: the target (20 s) is reached with the third; a fourth is not needed.
    const four = chooseSpans([cand('a', 0, 9, 35), cand('b', 10, 9, 36), cand('c', 20, 9, 37), cand('d', 30, 9, 34)]);
    expect(four.map((c) => c.segmentId)).toEqual(['a', 'b', 'c']);
  });

  it('counts a segment touching (within 40 ms) or overlapping a segment of another speaker as overlapping', () => {
    const segs = [
      { id: 'a1', start: 0, end: 5, speaker: 'A' },
      { id: 'b1', start: 5, end: 8, speaker: 'B' }, // touches a1
      { id: 'a2', start: 8.2, end: 12, speaker: 'A' }, // 0.2 s after b1: fine
      { id: 'n1', start: 13, end: 15, speaker: null }, // unassigned: could be anyone
      { id: 'a3', start: 14, end: 18, speaker: 'A' },
      { id: 'a4', start: 18.03, end: 20, speaker: 'A' }, // touches a3, the same speaker: fine
    ];
    expect([...overlappingIds(segs, 'A')].sort()).toEqual(['a1', 'a3']);
  });
});

describe('memory', () => {
  it('stays bounded on a 30-minute recording: the audio is read per candidate, never whole', async () => {
    // 30 minutes of real speech (one LJ Speech clip looped), 16 kHz WAV: whole at the analysis rate it would be
    // 30 × 60 × 24,000 × 4 B = 173 MB in memory.
    const long = path.join(dir, 'long.wav');
    const clipFile = path.join(SPEECH_16K, `${LJ1}.wav`);
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-stream_loop', '190', '-i', clipFile, '-t', '1800', long]);
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        '--import',
        'tsx',
        path.resolve('tests/helpers/dub-clone-child.ts'),
        long,
        '1800',
        '9.655',
        path.resolve('../shared/models/silero-vad/silero_vad.onnx'),
      ],
      { encoding: 'utf8', maxBuffer: 1 << 20 },
    );
    const r = JSON.parse(stdout.trim().split('\n').pop()!) as {
      segments: number;
      analysed: number;
      totalSeconds: number;
      sampleSeconds: number;
      beforeMb: number | null;
      peakMb: number | null;
      maxRssMb: number;
    };
    process.stderr.write(`clone from a 30-minute recording: ${JSON.stringify(r)}\n`);
    expect(r.segments).toBe(186);
    // The analysis budget: 10 minutes of the longest segments (9.455 s each), not all 186.
    expect(r.analysed).toBe(Math.ceil(600 / 9.455));
    expect(r.totalSeconds).toBeGreaterThanOrEqual(10);
    expect(r.totalSeconds).toBeLessThanOrEqual(30);
    if (r.peakMb !== null && r.beforeMb !== null) expect(r.peakMb - r.beforeMb).toBeLessThan(120); // measured: 73 MB (the VAD session, buffers)
    expect(r.maxRssMb).toBeLessThan(400);
  }, 240_000);
});
