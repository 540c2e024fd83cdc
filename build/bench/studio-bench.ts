/**
 * `node --import tsx build/bench/studio-bench.ts [--lines 10000] [--json]`: a 10-hour script (10,000 lines of a
 * two-speaker dialogue with headings and tags) through the Studio's core calls, timing each: preview (split only),
 * import (one transaction), projects.get (every line with staleness and parsed tags), a single line edit,
 * projects.timeline, a generate-stale plan (queued then cancelled at once), and delete + restore of 100 lines.
 * Speed goals belong here, not in tests.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createCore } from '../../main/node/core.js';
import type { Job, ProjectDetail } from '../../preload/contract/index.js';

const args = process.argv.slice(2);
const json = args.includes('--json');
const n = Number(args[args.indexOf('--lines') + 1] || 10_000) || 10_000;

const lines: string[] = [];
for (let i = 0; i < n; i++) {
  if (i % 500 === 0) lines.push(`\n# Chapter ${i / 500 + 1}\n`);
  const who = i % 2 ? 'HOST' : 'GUEST';
  const tag = i % 50 === 0 ? ' [pause 1s]' : i % 77 === 0 ? ' [speed 1.1]' : '';
  lines.push(`${who}: Line ${i + 1} of the script goes on for a few words, about four seconds of speech.${tag}\n`);
}
const script = lines.join('\n');

const dir = mkdtempSync(path.join(os.tmpdir(), 'timbre-bench-'));
const results: { step: string; ms: number; note?: string }[] = [];
async function time<T>(step: string, fn: () => Promise<T> | T, note?: (r: T) => string): Promise<T> {
  const t0 = performance.now();
  const r = await fn();
  results.push({ step, ms: Math.round((performance.now() - t0) * 10) / 10, note: note?.(r) });
  return r;
}

const core = await createCore({ dataDir: dir, transport: 'web', version: 'bench', log: () => undefined });
try {
  const call = async <T>(m: string, p: unknown): Promise<T> => {
    const r = await core.dispatch(m, p);
    if (!r.ok) throw new Error(`${m}: ${r.error.message}`);
    return r.result as T;
  };
  const { id } = await call<{ id: string }>('projects.create', { name: 'Ten hours' });
  await time(
    'script.preview',
    () => call<{ lines: unknown[] }>('script.preview', { text: script, format: 'md' }),
    (r) => `${r.lines.length} lines`,
  );
  await time(
    'script.import',
    () => call<ProjectDetail>('script.import', { projectId: id, source: { text: script, format: 'md' } }),
    (r) => `${r.lines.length} lines, ${r.speakers.length} speakers`,
  );
  const d = await time(
    'projects.get',
    () => call<ProjectDetail>('projects.get', { id }),
    (r) => `${r.lines.length} lines`,
  );
  await call('projects.setDictionary', { id, entries: [{ word: 'script', respelling: 'skript' }] });
  await time('projects.get (with dictionary)', () => call<ProjectDetail>('projects.get', { id }));
  await time('lines.update (one line)', () => call('lines.update', { id: d.lines[n >> 1].id, text: 'Edited.' }));
  await time('projects.timeline', () => call('projects.timeline', { id }));
  await time(
    'jobs.generateBatch stale (queue, then cancel)',
    async () => {
      const b = await call<{ batchId: string; jobs: Job[] }>('jobs.generateBatch', { projectId: id, scope: 'stale' });
      await call('jobs.cancelBatch', { batchId: b.batchId });
      return b;
    },
    (b) => `${b.jobs.length} jobs`,
  );
  const ids = d.lines.slice(1000, 1100).map((l) => l.id);
  await time('lines.deleteMany (100)', () => call('lines.deleteMany', { ids }));
  await time('lines.restore (100)', () => call('lines.restore', { ids }));
} finally {
  await core.close();
  rmSync(dir, { recursive: true, force: true });
}

const machine = { cores: os.availableParallelism(), cpu: os.cpus()[0]?.model ?? 'unknown', node: process.version };
if (json) process.stdout.write(`${JSON.stringify({ machine, lines: n, results }, null, 2)}\n`);
else {
  process.stdout.write(`Studio with ${n.toLocaleString('en')} lines on ${machine.cores} x ${machine.cpu}\n`);
  for (const r of results)
    process.stdout.write(`${r.step.padEnd(46)} ${String(r.ms).padStart(9)} ms${r.note ? `  (${r.note})` : ''}\n`);
}
