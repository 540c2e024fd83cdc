/**
 * timeline.overview / timeline.playQueue on a real data folder: real eSpeak takes in SQLite, the overview's
 * buckets compared with min/max computed straight from the decoded take audio laid out like the mix.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createCore, type Core } from '../../main/node/core.js';
import { decodeWav } from '../../native-models/audio/wav.js';
import type { ProjectDetail, Timeline, TimelineOverview } from '../../preload/contract/index.js';
import { buildLongProject } from '../../build/bench/long-project.js';
import { tempDir } from '../helpers/tmp.js';

let core: Core;
let cleanup: () => void;
let projectId: string;

async function call<T>(method: string, params: unknown): Promise<T> {
  const r = await core.dispatch(method, params);
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.result as T;
}

const SCRIPT = `# Cold open

HOST: Welcome to the show. Today we talk about sound.
GUEST: Thanks for having me! It is great to be here.

## Part two

HOST: Let us begin. [pause 0.5s] What got you started?
GUEST: A broken radio, and a very patient neighbour.
`;

beforeAll(async () => {
  execFileSync(process.execPath, ['build/scripts/build.mjs', '--node', '--if-stale'], { stdio: 'ignore' });
  const t = tempDir();
  cleanup = t.cleanup;
  core = await createCore({ dataDir: t.dir, transport: 'web', version: 'test' });
  projectId = (await call<{ id: string }>('projects.create', { name: 'Overview' })).id;
  await call('projects.setVoice', { id: projectId, voiceId: 'espeak:en-us' });
  await call('script.import', { projectId, source: { text: SCRIPT, format: 'md' } });
  await call('projects.setMix', { id: projectId, gapMs: 300 });
  await call('jobs.generate', { projectId });
  await core.jobs.idle();
}, 120_000);

afterAll(async () => {
  await core?.close();
  cleanup?.();
});

/** The episode as one buffer from the decoded takes (takes back to back, the gap between them). */
function programme(): { x: Float32Array; rate: number } {
  const detail = core.repos.projects.detail(projectId, core.repos.lines);
  const takes = detail.lines.filter((l) => l.activeTake).map((l) => core.repos.takes.row(l.activeTake!.id));
  const rate = takes[0].sample_rate;
  const waves = takes.map((t) => decodeWav(readFileSync(path.join(core.layout.takes, t.file))));
  for (const w of waves) expect(w.sampleRate).toBe(rate);
  const placed: { at: number; samples: Float32Array }[] = [];
  let t = 0;
  for (const [i, tk] of takes.entries()) {
    if (i) t += detail.gapMs / 1000;
    placed.push({ at: Math.round(t * rate), samples: waves[i].samples });
    t += tk.duration_ms / 1000;
  }
  const x = new Float32Array(Math.ceil(t * rate) + 1);
  for (const p of placed) x.set(p.samples.subarray(0, x.length - p.at), p.at);
  return { x, rate };
}

function directMinMax(x: Float32Array, rate: number, a: number, b: number): [number, number] {
  let lo = 0;
  let hi = 0;
  for (let i = Math.max(0, Math.floor(a * rate)); i < Math.min(x.length, Math.ceil(b * rate)); i++) {
    if (x[i] < lo) lo = x[i];
    if (x[i] > hi) hi = x[i];
  }
  return [lo, hi];
}

