/**
 * Speakers and segments of a dubbing project from the installed packs (issue #11, pipeline steps 2 and 3;
 * docs/dubbing.md "Speakers and transcripts"):
 *
 * - `findSpeakers`: each segment's source audio is embedded with the speaker-embedding pack (in its worker thread,
 *   `speech/speaker-host.ts`) and the segments are clustered (`speech/cluster.ts`, average linkage, stopped at a
 *   similarity threshold or at a known speaker count) and labelled "Speaker 1"…. Locked segments are never changed;
 *   a locked segment's hand-given speaker names the cluster it falls in. Segments too short to tell a voice join the
 *   most similar cluster or are skipped, and both are reported.
 * - `transcribe`: the ASR pack (in its worker thread, `speech/asr-host.ts`) transcribes the media in bounded chunks;
 *   its segments (`segmentWords`) become project segments where none is yet, with the transcript as source text.
 *
 * The media's audio is decoded once by ffmpeg to a private temporary 16 kHz file and read by offset (a segment's
 * span, a chunk), so memory does not grow with the media's length. Each run reports `dub.analysis` progress, can be
 * cancelled (`cancel`), and changes the project only at its end, in one SQLite transaction: a cancelled or failed
 * run changes nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Db } from '../db/database.js';
import { ApiError } from '../../../native-models/common/errors.js';
import { assertPackIntact } from '../../../native-models/packs/integrity.js';
import {
  SPEAKER_PACK_ID,
  SpeakerEmbedError,
  speakerUnavailableReason,
} from '../../../native-models/speaker/embedder.js';
import {
  clusterEmbeddings,
  cosineSimilarity,
  meanEmbedding,
  type ClusterStop,
} from '../../../native-models/speech/cluster.js';
import { segmentWords, TranscribeError, type TranscriptWord } from '../../../native-models/asr/transcriber.js';
import {
  DUB_ANALYSIS_LIMITS,
  DUB_PROJECT_LIMITS,
  type DubAnalysisProgress,
  type DubProjectDetail,
  type DubSpeakersResult,
  type DubTranscribeResult,
  type EventName,
  type EventPayload,
} from '../../../preload/contract/index.js';
import { AsrHost } from '../speech/asr-host.js';
import { SpeakerHost } from '../speech/speaker-host.js';
import { newId } from '../ids.js';
import { extractAudio, RawF32Reader } from './media.js';

type Emit = <E extends EventName>(event: E, payload: EventPayload<E>) => void;

export const ASR_PACK_ID = 'parakeet-ctc-en';
const RATE = 16_000;
/** Context read on each side of a transcription chunk, so a word cut by the chunk's edge is heard whole. */
const CHUNK_CONTEXT_SECONDS = 5;
/** Two recognitions of one word at a chunk seam differ by a frame or two (80 ms each); words may touch. */
const SEAM_TOLERANCE_SECONDS = 0.05;

export interface DubAnalysisOptions {
  db: Db;
  emit: Emit;
  /** The project as the contract shows it. */
  get(projectId: string): DubProjectDetail;
  /** Bump the project's revision and tell the pages. */
  touched(projectId: string): void;
  /** The installed speaker-embedding pack's folder, or null. */
  locateSpeakerPack?: () => string | null;
  /** The installed ASR pack's folder, or null. */
  locateAsrPack?: () => string | null;
}

interface Job {
  task: DubAnalysisProgress['task'];
  abort: AbortController;
  promise: Promise<unknown>;
}

