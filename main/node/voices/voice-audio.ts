/**
 * The core's door to voice-audio analysis and clean-up (native-models/enhance/cleanup.ts): loads the Silero VAD and
 * GTCRN denoiser from the installed model packs once, and maps the analysis report to the contract's QualityReport.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { QualityReport, QualityReport as ContractReport } from '../../../preload/contract.js';
import { ApiError } from '../../common/errors.js';
import { GtcrnDenoiser } from '../../../native-models/enhance/gtcrn.js';
import { SileroVad } from '../../../native-models/vad/index.js';

/*
 * Until native-models/enhance/cleanup.ts (branch wt/clean) is merged, it is loaded dynamically against the shared
 * interface below (docs: /work/helpers/voice-audio-api.md), so this branch builds without it.
 * TODO(after merging wt/clean): import it statically and drop these declarations.
 */
interface CleanupReport extends Omit<ContractReport, 'peakDbfs'> {
  peakDbfs: number;
  noiseFloorDbfs: number | null;
  segments: { start: number; end: number }[];
}
export interface CleanupOptions {
  trim?: boolean;
  maxPauseSeconds?: number;
  denoise?: boolean;
  normalize?: boolean;
  targetLufs?: number;
  window?: { start: number; end: number } | 'best';
}
interface CleanupDeps {
  vad: SileroVad;
  denoiser?: GtcrnDenoiser;
}
interface CleanupModule {
  analyzeVoiceAudio(
    s: Float32Array,
    rate: number,
    deps: CleanupDeps,
    meta?: { channels?: number },
  ): Promise<CleanupReport>;
  cleanVoiceAudio(
    s: Float32Array,
    rate: number,
    opts: CleanupOptions,
    deps: CleanupDeps,
    meta?: { channels?: number },
  ): Promise<{ samples: Float32Array; sampleRate: number; report: CleanupReport }>;
  assertUsableForVoice(report: CleanupReport): void;
  adviceText(code: string): string;
}

const CLEANUP_MODULE = '../../../native-models/enhance/cleanup.js';
let cleanupModule: Promise<CleanupModule> | null = null;
function loadCleanup(): Promise<CleanupModule> {
  cleanupModule ??= (import(/* @vite-ignore */ CLEANUP_MODULE) as Promise<CleanupModule>).catch((err: unknown) => {
    cleanupModule = null;
    throw new ApiError('INTERNAL', `The voice clean-up module is not available: ${String(err)}`);
  });
  return cleanupModule;
}

/** The analysis with the fields the contract leaves out (speech segments, the non-speech level). */
export type FullReport = CleanupReport;

const VAD_FILE = ['silero-vad', 'silero_vad.onnx'] as const;
const GTCRN_FILE = ['gtcrn', 'gtcrn.onnx'] as const;

/** The contract's report: the analysis without its internal fields (segments, noise floor). */
export function toQualityReport(r: CleanupReport): QualityReport {
  return {
    sampleRate: r.sampleRate,
    channels: r.channels,
    durationSeconds: r.durationSeconds,
    speechSeconds: r.speechSeconds,
    snrDb: r.snrDb,
    clippedPercent: r.clippedPercent,
    peakDbfs: Number.isFinite(r.peakDbfs) ? r.peakDbfs : -120,
    loudnessLufs: r.loudnessLufs !== null && Number.isFinite(r.loudnessLufs) ? r.loudnessLufs : null,
    dcOffset: r.dcOffset,
    bestWindow: r.bestWindow,
    advice: r.advice,
  };
}

export class VoiceAudio {
  private vad: Promise<SileroVad> | null = null;
  private denoiser: Promise<GtcrnDenoiser> | null = null;

  constructor(private readonly modelsDir: string) {}

  private loadVad(): Promise<SileroVad> {
    const file = path.join(this.modelsDir, ...VAD_FILE);
    if (!existsSync(file))
      throw new ApiError(
        'ENGINE_UNAVAILABLE',
        'Checking voice recordings needs the Silero VAD model pack (speech detection, 2 MB), which is not installed: ' +
          'install it in Models, or run "timbre models download silero-vad".',
        { pack: 'silero-vad' },
      );
    this.vad ??= SileroVad.load(file).catch((err: unknown) => {
      this.vad = null;
      throw err;
    });
    return this.vad;
  }

  private loadDenoiser(): Promise<GtcrnDenoiser> {
    const file = path.join(this.modelsDir, ...GTCRN_FILE);
    if (!existsSync(file))
      throw new ApiError(
        'ENGINE_UNAVAILABLE',
        'Denoising needs the GTCRN model pack (noise suppression, 0.4 MB), which is not installed: install it in ' +
          'Models, or run "timbre models download gtcrn".',
        { pack: 'gtcrn' },
      );
    this.denoiser ??= GtcrnDenoiser.load(file).catch((err: unknown) => {
      this.denoiser = null;
      throw err;
    });
    return this.denoiser;
  }

  /** The full analysis (with speech segments), for callers that need more than the contract's report. */
  async analyzeFull(samples: Float32Array, sampleRate: number, channels?: number): Promise<CleanupReport> {
    const vad = await this.loadVad();
    const cleanup = await loadCleanup();
    return cleanup.analyzeVoiceAudio(samples, sampleRate, { vad }, channels ? { channels } : undefined);
  }

  async analyze(samples: Float32Array, sampleRate: number, channels?: number): Promise<QualityReport> {
    return toQualityReport(await this.analyzeFull(samples, sampleRate, channels));
  }

  async clean(
    samples: Float32Array,
    sampleRate: number,
    opts: CleanupOptions,
  ): Promise<{ samples: Float32Array; sampleRate: number; report: QualityReport; full: FullReport }> {
    const vad = await this.loadVad();
    const denoiser = opts.denoise ? await this.loadDenoiser() : undefined;
    const cleanup = await loadCleanup();
    const r = await cleanup.cleanVoiceAudio(samples, sampleRate, opts, { vad, denoiser });
    return { samples: r.samples, sampleRate: r.sampleRate, report: toQualityReport(r.report), full: r.report };
  }

  /**
   * Throws INVALID_INPUT with `details.audioProblem` when no voice can be made from audio with this report.
   * `noiseFloorDbfs` (from the full analysis) tells music or noise from a recording that is merely short.
   */
  async assertUsable(report: QualityReport, noiseFloorDbfs: number | null): Promise<void> {
    const cleanup = await loadCleanup();
    cleanup.assertUsableForVoice({ ...report, noiseFloorDbfs, segments: [] });
  }

  async adviceText(code: string): Promise<string> {
    return (await loadCleanup()).adviceText(code);
  }

  async close(): Promise<void> {
    const v = this.vad;
    const d = this.denoiser;
    this.vad = this.denoiser = null;
    await Promise.allSettled([v?.then((x) => x.dispose()), d?.then((x) => x.dispose())]);
  }
}
