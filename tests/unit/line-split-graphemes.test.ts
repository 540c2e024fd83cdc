/**
 * Issue #16: `lines.split` inside an emoji produced U+FFFD halves. The cut now snaps to the nearest grapheme boundary
 * (Intl.Segmenter). Tested through the real core and SQLite database, with emoji, ZWJ sequences, flags, combining
 * marks and CJK text.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../main/node/core.js';
import { nearestGraphemeBoundary } from '../../main/common/script/text.js';
import type { Line, ProjectDetail } from '../../preload/contract/index.js';
import { integrityCheck } from '../helpers/hostile.js';
import { tempDir } from '../helpers/tmp.js';

let core: Core;
let t: { dir: string; cleanup: () => void };
let projectId: string;

beforeAll(async () => {
  t = tempDir();
  core = await createCore({ dataDir: t.dir, transport: 'web', version: 'test' });
  const p = await core.dispatch('projects.create', { name: 'graphemes' });
  if (!p.ok) throw new Error(p.error.message);
  projectId = (p.result as { id: string }).id;
});

afterAll(async () => {
  await core.close();
  t.cleanup();
});

async function lineWith(text: string): Promise<Line> {
  const r = await core.dispatch('script.import', {
    projectId,
    source: { text, format: 'txt' },
    mode: 'replace',
  });
  if (!r.ok) throw new Error(r.error.message);
  const lines = (r.result as ProjectDetail).lines;
  expect(lines).toHaveLength(1);
  expect(lines[0].text).toBe(text);
  return lines[0];
}

const wellFormed = (s: string) => !/\p{Cs}/u.test(s) && !s.includes('\ufffd');
const graphemesOf = (s: string) =>
  [...new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(s)].map((g) => g.segment);

// [name, text, the grapheme that a naive cut would tear, expected first part, expected second part]
const CASES: Array<[string, string, string, string, string]> = [
  ['a surrogate-pair emoji', 'Hello 👋 world', '👋', 'Hello 👋', 'world'],
  ['a ZWJ family emoji', 'Our 👨‍👩‍👧 family', '👨‍👩‍👧', 'Our 👨‍👩‍👧', 'family'],
  ['a flag', 'Vive la 🇫🇷 oui', '🇫🇷', 'Vive la 🇫🇷', 'oui'],
  ['a skin-tone emoji', 'Wave 👋🏽 back', '👋🏽', 'Wave 👋🏽', 'back'],
  ['a letter with combining marks', 'Cafe\u0301\u0301 au lait', 'e\u0301\u0301', 'Cafe\u0301\u0301', 'au lait'],
];

describe('lines.split on grapheme boundaries', () => {
  for (const [name, text, grapheme, first, second] of CASES) {
    it(`inside ${name}: the cut snaps to the nearest boundary, nothing becomes U+FFFD`, async () => {
      const start = text.indexOf(grapheme);
      // Every offset strictly inside the grapheme: the late ones snap after it, the early ones before it.
      for (let at = start + 1; at < start + grapheme.length; at++) {
        const line = await lineWith(text);
        const r = await core.dispatch('lines.split', { id: line.id, at });
        const snapsAfter = at - start > start + grapheme.length - at;
        if (!snapsAfter && text.slice(0, start).trim() === '') {
          expect(r.ok).toBe(false); // nothing before the grapheme: "both parts need text"
          continue;
        }
        expect(r.ok).toBe(true);
        const [a, b] = (r as { ok: true; result: [Line, Line] }).result;
        expect(wellFormed(a.text) && wellFormed(b.text)).toBe(true);
        if (snapsAfter) expect([a.text, b.text]).toEqual([first, second]);
        else expect([a.text, b.text]).toEqual([text.slice(0, start).trim(), text.slice(start).trim()]);
        // No grapheme is lost or altered.
        expect([...graphemesOf(a.text), ...graphemesOf(b.text)].join('').replace(/\s+/g, '')).toBe(
          text.replace(/\s+/g, ''),
        );
      }
    });
  }

  it('CJK text (one code unit per character) is cut exactly where asked', async () => {
    const text = '今天天气很好我们去公园吧';
    for (const at of [1, 5, 11]) {
      const line = await lineWith(text);
      const r = await core.dispatch('lines.split', { id: line.id, at });
      expect(r.ok).toBe(true);
      const [a, b] = (r as { ok: true; result: [Line, Line] }).result;
      expect([a.text, b.text]).toEqual([text.slice(0, at), text.slice(at)]);
    }
  });

  it('a line that is one grapheme cannot be split (clear error), and the database stays intact', async () => {
    const line = await lineWith('👨‍👩‍👧');
    for (const at of [1, 2, 3, 4, 5, 6, 7]) {
      const r = await core.dispatch('lines.split', { id: line.id, at });
      expect(r).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
      expect(!r.ok && r.error.message).toMatch(/both parts need text/);
    }
    expect(integrityCheck(t.dir)).toBe('ok');
  });
});

describe('nearestGraphemeBoundary', () => {
  it('snaps inside a grapheme to its nearer edge (ties to the earlier), leaves boundaries and clamps', () => {
    const s = 'a👨‍👩‍👧b'; // the family spans [1, 9)
    expect(nearestGraphemeBoundary(s, 1)).toBe(1);
    expect(nearestGraphemeBoundary(s, 2)).toBe(1);
    expect(nearestGraphemeBoundary(s, 5)).toBe(1); // 4 from each edge: the earlier one
    expect(nearestGraphemeBoundary(s, 6)).toBe(9);
    expect(nearestGraphemeBoundary(s, 8)).toBe(9);
    expect(nearestGraphemeBoundary(s, 9)).toBe(9);
    expect(nearestGraphemeBoundary(s, -3)).toBe(0);
    expect(nearestGraphemeBoundary(s, 99)).toBe(s.length);
  });
});
