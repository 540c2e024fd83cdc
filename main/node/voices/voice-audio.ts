/**
 * The core's door to voice-audio analysis and clean-up (native-models/enhance/cleanup.ts): loads the Silero VAD and
 * GTCRN denoiser from the installed model packs once, and maps the analysis report to the contract's QualityReport.
 */
import type { QualityReport } from '../../../preload/contract/index.js';
import * as cleanup from '../../../native-models/enhance/cleanup.js';
import { locateVoiceModel, missingModelsError } from '../../../native-models/enhance/voice-models.js';
import { GtcrnDenoiser } from '../../../native-models/enhance/gtcrn.js';
import { SileroVad } from '../../../native-models/vad/index.js';
import type { PcmSource, PcmStore } from '../../../native-models/audio/pcm-store.js';

/** The analysis with the fields the contract leaves out (speech segments, the non-speech level). */
export type FullReport = cleanup.QualityReport;
export type CleanupOptions = cleanup.CleanupOptions;

/** The contract's report: the analysis without its internal fields (segments, noise floor). */
export function toQualityReport(r: cleanup.QualityReport): QualityReport {
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
    const file = locateVoiceModel('silero-vad', [this.modelsDir]);
    if (!file) throw missingModelsError(['silero-vad'], [this.modelsDir]);
    this.vad ??= SileroVad.load(file).catch((err: unknown) => {
      this.vad = null;
      throw err;
    });
    return this.vad;
  }

  private loadDenoiser(): Promise<GtcrnDenoiser> {
    const file = locateVoiceModel('gtcrn', [this.modelsDir]);
    if (!file) throw missingModelsError(['gtcrn'], [this.modelsDir]);
    this.denoiser ??= GtcrnDenoiser.load(file).catch((err: unknown) => {
      this.denoiser = null;
      throw err;
    });
    return this.denoiser;
  }

  /** The full analysis (with speech segments), for callers that need more than the contract's report. */
  async analyzeFull(samples: Float32Array, sampleRate: number, channels?: number): Promise<cleanup.QualityReport> {
    const vad = await this.loadVad();
    return cleanup.analyzeVoiceAudio(samples, sampleRate, { vad }, channels ? { channels } : undefined);
  }

  /** The full analysis of audio of any length, read in blocks (its 16 kHz copy goes to `store`). */
  async analyzeSource(src: PcmSource, store: PcmStore, channels?: number): Promise<cleanup.QualityReport> {
    const vad = await this.loadVad();
    return (await cleanup.analyzeSource(src, { vad }, channels ? { channels } : {}, store)).report;
  }

  /** Clean audio of any length in streaming passes; the output lives in `store` until the caller disposes it. */
  async cleanSource(
    src: PcmSource,
    opts: CleanupOptions,
    store: PcmStore,
    prior?: FullReport,
  ): Promise<{ output: PcmSource; report: QualityReport; full: FullReport }> {
    const vad = await this.loadVad();
    const denoiser = opts.denoise ? await this.loadDenoiser() : undefined;
    const r = await cleanup.cleanSource(src, opts, { vad, denoiser }, {}, store, prior);
    return { output: r.output, report: toQualityReport(r.report), full: r.report };
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
    const r = await cleanup.cleanVoiceAudio(samples, sampleRate, opts, { vad, denoiser });
    return { samples: r.samples, sampleRate: r.sampleRate, report: toQualityReport(r.report), full: r.report };
  }

  /**
   * Throws INVALID_INPUT with `details.audioProblem` when no voice can be made from audio with this report.
   * `noiseFloorDbfs` (from the full analysis) tells music or noise from a recording that is merely short.
   */
  assertUsable(report: QualityReport, noiseFloorDbfs: number | null): void {
    cleanup.assertUsableForVoice({ ...report, noiseFloorDbfs, segments: [] });
  }

  async close(): Promise<void> {
    const v = this.vad;
    const d = this.denoiser;
    this.vad = this.denoiser = null;
    await Promise.allSettled([v?.then((x) => x.dispose()), d?.then((x) => x.dispose())]);
  }
}
