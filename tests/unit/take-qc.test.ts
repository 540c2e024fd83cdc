/**
 * Take QC: real speech from ../shared/eval with a word cut out or a phrase said twice is flagged, the untouched clip
 * passes; the rules on their own (clusters, long pauses with and without a [pause] tag, clipping); and in the core,
 * eSpeak takes of a project are checked in the background after generation, `projects.qc` lists flagged lines first,
 * and `timbre qc` prints the same.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeWav } from '../../native-models/audio/wav.js';
import type { AlignResult, ProjectQc, TakeQc } from '../../preload/contract/index.js';
import { frameLevels, scanClipping, takeQc, weakClusters } from '../../native-models/speech/qc.js';
import { AlignerHost } from '../../main/node/speech/aligner-host.js';
import { createCore, type Core } from '../../main/node/core.js';
import { tempDir } from '../helpers/tmp.js';

const ROOT = path.resolve(__dirname, '../..');
const LJ = 'lj_LJ001-0001';
const LJ_TEXT =
  'Printing, in the only sense with which we are at present concerned, differs from most if not from all the arts and crafts represented in the Exhibition';

const word = (w: string, start: number, end: number, score = 0.9): AlignResult['words'][number] => ({
  word: w,
  start,
  end,
  score,
  status: score < 0.5 ? 'weak' : 'ok',
});
const alignment = (words: AlignResult['words'], extra = 0): AlignResult => ({
  words,
  score: 0.8,
  verdict: 'match',
  unexpectedSpeechSeconds: extra,
  reasons: [],
  aligner: 'test',
  durationSeconds: 10,
});
const noClip = { firstAt: null, samples: 0 };

describe('QC rules', () => {
  it('flags a cluster of weak words, not a single weak word', () => {
    const s = (scores: number[]) => scores.map((sc) => ({ score: sc, status: sc < 0.5 ? 'weak' : 'ok' }));
    expect(weakClusters(s([0.9, 0.05, 0.9, 0.9]))).toEqual([]);
    expect(weakClusters(s([0.9, 0.05, 0.9, 0.2, 0.9]))).toEqual([1, 3]);
    expect(weakClusters(s([0.1, 0.9, 0.9, 0.2]))).toEqual([]);
    expect(weakClusters(s([0.9, 0.1, 0.2]))).toEqual([1, 2]);
  });

  it('flags a long pause, allowing for the pause the line asks for', () => {
    const words = [word('one', 0.1, 0.5), word('two', 3.0, 3.4)];
    const flagged = takeQc({ takeId: 't', alignment: alignment(words), durationSeconds: 3.6, clipping: noClip });
    expect(flagged.status).toBe('flagged');
    expect(flagged.issues).toEqual([{ kind: 'long-silence', at: 0.5, seconds: 2.5 }]);
    expect(flagged.summary).toBe('A 2.5 s pause at 0.5 s.');
    const tagged = takeQc({
      takeId: 't',
      alignment: alignment(words),
      durationSeconds: 3.6,
      clipping: noClip,
      deliberatePauseSeconds: 2,
    });
    expect(tagged.status).toBe('ok');
    // Silence at the end counts too.
    const tail = takeQc({
      takeId: 't',
      alignment: alignment(words),
      durationSeconds: 8,
      clipping: noClip,
      deliberatePauseSeconds: 2,
    });
    expect(tail.issues).toEqual([{ kind: 'long-silence', at: 3.4, seconds: 4.6 }]);
  });

  it('calls a "pause" that is mostly sound extra speech (a repeat the aligner left out), not a pause', () => {
    const rate = 16_000;
    const x = new Float32Array(rate * 4);
    const tone = (from: number, to: number) => {
      for (let i = Math.round(from * rate); i < Math.round(to * rate); i++) x[i] = 0.3 * Math.sin(i * 0.2);
    };
    tone(0.1, 0.5);
    tone(3.0, 3.4);
    const words = [word('one', 0.1, 0.5), word('two', 3.0, 3.4)];
    const quiet = takeQc({
      takeId: 't',
      alignment: alignment(words),
      durationSeconds: 3.6,
      clipping: noClip,
      levels: frameLevels(x.subarray(0, 3.6 * rate), rate),
    });
    expect(quiet.issues).toEqual([{ kind: 'long-silence', at: 0.5, seconds: 2.5 }]);
    tone(0.6, 2.9); // the gap now sounds
    const loud = takeQc({
      takeId: 't',
      alignment: alignment(words),
      durationSeconds: 3.6,
      clipping: noClip,
      levels: frameLevels(x.subarray(0, 3.6 * rate), rate),
    });
    expect(loud.issues).toHaveLength(1);
    expect(loud.issues[0].kind).toBe('extra-speech');
    expect((loud.issues[0] as { seconds: number }).seconds).toBeCloseTo(2.3, 1);
  });

  it('finds runs of full-scale samples, not single peaks', () => {
    const x = new Float32Array(48_000);
    x[100] = 1; // one peak
    x[24_000] = x[24_001] = x[24_002] = x[24_003] = -1;
    expect(scanClipping(x, 48_000)).toEqual({ firstAt: 0.5, samples: 4 });
    const q = takeQc({
      takeId: 't',
      alignment: alignment([word('a', 0, 0.5)]),
      durationSeconds: 1,
      clipping: scanClipping(x, 48_000),
    });
    expect(q.issues).toEqual([{ kind: 'clipping', at: 0.5, samples: 4 }]);
  });

  it('reports extra speech beyond a second, and a weak word stretched over a repeat', () => {
    const q = takeQc({
      takeId: 't',
      alignment: alignment([word('a', 0, 0.5)], 1.4),
      durationSeconds: 1,
      clipping: noClip,
    });
    expect(q.issues).toEqual([{ kind: 'extra-speech', seconds: 1.4 }]);
    const s = takeQc({
      takeId: 't',
      alignment: alignment([word('a', 0, 0.5), word('represented', 0.5, 2.3, 0.05)], 0.2),
      durationSeconds: 2.4,
      clipping: noClip,
    });
    expect(s.issues).toEqual([{ kind: 'extra-speech', seconds: 2 }]);
  });
});

describe('QC on real speech (../shared/eval)', () => {
  const host = new AlignerHost();
  const clip = decodeWav(readFileSync(path.join(ROOT, '..', 'shared', 'eval', 'speech', 'native', `${LJ}.wav`)));
  const r = clip.sampleRate;
  let clean: AlignResult;
  const qcOf = async (samples: Float32Array): Promise<TakeQc> =>
    takeQc({
      takeId: 't',
      alignment: await host.align(samples, r, LJ_TEXT, 'en'),
      durationSeconds: samples.length / r,
      clipping: scanClipping(samples, r),
    });
  const at = (s: number) => Math.round(s * r);
  const find = (w: string) => clean.words.find((x) => x.word === w)!;

  afterAll(() => host.dispose());

  it('passes the untouched recording, with word times in order', async () => {
    clean = await host.align(clip.samples, r, LJ_TEXT, 'en');
    const q = takeQc({
      takeId: 't',
      alignment: clean,
      durationSeconds: clip.samples.length / r,
      clipping: scanClipping(clip.samples, r),
    });
    expect(q.status, q.summary).toBe('ok');
    expect(q.words).toHaveLength(27);
    for (let i = 1; i < q.words.length; i++)
      expect(q.words[i].start!).toBeGreaterThanOrEqual(q.words[i - 1].end! - 1e-6);
  }, 120_000);

  it('flags the recording with one word cut out, naming words around the cut', async () => {
    const only = find('only');
    const cut = new Float32Array([
      ...clip.samples.subarray(0, at(only.start!)),
      ...clip.samples.subarray(at(only.end!)),
    ]);
    const q = await qcOf(cut);
    expect(q.status).toBe('flagged');
    const unclear = q.issues.find((i) => i.kind === 'unclear-words' || i.kind === 'missing-words');
    expect(unclear, q.summary).toBeDefined();
    const named = (unclear as { words: string[] }).words;
    expect(
      named.some((w) => ['the', 'only', 'sense', 'with', 'which'].includes(w)),
      named.join(' '),
    ).toBe(true);
  }, 120_000);

  it('flags the recording with a phrase said twice', async () => {
    const from = find('sense');
    const to = find('which');
    const s0 = at(from.start!);
    const s1 = at(to.end!);
    const twice = new Float32Array([
      ...clip.samples.subarray(0, s1),
      ...clip.samples.subarray(s0, s1),
      ...clip.samples.subarray(s1),
    ]);
    const q = await qcOf(twice);
    expect(q.status, q.summary).toBe('flagged');
  }, 120_000);
});

describe('QC in the core and `timbre qc`', () => {
  let core: Core;
  let t: { dir: string; cleanup: () => void };
  let projectId = '';
  const call = async <T>(method: string, params: unknown): Promise<T> => {
    const res = await core.dispatch(method, params);
    if (!res.ok) throw new Error(`${res.error.code}: ${res.error.message}`);
    return res.result as T;
  };

  beforeAll(async () => {
    execFileSync(process.execPath, ['build/scripts/build.mjs', '--node', '--if-stale'], { stdio: 'ignore', cwd: ROOT });
    t = tempDir();
    core = await createCore({ dataDir: path.join(t.dir, 'data'), transport: 'web', version: 'test' });
    projectId = (await call<{ id: string }>('projects.create', { name: 'QC' })).id;
    await call('script.import', {
      projectId,
      source: {
        text: 'It was the best of times, it was the worst of times.\n\nCan you tell us how you got started?\n\nThank you for listening [pause 2s] and see you next week.',
        format: 'txt',
      },
    });
    await call('jobs.generate', { projectId });
    await core.jobs.idle();
    await core.qc.idle();
  }, 300_000);

  afterAll(async () => {
    await core?.close();
    t?.cleanup();
  });

  it('checked every new eSpeak take in the background and found nothing wrong', async () => {
    const report = await call<ProjectQc>('projects.qc', { projectId });
    expect(report.lines).toHaveLength(3);
    for (const l of report.lines) {
      expect(l.qc.status, `${l.text}: ${l.qc.summary}`).toBe('ok');
      expect(l.qc.words.length).toBeGreaterThan(3);
      expect(l.qc.aligner).toMatch(/SoundSwallower/);
    }
    // The stored result is what takes.qc answers (no second alignment).
    const take = await call<TakeQc>('takes.qc', { takeId: report.lines[0].qc.takeId });
    expect(take).toEqual(report.lines[0].qc);
  });

  it('lists a flagged take first, and `timbre qc` prints it with its issue', async () => {
    // Replace one take's audio with the same take said twice over: QC of that take now flags it.
    const report = await call<ProjectQc>('projects.qc', { projectId });
    const target = report.lines.find((l) => l.text.startsWith('Can you'))!;
    const file = core.takeFilePath(target.qc.takeId);
    const wav = decodeWav(readFileSync(file));
    const { encodeWav } = await import('../../native-models/audio/wav.js');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(file, encodeWav(new Float32Array([...wav.samples, ...wav.samples]), wav.sampleRate));
    await core.qc.check(target.qc.takeId);
    const again = await call<ProjectQc>('projects.qc', { projectId });
    expect(again.lines[0].lineId).toBe(target.lineId);
    expect(again.lines[0].qc.status, again.lines[0].qc.summary).toBe('flagged');
    // The second reading lies after the last placed word: sound, so extra speech rather than a long pause.
    expect(again.lines[0].qc.issues.map((i) => i.kind)).toContain('extra-speech');
    expect(again.lines[0].qc.issues.map((i) => i.kind)).not.toContain('long-silence');
    expect(again.flagged).toBe(1);
    expect(again.ok).toBe(2);
    await core.close();
    const dataDir = path.join(t.dir, 'data');
    const cli = spawnSync(process.execPath, ['bin/timbre.mjs', '--data-dir', dataDir, 'qc', projectId], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(cli.status, cli.stderr).toBe(0);
    const lines = cli.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^FLAGGED +[\d.]+ line +2 +Can you tell us/);
    expect(lines.at(-1)).toBe('1 flagged, 2 ok, 0 not checked');
    const json = spawnSync(process.execPath, ['bin/timbre.mjs', '--data-dir', dataDir, 'qc', projectId, '--json'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect((JSON.parse(json.stdout) as ProjectQc).flagged).toBe(1);
    const missing = spawnSync(process.execPath, ['bin/timbre.mjs', '--data-dir', dataDir, 'qc', 'pr_nope'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(missing.status).toBe(2);
    core = await createCore({ dataDir, transport: 'web', version: 'test' });
  }, 300_000);
});
