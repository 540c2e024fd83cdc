/**
 * Microphone capture in the core process (plain Node, no Electron), driving SoX (`sox`) or ALSA's `arecord` through
 * node-record-lpcm16. The capture program runs only between start() and stop()/discard() (or the maxSeconds limit,
 * or the device failing): no program, no open microphone, outside a take.
 *
 * Program and device choice:
 * - `sox` when it is on PATH. With a PulseAudio (or PipeWire-pulse) server running, SoX's pulseaudio driver is forced
 *   (AUDIODRIVER=pulseaudio; Debian's SoX otherwise tries ALSA first), the device is a pulse source name
 *   (AUDIODEV, which is how node-record-lpcm16 passes `device` to sox) and PULSE_LATENCY_MSEC=50 keeps pulse from
 *   delivering audio in 2 s lumps, so the meter is live. Without pulse, SoX's platform default driver is used (ALSA,
 *   CoreAudio, waveaudio) and the device is that driver's name (e.g. plughw:CARD=Mic,DEV=0).
 * - else `arecord` (Linux). The device is an ALSA PCM (`-D`); with pulse running, a pulse source is reached through
 *   ALSA's pulse plugin (-D pulse, PULSE_SOURCE=<source>).
 * node-record-lpcm16 builds the child's environment from process.env when it spawns, so the variables above are set
 * on process.env for the duration of that synchronous call and restored right after (see withEnv).
 *
 * Pause keeps the device open and the program running; audio that arrives while paused is metered (level events
 * say paused: true) but not kept and not counted in elapsed. Reopening the device on resume would cost the 0.5-2 s
 * pulse/ALSA start-up latency and could lose the first words after resume. SIGSTOP (the library's pause) is not used:
 * a stopped client overruns the server's buffer and replays stale audio on resume.
 *
 * Output: 16-bit PCM from the device, mixed to mono, returned as float32 in [-1, 1].
 */
import { EventEmitter } from 'node:events';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import recordLib from 'node-record-lpcm16';
import type { RecordOptions } from 'node-record-lpcm16';
import { findOnPath, pulseAvailable } from './devices.js';
import { LevelMeter, type LevelReading } from './levels.js';

export type RecorderErrorCode =
  | 'RECORDER_NOT_INSTALLED'
  | 'NO_INPUT_DEVICE'
  | 'DEVICE_NOT_FOUND'
  | 'DEVICE_BUSY'
  | 'PERMISSION_DENIED'
  | 'CAPTURE_FAILED'
  | 'CANCELLED'
  | 'INVALID_STATE'
  | 'INVALID_OPTIONS'
  | 'WRITE_FAILED';

export class RecorderError extends Error {
  constructor(
    readonly code: RecorderErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'RecorderError';
  }
}

export interface RecorderStartOptions {
  /** Input device id from listInputDevices(); default: the system's default input. */
  device?: string;
  /** Capture rate in Hz (default 48000). */
  sampleRate?: number;
  /** Channels to open the device with (default 1); the result is always mixed down to mono. */
  channels?: number;
  /** The take stops by itself after this many seconds of (unpaused) audio. */
  maxSeconds: number;
  /**
   * Where the kept audio goes as it arrives (e.g. a WAV file on disk), instead of memory: a long take then costs no
   * memory, and the returned take's `pcm` is empty. If it throws (a full disk), the take ends at once with a
   * WRITE_FAILED error whose `cause` is the thrown error; what the sink accepted before stays its own.
   */
  sink?: (pcm: Int16Array) => void;
}

export interface RecordedAudio {
  /** Mono samples in [-1, 1] (empty when the take went to a sink). */
  pcm: Float32Array;
  sampleRate: number;
  seconds: number;
}

export interface LevelEvent extends LevelReading {
  /** The block arrived while paused: it is not part of the take. */
  paused: boolean;
  /** Seconds recorded so far (paused time excluded). */
  elapsed: number;
}