interface SegRow {
  id: string;
  start_s: number;
  end_s: number;
  speaker: string | null;
  source_text: string;
  locked: number;
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;

function cancelled(): ApiError {
  return new ApiError('CANCELLED', 'Cancelled: nothing was changed.');
}

/** A segment or cue as speaker clustering sees it. */
export interface SpeakerItem {
  id: string;
  start: number;
  end: number;
  speaker: string | null;
  /** Never relabelled; with a speaker, it names its cluster. */
  locked: boolean;
}

export interface SpeakerPlan {
  all: SpeakerItem[];
  /** Embedded and clustered (anchors: locked and named; and the longest unlocked segments of at least 1 s). */
  clustered: SpeakerItem[];
  /** Embedded and given the most similar cluster. */
  joining: SpeakerItem[];
  skipped: DubSpeakersResult['skipped'];
}

export function speakerPackMissing(): ApiError {
  return new ApiError(
    'ENGINE_UNAVAILABLE',
    `Finding speakers needs the "${SPEAKER_PACK_ID}" model pack (WeSpeaker ResNet34, 26.5 MB), which is not installed: install it in Models (or "timbre models download ${SPEAKER_PACK_ID}"), or assign speakers by hand.`,
    { packId: SPEAKER_PACK_ID },
  );
}

/** What each segment takes part as (DUB_ANALYSIS_LIMITS); refuses when nothing unlocked can be clustered. */
export function planSpeakers(items: SpeakerItem[]): SpeakerPlan {
  const L = DUB_ANALYSIS_LIMITS;
  const all = [...items].sort((a, b) => a.start - b.start);
  const anchors = all.filter((s) => s.locked && s.speaker && s.end - s.start >= L.clusterSecondsMin);
  const open = all.filter((s) => !s.locked);
  const long = open.filter((s) => s.end - s.start >= L.clusterSecondsMin);
  // At most clusterItemsMax clustered (anchors first, then the longest segments); the rest join a cluster.
  const room = Math.max(0, L.clusterItemsMax - anchors.length);
  const keep = new Set(
    [...long]
      .sort((a, b) => b.end - b.start - (a.end - a.start))
      .slice(0, room)
      .map((s) => s.id),
  );
  const clustered = [...anchors, ...long.filter((s) => keep.has(s.id))].sort((a, b) => a.start - b.start);
  if (!clustered.some((s) => !s.locked))
    throw new ApiError(
      'INVALID_INPUT',
      open.length
        ? `No unlocked segment lasts at least ${L.clusterSecondsMin} s: there is too little speech to tell voices apart.`
        : 'Every segment is locked: unlock the segments whose speakers should be found.',
    );
  return {
    all,
    clustered,
    joining: open.filter((s) => !keep.has(s.id) && s.end - s.start >= L.joinSecondsMin),
    skipped: open
      .filter((s) => s.end - s.start < L.joinSecondsMin)
      .map((s) => ({
        segmentId: s.id,
        start: s.start,
        end: s.end,
        reason: `shorter than ${L.joinSecondsMin} s: too short to tell a voice`,
      })),
  };
}

/**
 * Embed the plan's segments (each read by offset from 16 kHz mono `reader`, at most embedSecondsMax), cluster them
 * at a known count or a threshold, name the clusters and give the joining segments the most similar one. Returns
 * the new speaker of each unlocked segment it labels.
 */
export async function clusterSpeakers(
  plan: SpeakerPlan,
  o: {
    reader: RawF32Reader;
    embed(audio16k: Float32Array): Promise<Float32Array>;
    /** Clusters the embeddings (the speaker worker's; the same function in this thread when not given). */
    cluster?(embeddings: Float32Array[], stop: ClusterStop): Promise<number[]>;
    speakers?: number;
    threshold?: number;
    signal?: AbortSignal;
    onProgress?(phase: 'embedding' | 'clustering', fraction: number): void;
  },
): Promise<{
  assigned: Map<string, string>;
  names: string[];
  joined: DubSpeakersResult['joined'];
  skipped: DubSpeakersResult['skipped'];
  mixed: DubSpeakersResult['mixed'];
}> {
  const L = DUB_ANALYSIS_LIMITS;
  const { clustered, joining } = plan;
  const todo = [...clustered, ...joining];
  const emb = new Map<string, Float32Array>();
  const embedAt = async (start: number, seconds: number): Promise<Float32Array> => {
    const audio = await o.reader.read(Math.round(start * RATE), Math.round(seconds * RATE));
    try {
      return await o.embed(audio);
    } catch (err) {
      if (err instanceof SpeakerEmbedError)
        throw new ApiError(err.code === 'UNAVAILABLE' ? 'ENGINE_UNAVAILABLE' : 'ENGINE_ERROR', err.message);
      throw err;
    }
  };
  o.onProgress?.('embedding', 0.05);
  for (const [k, s] of todo.entries()) {
    if (o.signal?.aborted) throw cancelled();
    emb.set(s.id, await embedAt(s.start, Math.min(s.end - s.start, L.embedSecondsMax)));
    o.onProgress?.('embedding', 0.05 + (0.85 * (k + 1)) / todo.length);
  }
  if (o.signal?.aborted) throw cancelled();
  o.onProgress?.('clustering', 0.96);
  const stop: ClusterStop =
    o.speakers !== undefined ? { speakers: o.speakers } : { threshold: o.threshold ?? L.speakerThreshold };
  const vectors = clustered.map((s) => emb.get(s.id)!);
  const labels = o.cluster ? await o.cluster(vectors, stop) : clusterEmbeddings(vectors, stop);
  if (o.signal?.aborted) throw cancelled();
  const count = labels.reduce((m, l) => Math.max(m, l + 1), 0);
  const centroids = Array.from({ length: count }, (_, c) =>
    meanEmbedding(clustered.filter((_, i) => labels[i] === c).map((s) => emb.get(s.id)!)),
  );
  const names = nameClusters(clustered, labels, count, plan.all);
  const assigned = new Map<string, string>();
  clustered.forEach((s, i) => {
    if (!s.locked) assigned.set(s.id, names[labels[i]]);
  });
  const joined: DubSpeakersResult['joined'] = [];
  for (const s of joining) {
    const e = emb.get(s.id)!;
    let best = 0;
    for (let c = 1; c < count; c++)
      if (cosineSimilarity(e, centroids[c]) > cosineSimilarity(e, centroids[best])) best = c;
    assigned.set(s.id, names[best]);
    // Long segments past the clustering cap also join; only the short ones are reported as joined.
    if (s.end - s.start < L.clusterSecondsMin)
      joined.push({ segmentId: s.id, start: s.start, end: s.end, speaker: names[best] });
  }
  // Two voices one after the other in one long segment (a cue spanning a reply): each half nearer another speaker.
  const mixed: DubSpeakersResult['mixed'] = [];
  const long = count >= 2 ? todo.filter((s) => s.end - s.start >= L.mixedSecondsMin) : [];
  for (const [k, s] of long.entries()) {
    if (o.signal?.aborted) throw cancelled();
    const m = await twoVoices(s, centroids, embedAt);
    if (m) mixed.push({ segmentId: s.id, start: s.start, end: s.end, at: m.at, speakers: [names[m.a], names[m.b]] });
    o.onProgress?.('embedding', 0.9 + (0.05 * (k + 1)) / long.length);
  }
  return { assigned, names: [...new Set(names)], joined, skipped: plan.skipped, mixed };
}

/** Window (seconds) and most windows per segment when placing a change of voice. */
const CHANGE_WINDOW = 1.5;
const CHANGE_WINDOWS_MAX = 40;

/**
 * Whether segment `s` holds two speakers one after the other: its halves' nearest clusters differ, each half nearer
 * its own by at least `mixedMargin`. The change is then placed with short windows across the segment: the boundary
 * where the windows before are most like the first speaker and those after most like the second.
 */
export async function twoVoices(
  s: { start: number; end: number },
  centroids: Float32Array[],
  embedAt: (start: number, seconds: number) => Promise<Float32Array>,
): Promise<{ a: number; b: number; at: number } | null> {
  const L = DUB_ANALYSIS_LIMITS;
  const len = Math.min(s.end - s.start, 2 * L.embedSecondsMax);
  const half = len / 2;
  const nearest = (e: Float32Array) => {
    let best = 0;
    for (let c = 1; c < centroids.length; c++)
      if (cosineSimilarity(e, centroids[c]) > cosineSimilarity(e, centroids[best])) best = c;
    return best;
  };
  const h1 = await embedAt(s.start, half);
  const h2 = await embedAt(s.start + half, half);
  const a = nearest(h1);
  const b = nearest(h2);
  if (a === b) return null;
  const lean = (e: Float32Array) => cosineSimilarity(e, centroids[a]) - cosineSimilarity(e, centroids[b]);
  if (lean(h1) < L.mixedMargin || -lean(h2) < L.mixedMargin) return null;
  const n = Math.max(2, Math.min(CHANGE_WINDOWS_MAX, Math.floor((len - CHANGE_WINDOW) / 0.5) + 1));
  const hop = (len - CHANGE_WINDOW) / (n - 1);
  const d: number[] = [];
  for (let i = 0; i < n; i++) d.push(lean(await embedAt(s.start + i * hop, CHANGE_WINDOW)));
  // S(k) = Σ_{i<k} d_i − Σ_{i≥k} d_i, largest at the change; k from 1 to n−1.
  let right = d.reduce((x, y) => x + y, 0);
  let left = 0;
  let bestK = 1;
  let bestS = -Infinity;
  for (let k = 1; k < n; k++) {
    left += d[k - 1];
    right -= d[k - 1];
    if (left - right > bestS) {
      bestS = left - right;
      bestK = k;
    }
  }
  // Between the centres of the last window before and the first after.
  const at = s.start + CHANGE_WINDOW / 2 + (bestK - 0.5) * hop;
  return { a, b, at: Math.round(at * 100) / 100 };
}

/**
 * A name per cluster: the hand-given speaker most of its locked segments have (each name to one cluster, the
 * cluster with most of them), else "Speaker N" in order of first appearance, never a name a locked segment uses.
 */
function nameClusters(clustered: SpeakerItem[], labels: number[], count: number, all: SpeakerItem[]): string[] {
  const names = new Array<string | null>(count).fill(null);
  const votes: { c: number; name: string; n: number }[] = [];
  for (let c = 0; c < count; c++) {
    const tally = new Map<string, { name: string; n: number }>();
    clustered.forEach((s, i) => {
      if (labels[i] !== c || !s.locked || !s.speaker) return;
      const t = tally.get(s.speaker.toLowerCase()) ?? { name: s.speaker, n: 0 };
      t.n++;
      tally.set(s.speaker.toLowerCase(), t);
    });
    for (const t of tally.values()) votes.push({ c, ...t });
  }
  const taken = new Set<string>();
  for (const v of votes.sort((a, b) => b.n - a.n || a.c - b.c)) {
    if (names[v.c] || taken.has(v.name.toLowerCase())) continue;
    names[v.c] = v.name;
    taken.add(v.name.toLowerCase());
  }
  for (const s of all) if (s.locked && s.speaker) taken.add(s.speaker.toLowerCase());
  let n = 1;
  for (let c = 0; c < count; c++) {
    if (names[c]) continue;
    while (taken.has(`speaker ${n}`)) n++;
    names[c] = `Speaker ${n}`;
    taken.add(`speaker ${n}`);
  }
  return names as string[];
}

/**
 * `timbre dub --cluster-speakers`: the speaker of each cue that names none, from its voice. Cues that name a speaker
 * keep it (and name their cluster). The media's audio is decoded to a private temporary 16 kHz file and each cue read
 * by offset; embeddings run in the speaker worker. Returns warnings for cues too short to tell (left without one).
 */
export async function labelCueSpeakers(
  input: string,
  cues: { start: number; end: number; speaker: string | null }[],
  count: 'auto' | number,
  packDir: string,
  signal?: AbortSignal,
): Promise<string[]> {
  if (cues.every((c) => c.speaker)) return ['--cluster-speakers: every cue already names its speaker.'];
  const L = DUB_ANALYSIS_LIMITS;
  if (!cues.some((c) => !c.speaker && c.end - c.start >= L.clusterSecondsMin))
    throw new ApiError(
      'INVALID_INPUT',
      `--cluster-speakers: no cue without a speaker lasts at least ${L.clusterSecondsMin} s, too little to tell voices apart.`,
    );
  const plan = planSpeakers(
    cues.map((c, i) => ({ id: String(i), start: c.start, end: c.end, speaker: c.speaker, locked: !!c.speaker })),
  );
  const work = mkdtempSync(path.join(tmpdir(), 'timbre-dubana-'));
  const host = new SpeakerHost();
  try {
    const raw = path.join(work, 'audio.f32');
    await extractAudio(input, raw, 1, RATE, signal);
    if (signal?.aborted) throw cancelled();
    const reader = await RawF32Reader.open(raw, 1);
    try {
      const found = await clusterSpeakers(plan, {
        reader,
        embed: (audio) => host.embed(audio, packDir),
        cluster: (e, st) => host.cluster(e, st),
        ...(count === 'auto' ? {} : { speakers: count }),
        signal,
      });
      for (const [id, name] of found.assigned) cues[Number(id)].speaker = name;
      return [
        ...found.skipped.map(
          (x) => `Cue ${Number(x.segmentId) + 1} is shorter than ${L.joinSecondsMin} s: its speaker was not found.`,
        ),
        ...found.mixed.map(
          (x) =>
            `Cue ${Number(x.segmentId) + 1} seems to hold two speakers, ${x.speakers[0]} then ${x.speakers[1]} from ${x.at.toFixed(1)} s: it is spoken by one voice; split the cue there for two.`,
        ),
      ];
    } finally {
      await reader.close();
    }
  } finally {
    await host.dispose();
    rmSync(work, { recursive: true, force: true });
  }
}

export class DubAnalysis {
  private readonly jobs = new Map<string, Job>();
  private speakerHost?: SpeakerHost;
  private asrHost?: AsrHost;

