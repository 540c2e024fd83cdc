/**
 * Issue #16: a full disk on the CLI's write paths (say, clean, export with subtitles and stems, voices export): exit code 1, a clear
 * message, and nothing partial left on the output disk. The generation/autosave and the export-to-WAV cases live in
 * full-disk.test.ts and studio-export.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createCore } from '../../main/node/core.js';
import { encodeWav } from '../../native-models/audio/wav.js';
import { ROOT } from '../helpers/server-process.js';
import { tempDir } from '../helpers/tmp.js';

// A private mount namespace lets the test mount a tiny tmpfs without touching the machine's mounts.
const canUnshare = spawnSync('unshare', ['-rm', 'true']).status === 0;
const SHARED = process.env.TIMBRE_SHARED_MODELS ?? path.resolve('../shared/models');
const haveVad = existsSync(path.join(SHARED, 'silero-vad', 'silero_vad.onnx'));
const CLIP = path.resolve('../shared/eval/speech/16k/ls_103-1240-0000.wav');

describe('full disk on the CLI write paths', () => {
  it.skipIf(!canUnshare)(
    'say, clean, export (+ SRT, WebVTT, stems), voices export, models import: exit 1, "the disk is full", nothing left behind',
    async () => {
      execFileSync(process.execPath, [path.join(ROOT, 'build/scripts/build.mjs'), '--node', '--if-stale'], {
        stdio: 'ignore',
      });
      const { dir, cleanup } = tempDir();
      try {
        const data = path.join(dir, 'data');
        const core = await createCore({ dataDir: data, transport: 'web', version: 'test' });
        const call = async <T>(m: string, p: unknown) => {
          const r = await core.dispatch(m, p);
          if (!r.ok) throw new Error(r.error.message);
          return r.result as T;
        };
        if (haveVad) await call('models.import', { path: path.join(SHARED, 'silero-vad') });
        const { id } = await call<{ id: string }>('projects.create', { name: 'Full disk' });
        await call('script.import', {
          projectId: id,
          source: { text: 'HOST: A first line to export.\nGUEST: And a second one.', format: 'txt' },
        });
        await call('jobs.generate', { projectId: id });
        await core.jobs.idle();
        await core.close();
        const wav = path.join(dir, 'speech.wav');
        const sr = 16_000;
        writeFileSync(
          wav,
          encodeWav(
            Float32Array.from({ length: sr * 3 }, (_, i) => 0.3 * Math.sin((2 * Math.PI * 180 * i) / sr)),
            sr,
          ),
        );

        // A library voice, to export onto the full disk too (encrypted at rest: a passphrase, not the keychain).
        const env = {
          ...process.env,
          TIMBRE_PASSPHRASE: 'full disk vault passphrase',
          TIMBRE_VOICE_PASSPHRASE: 'full disk voice passphrase',
          // A real pack to import into a data folder on the full disk.
          ...(haveVad ? { TIMBRE_FULL_DISK_PACK: path.join(SHARED, 'silero-vad') } : {}),
        };
        const add = spawnSync(
          process.execPath,
          [
            path.join(ROOT, 'bin/timbre.mjs'),
            '--data-dir',
            data,
            'voices',
            'add',
            'Reader',
            '--audio',
            CLIP,
            '--attest',
            'Test Operator',
            '--json',
          ],
          { encoding: 'utf8', env },
        );
        expect(add.status, add.stderr).toBe(0);
        const voiceId = (JSON.parse(add.stdout) as { id: string }).id;

        const r = spawnSync(
          'unshare',
          [
            '-rm',
            process.execPath,
            '--import',
            'tsx',
            path.join(ROOT, 'tests/helpers/cli-full-disk-scenario.ts'),
            path.join(dir, 'mnt'),
            data,
            id,
            wav,
            haveVad ? '1' : '0',
            voiceId.startsWith('library:') ? voiceId : `library:${voiceId}`,
          ],
          { cwd: ROOT, encoding: 'utf8', timeout: 300_000, env },
        );
        expect(r.status, r.stderr).toBe(0);
        const runs = JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<
          string,
          { code: number; stderr: string; left: string[] }
        >;
        const expected = [
          'say',
          'export',
          'export-srt-stems',
          'voices-export',
          ...(haveVad ? ['clean', 'models-import'] : []),
        ];
        expect(Object.keys(runs).sort()).toEqual(expected.sort());
        for (const [name, run] of Object.entries(runs)) {
          expect(run.code, `${name}: ${run.stderr}`).toBe(1);
          expect(run.stderr, name).toMatch(/disk is full/i);
          expect(run.left, name).toEqual([]);
        }
      } finally {
        cleanup();
      }
    },
    300_000,
  );
});
