/**
 * Take QC with the installed packs (issue #10): voice drift from the speaker-embedding pack and word errors from the
 * speech-recognition pack, on real SQLite projects with real eSpeak takes and real ONNX graphs with the packs'
 * published contracts (tests/fixtures). Also the pure rules: the word diff behind the word error rate, and how the
 * pack findings join the aligner's.
 *
 * The speaker graph here is a contract fixture like `speaker-fixture.ts` (same input, output, metadata) whose
 * embedding is each fbank band's variance over time, centred across the bands: a recording's spectral profile. Same
 * eSpeak voice, other text: similarity about 0.8; a 3 kHz tone: below 0. (`speaker-fixture.ts`'s per-band maximum
 * is non-negative everywhere, so every recording looks alike to it, tones included.)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeWav, encodeWav } from '../../native-models/audio/wav.js';
import { resample } from '../../native-models/dsp/resample.js';
import { EspeakRuntime } from '../../native-models/espeak/runtime.js';
import { SPEAKER_PACK_ID, SpeakerEmbedder } from '../../native-models/speaker/embedder.js';
import { PARAKEET_PACK_ID } from '../../native-models/asr/parakeet.js';
import { wordDiff } from '../../native-models/asr/wer.js';
import { MAX_TAKE_WER, VOICE_DRIFT_THRESHOLD, describeIssue, withPackChecks } from '../../native-models/speech/qc.js';
import { takeRank } from '../../main/node/speech/auto-retake.js';
import { AlignerHost } from '../../main/node/speech/aligner-host.js';
import { TakeQcService } from '../../main/node/speech/take-qc.js';
import { createCore, type Core } from '../../main/node/core.js';
import type { ProjectQc, TakeQc } from '../../preload/contract/index.js';
import { GraphBuilder, attr, buildModel } from '../fixtures/onnx-builder.js';
import { makeParakeetFixture } from '../fixtures/parakeet-fixture.js';
import { tempDir } from '../helpers/tmp.js';
import { tones } from '../helpers/tones.js';

const ROOT = path.resolve(__dirname, '../..');

const baseQc = (over: Partial<TakeQc> = {}): TakeQc => ({
  takeId: 't',
  status: 'ok',
  score: 0.9,
  issues: [],
  summary: 'Every word heard; no long pauses, no clipping.',
  words: [],
  aligner: 'test',
  reason: null,
  ...over,
});

describe('pack findings, the rules', () => {
  it('lists the words that differ, one minimal edit script', () => {
    const d = wordDiff('the cat sat on the mat'.split(' '), 'the hat sat on mat today'.split(' '));
    expect(d.substituted).toEqual([{ expected: 'cat', heard: 'hat' }]);
    expect(d.missing).toEqual(['the']);
    expect(d.extra).toEqual(['today']);
    expect(d.wer).toBeCloseTo(3 / 6, 6);
    expect(wordDiff(['a', 'b'], ['a', 'b'])).toEqual({ wer: 0, missing: [], extra: [], substituted: [] });
    expect(wordDiff([], ['x']).wer).toBe(1);
  });

  it('lets the recogniser decide about the words; flags a word error rate over the limit with the words', () => {
    const aligned = baseQc({
      status: 'flagged',
      issues: [
        { kind: 'unclear-words', words: ['five', 'past'] },
        { kind: 'long-silence', at: 1, seconds: 2 },
      ],
      summary: 'x',
    });
    // The transcript agrees with the text (numbers compared as spoken): the aligner's word finding goes, the pause stays.
    const agreed = withPackChecks(aligned, {
      asr: { reference: 'it is five past ten', transcript: 'It is five past ten.' },
    });
    expect(agreed.wer).toBe(0);
    expect(agreed.issues.map((i) => i.kind)).toEqual(['long-silence']);
    expect(agreed.status).toBe('flagged');
    const wrong = withPackChecks(baseQc(), {
      asr: { reference: 'it is five past ten', transcript: 'it is five ten ten' },
    });
    expect(wrong.status).toBe('flagged');
    expect(wrong.wer).toBeCloseTo(0.2, 6);
    expect(wrong.issues).toEqual([
      { kind: 'word-errors', wer: 0.2, missing: [], extra: [], substituted: [{ expected: 'past', heard: 'ten' }] },
    ]);
    expect(wrong.summary).toBe('Heard other words (20 % word errors): "past" heard as "ten".');
    // At the limit is not over it.
    const ref = Array.from({ length: 20 }, (_, i) => `w${i}`);
    const hyp = [...ref.slice(0, 17), 'x', 'y', 'z'];
    expect(3 / 20).toBe(MAX_TAKE_WER);
    expect(withPackChecks(baseQc(), { asr: { reference: ref.join(' '), transcript: hyp.join(' ') } }).status).toBe(
      'ok',
    );
  });

  it('flags voice drift under the threshold, not at or over it; an unchecked take stays unchecked', () => {
    const low = withPackChecks(baseQc(), { similarity: 0.31 });
    expect(low.status).toBe('flagged');
    expect(low.similarity).toBe(0.31);
    expect(low.issues).toEqual([{ kind: 'voice-drift', similarity: 0.31, threshold: VOICE_DRIFT_THRESHOLD }]);
    expect(describeIssue(low.issues[0])).toBe(
      `Voice drift: sounds 31 % like the voice's samples (at least ${VOICE_DRIFT_THRESHOLD * 100} % expected).`,
    );
    const same = withPackChecks(baseQc(), { similarity: VOICE_DRIFT_THRESHOLD });
    expect(same.status).toBe('ok');
    expect(same.summary).toMatch(/sounds like its voice/);
    // A negative cosine is clamped to 0.
    expect(withPackChecks(baseQc(), { similarity: -0.2 }).similarity).toBe(0);
    const unchecked = baseQc({ status: 'unchecked', score: null, summary: 'Not checked: x', reason: 'x' });
    expect(withPackChecks(unchecked, { similarity: 0.1 })).toEqual(unchecked);
  });

  it('auto-retake ranks flagged tries by the aligner score together with similarity and word errors', () => {
    const a = baseQc({ status: 'flagged', score: 0.8, similarity: 0.2 });
    const b = baseQc({ status: 'flagged', score: 0.7, similarity: 0.9 });
    expect(takeRank(b)[1]).toBeGreaterThan(takeRank(a)[1]);
    expect(takeRank(baseQc({ status: 'flagged', score: 0.8, wer: 0.5 }))[1]).toBeCloseTo(0.65, 6);
    expect(takeRank(baseQc({ score: 0.8 }))).toEqual([2, 0.8]);
  });
});

/** A speaker-embedding graph with the pack's contract: embedding = per-band variance over time, centred. */
function profileSpeakerPack(root: string): string {
  const g = new GraphBuilder('speaker_profile_fixture');
  const x = g.input('feats', 'float32', ['N', 'T', 80]);
  const v = g.op1('ReduceMean', [g.op1('Mul', [x, x])], { axes: attr.ints([1]), keepdims: attr.int(0) });
  const c = g.op1('Sub', [v, g.op1('ReduceMean', [v], { axes: attr.ints([1]), keepdims: attr.int(1) })]);
  g.output('embs', 'float32', ['N', 80], c);
  const dir = path.join(root, 'speaker-wespeaker-en');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, 'wespeaker_en_voxceleb_resnet34_LM.onnx'),
    buildModel(g, {
      metadata: {
        framework: 'wespeaker',
        sample_rate: '16000',
        normalize_samples: '0',
        output_dim: '80',
        feature_normalize_type: 'global-mean',
        language: 'English',
      },
    }),
  );
  return dir;
}

