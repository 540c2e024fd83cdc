/**
 * Speakers and transcripts in dubbing projects (issue #11, steps 2 and 3): `dub.findSpeakers` and `dub.transcribe`
 * over the core's dispatch, on a real SQLite file, with a video this test makes with ffmpeg from real speech of two
 * readers in ../shared/eval (LJ Speech, female; LibriSpeech 1688, male) placed at known times.
 *
 * The speaker pack is a fixture: `tests/fixtures/speaker-fixture.ts` (max of each fbank bin over time) scores every
 * pair of these clips 0.97-0.99 and cannot reliably tell the two readers apart, so this test installs
 * `speaker-spectral-fixture.ts` (the long-term average log-mel spectrum's shape), which does on these clips: the
 * grouping asserted below is what that embedding really computes from the project's audio, not a stub. The ASR pack
 * is the Parakeet fixture (a 300 Hz tone reads "low", a 3 kHz tone "high").
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../main/node/core.js';
import type {
  DubAnalysisProgress,
  DubProjectDetail,
  DubSpeakersResult,
  DubTranscribeResult,
} from '../../preload/contract/index.js';
import { makeSpectralSpeakerFixture } from '../fixtures/speaker-spectral-fixture.js';
import { buildParakeetFixtureModel, FIXTURE_TOKENS } from '../fixtures/parakeet-fixture.js';
import { readersVideo, writeCues, type PlacedReading } from '../helpers/readers-media.js';
import { tempDir } from '../helpers/tmp.js';
import { encodeWav } from '../../native-models/audio/wav.js';

const ROOT = path.resolve(__dirname, '..', '..');
const { dir, cleanup } = tempDir('timbre-dubspk-');
const data = path.join(dir, 'data');
let core: Core;

/** A = LJ Speech (F), B = LibriSpeech 1688 (M). */
const PLACED: PlacedReading[] = [
  ['A', 1.0, 'lj_LJ001-0001', 0.5, 3.5],
  ['B', 5.5, 'ls_1688-142285-0000', 0.5, 3.5],
  ['A', 10.0, 'lj_LJ001-0003', 0.5, 3.5],
  ['B', 14.5, 'ls_1688-142285-0001', 0.5, 3.5],
  ['A', 19.0, 'lj_LJ001-0005', 0.5, 3.0],
  ['B', 23.0, 'ls_1688-142285-0000', 6.0, 3.0],
  // Shorter than 1 s: joins the most similar cluster.
  ['A', 27.0, 'lj_LJ001-0001', 5.0, 0.8],
  // Shorter than 0.5 s: skipped.
  ['B', 29.0, 'ls_1688-142285-0001', 6.0, 0.3],
];
const WHO = PLACED.map((p) => p[0]);
const LENGTH = 31;

async function call<T>(method: string, params: unknown): Promise<T> {
  const r = await core.dispatch(method, params);
  if (!r.ok) throw Object.assign(new Error(r.error.message), { code: r.error.code });
  return r.result as T;
}
async function refused(method: string, params: unknown): Promise<{ code: string; message: string }> {
  const r = await core.dispatch(method, params);
  if (r.ok) throw new Error(`${method} was accepted`);
  return r.error;
}
function integrity(): string {
  const db = new Database(core.layout.db, { readonly: true });
  try {
    return db.pragma('integrity_check', { simple: true }) as string;
  } finally {
    db.close();
  }
}
/** Run the CLI without blocking this worker's event loop. */
function timbre(args: string[], env: Record<string, string>): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/timbre.mjs'), ...args], {
      cwd: dir,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stderr }));
  });
}
/** The speaker of each segment, in time order. */
const speakersOf = (d: DubProjectDetail) => d.segmentList.map((s) => s.speaker);

let speechVideo = '';
let toneVideo = '';
let srt = '';