  constructor(private readonly o: DubAnalysisOptions) {}

  /** Cancel the project's running analysis (if any) and wait until it has stopped. */
  async cancel(projectId: string): Promise<boolean> {
    const job = this.jobs.get(projectId);
    if (!job) return false;
    job.abort.abort();
    await job.promise.catch(() => undefined);
    return true;
  }

  async close(): Promise<void> {
    await Promise.all([...this.jobs.keys()].map((id) => this.cancel(id)));
    await this.speakerHost?.dispose();
    await this.asrHost?.dispose();
  }

  private progress(projectId: string, task: Job['task'], phase: DubAnalysisProgress['phase'], fraction: number) {
    this.o.emit('dub.analysis', { projectId, task, phase, fraction: Math.min(1, Math.max(0, fraction)) });
  }

  /** Runs `work` as the project's one analysis job (a second at the same time is refused), with its end reported. */
  private run<T>(projectId: string, task: Job['task'], work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const other = this.jobs.get(projectId);
    if (other)
      throw new ApiError(
        'CONFLICT',
        other.task === 'speakers'
          ? 'Speakers are being found in this project: wait for it to finish or cancel it.'
          : 'This project is being transcribed: wait for it to finish or cancel it.',
      );
    const abort = new AbortController();
    const promise = (async () => {
      try {
        const r = await work(abort.signal);
        this.progress(projectId, task, 'done', 1);
        return r;
      } catch (err) {
        const e = err instanceof ApiError && err.code === 'CANCELLED';
        this.progress(projectId, task, e || abort.signal.aborted ? 'cancelled' : 'failed', 1);
        throw abort.signal.aborted && !e ? cancelled() : err;
      } finally {
        this.jobs.delete(projectId);
      }
    })();
    this.jobs.set(projectId, { task, abort, promise });
    return promise;
  }

