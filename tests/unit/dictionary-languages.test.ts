/**
 * The pronunciation dictionary and inline tags keep working for every engine and language (issue 14): a French
 * project line with a dictionary entry and tags, planned by the real repositories on a real SQLite file (the plan
 * the job queue sends segment by segment), spoken by eSpeak NG in French and by a Pocket TTS French fixture bundle.
 *
 * - eSpeak NG: each segment the plan gives is spoken, and its audio is the audio of the respelled sentence written
 *   out by hand (and not the audio of the original words): the substituted text is what reached the engine.
 * - Pocket TTS (fixture, temperature 0): the first frame carries the sum of the token ids the French bundle's own
 *   tokenizer made of the text (tests/fixtures/pocket-tts-fixture.ts), so the ids of the respelled text are seen
 *   arriving in the graphs.
 */
import path from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../main/node/db/database.js';
import { createRepos } from '../../main/node/db/repositories.js';
import { createEspeakEngine } from '../../native-models/espeak/espeak-engine.js';
import type { SynthesisSink, TtsEngine } from '../../native-models/engine.js';
import {
  createPocketTtsLanguagesEngine,
  pocketTtsBundles,
  prepareTextPrompt,
  SentencePieceTokenizer,
} from '../../native-models/pocket-tts/index.js';
import { fixtureFrames, makePocketFixture, sentencePieceModel } from '../fixtures/pocket-tts-fixture.js';
import { tempDir } from '../helpers/tmp.js';

const LINE = 'Bonjour. [pause 300ms] La SNCF arrive [gain -3dB]';
const DICTIONARY = [{ word: 'SNCF', respelling: 'esse enne cé effe' }];
const RESPELLED = 'La esse enne cé effe arrive';
const ORIGINAL = 'La SNCF arrive';

const t = tempDir();
const models = mkdtempSync(path.join(tmpdir(), 'timbre-dict-langs-'));
afterAll(() => {
  t.cleanup();
  rmSync(models, { recursive: true, force: true });
});

/** The plan the job queue follows for the line, from a real project row with the dictionary. */
function plannedSegments() {
  const db = openDatabase(path.join(t.dir, 'timbre.sqlite'));
  try {
    const repos = createRepos(db);
    const p = repos.projects.create('Émission', 'fr');
    repos.projects.setDictionary(p.id, DICTIONARY);
    const line = repos.lines.add(p.id, LINE);
    const plan = repos.lines.plan(repos.lines.row(line.id), repos.lines.context(p.id));
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    return plan;
  } finally {
    db.close();
  }
}

async function speak(engine: TtsEngine, text: string, voiceId: string, options = {}): Promise<Float32Array> {
  const chunks: Float32Array[] = [];
  const sink: SynthesisSink = { onChunk: (pcm) => chunks.push(pcm.slice()), onProgress: () => {} };
  await engine.synthesize({ text, voiceId, options, seed: 1 }, sink, new AbortController().signal);
  const out = new Float32Array(chunks.reduce((n, c) => n + c.length, 0));
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

const same = (a: Float32Array, b: Float32Array) => a.length === b.length && a.every((x, i) => x === b[i]);

describe('dictionary + tags in a French project', () => {
  const plan = plannedSegments();

  it('the plan splits at the pause, keeps the gain as a setting, and respells the word', () => {
    expect(plan.segments).toEqual([{ text: 'Bonjour.' }, { pause: 0.3 }, { text: RESPELLED }]);
    expect(plan.parsed.settings).toEqual({ gainDb: -3 });
    expect(plan.spokenText).toBe(`Bonjour. ${RESPELLED}`);
  });

  it('eSpeak NG speaks the respelled text in French', async () => {
    const espeak = createEspeakEngine();
    try {
      const voice = (await espeak.listVoices()).find((v) => v.language.toLowerCase().startsWith('fr'))!;
      expect(voice).toBeDefined();
      const spoken = plan.segments.filter((s): s is { text: string } => 'text' in s);
      const last = await speak(espeak, spoken[1].text, voice.id);
      expect(last.length).toBeGreaterThan(0);
      expect(same(last, await speak(espeak, RESPELLED, voice.id))).toBe(true);
      expect(same(last, await speak(espeak, ORIGINAL, voice.id))).toBe(false);
    } finally {
      await espeak.dispose();
    }
  });

  it('a Pocket TTS French bundle receives the token ids of the respelled text', async () => {
    const pieces = ['▁Bonjour', '▁La', '▁esse', '▁enne', '▁cé', '▁effe', '▁arrive', '▁SNCF', '.'];
    const tokenizer = sentencePieceModel(pieces);
    makePocketFixture({ dir: path.join(models, 'pocket-tts') });
    makePocketFixture({
      dir: path.join(models, 'pocket-tts-french-24l'),
      bundleName: 'french_24l',
      tokenizerBytes: tokenizer,
      voices: {},
    });
    const engine = createPocketTtsLanguagesEngine({ bundles: pocketTtsBundles(models) });
    try {
      const tok = new SentencePieceTokenizer(tokenizer);
      const ids = (text: string) => tok.encode(prepareTextPrompt(text).text).reduce((a, b) => a + b, 0);
      const sumOf = async (text: string) =>
        fixtureFrames(await speak(engine, text, 'builtin:anna@fr', { temperature: 0 }), 1920)[0][3];
      const segment = (plan.segments[2] as { text: string }).text;
      const baseline = await sumOf('Bonjour.');
      const got = (await sumOf(segment)) - baseline;
      expect(got).toBeCloseTo((ids(RESPELLED) - ids('Bonjour.')) / 4096, 4);
      // The original word would have given other ids.
      expect(Math.abs((ids(ORIGINAL) - ids('Bonjour.')) / 4096 - got)).toBeGreaterThan(1e-3);
    } finally {
      await engine.dispose();
    }
  });
});