beforeAll(async () => {
  execFileSync(process.execPath, ['build/scripts/build.mjs', '--node', '--if-stale'], { stdio: 'ignore', cwd: ROOT });
  speechVideo = path.join(dir, 'two-readers.mkv');
  readersVideo(speechVideo, PLACED, LENGTH);
  srt = path.join(dir, 'target.srt');
  writeCues(
    srt,
    PLACED.map(([, at, , , len]) => [at, at + len]),
  );
  // Tones the Parakeet fixture reads: "low" (300 Hz) at 2-3 s, "high" (3 kHz) at 6-7 s, "low" at 10-10.6 s.
  toneVideo = path.join(dir, 'tones.mkv');
  execFileSync('ffmpeg', [
    '-v', 'error',
    '-f', 'lavfi', '-i', 'testsrc=size=64x48:rate=5:duration=13',
    '-f', 'lavfi', '-i', 'anullsrc=r=16000:cl=mono:d=13',
    '-f', 'lavfi', '-i', 'sine=frequency=300:sample_rate=16000:duration=1',
    '-f', 'lavfi', '-i', 'sine=frequency=3000:sample_rate=16000:duration=1',
    '-f', 'lavfi', '-i', 'sine=frequency=300:sample_rate=16000:duration=0.6',
    '-filter_complex',
    '[2]adelay=2000:all=1[a];[3]adelay=6000:all=1[b];[4]adelay=10000:all=1[c];[1][a][b][c]amix=inputs=4:duration=first:normalize=0[o]',
    '-map', '0:v', '-map', '[o]', '-c:v', 'mpeg4', '-c:a', 'flac', '-y', toneVideo,
  ]); // prettier-ignore
  core = await createCore({ dataDir: data, transport: 'web', version: 'test' });
}, 120_000);
afterAll(async () => {
  await core?.close();
  cleanup();
});

