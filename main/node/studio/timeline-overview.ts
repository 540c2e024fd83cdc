/**
 * The timeline at any length (`timeline.overview`, `timeline.playQueue`): a window of the episode drawn from the
 * takes' stored waveform peaks (take_analysis) and the layout (take durations and the gap), never from decoded
 * audio.
 *
 * Per project and layout revision the core keeps:
 * - the layout: start/end of every line with audio (the mix lays lines out exactly this way: takes back to back
 *   with the project's gap between them), so a window's lines are found by binary search;
 * - an envelope pyramid: level 0 is the whole episode at 5 min/max pairs per second (each take's stored 5/s pairs
 *   laid at its start time), each next level merges 4 cells, down to a few thousand cells. A window at bucket
 *   width w reads the coarsest level whose cells are no wider than w, so its cost is O(buckets), whatever the
 *   episode's length.
 * Windows finer than 1/5 s per bucket read the 50/s peaks of the takes inside the window only (at most
 * 8 000 × 0.2 s = 1 600 s of takes).
 *
 * Envelopes are conservative: a stored pair that straddles a cell or bucket boundary counts in both, so a bucket's
 * min/max always covers the audio inside it (and at most one stored pair's width beyond it).
 */
import { createHash } from 'node:crypto';
import {
  TIMELINE_LIMITS,
  type TimelineGroup,
  type TimelineOverview,
  type TimelineSpan,
} from '../../../preload/contract/index.js';
import { ApiError } from '../../../native-models/common/errors.js';
import { decodePeaks } from '../../../native-models/dsp/take-analysis.js';
import { parseInlineTags } from '../../common/script/tags.js';
import type { Repos } from '../db/repositories.js';
import { DEFAULT_GAP_MS } from './line-state.js';
import { takeAnalysis } from './take-analysis-store.js';

const Q = 32767;
/** Level-0 cells per second. */
const BASE = 5;
/** Cells merged per pyramid level. */
const FAN = 4;
/** The pyramid stops once a level has no more cells than this. */
const TOP_CELLS = 2048;

export interface EpisodeLayout {
  projectId: string;
  rev: string;
  gapSeconds: number;
  duration: number;
  /** Lines with audio, in order. */
  starts: Float64Array;
  ends: Float64Array;
  lineIds: string[];
  takeIds: string[];
  numbers: Int32Array;
  speakers: (string | null)[];
  texts: string[];
  chapters: { title: string; start: number; lineId: string }[];
}

interface Pyramid {
  /** levels[L]: min and max per cell, cell width FAN^L / BASE seconds. */
  levels: { min: Int16Array; max: Int16Array }[];
}

interface Cached {
  layout: EpisodeLayout;
  pyramid: Promise<Pyramid> | null;
}

/** Lay out a project's lines from its rows (the same arithmetic as `timelineOf` and the mix). */
export function layoutOf(repos: Repos, projectId: string): EpisodeLayout {
  const project = repos.projects.row(projectId);
  const gapMs = project.gap_ms ?? DEFAULT_GAP_MS;
  const rows = repos.lines.layoutRows(projectId);
  const hash = createHash('sha256').update(`${gapMs}\n`);
  const n = rows.reduce((k, r) => k + (r.take_id ? 1 : 0), 0);
  const starts = new Float64Array(n);
  const ends = new Float64Array(n);
  const numbers = new Int32Array(n);
  const lineIds: string[] = [];
  const takeIds: string[] = [];
  const speakers: (string | null)[] = [];
  const texts: string[] = [];
  const chapters: EpisodeLayout['chapters'] = [];
  let pending: EpisodeLayout['chapters'] = [];
  const gap = gapMs / 1000;
  let t = 0;
  let k = 0;
  for (const r of rows) {
    hash.update(
      `${r.id}\t${r.take_id ?? ''}\t${r.duration_ms ?? ''}\t${r.speaker ?? ''}\t${r.chapter ?? ''}\t${r.text}\n`,
    );
    if (r.chapter) {
      const c = { title: r.chapter, start: t, lineId: r.id };
      chapters.push(c);
      pending.push(c);
    }
    if (!r.take_id) continue;
    if (k) t += gap;
    for (const c of pending) c.start = t;
    pending = [];
    starts[k] = t;
    t += (r.duration_ms ?? 0) / 1000;
    ends[k] = t;
    numbers[k] = r.position + 1;
    lineIds.push(r.id);
    takeIds.push(r.take_id);
    speakers.push(r.speaker);
    texts.push(r.text);
    k++;
  }
  return {
    projectId,
    rev: hash.digest('hex').slice(0, 16),
    gapSeconds: gap,
    duration: t,
    starts,
    ends,
    lineIds,
    takeIds,
    numbers,
    speakers,
    texts,
    chapters,
  };
}