async function espeak(text: string): Promise<Float32Array> {
  const out = await new EspeakRuntime().run(['-v', 'en-us', '-w', 'r.wav', text], { outputs: ['r.wav'], clockMs: 0 });
  const wav = decodeWav(out.outputs.get('r.wav')!);
  return resample(wav.samples, wav.sampleRate, 16000);
}

beforeAll(() => {
  execFileSync(process.execPath, ['build/scripts/build.mjs', '--node', '--if-stale'], { stdio: 'ignore', cwd: ROOT });
}, 300_000);

const dispatch = async <T>(core: Core, method: string, params: unknown): Promise<T> => {
  const res = await core.dispatch(method, params);
  if (!res.ok) throw new Error(`${res.error.code}: ${res.error.message}`);
  return res.result as T;
};

async function projectWithTakes(core: Core, text: string): Promise<ProjectQc> {
  const projectId = (await dispatch<{ id: string }>(core, 'projects.create', { name: 'QC packs' })).id;
  await dispatch(core, 'script.import', { projectId, source: { text, format: 'txt' } });
  await dispatch(core, 'jobs.generate', { projectId });
  await core.jobs.idle();
  await core.qc.idle();
  return dispatch<ProjectQc>(core, 'projects.qc', { projectId });
}

describe('voice drift (speaker-embedding pack)', () => {
  let core: Core;
  let t: { dir: string; cleanup: () => void };
  const host = new AlignerHost();
  let embedder: SpeakerEmbedder;
  let reference: Float32Array;

  beforeAll(async () => {
    t = tempDir();
    embedder = new SpeakerEmbedder(profileSpeakerPack(path.join(t.dir, 'packs')));
    reference = await espeak('This is a sample of my voice, read slowly and clearly for the studio.');
    core = await createCore({ dataDir: path.join(t.dir, 'data'), transport: 'web', version: 'test' });
  }, 120_000);

  afterAll(async () => {
    host.dispose();
    await embedder?.dispose();
    await core?.close();
    t?.cleanup();
  });

  it('scores each take against its voice once embedded, flags a take that sounds unlike it, and `timbre qc --json` shows it', async () => {
    const report = await projectWithTakes(core, 'It was the best of times, it was the worst of times.');
    const takeId = report.lines[0].qc.takeId;
    let key = 'smp-a';
    let loads = 0;
    const runs: string[] = [];
    const qc = new TakeQcService({
      onModelRun: (id, engine) => runs.push(`${engine} ${id}`),
      repos: core.repos,
      takesDir: core.layout.takes,
      aligner: host,
      languageOf: async () => 'en-us',
      speakerEmbedder: () => embedder,
      voiceSamples: () => {
        return {
          key,
          load: async () => {
            loads++;
            return [{ samples: reference, sampleRate: 16000 }];
          },
        };
      },
    });
    const same = await qc.check(takeId);
    // Each model run on the take is announced (the core writes them to the privacy ledger).
    expect(runs).toEqual([`aligner ${takeId}`, `${SPEAKER_PACK_ID} ${takeId}`]);
    expect(same.similarity, same.summary).toBeGreaterThan(VOICE_DRIFT_THRESHOLD);
    expect(same.status, same.summary).toBe('ok');
    expect(same.summary).toMatch(/sounds like its voice/);

    // The same take again: the voice's embedding is cached (its samples are not decoded twice).
    expect((await qc.check(takeId)).similarity).toBe(same.similarity);
    expect(loads).toBe(1);

    // The take replaced by something that sounds nothing like the voice.
    const file = core.takeFilePath(takeId);
    const wav = decodeWav((await import('node:fs')).readFileSync(file));
    writeFileSync(file, encodeWav(resample(tones([3000, 3000, 3000]), 16000, wav.sampleRate), wav.sampleRate));
    const drift = await qc.check(takeId);
    expect(drift.status).toBe('flagged');
    expect(drift.similarity!).toBeLessThan(VOICE_DRIFT_THRESHOLD);
    expect(drift.issues).toContainEqual({
      kind: 'voice-drift',
      similarity: drift.similarity,
      threshold: VOICE_DRIFT_THRESHOLD,
    });
    expect(drift.summary).toMatch(/Voice drift: sounds -?\d+ % like the voice's samples/);
    expect(loads).toBe(1);

    // The voice's samples changed: embedded again.
    key = 'smp-b';
    await qc.check(takeId);
    expect(loads).toBe(2);

    // `timbre qc --json` reports the stored check with its similarity.
    await core.close();
    const dataDir = path.join(t.dir, 'data');
    const json = spawnSync(
      process.execPath,
      ['bin/timbre.mjs', '--data-dir', dataDir, 'qc', report.projectId, '--json'],
      { cwd: ROOT, encoding: 'utf8' },
    );
    expect(json.status, json.stderr).toBe(0);
    const out = JSON.parse(json.stdout) as ProjectQc;
    expect(out.flagged).toBe(1);
    expect(out.lines[0].qc.similarity).toBe(drift.similarity);
    expect(out.lines[0].qc.issues.map((i) => i.kind)).toContain('voice-drift');
    const text = spawnSync(process.execPath, ['bin/timbre.mjs', '--data-dir', dataDir, 'qc', report.projectId], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(text.stdout).toMatch(/Voice drift: sounds/);
    core = await createCore({ dataDir, transport: 'web', version: 'test' });
  }, 300_000);

  it('a take too short to embed is checked without the similarity', async () => {
    const report = await projectWithTakes(core, 'Hi.');
    const takeId = report.lines[0].qc.takeId;
    const file = core.takeFilePath(takeId);
    const wav = decodeWav((await import('node:fs')).readFileSync(file));
    writeFileSync(file, encodeWav(wav.samples.subarray(0, Math.round(wav.sampleRate * 0.3)), wav.sampleRate));
    const logs: string[] = [];
    const qc = new TakeQcService({
      repos: core.repos,
      takesDir: core.layout.takes,
      aligner: host,
      languageOf: async () => 'en-us',
      speakerEmbedder: () => embedder,
      voiceSamples: () => ({ key: 'k', load: async () => [{ samples: reference, sampleRate: 16000 }] }),
      log: (m) => logs.push(m),
    });
    const r = await qc.check(takeId);
    expect(r.status).not.toBe('unchecked');
    expect(r.similarity).toBeUndefined();
    expect(r.issues.map((i) => i.kind)).not.toContain('voice-drift');
    expect(logs.join('\n')).toMatch(/Speaker check of take .* skipped/);
  }, 300_000);
});

describe('voice drift of a built-in voice (its own reading of a fixed text as the reference, in the core)', () => {
  let core: Core;
  let t: { dir: string; cleanup: () => void };

  beforeAll(async () => {
    t = tempDir();
    const dataDir = path.join(t.dir, 'data');
    profileSpeakerPack(path.join(dataDir, 'models')); // where the pack manager installs it
    core = await createCore({ dataDir, transport: 'web', version: 'test' });
  }, 120_000);

  afterAll(async () => {
    await core?.close();
    t?.cleanup();
  });

  it('scores an eSpeak take against the voice reading the reference, flags a take that sounds unlike it, and the dub report uses the same measure', async () => {
    const report = await projectWithTakes(core, 'It was the best of times, it was the worst of times.');
    const qc = report.lines[0].qc;
    // The background check after generation measured it: eSpeak against eSpeak reading another text.
    expect(qc.similarity, qc.summary).toBeGreaterThan(VOICE_DRIFT_THRESHOLD);
    expect(qc.issues.map((i) => i.kind)).not.toContain('voice-drift');

    const file = core.takeFilePath(qc.takeId);
    const rate = decodeWav((await import('node:fs')).readFileSync(file)).sampleRate;
    const voiceId = core.repos.takes.row(qc.takeId).voice_id;
    const ref = await core.dub.takeSimilarity!(
      { id: voiceId, engineId: 'espeak', voiceId: voiceId.slice('espeak:'.length), options: {}, maxRate: null },
      decodeWav((await import('node:fs')).readFileSync(file)).samples,
      rate,
      new AbortController().signal,
    );
    expect(ref).toBeCloseTo(qc.similarity!, 3); // one measure for take QC and the dub report

    writeFileSync(file, encodeWav(resample(tones([3000, 3000, 3000]), 16000, rate), rate));
    const drift = await core.qc.check(qc.takeId);
    expect(drift.status).toBe('flagged');
    expect(drift.similarity!).toBeLessThan(VOICE_DRIFT_THRESHOLD);
    expect(drift.issues.map((i) => i.kind)).toContain('voice-drift');
  }, 300_000);
});

describe('word errors (speech-recognition pack, in the core)', () => {
  let core: Core;
  let t: { dir: string; cleanup: () => void };
  let fixture: ReturnType<typeof makeParakeetFixture>;

  beforeAll(async () => {
    t = tempDir();
    const dataDir = path.join(t.dir, 'data');
    // The fixture pack installed in the data folder's models folder, as `timbre models download` leaves it.
    fixture = makeParakeetFixture();
    const models = path.join(dataDir, 'models', 'parakeet-ctc-en');
    mkdirSync(models, { recursive: true });
    for (const f of ['model.int8.onnx', 'tokens.txt'])
      writeFileSync(path.join(models, f), (await import('node:fs')).readFileSync(path.join(fixture.dir, f)));
    core = await createCore({ dataDir, transport: 'web', version: 'test' });
  }, 120_000);

  afterAll(async () => {
    await core?.close();
    t?.cleanup();
    fixture?.cleanup();
  });

  it('transcribes each take, passes the words heard as written, flags one with a word missing and names it', async () => {
    const report = await projectWithTakes(core, 'Low high low.');
    const takeId = report.lines[0].qc.takeId;
    // The background check after generation transcribed the eSpeak take (the fixture hears tones, not words).
    expect(report.lines[0].qc.transcript).toBeDefined();
    expect(report.lines[0].qc.wer).toBeDefined();

    // The take replaced by what the fixture hears as "low high low": no word finding, whatever the aligner thinks.
    const file = core.takeFilePath(takeId);
    const rate = decodeWav((await import('node:fs')).readFileSync(file)).sampleRate;
    writeFileSync(file, encodeWav(resample(tones([300, 3000, 300]), 16000, rate), rate));
    const good = await core.qc.check(takeId);
    expect(good.transcript).toBe('low high low');
    // The privacy ledger has the recogniser's run on this take, beside the aligner's.
    const ledger = await core.dispatch('privacy.ledger', { kind: 'model.run' });
    if (!ledger.ok) throw new Error(ledger.error.message);
    const runs = (ledger.result as { entries: { detail: Record<string, unknown> }[] }).entries
      .filter((e) => e.detail.item === 'take' && e.detail.itemId === takeId)
      .map((e) => e.detail.engine);
    expect(runs).toContain(PARAKEET_PACK_ID);
    expect(runs).toContain('aligner');
    expect(good.wer).toBe(0);
    expect(good.issues.map((i) => i.kind)).not.toContain('word-errors');
    expect(good.issues.map((i) => i.kind)).not.toContain('missing-words');
    expect(good.issues.map((i) => i.kind)).not.toContain('unclear-words');

    // "low" skipped at the end.
    writeFileSync(file, encodeWav(resample(tones([300, 3000]), 16000, rate), rate));
    const skipped = await core.qc.check(takeId);
    expect(skipped.status).toBe('flagged');
    expect(skipped.transcript).toBe('low high');
    expect(skipped.issues).toContainEqual({
      kind: 'word-errors',
      wer: 0.333,
      missing: ['low'],
      extra: [],
      substituted: [],
    });

    // A word said as another.
    writeFileSync(file, encodeWav(resample(tones([300, 3000, 3000]), 16000, rate), rate));
    const swapped = await core.qc.check(takeId);
    expect(swapped.transcript).toBe('low high high');
    expect(swapped.issues.find((i) => i.kind === 'word-errors')).toMatchObject({
      substituted: [{ expected: 'low', heard: 'high' }],
    });
    expect(swapped.summary).toMatch(/"low" heard as "high"/);

    // `timbre qc --json` carries the transcript, the rate and the differing words.
    await core.close();
    const dataDir = path.join(t.dir, 'data');
    const json = spawnSync(
      process.execPath,
      ['bin/timbre.mjs', '--data-dir', dataDir, 'qc', report.projectId, '--json'],
      { cwd: ROOT, encoding: 'utf8' },
    );
    expect(json.status, json.stderr).toBe(0);
    const out = JSON.parse(json.stdout) as ProjectQc;
    expect(out.lines[0].qc.transcript).toBe('low high high');
    expect(out.lines[0].qc.issues.find((i) => i.kind === 'word-errors')).toMatchObject({
      wer: 0.333,
      substituted: [{ expected: 'low', heard: 'high' }],
    });
    core = await createCore({ dataDir, transport: 'web', version: 'test' });
  }, 300_000);
});
