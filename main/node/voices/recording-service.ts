/**
 * Recording over the contract: one Recorder (main/node/recorder) at a time, in the core process. The microphone is
 * open only between recorder.start and recorder.stop/discard (or the take ending by itself); the renderer never gets
 * microphone access. Levels go out as `recorder.level` events (one per 50 ms block), state changes as
 * `recorder.state`; a stopped take is staged encrypted (staging.ts) like an import.
 */
import type { RecorderDevices, RecorderPurpose, RecorderStatus, StagedAudio } from '../../../preload/contract/index.js';
import { ApiError, type ApiError as ApiErrorT } from '../../../native-models/common/errors.js';
import type { Emit } from '../jobs/queue.js';
import { findOnPath, listInputDevices } from '../recorder/devices.js';
import { noLedger, type LedgerSink } from '../privacy/ledger.js';
import { Recorder, RecorderError, installHint, type EndReason } from '../recorder/recorder.js';
import { estimateNoiseFloor } from '../recorder/room-noise.js';
import { diskFullAsApiError, type StagingStore } from './staging.js';
import { readAll, type PcmStore, type PcmWriter } from '../../../native-models/audio/pcm-store.js';

/** Microphone takes are recorded at 48 kHz. */
const RECORD_RATE = 48000;

/** Recorder failures as API errors with the recorder's own plain-English message. */
export function recorderApiError(err: RecorderError): ApiErrorT {
  switch (err.code) {
    case 'RECORDER_NOT_INSTALLED':
    case 'NO_INPUT_DEVICE':
      return new ApiError('ENGINE_UNAVAILABLE', err.message, { recorderError: err.code });
    case 'DEVICE_NOT_FOUND':
      return new ApiError('NOT_FOUND', err.message, { recorderError: err.code });
    case 'INVALID_STATE':
    case 'DEVICE_BUSY':
      return new ApiError('CONFLICT', err.message, { recorderError: err.code });
    case 'INVALID_OPTIONS':
      return new ApiError('INVALID_INPUT', err.message, { recorderError: err.code });
    case 'CANCELLED':
      return new ApiError('CANCELLED', err.message, { recorderError: err.code });
    case 'WRITE_FAILED': {
      const cause = (err as Error & { cause?: NodeJS.ErrnoException }).cause;
      const full = cause?.code === 'ENOSPC' || cause?.code === 'EDQUOT';
      return new ApiError(full ? 'DISK_FULL' : 'ENGINE_ERROR', err.message, { recorderError: err.code });
    }
    default:
      return new ApiError('ENGINE_ERROR', err.message, { recorderError: err.code });
  }
}

async function wrap<T>(fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof RecorderError) throw recorderApiError(err);
    throw err;
  }
}

export class RecordingService {
  private recorder = new Recorder();
  private purpose: RecorderPurpose | null = null;
  private maxSeconds = 0;
  private endReason: EndReason | null = null;
  private endError: RecorderError | null = null;

  /** When the microphone was opened (for the ledger's `microphone.closed`), or null while it is closed. */
  private micOpenedAt: number | null = null;

  constructor(
    private readonly staging: StagingStore,
    private readonly emit: Emit,
    private readonly ledger: LedgerSink = noLedger,
    /** Frames of a take kept in memory before it spills to an encrypted temporary file (undefined: the default). */
    private readonly memoryFrames?: number,
  ) {
    this.listen();
  }

  /**
   * Where the take being recorded goes as it arrives: the staging work store (memory for the first minute or so,
   * then an encrypted temporary file), so an hour-long take never sits in memory. Disposed after staging/discard.
   */
  private take: { store: PcmStore; writer: PcmWriter } | null = null;

  private dropTake(): void {
    this.take?.store.dispose();
    this.take = null;
  }

  /** The privacy ledger sees the microphone open and close (it is open only while a take records). */
  private micClosed(how: string): void {
    if (this.micOpenedAt === null) return;
    const seconds = Math.round((Date.now() - this.micOpenedAt) / 100) / 10;
    this.micOpenedAt = null;
    this.ledger.record('microphone.closed', { purpose: this.purpose ?? 'sample', how, seconds });
  }

  private listen(): void {
    this.recorder.on('level', (l) =>
      this.emit('recorder.level', {
        rmsDb: l.rmsDb,
        peakDb: l.peakDb,
        clipping: l.clipping,
        tooQuiet: l.tooQuiet,
        elapsed: l.elapsed,
        paused: l.paused,
      }),
    );
    this.recorder.on('ended', ({ reason, error }) => {
      this.micClosed(reason);
      this.endReason = reason;
      this.endError = error ?? null;
      this.changed();
    });
  }

  status(): RecorderStatus {
    const state = this.recorder.state;
    return {
      state,
      purpose: state === 'idle' ? null : this.purpose,
      elapsed: state === 'idle' ? 0 : this.recorder.elapsed,
      maxSeconds: state === 'idle' ? 0 : this.maxSeconds,
      endReason: state === 'ended' ? this.endReason : null,
      error: state === 'ended' && this.endError ? recorderApiError(this.endError).toJSON() : null,
    };
  }

