/** `timbre say --engine pocket-tts --voice ref.wav` end to end through the worker, on the contract-fixture pack. */
import { beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { decodeWav } from '../../native-models/audio/wav.js';
import { makePocketFixture } from '../fixtures/pocket-tts-fixture.js';
import { ROOT } from '../helpers/server-process.js';
import { tempDir } from '../helpers/tmp.js';

beforeAll(() => {
  execFileSync(process.execPath, [path.join(ROOT, 'build/scripts/build.mjs'), '--node', '--if-stale'], {
    stdio: 'ignore',
  });
});

const timbre = (args: string[]) =>
  spawnSync(process.execPath, [path.join(ROOT, 'bin/timbre.mjs'), ...args], { cwd: ROOT, encoding: 'utf8' });

describe('timbre say with the Pocket TTS engine', () => {
  it('clones a voice from a reference recording and writes 24 kHz audio whose length follows the EOS step', () => {
    const { dir, cleanup } = tempDir();
    try {
      const fx = makePocketFixture({ dir: path.join(dir, 'data', 'models', 'pocket-tts'), eosStep: 5 });
      const out = path.join(dir, 'clone.wav');
      const ref = path.resolve('../shared/eval/speech/16k/jfk_inaugural_1961.wav');
      const r = timbre([
        '--data-dir',
        path.join(dir, 'data'),
        'say',
        'Hello there.',
        '--engine',
        'pocket-tts',
        '--voice',
        ref,
        '-o',
        out,
      ]);
      expect(r.status, r.stderr).toBe(0);
      const wav = decodeWav(readFileSync(out));
      expect(wav.sampleRate).toBe(fx.sampleRate);
      // Frames up to EOS plus the tail, each one frame of samples: a whole number of frames.
      expect(wav.samples.length % fx.samplesPerFrame).toBe(0);
      expect(wav.samples.length / fx.samplesPerFrame).toBeGreaterThan(fx.eosStep);

      const builtin = timbre([
        '--data-dir',
        path.join(dir, 'data'),
        'say',
        'Hello there.',
        '--voice',
        'pocket-tts:anna',
        '-o',
        out,
      ]);
      expect(builtin.status, builtin.stderr).toBe(0);

      const missing = timbre([
        '--data-dir',
        path.join(dir, 'data'),
        'say',
        'Hi.',
        '--engine',
        'pocket-tts',
        '--voice',
        path.join(dir, 'nope.mp3'),
        '-o',
        out,
      ]);
      expect(missing.status).not.toBe(0);
    } finally {
      cleanup();
    }
  });

  it('without the pack says exactly which files are missing and how to install them', () => {
    const { dir, cleanup } = tempDir();
    try {
      const r = timbre([
        '--data-dir',
        dir,
        'say',
        'Hello.',
        '--engine',
        'pocket-tts',
        '--voice',
        path.resolve('../shared/eval/speech/16k/jfk_inaugural_1961.wav'),
        '-o',
        path.join(dir, 'x.wav'),
      ]);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/missing .*text_conditioner\.onnx.*mimi_decoder_int8\.onnx/);
      expect(r.stderr).toMatch(/timbre models download pocket-tts/);
      expect(r.stderr).toMatch(/timbre models import PATH/);
    } finally {
      cleanup();
    }
  });
});
