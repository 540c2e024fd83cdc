/**
 * `timbre models list --json` lists the Piper voice packs; `timbre say --engine piper --voice fr_FR-siwis-medium`
 * fails with "install the pack" when it is missing and speaks through the worker when it is installed (the fixture
 * voice pack, written under the data folder's models/).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { decodeWav } from '../../native-models/audio/wav.js';
import { PIPER_PACKS } from '../../native-models/catalog/piper.js';
import { decodeFixtureAudio, makePiperFixture } from '../fixtures/piper-fixture.js';
import { ROOT } from '../helpers/server-process.js';
import { tempDir } from '../helpers/tmp.js';

beforeAll(() => {
  execFileSync(process.execPath, [path.join(ROOT, 'build/scripts/build.mjs'), '--node', '--if-stale'], {
    stdio: 'ignore',
  });
});

const timbre = (args: string[]) =>
  spawnSync(process.execPath, [path.join(ROOT, 'bin/timbre.mjs'), ...args], { cwd: ROOT, encoding: 'utf8' });

describe('timbre and Piper voices', () => {
  it('models list --json lists every Piper pack, not installed', () => {
    const { dir, cleanup } = tempDir();
    try {
      const r = timbre(['--data-dir', dir, 'models', 'list', '--json']);
      expect(r.status, r.stderr).toBe(0);
      const list = JSON.parse(r.stdout) as Array<{ id: string; status: string; bytesTotal: number }>;
      for (const m of PIPER_PACKS) {
        const row = list.find((p) => p.id === m.id);
        expect(row, m.id).toBeDefined();
        expect(row!.status).toBe('not-installed');
        expect(row!.bytesTotal).toBe(m.files.reduce((n, f) => n + f.bytes, 0));
      }
      expect(list.some((p) => p.id === 'piper-fr_fr-siwis-medium')).toBe(true);
    } finally {
      cleanup();
    }
  });

  it('say --engine piper without the pack names the pack to install, exits 1 and writes nothing', () => {
    const { dir, cleanup } = tempDir();
    try {
      const out = path.join(dir, 'x.wav');
      const r = timbre([
        '--data-dir',
        dir,
        'say',
        'Bonjour',
        '--engine',
        'piper',
        '--voice',
        'fr_FR-siwis-medium',
        '-o',
        out,
      ]);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/fr_FR-siwis-medium is not installed.*timbre models download piper-fr_fr-siwis-medium/);
      expect(existsSync(out)).toBe(false);
      expect(readdirSync(dir).filter((f) => f.includes('tmp-timbre'))).toEqual([]);
    } finally {
      cleanup();
    }
  });

  it('say --engine piper speaks with the installed pack (fixture graph), at the voice sample rate', () => {
    const { dir, cleanup } = tempDir();
    try {
      makePiperFixture({
        modelsDir: path.join(dir, 'data', 'models'),
        voice: 'fr_FR-siwis-medium',
        espeakVoice: 'fr',
        sampleRate: 22050,
      });
      const out = path.join(dir, 'x.wav');
      const r = timbre([
        '--data-dir',
        path.join(dir, 'data'),
        'say',
        'Bonjour',
        '--engine',
        'piper',
        '--voice',
        'fr_FR-siwis-medium',
        '--speed',
        '1.25',
        '-o',
        out,
      ]);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/voice piper:fr_FR-siwis-medium/);
      const wav = decodeWav(readFileSync(out));
      expect(wav.sampleRate).toBe(22050);
      // 16-bit WAV: the fixture's values come back within one quantisation step.
      const q = Float32Array.from(wav.samples, (v) => Math.round(v * 32767) / 32767);
      q[0] = 1;
      const got = decodeFixtureAudio(q);
      expect(got.ids.slice(0, 4)).toEqual([1, 0, 15, 0]); // ^ _ b _  (bɔ̃ʒˈuʁ)
      expect(got.ids.at(-1)).toBe(2);
      expect(got.scales[1]).toBeCloseTo(1 / 1.25, 2);

      const voices = timbre(['--data-dir', path.join(dir, 'data'), 'voices', 'list', '--json']);
      expect(voices.status, voices.stderr).toBe(0);
      expect(voices.stdout).toContain('piper:fr_FR-siwis-medium');
    } finally {
      cleanup();
    }
  });
});
