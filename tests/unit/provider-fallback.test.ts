/** An accelerator that fails to load falls back to the CPU and the engine says so (shown in the Models/Settings UI). */
import { describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { createPocketTtsEngine } from '../../native-models/pocket-tts/index.js';
import { makePocketFixture } from '../fixtures/pocket-tts-fixture.js';

describe('execution provider fallback', () => {
  it('runs on the CPU with a visible notice when the chosen provider cannot load', async () => {
    const fx = makePocketFixture({ eosStep: 3 });
    try {
      // This onnxruntime-node build lists CUDA but its libraries are absent here, so CUDA genuinely fails.
      const engine = createPocketTtsEngine({
        packDir: fx.dir,
        sessionOptions: { executionProviders: ['cuda', 'cpu'] },
      });
      let samples = 0;
      await engine.synthesize(
        { text: 'Hello there.', voiceId: 'builtin:anna', seed: 1 },
        { onChunk: (pcm) => (samples += pcm.length), onProgress: () => undefined },
        new AbortController().signal,
      );
      expect(samples).toBeGreaterThan(0);
      const a = await engine.availability();
      expect(a.available).toBe(true);
      expect(a.notice).toMatch(/CUDA.*not available.*running on the CPU instead/);
      await engine.dispose();

      const cpu = createPocketTtsEngine({ packDir: fx.dir, sessionOptions: { executionProviders: ['cpu'] } });
      await cpu.synthesize(
        { text: 'Hello.', voiceId: 'builtin:anna', seed: 1 },
        { onChunk: () => undefined, onProgress: () => undefined },
        new AbortController().signal,
      );
      expect((await cpu.availability()).notice).toBeUndefined();
      await cpu.dispose();
    } finally {
      rmSync(fx.dir, { recursive: true, force: true });
    }
  });
});
