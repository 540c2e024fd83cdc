/**
 * `timbre models list --json` and `timbre say --engine kokoro` end to end through the synthesis worker: a clear
 * "install the pack" message without the pack, and real 24 kHz audio from the contract-fixture pack once it is in
 * the data folder's models (the fixture's output encodes the token ids, style row, voice and speed it was given).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { decodeWav } from '../../native-models/audio/wav.js';
import { tokenize } from '../../native-models/kokoro/index.js';
import { decodeFixtureAudio, makeKokoroFixture, SAMPLES_PER_TOKEN } from '../fixtures/kokoro-fixture.js';
import { ROOT } from '../helpers/server-process.js';
import { tempDir } from '../helpers/tmp.js';

beforeAll(() => {
  execFileSync(process.execPath, [path.join(ROOT, 'build/scripts/build.mjs'), '--node', '--if-stale'], {
    stdio: 'ignore',
  });
});

const timbre = (args: string[]) =>
  spawnSync(process.execPath, [path.join(ROOT, 'bin/timbre.mjs'), ...args], { cwd: ROOT, encoding: 'utf8' });

describe('timbre with the Kokoro engine', () => {
  it('models list --json lists both Kokoro packs with their sizes', () => {
    const { dir, cleanup } = tempDir();
    try {
      const r = timbre(['--data-dir', dir, 'models', 'list', '--json']);
      expect(r.status, r.stderr).toBe(0);
      const list = JSON.parse(r.stdout) as { id: string; status: string; bytesTotal: number; licence: unknown }[];
      const kokoro = list.filter((p) => p.id.startsWith('kokoro'));
      expect(kokoro.map((p) => p.id)).toEqual(['kokoro', 'kokoro-fp32']);
      for (const p of kokoro) expect(p.status).toBe('not-installed');
      expect(kokoro[0].bytesTotal).toBe(92361116 + 3497 + 54 * 522240);
      expect(kokoro[1].bytesTotal).toBe(325532232 + 3497 + 54 * 522240);
    } finally {
      cleanup();
    }
  });

  it('say fails with an "install the pack" message, then works once the pack is in the models folder', () => {
    const { dir, cleanup } = tempDir();
    try {
      const data = path.join(dir, 'data');
      const out = path.join(dir, 'x.wav');
      const missing = timbre([
        '--data-dir',
        data,
        'say',
        'Hello',
        '--engine',
        'kokoro',
        '--voice',
        'af_heart',
        '-o',
        out,
      ]);
      expect(missing.status).not.toBe(0);
      expect(missing.stderr).toMatch(/Kokoro model pack is not installed/);
      expect(missing.stderr).toMatch(/timbre models download kokoro/);
      expect(existsSync(out)).toBe(false);

      makeKokoroFixture({ naming: 'onnx-community', dir: path.join(data, 'models', 'kokoro') });
      const r = timbre([
        '--data-dir', data, 'say', 'Hello world.', '--engine', 'kokoro', '--voice', 'af_heart', '--speed', '1.5', '-o', out,
      ]); // prettier-ignore
      expect(r.status, r.stderr).toBe(0);
      const wav = decodeWav(readFileSync(out));
      expect(wav.sampleRate).toBe(24000);
      expect(wav.samples.length % SAMPLES_PER_TOKEN).toBe(0);
      const got = decodeFixtureAudio(wav.samples);
      const ids = tokenize('həlˈO wˈɜɹld.');
      expect(got.ids).toEqual([0, ...ids, 0]);
      expect(got.row).toBe(ids.length);
      expect(got.speed).toBeCloseTo(1.5, 2);

      const voice = timbre(['--data-dir', data, 'say', 'Hi.', '--voice', 'kokoro:jf_alpha', '-o', out]);
      expect(voice.status).not.toBe(0);
      expect(voice.stderr).toMatch(/Japanese/);
    } finally {
      cleanup();
    }
  });
});