/** First index i with a[i] > x (a sorted ascending). */
function upperBound(a: Float64Array, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] > x) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** First index i with a[i] >= x. */
function lowerBound(a: Float64Array, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] >= x) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Indices [i, j) of the lines that intersect [from, to). */
export function linesIn(l: EpisodeLayout, from: number, to: number): [number, number] {
  return [upperBound(l.ends, from), lowerBound(l.starts, to)];
}

/** A short label: the line's text without inline tags, cut at a word near `labelChars`. */
export function shortLabel(text: string): string {
  const t = parseInlineTags(text).text.replace(/\s+/g, ' ').trim();
  if (t.length <= TIMELINE_LIMITS.labelChars) return t;
  const cut = t.slice(0, TIMELINE_LIMITS.labelChars);
  const sp = cut.lastIndexOf(' ');
  return `${(sp > TIMELINE_LIMITS.labelChars / 2 ? cut.slice(0, sp) : cut).trimEnd()}…`;
}

/** Lay one take's min/max pairs (`perSec` per second, starting at `start` s) onto cells of `cellSec` seconds. */
function placePairs(
  pairs: Int16Array,
  perSec: number,
  start: number,
  origin: number,
  cellSec: number,
  min: Int16Array,
  max: Int16Array,
): void {
  const n = pairs.length / 2;
  const cells = min.length;
  for (let k = 0; k < n; k++) {
    const lo = pairs[2 * k];
    const hi = pairs[2 * k + 1];
    const a = (start + k / perSec - origin) / cellSec;
    const b = (start + (k + 1) / perSec - origin) / cellSec;
    let c0 = Math.floor(a + 1e-9);
    let c1 = Math.ceil(b - 1e-9) - 1;
    if (c1 < 0 || c0 >= cells) continue;
    if (c0 < 0) c0 = 0;
    if (c1 >= cells) c1 = cells - 1;
    for (let c = c0; c <= c1; c++) {
      if (lo < min[c]) min[c] = lo;
      if (hi > max[c]) max[c] = hi;
    }
  }
}

export class TimelineOverviews {
  private readonly cache = new Map<string, Cached>();
  /** Projects whose layout may have changed since it was cached (the core calls `invalidate` on its events). */
  private readonly dirty = new Set<string>();

  constructor(
    private readonly repos: Repos,
    private readonly takesDir: string,
  ) {}

  /**
   * The project's current layout. Cached until the project changes (`invalidate`); a recomputed layout with the
   * same revision keeps the envelope already built.
   */
  layout(projectId: string): Cached {
    const hit = this.cache.get(projectId);
    if (hit && !this.dirty.has(projectId)) return hit;
    const layout = layoutOf(this.repos, projectId);
    this.dirty.delete(projectId);
    const fresh: Cached = hit && hit.layout.rev === layout.rev ? hit : { layout, pyramid: null };
    this.cache.delete(projectId);
    this.cache.set(projectId, fresh);
    while (this.cache.size > 4) this.cache.delete(this.cache.keys().next().value!);
    return fresh;
  }

  /** Something in a project (or, without an id, in any project) changed: re-read its layout on the next call. */
  invalidate(projectId?: string): void {
    for (const id of projectId ? [projectId] : this.cache.keys()) this.dirty.add(id);
  }

  /** Build the project's layout and envelope ahead of the first overview (errors are left for that call). */
  warm(projectId: string): void {
    try {
      void this.pyramid(this.layout(projectId)).catch(() => undefined);
    } catch {
      // The project is gone or unreadable: the overview call will say so.
    }
  }

