/**
 * onnxruntime's telemetry stays off (native-models/onnx/session.ts, disableOrtTelemetry): a CLI command that runs
 * real ONNX sessions (the Silero VAD and GTCRN of `timbre clean`, in the engine worker) leaves no device id (`.ses`)
 * and no `mat-debug-*.log` in its temporary folder. A control run of a bare onnxruntime session in a child process
 * without the variable shows that the library does write them, so the test can fail. Both run without CI in their
 * environment: onnxruntime skips its telemetry where CI is set, and the CI machine sets it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/tmp.js';
import { encodeWav } from '../../native-models/audio/wav.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const MODELS = path.resolve(ROOT, '..', 'shared', 'models');
const VAD = path.join(MODELS, 'silero-vad');
const t = tempDir('timbre-ort-telemetry-');
afterAll(() => t.cleanup());

const traces = (dir: string) => readdirSync(dir).filter((n) => n === '.ses' || n.startsWith('mat-debug-'));

describe('onnxruntime telemetry', () => {
  it.skipIf(!existsSync(VAD))(
    'a bare session writes a device id; timbre clean, with real sessions, writes none',
    () => {
      const model = readdirSync(VAD).find((n) => n.endsWith('.onnx'))!;
      const env = { ...process.env };
      delete env.ORT_DISABLE_TELEMETRY;
      // onnxruntime starts no telemetry where CI is set (as on the CI machine): take it out, so the library would.
      for (const k of ['CI', 'GITHUB_ACTIONS', 'TF_BUILD', 'BUILD_ID', 'CONTINUOUS_INTEGRATION']) delete env[k];
      // Control: the library on its own.
      const bare = path.join(t.dir, 'bare');
      spawnSync('mkdir', ['-p', bare]);
      const probe = spawnSync(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `const ort = (await import('onnxruntime-node')).default; await ort.InferenceSession.create(${JSON.stringify(path.join(VAD, model))});`,
        ],
        { cwd: ROOT, env: { ...env, TMPDIR: bare }, encoding: 'utf8' },
      );
      expect(probe.status, probe.stderr).toBe(0);
      expect(traces(bare)).toContain('.ses');

      // Timbre: a clean-up runs the VAD (and the enhancer) in the engine worker.
      const tmp = path.join(t.dir, 'timbre');
      spawnSync('mkdir', ['-p', tmp]);
      const rate = 16000;
      const x = new Float32Array(rate * 2);
      for (let i = 0; i < x.length; i++) x[i] = 0.2 * Math.sin((2 * Math.PI * 220 * i) / rate) * (i > rate / 2 ? 1 : 0);
      const wav = path.join(t.dir, 'tone.wav');
      writeFileSync(wav, encodeWav(x, rate));
      const data = path.join(t.dir, 'data');
      const imp = spawnSync(
        process.execPath,
        [path.join(ROOT, 'bin', 'timbre.mjs'), '--data-dir', data, 'models', 'import', VAD],
        { cwd: ROOT, env: { ...env, TMPDIR: tmp }, encoding: 'utf8' },
      );
      expect(imp.status, imp.stderr).toBe(0);
      const clean = spawnSync(
        process.execPath,
        [path.join(ROOT, 'bin', 'timbre.mjs'), '--data-dir', data, 'clean', wav, '-o', path.join(t.dir, 'out.wav')],
        { cwd: ROOT, env: { ...env, TMPDIR: tmp }, encoding: 'utf8' },
      );
      expect(clean.status, clean.stderr).toBe(0);
      expect(existsSync(path.join(t.dir, 'out.wav'))).toBe(true);
      expect(traces(tmp)).toEqual([]);
    },
    120_000,
  );
});
