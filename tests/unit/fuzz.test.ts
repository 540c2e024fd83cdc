/**
 * The fuzz harness in CI (issue #16): every target of tests/fuzz/ with the fixed seed CI_SEED and a small time cap,
 * then the inputs it found that broke something, kept as plain regression tests. `npm run fuzz` runs the same
 * properties for longer with a random seed.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../main/node/core.js';
import { tempDir } from '../helpers/tmp.js';
import { fuzzSuite } from '../fuzz/suite.js';
import { checkReply } from '../fuzz/rpc.js';

fuzzSuite('ci', (t) => t.ciMs * 3 + 20_000);

describe('fuzz: declared sizes', () => {
  it('inputs whose headers declare huge sizes are parsed without allocating by the declaration (child peak RSS)', () => {
    // WAV chunk/RIFF sizes of 4 GiB, .docx entries that claim to inflate to 4 GiB, a 256 KiB .docx that really
    // inflates to 256 MiB, voice files asking for the largest key-derivation cost: in a child process, whose peak
    // memory is the measure.
    const child = spawnSync(
      process.execPath,
      ['--import', 'tsx', path.join(import.meta.dirname, '..', 'fuzz', 'declared-size-child.ts')],
      { encoding: 'utf8', timeout: 60_000 },
    );
    expect(child.status, child.stderr).toBe(0);
    const out = JSON.parse(child.stdout.trim().split('\n').pop()!) as {
      beforeMb: number;
      afterMb: number;
      cases: Record<string, number>;
    };
    expect(out.cases.docxBombKiB).toBeLessThan(1024);
    expect(out.cases).toMatchObject({ wav: 300, docx: 1, voiceFile: 4 });
    // The largest real input here is a few KiB: 100 MiB over the baseline would mean something sized by a header.
    expect(out.afterMb - out.beforeMb, JSON.stringify(out)).toBeLessThan(100);
  }, 90_000);
});

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
