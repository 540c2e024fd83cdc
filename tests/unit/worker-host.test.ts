/**
 * The synthesis worker host with the real eSpeak worker: a cancel that the engine does not honour in time terminates
 * the worker, and the job queued right after it runs on a fresh worker instead of dying with the old one.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { WorkerHost } from '../../main/node/jobs/worker-host.js';
import { tempDir } from '../helpers/tmp.js';

beforeAll(() => {
  execFileSync(process.execPath, ['build/scripts/build.mjs', '--node', '--if-stale'], { stdio: 'ignore' });
});

const LONG = Array.from({ length: 40 }, (_, i) => `This is sentence number ${i + 1} of a long paragraph.`).join(' ');

describe('WorkerHost cancel', () => {
  it('a job started right after a forced cancel gets a fresh worker and completes', async () => {
    const t = tempDir();
    // A grace period of 1 ms: the eSpeak call is still busy when it ends, so the worker is terminated every time.
    const host = new WorkerHost({ modelsDir: t.dir, executionProvider: 'auto', inferenceThreads: null }, 1);
    try {
      let started!: () => void;
      const chunk = new Promise<void>((r) => (started = r));
      const first = host.synthesize(
        { jobId: 'job_long', engineId: 'espeak', voiceId: 'en-us', text: LONG, seed: 1, options: {} },
        { onChunk: () => started(), onProgress: () => undefined },
      );
      const firstEnd = first.then(
        () => 'done',
        (e: Error & { code?: string }) => e.code ?? e.message,
      );
      await Promise.race([chunk, firstEnd]);
      host.cancel('job_long');
      const cancelled = await firstEnd;
      // Either the engine stopped by itself or the worker was terminated; both end the job as cancelled.
      expect(['CANCELLED', 'done']).toContain(cancelled);
      let samples = 0;
      const next = await host.synthesize(
        {
          jobId: 'job_next',
          engineId: 'espeak',
          voiceId: 'en-us',
          text: 'Right after the cancel.',
          seed: 1,
          options: {},
        },
        { onChunk: (pcm) => (samples += pcm.length), onProgress: () => undefined },
      );
      expect(next.samples).toBeGreaterThan(1000);
      expect(samples).toBe(next.samples);
    } finally {
      await host.close();
      t.cleanup();
    }
  }, 60_000);
});