describe('speakers in dubbing projects', () => {
  let p: DubProjectDetail;

  it('without the speaker pack: a plain error naming the pack, nothing changed', async () => {
    p = await call<DubProjectDetail>('dub.create', { media: { path: speechVideo }, targetSubs: { path: srt } });
    expect(p.segmentList.map((s) => [s.start, s.end])).toEqual(PLACED.map(([, at, , , len]) => [at, at + len]));
    const e = await refused('dub.findSpeakers', { projectId: p.id });
    expect(e.code).toBe('ENGINE_UNAVAILABLE');
    expect(e.message).toMatch(/"speaker-wespeaker-en" model pack.*timbre models download speaker-wespeaker-en/);
    const after = await call<DubProjectDetail>('dub.get', { projectId: p.id });
    expect(after.revision).toBe(p.revision);
    expect(speakersOf(after)).toEqual(PLACED.map(() => null));
    expect((await refused('dub.findSpeakers', { projectId: p.id, speakers: 0 })).code).toBe('INVALID_INPUT');
  });

  it('with the pack: clusters by voice at the threshold; the short segment joins, the shortest is skipped', async () => {
    makeSpectralSpeakerFixture(core.layout.models);
    const events: DubAnalysisProgress[] = [];
    const off = core.subscribe((event, payload) => {
      if (event === 'dub.analysis') events.push(payload as DubAnalysisProgress);
    });
    const r = await call<DubSpeakersResult>('dub.findSpeakers', { projectId: p.id });
    off();
    // Reader A appears first: "Speaker 1"; B: "Speaker 2". The 0.3 s segment keeps no speaker.
    const expected = WHO.map((w, i) => (i === 7 ? null : w === 'A' ? 'Speaker 1' : 'Speaker 2'));
    expect(speakersOf(r.project)).toEqual(expected);
    expect(r.speakers).toEqual([
      { name: 'Speaker 1', segments: 4 },
      { name: 'Speaker 2', segments: 3 },
    ]);
    expect(r.labelled).toBe(7);
    expect(r.joined).toEqual([{ segmentId: p.segmentList[6].id, start: 27, end: 27.8, speaker: 'Speaker 1' }]);
    expect(r.skipped.map((s) => s.segmentId)).toEqual([p.segmentList[7].id]);
    expect(r.skipped[0].reason).toMatch(/shorter than 0\.5 s/);
    expect(r.locked).toBe(0);
    expect(r.project.speakers.map((s) => s.name).sort()).toEqual(['Speaker 1', 'Speaker 2']);
    expect(r.project.revision).toBeGreaterThan(p.revision);
    // Progress: rising fractions while embedding, then done.
    const embedding = events.filter((e) => e.phase === 'embedding').map((e) => e.fraction);
    expect(embedding.length).toBe(8); // the start, then one per embedded segment (6 clustered + 1 joining)
    expect([...embedding].sort((a, b) => a - b)).toEqual(embedding);
    expect(events.at(-1)).toMatchObject({ projectId: p.id, task: 'speakers', phase: 'done', fraction: 1 });
    expect(integrity()).toBe('ok');
  });

  it('a known speaker count decides instead of the threshold; a strict threshold splits, never mixes', async () => {
    const one = await call<DubSpeakersResult>('dub.findSpeakers', { projectId: p.id, speakers: 1 });
    expect(new Set(speakersOf(one.project).slice(0, 7))).toEqual(new Set(['Speaker 1']));
    const two = await call<DubSpeakersResult>('dub.findSpeakers', { projectId: p.id, speakers: 2 });
    expect(speakersOf(two.project).slice(0, 7)).toEqual(
      WHO.slice(0, 7).map((w) => (w === 'A' ? 'Speaker 1' : 'Speaker 2')),
    );
    const pure = (labels: (string | null)[]) => {
      const by = new Map<string, Set<string>>();
      labels.slice(0, 6).forEach((l, i) => by.set(l!, (by.get(l!) ?? new Set()).add(WHO[i])));
      return [...by.values()].every((s) => s.size === 1);
    };
    const three = await call<DubSpeakersResult>('dub.findSpeakers', { projectId: p.id, speakers: 3 });
    expect(new Set(speakersOf(three.project).slice(0, 6)).size).toBe(3);
    expect(pure(speakersOf(three.project))).toBe(true);
    const strict = await call<DubSpeakersResult>('dub.findSpeakers', { projectId: p.id, threshold: 0.99 });
    expect(new Set(speakersOf(strict.project).slice(0, 6)).size).toBeGreaterThan(2);
    expect(pure(speakersOf(strict.project))).toBe(true);
    expect(integrity()).toBe('ok');
  });

  it('locked segments are never changed; a locked hand-given name names its cluster', async () => {
    const [a1, , , b2] = p.segmentList;
    await call('dub.updateSegment', { segmentId: a1.id, speaker: 'Alice', locked: true });
    await call('dub.updateSegment', { segmentId: b2.id, speaker: null, locked: true });
    const r = await call<DubSpeakersResult>('dub.findSpeakers', { projectId: p.id });
    expect(speakersOf(r.project)).toEqual(['Alice', 'Speaker 1', 'Alice', null, 'Alice', 'Speaker 1', 'Alice', null]);
    expect(r.project.segmentList[0]).toMatchObject({ locked: true, text: 'Line 1.', start: 1, end: 4.5 });
    expect(r.project.segmentList[3]).toMatchObject({ locked: true, speaker: null });
    expect(r.locked).toBe(2);
    expect(r.labelled).toBe(5);
    expect(r.speakers).toEqual([
      { name: 'Alice', segments: 4 },
      { name: 'Speaker 1', segments: 2 },
    ]);
    // All locked: nothing to find, said plainly.
    const d = await call<DubProjectDetail>('dub.create', { media: { path: speechVideo }, targetSubs: { path: srt } });
    for (const s of d.segmentList) await call('dub.updateSegment', { segmentId: s.id, locked: true });
    expect((await refused('dub.findSpeakers', { projectId: d.id })).message).toMatch(/Every segment is locked/);
    await call('dub.delete', { projectId: d.id });
  });

  it('cancel stops it with nothing changed; a second run at the same time is refused', async () => {
    const before = speakersOf(await call<DubProjectDetail>('dub.get', { projectId: p.id }));
    const seen: DubAnalysisProgress[] = [];
    let cancel: Promise<unknown> | null = null;
    const off = core.subscribe((event, payload) => {
      const e = payload as DubAnalysisProgress;
      if (event !== 'dub.analysis' || e.projectId !== p.id) return;
      seen.push(e);
      if (e.phase === 'embedding' && e.fraction > 0.05 && !cancel)
        cancel = core.dispatch('dub.cancelAnalysis', { projectId: p.id });
    });
    const runs = await Promise.allSettled([
      call('dub.findSpeakers', { projectId: p.id, speakers: 2 }),
      call('dub.findSpeakers', { projectId: p.id, speakers: 2 }),
    ]);
    off();
    const codes = runs.map((x) => (x.status === 'rejected' ? (x.reason as { code: string }).code : 'ok')).sort();
    expect(codes).toEqual(['CANCELLED', 'CONFLICT']);
    expect(cancel).not.toBeNull();
    expect(await cancel).toMatchObject({ ok: true, result: { cancelled: true } });
    expect(seen.at(-1)).toMatchObject({ phase: 'cancelled' });
    expect(speakersOf(await call<DubProjectDetail>('dub.get', { projectId: p.id }))).toEqual(before);
    expect(await call('dub.cancelAnalysis', { projectId: p.id })).toEqual({ cancelled: false });
    expect(integrity()).toBe('ok');
  });
});

