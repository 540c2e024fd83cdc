/**
 * The fuzz harness in CI (issue #16): every target of tests/fuzz/ with the fixed seed CI_SEED and a small time cap,
 * then the inputs it found that broke something, kept as plain regression tests. `npm run fuzz` runs the same
 * properties for longer with a random seed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../main/node/core.js';
import { tempDir } from '../helpers/tmp.js';
import { fuzzSuite } from '../fuzz/suite.js';
import { checkReply } from '../fuzz/rpc.js';

fuzzSuite('ci', (t) => t.ciMs * 3 + 20_000);

describe('fuzz findings (regressions)', () => {
  let core: Core;
  const t = tempDir('timbre-fuzz-found-');
  beforeAll(async () => {
    core = await createCore({ dataDir: t.dir, transport: 'web', version: 'test' });
  });
  afterAll(async () => {
    await core.close();
    t.cleanup();
  });

  it('dispatch answers UNKNOWN_METHOD for a cyclic, very deep or BigInt "method" instead of throwing', async () => {
    // Electron IPC's structured clone carries cycles, deep nesting and BigInt; JSON.stringify of them threw.
    const cyclic: Record<string, unknown> = { name: 'x' };
    cyclic.self = cyclic;
    let deep: unknown = 1;
    for (let i = 0; i < 200_000; i++) deep = [deep];
    for (const method of [cyclic, deep, 10n, undefined, 'no.such']) {
      const reply = await core.dispatch(method, {});
      checkReply(reply, String(typeof method));
      expect(reply).toMatchObject({ ok: false, error: { code: 'UNKNOWN_METHOD' } });
    }
    expect(await core.dispatch('no.such', {})).toMatchObject({ error: { message: 'Unknown method "no.such"' } });
  });
});