  /** Decode the media's first audio stream to a private 16 kHz mono float file; `use` reads it; then it is removed. */
  private async withAudio<T>(
    d: DubProjectDetail,
    signal: AbortSignal,
    use: (reader: RawF32Reader) => Promise<T>,
  ): Promise<T> {
    const work = mkdtempSync(path.join(tmpdir(), 'timbre-dubana-'));
    try {
      const raw = path.join(work, 'audio.f32');
      await extractAudio(d.media.path, raw, 1, RATE, signal).catch((err: unknown) => {
        throw signal.aborted ? cancelled() : err;
      });
      if (signal.aborted) throw cancelled();
      const reader = await RawF32Reader.open(raw, 1);
      try {
        return await use(reader);
      } finally {
        await reader.close();
      }
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Speakers
  // ---------------------------------------------------------------------------------------------------------------

  findSpeakers(projectId: string, opts: { speakers?: number; threshold?: number }): Promise<DubSpeakersResult> {
    const d = this.o.get(projectId);
    if (!d.media.audio) throw new ApiError('INVALID_INPUT', 'This media has no audio to tell speakers apart by.');
    const packDir = this.o.locateSpeakerPack?.() ?? null;
    if (!packDir) throw speakerPackMissing();
    const rows = this.o.db
      .prepare(
        'SELECT id, start_s, end_s, speaker, source_text, locked FROM dub_segments WHERE project_id = ? ORDER BY start_s, rowid',
      )
      .all(projectId) as SegRow[];
    const plan = planSpeakers(
      rows.map((r) => ({ id: r.id, start: r.start_s, end: r.end_s, speaker: r.speaker, locked: !!r.locked })),
    );
    return this.run(projectId, 'speakers', (signal) =>
      this.withAudio(d, signal, async (reader) => {
        const host = (this.speakerHost ??= new SpeakerHost());
        const found = await clusterSpeakers(plan, {
          reader,
          embed: (audio) => host.embed(audio, packDir),
          cluster: (e, st) => host.cluster(e, st),
          speakers: opts.speakers,
          threshold: opts.threshold,
          signal,
          onProgress: (phase, f) => this.progress(projectId, 'speakers', phase, f),
        });
        if (signal.aborted) throw cancelled();
        // One transaction; a segment locked, moved or deleted while this ran is left alone.
        let labelled = 0;
        this.o.db.transaction(() => {
          const upd = this.o.db.prepare(
            'UPDATE dub_segments SET speaker = ? WHERE id = ? AND project_id = ? AND locked = 0 AND start_s = ? AND end_s = ?',
          );
          const sp = this.o.db.prepare('INSERT OR IGNORE INTO dub_speakers (project_id, name) VALUES (?, ?)');
          const byId = new Map(rows.map((s) => [s.id, s]));
          for (const [id, name] of found.assigned) {
            const s = byId.get(id)!;
            if (upd.run(name, id, projectId, s.start_s, s.end_s).changes) {
              labelled++;
              sp.run(projectId, name);
            }
          }
        })();
        this.o.touched(projectId);
        const project = this.o.get(projectId);
        return {
          project,
          speakers: found.names.map((name) => ({
            name,
            segments: project.segmentList.filter((x) => x.speaker?.toLowerCase() === name.toLowerCase()).length,
          })),
          labelled,
          joined: found.joined,
          skipped: found.skipped,
          locked: rows.filter((r) => r.locked).length,
          mixed: found.mixed,
        };
      }),
    );
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Transcript
  // ---------------------------------------------------------------------------------------------------------------

  transcribe(projectId: string, asText: boolean): Promise<DubTranscribeResult> {
    const d = this.o.get(projectId);
    if (!d.media.audio) throw new ApiError('INVALID_INPUT', 'This media has no audio to transcribe.');
    const packDir = this.o.locateAsrPack?.() ?? null;
    if (!packDir)
      throw new ApiError(
        'ENGINE_UNAVAILABLE',
        `Transcribing needs the "${ASR_PACK_ID}" model pack (Parakeet TDT-CTC 110M, English, about 100 MB download), which is not installed: install it in Models (or "timbre models download ${ASR_PACK_ID}"), or load a subtitle file.`,
        { packId: ASR_PACK_ID },
      );
    return this.run(projectId, 'transcript', (signal) =>
      this.withAudio(d, signal, async (reader) => {
        const host = (this.asrHost ??= new AsrHost());
        const chunk = DUB_ANALYSIS_LIMITS.transcribeChunkSeconds * RATE;
        const ctx = CHUNK_CONTEXT_SECONDS * RATE;
        const words: TranscriptWord[] = [];
        let model = ASR_PACK_ID;
        this.progress(projectId, 'transcript', 'transcribing', 0.05);
        for (let cs = 0; cs < reader.frames; cs += chunk) {
          if (signal.aborted) throw cancelled();
          const a = Math.max(0, cs - ctx);
          const b = Math.min(reader.frames, cs + chunk + ctx);
          const audio = await reader.read(a, b - a);
          const part = cs / reader.frames;
          const share = Math.min(chunk, reader.frames - cs) / reader.frames;
          let r;
          try {
            r = await host.transcribe(audio, RATE, packDir, {
              signal,
              onProgress: (f) =>
                this.progress(projectId, 'transcript', 'transcribing', 0.05 + 0.9 * (part + f * share)),
            });
          } catch (err) {
            if (err instanceof TranscribeError) {
              if (err.code === 'CANCELLED') throw cancelled();
              throw new ApiError(
                err.code === 'UNAVAILABLE'
                  ? 'ENGINE_UNAVAILABLE'
                  : err.code === 'INVALID_INPUT'
                    ? 'INVALID_INPUT'
                    : 'ENGINE_ERROR',
                err.message,
              );
            }
            throw err;
          }
          model = r.model;
          // The context is heard by two chunks: a chunk keeps the words whose middle falls before its end (the last
          // chunk: all) that begin after the last word already kept, so a word at a seam is kept once, whichever
          // chunk's timing puts its middle on which side.
          const last = cs + chunk >= reader.frames;
          for (const w of r.words) {
            const start = w.start + a / RATE;
            const end = w.end + a / RATE;
            const prev = words.at(-1);
            if (!last && (start + end) / 2 >= (cs + chunk) / RATE) continue;
            if (prev && start < prev.end - SEAM_TOLERANCE_SECONDS) continue;
            words.push({ ...w, start, end });
          }
        }
        if (signal.aborted) throw cancelled();
        const duration = d.media.durationSeconds;
        const min = DUB_PROJECT_LIMITS.segmentSecondsMin;
        const found = segmentWords(words)
          .map((g) => ({
            start: r3(Math.max(0, g.start)),
            end: r3(Math.min(duration, g.end)),
            text: g.text.slice(0, DUB_PROJECT_LIMITS.segmentTextMax),
          }))
          .filter((g) => g.end - g.start >= min - 1e-9 && g.text.trim());
        let added = 0;
        let filled = 0;
        let covered = 0;
        // Decided inside the transaction, against the segments as they are now (the user may have edited meanwhile).
        this.o.db.transaction(() => {
          const existing = this.o.db
            .prepare('SELECT id, start_s, end_s, speaker, source_text, locked FROM dub_segments WHERE project_id = ?')
            .all(projectId) as SegRow[];
          const fill = this.o.db.prepare('UPDATE dub_segments SET source_text = ? WHERE id = ?');
          for (const s of existing) {
            if (s.locked || s.source_text) continue;
            const inside = words.filter((w) => {
              const mid = (w.start + w.end) / 2;
              return mid >= s.start_s && mid < s.end_s;
            });
            if (!inside.length) continue;
            fill.run(
              inside
                .map((w) => w.word)
                .join(' ')
                .slice(0, DUB_PROJECT_LIMITS.segmentTextMax),
              s.id,
            );
            filled++;
          }
          const ins = this.o.db.prepare(
            'INSERT INTO dub_segments (id, project_id, start_s, end_s, source_text, text) VALUES (?, ?, ?, ?, ?, ?)',
          );
          let room = DUB_PROJECT_LIMITS.segmentsMax - existing.length;
          for (const g of found) {
            if (existing.some((s) => s.start_s < g.end - 1e-6 && s.end_s > g.start + 1e-6)) {
              covered++;
              continue;
            }
            if (room <= 0) break;
            ins.run(newId('dseg'), projectId, g.start, g.end, g.text, asText ? g.text : '');
            room--;
            added++;
          }
        })();
        if (added || filled) this.o.touched(projectId);
        return { project: this.o.get(projectId), added, filled, covered, words: words.length, model };
      }),
    );
  }
}

/**
 * The installed speaker-embedding pack's folder in the first models folder that has it, or null; a pack whose files
 * changed since installation is refused (ENGINE_UNAVAILABLE naming the files), never used.
 */
export function locateSpeakerPack(modelsDirs: readonly string[]): string | null {
  for (const d of modelsDirs) {
    const dir = path.join(d, SPEAKER_PACK_ID);
    if (speakerUnavailableReason(dir)) continue;
    assertPackIntact(dir, SPEAKER_PACK_ID);
    return dir;
  }
  return null;
}
