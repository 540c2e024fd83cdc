/**
 * Kokoro in the studio: a project line spoken by a Kokoro voice through the real core, job queue and synthesis
 * worker, on the contract-fixture pack in the data folder. The pronunciation dictionary and inline tags are applied
 * before the engine sees the text, so they work for Kokoro as for every engine: the fixture's output shows exactly
 * which phonemes reached the graph, and the pause tag's silence sits between the two segments.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createCore, type Core } from '../../main/node/core.js';
import { decodeWav } from '../../native-models/audio/wav.js';
import { espeakPhonemizer, espeakToKokoro, keepKnown, tokenize } from '../../native-models/kokoro/index.js';
import type { ProjectDetail } from '../../preload/contract/index.js';
import { decodeFixtureAudio, makeKokoroFixture, SAMPLES_PER_TOKEN } from '../fixtures/kokoro-fixture.js';
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

const expectedIds = async (text: string) =>
  tokenize(
    keepKnown(espeakToKokoro((await espeakPhonemizer(text, 'en-us', new AbortController().signal)).join(' '), 'en-us')),
  );

describe('Kokoro voices in a project', () => {
  it('speaks a line with the dictionary applied and the pause tag kept, and lists its voices', async () => {
    const t = tempDir();
    cleanup = t.cleanup;
    makeKokoroFixture({ naming: 'onnx-community', dir: path.join(t.dir, 'models', 'kokoro') });
    const c = (core = await createCore({ dataDir: t.dir, transport: 'web', version: 'test' }));

    const engines = await call<{ id: string; available: boolean }[]>(c, 'engines.list', {});
    expect(engines.find((e) => e.id === 'kokoro')).toMatchObject({ available: true });

    const id = (await call<{ id: string }>(c, 'projects.create', { name: 'Kokoro' })).id;
    await call(c, 'script.import', {
      projectId: id,
      source: { text: 'HOST: Hello [pause 0.5s] world.', format: 'txt' },
    });
    await call(c, 'projects.setSpeakers', { id, speakers: [{ name: 'HOST', voiceId: 'kokoro:af_heart' }] });
    await call(c, 'projects.setDictionary', { id, entries: [{ word: 'world', respelling: 'there' }] });
    await call(c, 'jobs.generate', { projectId: id, scope: 'all' });
    await c.jobs.idle();

    const line = (await call<ProjectDetail>(c, 'projects.get', { id })).lines[0];
    expect(line.activeTake?.voiceId).toBe('kokoro:af_heart');
    expect(line.activeTake?.spokenText).toBe('Hello there.');
    const wav = decodeWav(readFileSync(c.takeFilePath(line.activeTake!.id)));
    expect(wav.sampleRate).toBe(24000);

    const first = await expectedIds('Hello');
    const second = await expectedIds('there.');
    const aLen = (first.length + 2) * SAMPLES_PER_TOKEN;
    const pause = Math.round(0.5 * 24000);
    const bLen = (second.length + 2) * SAMPLES_PER_TOKEN;
    expect(wav.samples.length).toBe(aLen + pause + bLen);
    expect(decodeFixtureAudio(wav.samples.subarray(0, aLen)).ids).toEqual([0, ...first, 0]);
    expect(wav.samples.subarray(aLen, aLen + pause).every((v) => v === 0)).toBe(true);
    const b = decodeFixtureAudio(wav.samples.subarray(aLen + pause));
    expect(b.ids).toEqual([0, ...second, 0]);
    expect(b.row).toBe(second.length);
    // The dictionary replaced "world": its phonemes never reached the graph.
    expect(b.ids).not.toEqual([0, ...(await expectedIds('world.')), 0]);
  });
});
