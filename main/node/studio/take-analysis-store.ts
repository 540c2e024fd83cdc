/**
 * Stored per-take analysis (take_analysis): read it, or compute it once from the take's WAV and store it (takes
 * made before the analysis existed, takes restored from the trash).
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { ApiError } from '../../../native-models/common/errors.js';
import { decodeWav } from '../../../native-models/audio/wav.js';
import {
  analyseTake,
  decodeAnalysis,
  encodeAnalysis,
  type TakeAnalysis,
} from '../../../native-models/dsp/take-analysis.js';
import type { Repos } from '../db/repositories.js';

/** The stored analysis, or null when there is none (or it cannot be read). */
export function storedAnalysis(repos: Repos, takeId: string, opts?: { peaks?: boolean }): TakeAnalysis | null {
  const buf = repos.takes.analysis(takeId);
  if (!buf) return null;
  try {
    return decodeAnalysis(buf, opts);
  } catch {
    return null;
  }
}

/**
 * A reader of stored analyses for loudness (no peaks) that allocates nothing per take: each analysis is decoded
 * into buffers the reader reuses, so the one it returned is valid only until its next call. For combining the
 * loudness of thousands of takes in one pass (export of a 10-hour book) in bounded memory.
 */
export function loudnessReader(repos: Repos): (takeId: string) => TakeAnalysis | null {
  let bytes = Buffer.alloc(0);
  const scratch = { energies: new Float32Array(0) };
  return (takeId) => {
    const hex = repos.takes.analysisHex(takeId);
    if (!hex) return null;
    const n = hex.length >> 1;
    if (bytes.length < n) bytes = Buffer.alloc(Math.max(n, 2 * bytes.length));
    bytes.write(hex, 0, n, 'hex');
    try {
      return decodeAnalysis(bytes.subarray(0, n), { peaks: false, scratch });
    } catch {
      return null;
    }
  };
}

/** The take's analysis, computed from its WAV and stored the first time it is needed. */
export async function takeAnalysis(repos: Repos, takesDir: string, takeId: string): Promise<TakeAnalysis> {
  const stored = storedAnalysis(repos, takeId);
  if (stored) return stored;
  const row = repos.takes.row(takeId);
  const file = path.join(takesDir, row.file);
  const data = await fsp.readFile(file).catch((err: NodeJS.ErrnoException) => {
    throw new ApiError(
      'NOT_FOUND',
      `The audio file of a take is missing (${path.basename(file)}): generate the line again. (${err.code ?? err.message})`,
    );
  });
  const w = decodeWav(data);
  const a = analyseTake(w.samples, w.sampleRate);
  repos.takes.setAnalysis(takeId, encodeAnalysis(a));
  return a;
}

/** Peaks for the timeline (`takes.peaks`). */
export async function takePeaks(repos: Repos, takesDir: string, takeId: string, perSecond: 50 | 5) {
  const a = await takeAnalysis(repos, takesDir, takeId);
  const p = perSecond === 50 ? a.peaks50 : a.peaks5;
  return {
    takeId,
    perSecond,
    durationSeconds: a.durationSec,
    integratedLufs: Number.isFinite(a.integratedLufs) ? a.integratedLufs : null,
    truePeakDbtp: Number.isFinite(a.truePeakDb) ? a.truePeakDb : null,
    peaks: Array.from(p, (v) => Math.round((v / 32767) * 1e4) / 1e4),
  };
}
