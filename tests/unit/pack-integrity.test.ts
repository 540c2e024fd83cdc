/**
 * Issue #16: a model pack file altered after installation must not be used without notice. Every load checks each
 * file's size against the pack's record (pack.json); models.list reports the pack as needing verification, naming the
 * file; models.verify confirms; the engines refuse to load it.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { appendFileSync, copyFileSync, existsSync, mkdirSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createCore } from '../../main/node/core.js';
import type { ApiError } from '../../native-models/common/errors.js';
import { loadVoiceAudioDeps } from '../../native-models/enhance/voice-models.js';
import { GRAPH_FILES } from '../../native-models/pocket-tts/bundle.js';
import { createPocketTtsEngine } from '../../native-models/pocket-tts/engine.js';
import { assertPackIntact, changedPackFiles } from '../../native-models/packs/integrity.js';
import type { ModelPack } from '../../preload/contract/index.js';
import { tempDir } from '../helpers/tmp.js';

const t = tempDir();
afterAll(() => t.cleanup());

/** The real Silero VAD pack folder (shared models; TIMBRE_SHARED_MODELS overrides where they live). */
const SHARED = process.env.TIMBRE_SHARED_MODELS ?? path.resolve('../shared/models');
const haveVad = existsSync(path.join(SHARED, 'silero-vad', 'silero_vad.onnx'));

describe('a real installed pack whose file changes size', () => {
  it.skipIf(!haveVad)(
    'is listed as needing verification, refused by the voice tools, confirmed by verify, usable again when restored',
    async () => {
      const data = path.join(t.dir, 'vad-data');
      let core = await createCore({ dataDir: data, transport: 'web', version: 'test' });
      const call = async <T>(m: string, p: unknown) => {
        const r = await core.dispatch(m, p);
        if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
        return r.result as T;
      };
      await call('models.import', { path: path.join(SHARED, 'silero-vad') });
      const models = [path.join(data, 'models')];
      await (await loadVoiceAudioDeps(models)).dispose(); // the real model loads
      const vadPack = async () => (await call<ModelPack[]>('models.list', {})).find((p) => p.id === 'silero-vad')!;
      expect(await vadPack()).toMatchObject({ status: 'installed' });
      expect((await vadPack()).needsVerification).toBeUndefined();
      await core.close();

      const model = path.join(data, 'models', 'silero-vad', 'silero_vad.onnx');
      const size = statSync(model).size;
      for (const alter of [() => appendFileSync(model, Buffer.from([0])), () => truncateSync(model, size - 1000)]) {
        copyFileSync(path.join(SHARED, 'silero-vad', 'silero_vad.onnx'), model);
        alter();
        core = await createCore({ dataDir: data, transport: 'web', version: 'test' });
        const listed = await vadPack();
        expect(listed.status).toBe('partial');
        expect(listed.needsVerification).toBe(true);
        expect(listed.problem).toMatch(
          new RegExp(
            `The model pack "silero-vad" was changed after it was installed \\(silero_vad\\.onnx is ${statSync(model).size} bytes, expected ${size}\\).*timbre models verify silero-vad`,
          ),
        );
        const e = (await loadVoiceAudioDeps(models).catch((err: unknown) => err)) as ApiError;
        expect(e.code).toBe('ENGINE_UNAVAILABLE');
        expect(e.message).toMatch(/"silero-vad" was changed after it was installed \(silero_vad\.onnx is/);
        const report = await call<{ ok: boolean; files: { path: string; ok: boolean; problem?: string }[] }>(
          'models.verify',
          { id: 'silero-vad' },
        );
        expect(report.ok).toBe(false);
        expect(report.files.find((f) => f.path === 'silero_vad.onnx')?.problem).toMatch(/bytes, expected/);
        await core.close();
      }

      copyFileSync(path.join(SHARED, 'silero-vad', 'silero_vad.onnx'), model);
      core = await createCore({ dataDir: data, transport: 'web', version: 'test' });
      expect(await vadPack()).toMatchObject({ status: 'installed' });
      await (await loadVoiceAudioDeps(models)).dispose();
      await core.close();
    },
    120_000,
  );
});

describe('the Pocket TTS engine checks its pack before loading', () => {
  it('is unavailable, naming the file, when a graph changed size; a folder without a record is not checked', async () => {
    const dir = path.join(t.dir, 'pocket-tts');
    mkdirSync(dir);
    const names = [
      ...Object.values(GRAPH_FILES).map((g) => g[0]),
      'bundle.json',
      'tokenizer.model',
      'bos_before_voice.npy',
    ];
    for (const n of names) writeFileSync(path.join(dir, n), Buffer.alloc(100, 1));
    // No pack.json: a model folder used directly (development) has nothing to compare.
    expect(changedPackFiles(dir)).toEqual([]);
    writeFileSync(
      path.join(dir, 'pack.json'),
      JSON.stringify({ id: 'pocket-tts', files: names.map((n) => ({ path: n, bytes: 100, sha256: 'x' })) }),
    );
    expect(changedPackFiles(dir)).toEqual([]);
    const engine = createPocketTtsEngine({ packDir: dir });
    expect((await engine.availability()).available).toBe(true);

    appendFileSync(path.join(dir, 'mimi_encoder.onnx'), 'x');
    const a = await engine.availability();
    expect(a.available).toBe(false);
    expect(a.reason).toMatch(
      /"pocket-tts" was changed after it was installed \(mimi_encoder\.onnx is 101 bytes, expected 100\)/,
    );
    expect(() => assertPackIntact(dir)).toThrow(/mimi_encoder\.onnx is 101 bytes, expected 100.*Verify it/);
  });
});