export type EndReason = 'limit' | 'device-error' | 'write-error';

export interface RecorderEvents {
  /** One per ~50 ms of audio (20 per second), while recording or paused. */
  level: [LevelEvent];
  /** Seconds recorded so far, after each block that was kept. */
  elapsed: [number];
  /**
   * The capture ended on its own: maxSeconds reached, or the device/program failed (error says why). The audio so
   * far is kept; call stop() to collect it.
   */
  ended: [{ reason: EndReason; error?: RecorderError }];
}

export type RecorderState = 'idle' | 'starting' | 'recording' | 'paused' | 'ended';

export type RecorderProgram = 'sox' | 'arecord';

/** What to install to get a capture program, per platform. */
export function installHint(platform: NodeJS.Platform = process.platform): string {
  switch (platform) {
    case 'darwin':
      return 'Install SoX: brew install sox';
    case 'win32':
      return 'Install SoX (https://sourceforge.net/projects/sox/) and add its folder to PATH';
    default:
      return (
        'Install SoX: sudo apt-get install sox (Debian/Ubuntu), sudo dnf install sox (Fedora), ' +
        'sudo pacman -S sox (Arch); or ALSA utilities for arecord: sudo apt-get install alsa-utils'
      );
  }
}

const START_TIMEOUT_MS = 10_000;
const KILL_GRACE_MS = 2_000;
const MAX_TAKE_SECONDS = 4 * 3600;

interface Session {
  child: ChildProcessWithoutNullStreams;
  closed: Promise<void>;
  stderr: string;
  /** We asked it to stop: its exit is not a failure. */
  stopping: boolean;
  program: RecorderProgram;
  device: string | undefined;
}

export class Recorder extends EventEmitter<RecorderEvents> {
  private _state: RecorderState = 'idle';
  private session: Session | null = null;
  private chunks: Int16Array[] = [];
  private captured = 0;
  private limit = 0;
  private sampleRate = 48000;
  private channels = 1;
  private meter: LevelMeter | null = null;
  private leftover: Buffer = Buffer.alloc(0);
  private endError: RecorderError | undefined;
  private sink: ((pcm: Int16Array) => void) | undefined;

  get state(): RecorderState {
    return this._state;
  }

  /** The capture program's process id while the device is open (null otherwise). */
  get pid(): number | null {
    return this.session?.child.pid ?? null;
  }

  /** Seconds recorded so far. */
  get elapsed(): number {
    return this.captured / this.sampleRate;
  }

  /**
   * Open the input and start recording. Resolves once the device delivers audio; rejects with a RecorderError
   * (program not installed, no input device, device not found or busy, no audio within 10 s).
   */
  async start(opts: RecorderStartOptions): Promise<void> {
    if (this._state !== 'idle')
      throw new RecorderError('INVALID_STATE', `Cannot start: the recorder is ${this._state}`);
    const sampleRate = opts.sampleRate ?? 48000;
    const channels = opts.channels ?? 1;
    if (!Number.isInteger(sampleRate) || sampleRate < 8000 || sampleRate > 192000) {
      throw new RecorderError('INVALID_OPTIONS', `Sample rate must be a whole number of Hz from 8000 to 192000`);
    }
    if (!Number.isInteger(channels) || channels < 1 || channels > 8) {
      throw new RecorderError('INVALID_OPTIONS', 'Channels must be 1 to 8');
    }
    if (!(opts.maxSeconds > 0) || opts.maxSeconds > MAX_TAKE_SECONDS) {
      throw new RecorderError('INVALID_OPTIONS', `maxSeconds must be over 0 and at most ${MAX_TAKE_SECONDS}`);
    }
    if (opts.device !== undefined && !/^[\w.:,=@/+-]{1,200}$/.test(opts.device)) {
      throw new RecorderError('INVALID_OPTIONS', `Invalid input device name: ${JSON.stringify(opts.device)}`);
    }
    this._state = 'starting';
    this.sampleRate = sampleRate;
    this.channels = channels;
    this.limit = Math.round(opts.maxSeconds * sampleRate);
    this.chunks = [];
    this.sink = opts.sink;
    this.captured = 0;
    this.leftover = Buffer.alloc(0);
    this.meter = new LevelMeter(sampleRate);
    this.endError = undefined;
    try {
      await this.open(opts.device);
    } catch (err) {
      const s = this.session;
      if (s) {
        s.stopping = true;
        await this.kill(s);
      }
      this.session = null;
      this._state = 'idle';
      throw err;
    }
  }