  forget(projectId: string): void {
    this.cache.delete(projectId);
    this.dirty.delete(projectId);
  }

  /** The 5/s peaks of every active take of the project, by take id (stored sections; missing ones made once). */
  private async peaks5(projectId: string, takeIds: readonly string[]): Promise<Map<string, Int16Array>> {
    const out = new Map<string, Int16Array>();
    for (const r of this.repos.takes.peaks5OfProject(projectId)) {
      if (r.h.length !== 12 || !r.p) continue;
      const ne = r.h.readUInt32LE(0);
      const n50 = r.h.readUInt32LE(4);
      const n5 = r.h.readUInt32LE(8);
      if (r.n !== 36 + ne * 4 + (n50 + n5) * 4 || r.p.length !== n5 * 4) continue;
      const pairs = new Int16Array(2 * n5);
      for (let i = 0; i < pairs.length; i++) pairs[i] = r.p.readInt16LE(2 * i);
      out.set(r.take_id, pairs);
    }
    // Takes without a usable stored section: the whole stored analysis, or (takes from before it existed) made once.
    for (const id of takeIds) if (!out.has(id)) out.set(id, (await this.peaksOf([id], 5))[0]);
    return out;
  }

  /** Peaks of some takes at one resolution: stored analyses, or (takes from before the analysis existed) made once. */
  private async peaksOf(takeIds: readonly string[], perSecond: 5 | 50): Promise<Int16Array[]> {
    const stored = this.repos.takes.analysesOf(takeIds);
    const out: Int16Array[] = [];
    for (const id of takeIds) {
      const buf = stored.get(id);
      let p: Int16Array | null = null;
      try {
        if (buf) p = decodePeaks(buf, perSecond);
      } catch {
        p = null;
      }
      if (!p) {
        const a = await takeAnalysis(this.repos, this.takesDir, id);
        p = perSecond === 5 ? a.peaks5 : a.peaks50;
      }
      out.push(p);
    }
    return out;
  }

  private pyramid(c: Cached): Promise<Pyramid> {
    c.pyramid ??= (async () => {
      const l = c.layout;
      const cells = Math.max(1, Math.ceil(l.duration * BASE));
      const min = new Int16Array(cells);
      const max = new Int16Array(cells);
      const peaks = await this.peaks5(l.projectId, l.takeIds);
      for (let i = 0; i < l.takeIds.length; i++)
        placePairs(peaks.get(l.takeIds[i])!, 5, l.starts[i], 0, 1 / BASE, min, max);
      const levels = [{ min, max }];
      while (levels[levels.length - 1].min.length > TOP_CELLS) {
        const prev = levels[levels.length - 1];
        const m = Math.ceil(prev.min.length / FAN);
        const nmin = new Int16Array(m);
        const nmax = new Int16Array(m);
        for (let i = 0; i < prev.min.length; i++) {
          const j = (i / FAN) | 0;
          if (prev.min[i] < nmin[j]) nmin[j] = prev.min[i];
          if (prev.max[i] > nmax[j]) nmax[j] = prev.max[i];
        }
        levels.push({ min: nmin, max: nmax });
      }
      return { levels };
    })().catch((err: unknown) => {
      c.pyramid = null;
      throw err;
    });
    return c.pyramid;
  }

