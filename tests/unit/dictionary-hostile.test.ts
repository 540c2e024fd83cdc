/**
 * Issue #16: a pronunciation dictionary of 5,000 chained entries (w0 → "say w1", w1 → "say w2", …) overflowed the call
 * stack ("Maximum call stack size exceeded", a 500) in save and preview. Loop detection is iterative now and matching
 * is indexed; tested through the real core with a real database, at the entry limit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../main/node/core.js';
import { LIMITS, type ProjectDetail } from '../../preload/contract/index.js';
import { applyPronunciations, validateDictionary } from '../../main/common/script/pronunciation.js';
import { integrityCheck } from '../helpers/hostile.js';
import { tempDir } from '../helpers/tmp.js';

const N = LIMITS.dictionaryEntriesMax; // 5,000
const chain = Array.from({ length: N }, (_, i) => ({
  word: `word${i}`,
  respelling: i + 1 < N ? `say word${i + 1}` : 'the end',
}));
const looping = chain.map((e, i) => (i === N - 1 ? { ...e, respelling: 'back to word0' } : e));

let core: Core;
let t: { dir: string; cleanup: () => void };
let projectId: string;

beforeAll(async () => {
  t = tempDir();
  core = await createCore({ dataDir: t.dir, transport: 'web', version: 'test' });
  const p = await core.dispatch('projects.create', { name: 'dictionary' });
  if (!p.ok) throw new Error(p.error.message);
  projectId = (p.result as { id: string }).id;
});

afterAll(async () => {
  await core.close();
  t.cleanup();
});

describe('a 5,000-entry chained dictionary', () => {
  it('saves and previews (single pass: each word is replaced once, the chain is not followed)', async () => {
    let started = performance.now();
    const saved = await core.dispatch('projects.setDictionary', { id: projectId, entries: chain });
    expect(saved.ok).toBe(true);
    expect((saved as { ok: true; result: ProjectDetail }).result.dictionary).toHaveLength(N);
    expect(performance.now() - started).toBeLessThan(10_000);
    started = performance.now();
    const preview = await core.dispatch('dictionary.preview', { projectId, text: 'Start with word0, then word4999.' });
    expect(preview).toMatchObject({ ok: true, result: { text: 'Start with say word1, then the end.' } });
    expect(performance.now() - started).toBeLessThan(10_000);
  });

  it('a 5,000-step loop is refused in save and preview with a short message naming its ends', async () => {
    for (const call of [
      () => core.dispatch('projects.setDictionary', { id: projectId, entries: looping }),
      () => core.dispatch('dictionary.preview', { projectId, text: 'word0', entries: looping }),
    ]) {
      const r = await call();
      expect(r).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
      const message = !r.ok ? r.error.message : '';
      expect(message).toMatch(/These entries loop: "word0" → "word1" → .*\(4991 more\).* → "word4999" → "word0"/);
      expect(message.length).toBeLessThan(600);
      expect(message).not.toMatch(/call stack/i);
    }
    // The refused save changed nothing: the chain saved before is still there.
    const detail = await core.dispatch('projects.get', { id: projectId });
    expect((detail as { ok: true; result: ProjectDetail }).result.dictionary).toEqual(chain);
    expect(integrityCheck(t.dir)).toBe('ok');
  });

  it('matching keeps its rules at scale: longest key first, whole words, CJK substrings, case-sensitive entries', () => {
    const many = Array.from({ length: 3000 }, (_, i) => ({ word: `w${i}`, respelling: `r${i}` }));
    const entries = [
      ...many,
      { word: 'New York', respelling: 'Noo York' },
      { word: 'New York City', respelling: 'the Big Apple' },
      { word: '东京', respelling: 'Tokyo' },
      { word: 'NASA', respelling: 'nah-sah', caseSensitive: true },
    ];
    expect(validateDictionary(entries)).toEqual([]);
    const r = applyPronunciations('New  York City and new york; w12 w12x xw12 用iPhone东京 NASA nasa w2999.', entries);
    expect(r.text).toBe('the Big Apple and Noo York; r12 w12x xw12 用iPhoneTokyo nah-sah nasa r2999.');
  });
});