  pause(): void {
    if (this._state !== 'recording')
      throw new RecorderError('INVALID_STATE', `Cannot pause: the recorder is ${this._state}`);
    this._state = 'paused';
    this.meter?.resetBlock();
  }

  resume(): void {
    if (this._state !== 'paused')
      throw new RecorderError('INVALID_STATE', `Cannot resume: the recorder is ${this._state}`);
    this._state = 'recording';
    this.meter?.resetBlock();
  }

  /** Close the device and return the take. Also collects a take that ended on its own (maxSeconds, device error). */
  async stop(): Promise<RecordedAudio> {
    if (this._state === 'idle' || this._state === 'starting') {
      throw new RecorderError('INVALID_STATE', `Cannot stop: the recorder is ${this._state}`);
    }
    await this.close();
    const pcm = new Float32Array(this.captured);
    let off = 0;
    for (const c of this.chunks) {
      for (let i = 0; i < c.length; i++) pcm[off + i] = c[i] / 32768;
      off += c.length;
    }
    const out = { pcm, sampleRate: this.sampleRate, seconds: this.captured / this.sampleRate };
    this.reset();
    return out;
  }

  /**
   * Close the device and end the take whose audio went to the `sink` given to start() (nothing is collected here).
   * Also ends a take that ended on its own.
   */
  async finish(): Promise<{ sampleRate: number; seconds: number }> {
    if (this._state === 'idle' || this._state === 'starting') {
      throw new RecorderError('INVALID_STATE', `Cannot stop: the recorder is ${this._state}`);
    }
    await this.close();
    const out = { sampleRate: this.sampleRate, seconds: this.captured / this.sampleRate };
    this.reset();
    return out;
  }

  /** Close the device and drop the take. Safe in any state, including while start() is waiting for the device. */
  async discard(): Promise<void> {
    await this.close();
    this.reset();
  }

  private reset(): void {
    this.chunks = [];
    this.sink = undefined;
    this.captured = 0;
    this.leftover = Buffer.alloc(0);
    this.meter = null;
    this._state = 'idle';
  }

  private async close(): Promise<void> {
    const s = this.session;
    if (!s) return;
    s.stopping = true;
    await this.kill(s);
    this.session = null;
  }

  private async kill(s: Session): Promise<void> {
    if (s.child.exitCode === null && s.child.signalCode === null) {
      s.child.kill('SIGTERM');
      const t = setTimeout(() => s.child.kill('SIGKILL'), KILL_GRACE_MS);
      await s.closed;
      clearTimeout(t);
    } else {
      await s.closed;
    }
  }