  /** The window [from, to] (to omitted: the episode's end, at least 1 s after from) as `buckets` min/max pairs. */
  async overview(projectId: string, from: number, end: number | undefined, buckets: number): Promise<TimelineOverview> {
    const c = this.layout(projectId);
    const l = c.layout;
    const to = end ?? Math.max(l.duration, from + 1);
    const width = (to - from) / buckets;
    const min = new Int16Array(buckets);
    const max = new Int16Array(buckets);
    const [i, j] = linesIn(l, from, to);
    let perSecond: 5 | 50;
    if (width >= 1 / BASE) {
      perSecond = 5;
      const { levels } = await this.pyramid(c);
      let L = 0;
      while (L + 1 < levels.length && FAN ** (L + 1) / BASE <= width) L++;
      const lv = levels[L];
      const rate = BASE / FAN ** L;
      for (let b = 0; b < buckets; b++) {
        const a = from + b * width;
        let c0 = Math.floor(a * rate + 1e-9);
        let c1 = Math.ceil((a + width) * rate - 1e-9);
        if (c0 >= lv.min.length) break;
        if (c0 < 0) c0 = 0;
        if (c1 > lv.min.length) c1 = lv.min.length;
        let lo = 0;
        let hi = 0;
        for (let k = c0; k < c1; k++) {
          if (lv.min[k] < lo) lo = lv.min[k];
          if (lv.max[k] > hi) hi = lv.max[k];
        }
        min[b] = lo;
        max[b] = hi;
      }
    } else {
      perSecond = 50;
      const peaks = await this.peaksOf(l.takeIds.slice(i, j), 50);
      for (let k = i; k < j; k++) placePairs(peaks[k - i], 50, l.starts[k], from, width, min, max);
    }
    const out = new Array<number>(2 * buckets);
    for (let b = 0; b < buckets; b++) {
      out[2 * b] = Math.round((min[b] / Q) * 1e4) / 1e4;
      out[2 * b + 1] = Math.round((max[b] / Q) * 1e4) / 1e4;
    }
    let lines: TimelineSpan[] = [];
    let groups: TimelineGroup[] = [];
    if (j - i <= TIMELINE_LIMITS.overviewSpansMax) lines = this.spans(l, i, j);
    else
      groups = this.groups(l, i, j, from, to, Math.min(TIMELINE_LIMITS.overviewGroupsMax, Math.max(1, buckets >> 3)));
    const chapters = l.chapters
      .filter((ch) => ch.start >= from && ch.start <= to)
      .slice(0, TIMELINE_LIMITS.overviewChaptersMax);
    return {
      projectId,
      rev: l.rev,
      durationSeconds: l.duration,
      lineCount: l.lineIds.length,
      from,
      to,
      buckets,
      peaksPerSecond: perSecond,
      peaks: out,
      lines,
      groups,
      chapters,
    };
  }

  private spans(l: EpisodeLayout, i: number, j: number): TimelineSpan[] {
    const out: TimelineSpan[] = [];
    for (let k = i; k < j; k++)
      out.push({
        lineId: l.lineIds[k],
        number: l.numbers[k],
        start: l.starts[k],
        end: l.ends[k],
        label: shortLabel(l.texts[k]),
        speaker: l.speakers[k],
        takeId: l.takeIds[k],
      });
    return out;
  }

  /** Lines [i, j) as up to `n` groups of consecutive lines, by start time in equal slices of the window. */
  private groups(l: EpisodeLayout, i: number, j: number, from: number, to: number, n: number): TimelineGroup[] {
    const out: TimelineGroup[] = [];
    let k = i;
    for (let g = 0; g < n && k < j; g++) {
      const edge = g === n - 1 ? Infinity : from + ((g + 1) * (to - from)) / n;
      const e = Math.min(j, Math.max(k + 1, lowerBound(l.starts, edge)));
      out.push({
        start: l.starts[k],
        end: l.ends[e - 1],
        count: e - k,
        firstNumber: l.numbers[k],
        lastNumber: l.numbers[e - 1],
        firstLineId: l.lineIds[k],
      });
      k = e;
    }
    return out;
  }

  /** The lines that play from `from` on (the first may have started before it), or from line `lineId`. */
  playQueue(projectId: string, at: { from?: number; lineId?: string }, count: number) {
    const l = this.layout(projectId).layout;
    let i = at.from !== undefined ? upperBound(l.ends, at.from) : l.lineIds.indexOf(at.lineId ?? '');
    if (i < 0) {
      const row = this.repos.lines.row(at.lineId ?? ''); // NOT_FOUND when the line is gone
      if (row.project_id !== projectId) throw new ApiError('NOT_FOUND', 'That line is not in this project.');
      throw new ApiError('CONFLICT', `Line ${row.position + 1} has no take yet: generate it first.`);
    }
    i = Math.min(i, l.lineIds.length);
    return { rev: l.rev, durationSeconds: l.duration, lines: this.spans(l, i, Math.min(l.lineIds.length, i + count)) };
  }
}