  private changed(): RecorderStatus {
    const s = this.status();
    this.emit('recorder.state', s);
    return s;
  }

  async devices(): Promise<RecorderDevices> {
    const sox = findOnPath('sox');
    const arecord = process.platform === 'linux' ? findOnPath('arecord') : null;
    const program = sox ? 'sox' : arecord ? 'arecord' : null;
    const devices = (await listInputDevices()).map((d) => ({
      id: d.id,
      description: d.description,
      isDefault: d.isDefault,
      isMonitor: d.isMonitor,
    }));
    let problem: string | null = null;
    if (!program)
      problem = `No audio recorder program is installed: Timbre records with SoX (sox) or arecord. ${installHint()}.`;
    else if (devices.filter((d) => !d.isMonitor).length === 0)
      problem =
        devices.length === 0
          ? 'No microphone (audio input device) was found. Plug one in, check that it is enabled in the system ' +
            'sound settings (on Linux: pavucontrol or "pactl list short sources"), then refresh.'
          : 'No microphone was found, only monitors of audio outputs (they record what the speakers play). Plug in a ' +
            'microphone or enable it in the system sound settings, then refresh.';
    return { program, devices, problem };
  }

  async start(opts: { device?: string; maxSeconds: number; purpose: RecorderPurpose }): Promise<RecorderStatus> {
    if (this.recorder.state !== 'idle')
      throw new ApiError(
        'CONFLICT',
        `A recording is already ${this.recorder.state === 'ended' ? 'waiting to be stopped or discarded' : 'in progress'}: stop or discard it first.`,
      );
    this.purpose = opts.purpose;
    this.maxSeconds = opts.maxSeconds;
    this.endReason = null;
    this.endError = null;
    this.emit('recorder.state', {
      ...this.status(),
      state: 'starting',
      purpose: opts.purpose,
      maxSeconds: opts.maxSeconds,
    });
    this.dropTake();
    const store = this.staging.workStore(this.memoryFrames);
    const take = { store, writer: store.create(RECORD_RATE) };
    this.take = take;
    let floats = new Float32Array(0);
    // The recorder hands over each block of 16-bit audio; a failed write (a full disk) ends the take with that cause.
    const sink = (pcm: Int16Array) => {
      if (floats.length < pcm.length) floats = new Float32Array(pcm.length);
      const x = floats.subarray(0, pcm.length);
      for (let i = 0; i < pcm.length; i++) x[i] = pcm[i] / 32768;
      take.writer.write(x);
    };
    try {
      await wrap(() =>
        this.recorder.start({ device: opts.device, maxSeconds: opts.maxSeconds, sampleRate: RECORD_RATE, sink }),
      );
      this.micOpenedAt = Date.now();
      this.ledger.record('microphone.opened', { purpose: opts.purpose, device: opts.device ? 'chosen' : 'default' });
    } catch (err) {
      this.dropTake();
      this.changed();
      throw err;
    }
    return this.changed();
  }

  async pause(): Promise<RecorderStatus> {
    await wrap(() => this.recorder.pause());
    return this.changed();
  }

  async resume(): Promise<RecorderStatus> {
    await wrap(() => this.recorder.resume());
    return this.changed();
  }

  /** Close the microphone and stage the take. Room-noise takes carry their noise floor. */
  async stop(): Promise<StagedAudio> {
    const purpose = this.purpose ?? 'sample';
    // The take went to the work store as it was recorded and is staged from there in blocks (an hour-long take is
    // never in memory whole).
    await wrap(() => this.recorder.finish());
    this.micClosed('stopped');
    this.changed();
    const take = this.take;
    this.take = null;
    if (!take) throw new ApiError('CONFLICT', 'There is no recording to stop.');
    try {
      const source = take.writer.finish();
      if (source.length < source.sampleRate * 0.1)
        throw new ApiError('INVALID_INPUT', 'The recording is shorter than 0.1 s: nothing was kept. Record again.', {
          audioProblem: 'too-short',
        });
      const noiseFloorDb =
        purpose === 'room-noise' ? estimateNoiseFloor(await readAll(source), source.sampleRate).floorDb : null;
      const opts = { source: 'recording' as const, purpose, noiseFloorDb };
      const item = await diskFullAsApiError(() => this.staging.putSource(source, opts, take.store));
      return this.staging.get(item.stagingId);
    } finally {
      take.store.dispose();
    }
  }

  async discard(): Promise<{ discarded: true }> {
    await this.recorder.discard();
    this.dropTake();
    this.micClosed('discarded');
    this.changed();
    return { discarded: true };
  }

  /** Close the microphone (app shutdown). */
  async close(): Promise<void> {
    await this.recorder.discard().catch(() => undefined);
    this.micClosed('shutdown');
  }
}
