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
import { markdownToScript } from '../../main/common/script/markdown.js';

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

  it('Markdown: a 100 KB line full of unclosed spans or blanks converts in linear time, with the same results', () => {
    // Found by the fuzz harness's time bound: each of these took 10 s to 2 minutes before (quadratic regexes).
    const lines = [
      'a' + ' '.repeat(100_000) + 'b',
      '# a' + ' '.repeat(100_000) + 'b',
      '**a '.repeat(25_000),
      '['.repeat(50_000) + 'x',
      '<a '.repeat(30_000),
      '<!--'.repeat(25_000),
      '![a]('.repeat(20_000),
      '**[<_*`~~!['.repeat(10_000),
    ];
    for (const line of lines) {
      const t0 = performance.now();
      markdownToScript(line);
      expect(performance.now() - t0, line.slice(0, 20)).toBeLessThan(3000);
    }
    // Same conversions as before for ordinary Markdown.
    expect(markdownToScript('# Title ##  ')).toBe('# Title');
    expect(markdownToScript('# Title#')).toBe('# Title#');
    expect(markdownToScript('## C# # ')).toBe('## C#');
    expect(markdownToScript('Text with **bold**, *em*, _u_, ~~s~~, `code` and [a link](http://x.y/(z)).   ')).toBe(
      'Text with bold, em, u, s, code and a link.',
    );
    expect(markdownToScript('<b>Hi</b> <http://x.y> ![img](p.png) [ref][1] <!-- gone --> kept')).toBe(
      'Hi http://x.y  ref  kept',
    );
  });
});