describe('timeline.overview', () => {
  it('matches min/max computed from the decoded audio, at 5/s and at 50/s', async () => {
    const { x, rate } = programme();
    const tl = await call<Timeline>('projects.timeline', { id: projectId });
    const windows: [number, number, number, 5 | 50][] = [
      [0, tl.durationSeconds, 40, 5], // 40 buckets over a few seconds: well above 1/5 s each
      [0.5, Math.min(tl.durationSeconds, 6.5), 600, 50], // 10 ms buckets
      [1.1, 3.7, 13, 5],
    ];
    const tol = 2e-4; // int16 storage + 4-decimal rounding
    for (const [from, to, buckets, res] of windows) {
      const o = await call<TimelineOverview>('timeline.overview', { projectId, from, to, buckets });
      expect(o.peaksPerSecond).toBe(res);
      expect(o.peaks).toHaveLength(2 * buckets);
      const w = (to - from) / buckets;
      // Slack: one stored pair at 50/s (pairs go straight into buckets); at 5/s a pair straddling a 1/5 s cell and a
      // cell straddling a bucket edge add one pair each.
      const pair = res === 50 ? 1 / 50 : 2 / 5;
      let loud = 0;
      for (let b = 0; b < buckets; b++) {
        const a = from + b * w;
        const [lo, hi] = directMinMax(x, rate, a, a + w);
        const [wideLo, wideHi] = directMinMax(x, rate, a - pair - 1 / rate, a + w + pair + 1 / rate);
        const oLo = o.peaks[2 * b];
        const oHi = o.peaks[2 * b + 1];
        // Covers every sample in the bucket, and nothing further than the slack outside it.
        expect(oHi).toBeGreaterThanOrEqual(hi - tol);
        expect(oLo).toBeLessThanOrEqual(lo + tol);
        expect(oHi).toBeLessThanOrEqual(wideHi + tol);
        expect(oLo).toBeGreaterThanOrEqual(wideLo - tol);
        if (hi > 0.05) loud++;
      }
      expect(loud).toBeGreaterThan(0);
    }
  });

  it('lists the lines and chapters in the window, with labels and numbers as the script has them', async () => {
    const tl = await call<Timeline>('projects.timeline', { id: projectId });
    const whole = await call<TimelineOverview>('timeline.overview', {
      projectId,
      from: 0,
      to: tl.durationSeconds,
      buckets: 100,
    });
    const withAudio = tl.lines.filter((l) => l.hasAudio);
    expect(whole.lines.map((l) => [l.lineId, l.start, l.end])).toEqual(
      withAudio.map((l) => [l.lineId, l.start, l.end]),
    );
    const rows = core.repos.lines.rows(projectId);
    expect(whole.lines.map((l) => l.number)).toEqual(
      rows.filter((r) => r.active_take_id).map((r) => rows.indexOf(r) + 1),
    );
    const tagged = rows.findIndex((r) => r.text.includes('[pause'));
    expect(tagged).toBeGreaterThan(-1);
    expect(whole.lines[tagged].label).not.toContain('[');
    expect(whole.lines[tagged].label).toBe(rows[tagged].text.replace(/\s*\[pause[^\]]*\]\s*/g, ' ').trim());
    expect(whole.chapters.map((c) => [c.title, c.start])).toEqual(tl.chapters.map((c) => [c.title, c.start]));
    expect(whole.chapters.map((c) => c.title)).toEqual(['Cold open', 'Part two']);
    expect(whole.lineCount).toBe(withAudio.length);
    expect(whole.durationSeconds).toBeCloseTo(tl.durationSeconds, 9);

    // A window inside line 2 (only it) and one in the gap after line 1 (none).
    const l2 = withAudio[1];
    const inner = await call<TimelineOverview>('timeline.overview', {
      projectId,
      from: l2.start + 0.1,
      to: l2.end - 0.1,
      buckets: 10,
    });
    expect(inner.lines.map((l) => l.lineId)).toEqual([l2.lineId]);
    const gap = await call<TimelineOverview>('timeline.overview', {
      projectId,
      from: withAudio[0].end + 0.01,
      to: l2.start - 0.01,
      buckets: 10,
    });
    expect(gap.lines).toEqual([]);
    expect(gap.peaks.every((v) => v === 0)).toBe(true);
  });

  it('changes revision when a take changes and answers past the end with silence', async () => {
    const a = await call<TimelineOverview>('timeline.overview', { projectId, from: 0, to: 1000, buckets: 50 });
    const detail = await call<ProjectDetail>('projects.get', { id: projectId });
    await call('projects.setMix', { id: projectId, gapMs: 800 });
    const b = await call<TimelineOverview>('timeline.overview', { projectId, from: 0, to: 1000, buckets: 50 });
    expect(b.rev).not.toBe(a.rev);
    expect(b.durationSeconds).toBeCloseTo(a.durationSeconds + (a.lineCount - 1) * 0.5, 6);
    expect(b.lines[1].start).toBeCloseTo(a.lines[1].start + 0.5, 6);
    // Past the end: zeros.
    const lastBucket = Math.ceil((b.durationSeconds / 1000) * 50) + 1;
    expect(b.peaks.slice(2 * lastBucket).every((v) => v === 0)).toBe(true);
    // A new take for line 1 (an eSpeak take made again) changes the revision and the layout after it.
    await call('jobs.generate', { projectId, lineIds: [detail.lines[0].id] });
    await core.jobs.idle();
    const c = await call<TimelineOverview>('timeline.overview', { projectId, from: 0, to: 1000, buckets: 50 });
    expect(c.rev).not.toBe(b.rev);
    expect(c.lines[0].takeId).not.toBe(b.lines[0].takeId);
    await call('projects.setMix', { id: projectId, gapMs: 300 });
  });

  it('refuses bad windows and bucket counts with a plain message', async () => {
    for (const params of [
      { projectId, from: 5, to: 5, buckets: 10 },
      { projectId, from: 5, to: 2, buckets: 10 },
      { projectId, from: 0, to: 10, buckets: 0 },
      { projectId, from: 0, to: 10, buckets: 100_000 },
      { projectId, from: -1, to: 10, buckets: 10 },
      { projectId, from: 0, to: Number.MAX_VALUE, buckets: 10 },
      { projectId, from: 0, to: 10, buckets: 10, extra: 1 },
    ]) {
      const r = await core.dispatch('timeline.overview', params);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.code).toBe('INVALID_INPUT');
    }
    const r = await core.dispatch('timeline.overview', { projectId: 'nope', from: 0, to: 1, buckets: 1 });
    expect(!r.ok && r.error.code).toBe('NOT_FOUND');
  });

  it('play queue: from a time or from a line, and a line without a take is named', async () => {
    const tl = await call<Timeline>('projects.timeline', { id: projectId });
    const withAudio = tl.lines.filter((l) => l.hasAudio);
    const mid = (withAudio[1].start + withAudio[1].end) / 2;
    const fromTime = await call<{ lines: { lineId: string; start: number }[] }>('timeline.playQueue', {
      projectId,
      from: mid,
      count: 2,
    });
    // The line playing at that time comes first (it started before `from`).
    expect(fromTime.lines.map((l) => l.lineId)).toEqual([withAudio[1].lineId, withAudio[2].lineId]);
    const fromLine = await call<{ lines: { lineId: string; start: number }[] }>('timeline.playQueue', {
      projectId,
      lineId: withAudio[2].lineId,
    });
    expect(fromLine.lines[0]).toMatchObject({ lineId: withAudio[2].lineId, start: withAudio[2].start });
    expect(fromLine.lines).toHaveLength(withAudio.length - 2);
    const bare = await call<{ id: string }>('lines.add', { projectId, text: 'Not generated yet.' });
    const r = await core.dispatch('timeline.playQueue', { projectId, lineId: bare.id });
    expect(!r.ok && r.error.code).toBe('CONFLICT');
    expect(!r.ok && r.error.message).toMatch(/^Line \d+ has no take yet/);
    const both = await core.dispatch('timeline.playQueue', { projectId, from: 0, lineId: bare.id });
    expect(!both.ok && both.error.code).toBe('INVALID_INPUT');
    await call('lines.delete', { id: bare.id });
  });

  it('groups lines when zoomed far out on a long project, and stays fast', async () => {
    const sources = core.repos.lines
      .rows(projectId)
      .filter((l) => l.active_take_id)
      .map((l) => core.repos.takes.row(l.active_take_id!));
    const long = await buildLongProject(core, 3 * 3600, { sources, name: 'Three hours' });
    const t0 = performance.now();
    const o = await call<TimelineOverview>('timeline.overview', {
      projectId: long.projectId,
      from: 0,
      to: long.audioSeconds,
      buckets: 1200,
    });
    const cold = performance.now() - t0;
    expect(o.lineCount).toBe(long.lines);
    expect(o.lines).toEqual([]);
    expect(o.groups.reduce((n, g) => n + g.count, 0)).toBe(long.lines);
    for (let i = 1; i < o.groups.length; i++) {
      expect(o.groups[i].start).toBeGreaterThan(o.groups[i - 1].end);
      expect(o.groups[i].firstNumber).toBe(o.groups[i - 1].lastNumber + 1);
    }
    expect(o.peaks.filter((v) => v > 0.05).length).toBeGreaterThan(1000);
    // Warm: a zoomed window costs a layout check and O(buckets), not the whole episode.
    const t1 = performance.now();
    const z = await call<TimelineOverview>('timeline.overview', {
      projectId: long.projectId,
      from: 5000,
      to: 5600,
      buckets: 1200,
    });
    const warm = performance.now() - t1;
    expect(z.lines.length).toBeGreaterThan(50);
    expect(z.lines[0].end).toBeGreaterThan(5000);
    expect(z.lines[z.lines.length - 1].start).toBeLessThan(5600);
    expect(cold).toBeLessThan(5000);
    expect(warm).toBeLessThan(1000);

    const q = await call<{ lines: { lineId: string; start: number }[] }>('timeline.playQueue', {
      projectId: long.projectId,
      from: 5000,
      count: 5,
    });
    expect(q.lines).toHaveLength(5);
    expect(q.lines[0].lineId).toBe(z.lines[0].lineId);
  }, 120_000);
});