  private async open(device: string | undefined): Promise<void> {
    const sox = findOnPath('sox');
    const arecord = process.platform === 'linux' ? findOnPath('arecord') : null;
    if (!sox && !arecord) {
      throw new RecorderError(
        'RECORDER_NOT_INSTALLED',
        `No audio recorder program found: Timbre records with SoX (sox) or arecord, and neither is on PATH. ${installHint()}.`,
      );
    }
    const pulse = await pulseAvailable();
    if (this._state !== 'starting') throw new RecorderError('CANCELLED', 'Recording was cancelled before it started');
    const program: RecorderProgram = sox ? 'sox' : 'arecord';
    const env: Record<string, string> = {};
    const libOpts: RecordOptions = {
      recorder: program,
      sampleRate: this.sampleRate,
      channels: this.channels,
      audioType: 'raw',
      device: device ?? null,
    };
    if (pulse) {
      if (!process.env.PULSE_LATENCY_MSEC) env.PULSE_LATENCY_MSEC = '50';
      if (program === 'sox') {
        env.AUDIODRIVER = 'pulseaudio';
      } else if (device) {
        env.PULSE_SOURCE = device;
        libOpts.device = 'pulse';
      }
    }

    let child: ChildProcessWithoutNullStreams;
    try {
      child = withEnv(env, () => recordLib.record(libOpts)).process;
    } catch (err) {
      throw new RecorderError('CAPTURE_FAILED', `Could not start ${program}: ${(err as Error).message}`);
    }
    let onClose!: () => void;
    const session: Session = {
      child,
      closed: new Promise<void>((r) => (onClose = r)),
      stderr: '',
      stopping: false,
      program,
      device,
    };
    this.session = session;

    await new Promise<void>((resolve, reject) => {
      let settled = false;
      const settle = (err?: RecorderError) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err) reject(err);
        else resolve();
      };
      const timer = setTimeout(
        () =>
          settle(
            new RecorderError(
              'CAPTURE_FAILED',
              `The input device${device ? ` "${device}"` : ''} delivered no audio within ${START_TIMEOUT_MS / 1000} s`,
            ),
          ),
        START_TIMEOUT_MS,
      );
      // The library re-emits a failed exit as an 'error' string on stdout; the exit is handled below instead.
      child.stdout.on('error', () => undefined);
      child.stderr.on('data', (d: Buffer | string) => {
        session.stderr = (session.stderr + String(d)).slice(-4000);
      });
      child.on('error', (err) => {
        settle(new RecorderError('CAPTURE_FAILED', `Could not run ${program}: ${err.message}`));
      });
      child.stdout.on('data', (d: Buffer | string) => {
        if (session !== this.session) return;
        if (!settled) {
          this._state = 'recording';
          settle();
        }
        this.onData(typeof d === 'string' ? Buffer.from(d, 'binary') : d);
      });
      child.on('close', (code, signal) => {
        onClose();
        if (session.stopping) {
          settle(new RecorderError('CANCELLED', 'Recording was cancelled before it started'));
          return;
        }
        const err = classifyFailure(session, code, signal);
        if (!settled) {
          settle(err);
          return;
        }
        if (session === this.session && (this._state === 'recording' || this._state === 'paused')) {
          this.end('device-error', err);
        }
      });
    });
  }

  private onData(buf: Buffer): void {
    if (this._state !== 'recording' && this._state !== 'paused') return;
    const data = this.leftover.length ? Buffer.concat([this.leftover, buf]) : buf;
    const frameBytes = 2 * this.channels;
    const frames = Math.floor(data.length / frameBytes);
    this.leftover = Buffer.from(data.subarray(frames * frameBytes));
    if (frames === 0) return;
    const mono = new Int16Array(frames);
    for (let f = 0, p = 0; f < frames; f++) {
      if (this.channels === 1) {
        mono[f] = data.readInt16LE(p);
        p += 2;
      } else {
        let acc = 0;
        for (let c = 0; c < this.channels; c++, p += 2) acc += data.readInt16LE(p);
        mono[f] = Math.round(acc / this.channels);
      }
    }
    const paused = this._state === 'paused';
    const kept = paused ? mono.subarray(0, 0) : mono.subarray(0, Math.min(frames, this.limit - this.captured));
    const metered = paused ? mono : kept;
    const floats = new Float32Array(metered.length);
    for (let i = 0; i < metered.length; i++) floats[i] = metered[i] / 32768;
    let keptSoFar = this.captured;
    const total = this.captured + kept.length;
    if (kept.length) {
      if (this.sink) {
        try {
          this.sink(kept);
        } catch (err) {
          this.failWrite(err);
          return;
        }
      } else {
        this.chunks.push(kept.slice());
      }
      this.captured = total;
    }
    const blockSize = this.meter?.blockSize ?? 1;
    this.meter?.push(floats, (reading) => {
      if (!paused) keptSoFar = Math.min(total, keptSoFar + blockSize);
      const elapsed = (paused ? this.captured : keptSoFar) / this.sampleRate;
      this.emit('level', { ...reading, paused, elapsed });
      if (!paused) this.emit('elapsed', elapsed);
    });
    if (!paused && this.captured >= this.limit && this.session) {
      // Close the device now; stop() waits for the program to exit and collects the audio.
      this.session.stopping = true;
      this.session.child.kill('SIGTERM');
      this.end('limit');
    }
  }

  /** The sink refused audio (a full disk): close the device and end the take with the sink's error as the cause. */
  private failWrite(err: unknown): void {
    const e = err as NodeJS.ErrnoException;
    const full = e.code === 'ENOSPC' || e.code === 'EDQUOT';
    const at = (this.captured / this.sampleRate).toFixed(2);
    const error = new RecorderError(
      'WRITE_FAILED',
      full
        ? `The disk filled up after ${at} s of recording`
        : `Could not save the recording after ${at} s: ${e.message}`,
    );
    (error as Error & { cause?: unknown }).cause = err;
    if (this.session) {
      this.session.stopping = true;
      this.session.child.kill('SIGTERM');
    }
    this.end('write-error', error);
  }

  private end(reason: EndReason, error?: RecorderError): void {
    this._state = 'ended';
    this.endError = error;
    this.emit('ended', error ? { reason, error } : { reason });
  }

  /** The error that ended the take, if the device failed mid-take. */
  get lastError(): RecorderError | undefined {
    return this.endError;
  }
}