describe('segments from a transcript', () => {
  it('without the ASR pack: a plain error naming it; with it, segments where none is, source text filled', async () => {
    const toneSrt = path.join(dir, 'tones.srt');
    writeFileSync(toneSrt, '1\n00:00:09,500 --> 00:00:11,000\nAlready here.\n');
    const d = await call<DubProjectDetail>('dub.create', { media: { path: toneVideo }, targetSubs: { path: toneSrt } });
    const e = await refused('dub.transcribe', { projectId: d.id });
    expect(e.code).toBe('ENGINE_UNAVAILABLE');
    expect(e.message).toMatch(/"parakeet-ctc-en" model pack.*timbre models download parakeet-ctc-en/);
    expect((await call<DubProjectDetail>('dub.get', { projectId: d.id })).revision).toBe(d.revision);

    const pack = path.join(core.layout.models, 'parakeet-ctc-en');
    mkdirSync(pack, { recursive: true });
    writeFileSync(path.join(pack, 'model.int8.onnx'), buildParakeetFixtureModel());
    writeFileSync(path.join(pack, 'tokens.txt'), FIXTURE_TOKENS.map((t, i) => `${t} ${i}`).join('\n') + '\n');
    const events: DubAnalysisProgress[] = [];
    const off = core.subscribe((event, payload) => {
      if (event === 'dub.analysis') events.push(payload as DubAnalysisProgress);
    });
    const r = await call<DubTranscribeResult>('dub.transcribe', { projectId: d.id });
    off();
    expect(r).toMatchObject({ added: 2, filled: 1, covered: 1, words: 3 });
    const segs = r.project.segmentList;
    expect(segs.map((s) => [s.sourceText, s.text])).toEqual([
      ['low', ''],
      ['high', ''],
      ['low', 'Already here.'],
    ]);
    for (const [i, [a, b]] of [
      [2, 3],
      [6, 7],
    ].entries()) {
      expect(Math.abs(segs[i].start - a)).toBeLessThan(0.15);
      expect(Math.abs(segs[i].end - b)).toBeLessThan(0.15);
    }
    expect(events.at(-1)).toMatchObject({ task: 'transcript', phase: 'done' });
    // Again: everything is covered now, nothing added. With asText, new segments get the text to speak too.
    expect(await call<DubTranscribeResult>('dub.transcribe', { projectId: d.id })).toMatchObject({
      added: 0,
      filled: 0,
      covered: 3,
    });
    const d2 = await call<DubProjectDetail>('dub.create', { media: { path: toneVideo } });
    const r2 = await call<DubTranscribeResult>('dub.transcribe', { projectId: d2.id, asText: true });
    expect(r2.project.segmentList.map((s) => [s.sourceText, s.text])).toEqual([
      ['low', 'low'],
      ['high', 'high'],
      ['low', 'low'],
    ]);
    expect(integrity()).toBe('ok');
  });
  it('long media goes in 300 s chunks: every word once, in order, at its time, across the seams', async () => {
    // 620 s: a tone word every 2 s (0.8 s long: 3 kHz "high" every third, else 300 Hz "low"), the pattern the
    // Parakeet fixture reads reliably; words 149 and 299 straddle the chunk seams at 300 s and 600 s.
    const RATE = 16_000;
    const starts = Array.from({ length: 309 }, (_, k) => 1.7 + 2 * k);
    const freq = (k: number) => (k % 3 === 0 ? 3000 : 300);
    const pcm = new Float32Array(620 * RATE);
    starts.forEach((t0, k) => {
      for (let i = Math.round(t0 * RATE); i < Math.round((t0 + 0.8) * RATE); i++)
        pcm[i] = 0.3 * Math.sin((2 * Math.PI * freq(k) * i) / RATE);
    });
    expect(starts[149]).toBeLessThan(300);
    expect(starts[149] + 0.8).toBeGreaterThan(300);
    expect(starts[299]).toBeLessThan(600);
    expect(starts[299] + 0.8).toBeGreaterThan(600);
    const long = path.join(dir, 'long.wav');
    writeFileSync(long, encodeWav(pcm, RATE, 16));
    const d = await call<DubProjectDetail>('dub.create', { media: { path: long } });
    const fractions: number[] = [];
    const off = core.subscribe((event, payload) => {
      const e = payload as DubAnalysisProgress;
      if (event === 'dub.analysis' && e.projectId === d.id && e.phase === 'transcribing') fractions.push(e.fraction);
    });
    const r = await call<DubTranscribeResult>('dub.transcribe', { projectId: d.id });
    off();
    expect(r.words).toBe(starts.length);
    // Pauses of 1.2 s end segments: one segment per word.
    const segs = r.project.segmentList;
    expect(segs.map((x) => x.sourceText)).toEqual(starts.map((_, k) => (freq(k) === 3000 ? 'high' : 'low')));
    segs.forEach((x, k) => {
      expect(Math.abs(x.start - starts[k])).toBeLessThan(0.15);
      expect(Math.abs(x.end - (starts[k] + 0.8))).toBeLessThan(0.15);
    });
    expect([...fractions].sort((a, b) => a - b)).toEqual(fractions);
    expect(fractions.at(-1)).toBeGreaterThan(0.9);
    await call('dub.delete', { projectId: d.id });
  }, 180_000);
});

