/**
 * Piper in the studio: a project line spoken by a Piper voice through the real core, job queue and synthesis worker,
 * on a fixture voice pack in the data folder. The pronunciation dictionary and inline tags are applied before the
 * engine sees the text, so they work for Piper as for every engine: the fixture graph echoes the ids it received, and
 * the pause tag's silence sits between the two segments.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createCore, type Core } from '../../main/node/core.js';
import { decodeWav } from '../../native-models/audio/wav.js';
import { phonemize } from '../../native-models/espeak/phonemize.js';
import { parsePiperConfig, phonemesToIds } from '../../native-models/piper/index.js';
import type { ProjectDetail } from '../../preload/contract/index.js';
import { decodeFixtureAudio, makePiperFixture, piperFixtureConfig } from '../fixtures/piper-fixture.js';
import { tempDir } from '../helpers/tmp.js';

beforeAll(() => {
  execFileSync(process.execPath, ['build/scripts/build.mjs', '--node', '--if-stale'], { stdio: 'ignore' });
});

let core: Core | null = null;
let cleanup: () => void = () => {};
afterEach(async () => {
  await core?.close();
  core = null;
  cleanup();
});

async function call<T>(c: Core, method: string, params: unknown): Promise<T> {
  const r = await c.dispatch(method, params);
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.result as T;
}

const config = parsePiperConfig(Buffer.from(JSON.stringify(piperFixtureConfig({ espeakVoice: 'en-us' }))));
const expectedIds = async (text: string) =>
  phonemesToIds((await phonemize(text, { language: 'en-us', normalization: 'NFD' })).join(' '), config).ids;

/** A fixture sentence read back from a 16-bit take: the 1.0 marker comes back as 32767/32768. */
function readSentence(pcm: Float32Array) {
  expect(pcm[0]).toBeCloseTo(1, 3);
  const copy = Float32Array.from(pcm);
  copy[0] = 1;
  return decodeFixtureAudio(copy);
}

describe('Piper voices in a project', () => {
  it('speaks a line with the dictionary applied and the pause tag kept, and lists its voices', async () => {
    const t = tempDir();
    cleanup = t.cleanup;
    makePiperFixture({ modelsDir: path.join(t.dir, 'models'), voice: 'en_US-fixture-medium', espeakVoice: 'en-us' });
    const c = (core = await createCore({ dataDir: t.dir, transport: 'web', version: 'test' }));

    const engines = await call<{ id: string; available: boolean }[]>(c, 'engines.list', {});
    expect(engines.find((e) => e.id === 'piper')).toMatchObject({ available: true });

    const id = (await call<{ id: string }>(c, 'projects.create', { name: 'Piper' })).id;
    await call(c, 'script.import', {
      projectId: id,
      source: { text: 'HOST: Hello [pause 0.5s] world.', format: 'txt' },
    });
    await call(c, 'projects.setSpeakers', { id, speakers: [{ name: 'HOST', voiceId: 'piper:en_US-fixture-medium' }] });
    await call(c, 'projects.setDictionary', { id, entries: [{ word: 'world', respelling: 'there' }] });
    await call(c, 'jobs.generate', { projectId: id, scope: 'all' });
    await c.jobs.idle();

    const line = (await call<ProjectDetail>(c, 'projects.get', { id })).lines[0];
    expect(line.activeTake?.voiceId).toBe('piper:en_US-fixture-medium');
    expect(line.activeTake?.spokenText).toBe('Hello there.');
    const wav = decodeWav(readFileSync(c.takeFilePath(line.activeTake!.id)));
    expect(wav.sampleRate).toBe(22050);

    const first = await expectedIds('Hello');
    const second = await expectedIds('there.');
    const aLen = 1 + first.length + 4;
    const pause = Math.round(0.5 * 22050);
    const bLen = 1 + second.length + 4;
    expect(wav.samples.length).toBe(aLen + pause + bLen);
    expect(readSentence(wav.samples.subarray(0, aLen)).ids).toEqual(first);
    expect(wav.samples.subarray(aLen, aLen + pause).every((v) => v === 0)).toBe(true);
    const b = readSentence(wav.samples.subarray(aLen + pause));
    expect(b.ids).toEqual(second);
    // The dictionary replaced "world": its phonemes never reached the graph.
    expect(b.ids).not.toEqual(await expectedIds('world.'));

    const voices = await call<{ id: string; language: string }[]>(c, 'voices.list', { engineId: 'piper' });
    expect(voices.map((v) => [v.id, v.language])).toEqual([['piper:en_US-fixture-medium', 'en-US']]);
  });
});