/** Set environment variables for the duration of a synchronous call (the library spawns synchronously). */
function withEnv<T>(vars: Record<string, string>, fn: () => T): T {
  const saved = new Map<string, string | undefined>();
  for (const [k, v] of Object.entries(vars)) {
    saved.set(k, process.env[k]);
    process.env[k] = v;
  }
  try {
    return fn();
  } finally {
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

/** Turn a capture program's exit into a RecorderError that says what happened. */
function classifyFailure(s: Session, code: number | null, signal: NodeJS.Signals | null): RecorderError {
  const text = s.stderr;
  const dev = s.device ? `"${s.device}"` : '';
  const lastLine =
    text
      .trim()
      .split('\n')
      .filter((l) => l.trim())
      .pop()
      ?.trim() ?? '';
  if (/busy/i.test(text)) {
    return new RecorderError(
      'DEVICE_BUSY',
      `The input device ${dev || '(default)'} is busy: another program is using it. Close that program and try again.`,
    );
  }
  if (/permission denied|access denied|not authorized|EACCES/i.test(text)) {
    return new RecorderError(
      'PERMISSION_DENIED',
      `Access to the microphone ${dev} was denied. Allow microphone access for Timbre (or your terminal) in the system settings.`,
    );
  }
  if (/connection refused|pa_context_connect/i.test(text)) {
    return new RecorderError(
      'NO_INPUT_DEVICE',
      'No input device: the PulseAudio server stopped or refused the connection. Start PulseAudio (or PipeWire) and try again.',
    );
  }
  const notFound =
    /no such entity|no such device|no such file|unknown pcm|cannot get card index|no default audio device|no soundcards|not found/i;
  if (notFound.test(text)) {
    return s.device
      ? new RecorderError(
          'DEVICE_NOT_FOUND',
          `Input device ${dev} not found. List the available inputs with "timbre record --list-devices".`,
        )
      : new RecorderError(
          'NO_INPUT_DEVICE',
          'No input device: this system has no microphone or default audio input. Connect a microphone and try again.',
        );
  }
  const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
  return new RecorderError(
    'CAPTURE_FAILED',
    `Recording failed: ${s.program} ${how}${lastLine ? ` (${lastLine})` : ''}`,
  );
}