describe('timbre dub --cluster-speakers', () => {
  it('labels the cues without a speaker by voice; a named cue names its cluster; the labels take voices', async () => {
    const named = path.join(dir, 'named.srt');
    writeFileSync(named, readFileSync(srt, 'utf8').replace('Line 1.', 'ANNA: Line 1.'));
    const models = path.join(dir, 'cli-models');
    const cliData = path.join(dir, 'cli-data');
    const out = path.join(dir, 'cli-out.wav');
    const report = path.join(dir, 'cli-report.json');
    const args = ['--data-dir', cliData, 'dub', speechVideo, '--subs', named, '-o', out, '--background', 'none'];
    const missing = await timbre([...args, '--cluster-speakers'], { TIMBRE_MODELS_DIR: models });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/"speaker-wespeaker-en" model pack/);
    const bad = await timbre([...args, '--cluster-speakers', 'two'], { TIMBRE_MODELS_DIR: models });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--cluster-speakers takes a speaker count/);
    makeSpectralSpeakerFixture(models);
    const ok = await timbre(
      [...args, '--cluster-speakers', '2', '--speaker-voice', 'Speaker 1=espeak:en-us+m3', '--report', report],
      { TIMBRE_MODELS_DIR: models },
    );
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stderr).toMatch(/note: Cue 8 is shorter than 0\.5 s: its speaker was not found\./);
    const r = JSON.parse(readFileSync(report, 'utf8')) as {
      segments: { speaker: string | null; voice: string }[];
      warnings: string[];
    };
    expect(r.segments.map((x) => x.speaker)).toEqual(
      WHO.map((w, i) => (i === 7 ? null : w === 'A' ? 'ANNA' : 'Speaker 1')),
    );
    expect(r.segments.map((x) => x.voice)).toEqual(
      WHO.map((w, i) => (i !== 7 && w === 'B' ? 'espeak:en-us+m3' : 'espeak:en-us')),
    );
    expect(r.warnings).toContain('Cue 8 is shorter than 0.5 s: its speaker was not found.');
  }, 120_000);
});

describe('a segment holding two speakers', () => {
  it('is reported with where the voice changes and who speaks before and after; nothing is split', async () => {
    makeSpectralSpeakerFixture(core.layout.models);
    // Readers A and B take turns; the third cue is 6 s of A alone (long enough to be checked: not flagged); the last
    // cue holds A's 3.5 s and then B's 3.5 s right after, as a cue spanning a reply would.
    const placed: PlacedReading[] = [
      ['A', 1.0, 'lj_LJ001-0001', 0.5, 3.5],
      ['B', 5.5, 'ls_1688-142285-0000', 0.5, 3.5],
      ['A', 10.0, 'lj_LJ001-0003', 0.5, 6.0],
      ['B', 17.0, 'ls_1688-142285-0001', 0.5, 3.5],
      ['A', 21.5, 'lj_LJ001-0005', 0.5, 3.5],
      ['B', 25.0, 'ls_1688-142285-0000', 5.5, 3.5],
    ];
    const video = path.join(dir, 'reply.mkv');
    readersVideo(video, placed, 30);
    const cues: [number, number][] = [[1, 4.5], [5.5, 9], [10, 16], [17, 20.5], [21.5, 28.5]]; // prettier-ignore
    const subs = path.join(dir, 'reply.srt');
    writeCues(subs, cues);
    const q = await call<DubProjectDetail>('dub.create', { media: { path: video }, targetSubs: { path: subs } });
    const r = await call<DubSpeakersResult>('dub.findSpeakers', { projectId: q.id, speakers: 2 });
    expect(speakersOf(r.project).slice(0, 4)).toEqual(['Speaker 1', 'Speaker 2', 'Speaker 1', 'Speaker 2']);
    expect(r.mixed).toHaveLength(1);
    const [m] = r.mixed;
    expect(m.segmentId).toBe(q.segmentList[4].id);
    expect(m.speakers).toEqual(['Speaker 1', 'Speaker 2']); // A, then B
    expect(Math.abs(m.at - 25), `change placed at ${m.at} s`).toBeLessThanOrEqual(0.75);
    // Reported only: the segment is still one.
    expect(r.project.segmentList).toHaveLength(5);
    expect(r.project.segmentList[4]).toMatchObject({ start: 21.5, end: 28.5 });
  }, 120_000);
});
