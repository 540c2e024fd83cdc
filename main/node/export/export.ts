/**
 * Episode export: a planar mixdown → loudness-normalised file through the system ffmpeg (PCM on stdin).
 *
 * Formats: WAV (16/24-bit), FLAC (16/24-bit), MP3 (CBR or VBR, LAME), Ogg Opus, M4A/AAC. Chapters go into an
 * FFMETADATA1 file given to ffmpeg as a second input (`-map_chapters 1`): ID3v2 CHAP frames in MP3, chapter atoms
 * in M4A, CHAPTERxxx comments in FLAC/Opus. WAV has no chapter support and ignores them.
 *
 * Atomic: ffmpeg writes to a temp file next to the target (named like atomic-fs temp files, so a startup sweep
 * removes leftovers), which is fsynced, decoded back and measured, then renamed over the target; the folder is
 * fsynced. On any failure (ffmpeg error, bad option, disk full, abort) the temp file is removed and no file is left.
 *
 * Lossy codecs can overshoot the true-peak ceiling after decoding; when the decoded file's true peak is over the
 * ceiling the export is redone with the limiter's ceiling lowered by the overshoot (at most 3 attempts), so the
 * returned (measured) true peak is within the ceiling for every format.
 *
 * The streaming export (exportStream, used for episodes) measures instead the exact PCM it feeds to ffmpeg's stdin
 * (no second decoding pass): see exportStream for what that means for lossy formats.
 */
import { resolveFfmpeg } from '../audio/ffmpeg.js';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promises as fsp, createWriteStream } from 'node:fs';
import path from 'node:path';
import yazl from 'yazl';
import { ApiError } from '../../../native-models/common/errors.js';
import { resample } from '../../../native-models/dsp/resample.js';
import {
  LOUDNESS_PRESETS,
  limitTruePeak,
  measureLoudness,
  normalizeLoudness,
  truePeak,
  type LoudnessPreset,
  type LoudnessTarget,
} from '../../../native-models/dsp/loudness.js';
import {
  LoudnessMeter,
  TruePeakLimiter,
  channelsOffsetDb,
  type StreamLoudness,
} from '../../../native-models/dsp/loudness-stream.js';

export type ExportFormat = 'wav' | 'flac' | 'mp3' | 'opus' | 'm4a' | 'm4b';

export const FORMAT_EXTENSIONS: Record<ExportFormat, string> = {
  wav: 'wav',
  flac: 'flac',
  mp3: 'mp3',
  opus: 'opus',
  m4a: 'm4a',
  m4b: 'm4b',
};

export interface Chapter {
  title: string;
  /** Seconds. */
  start: number;
  /** Seconds. */
  end: number;
}

export interface PlanarAudio {
  channels: Float32Array[];
  sampleRate: number;
}

export interface ExportOptions {
  format: ExportFormat;
  /** Target file; its folder is created when missing. */
  outputPath: string;
  /** Output sample rate (default: the input's). Opus always encodes at 48 kHz. */
  sampleRate?: number;
  /** WAV/FLAC bit depth (default 16). */
  bitDepth?: 16 | 24;
  /** MP3 mode (default CBR). VBR uses LAME quality `mp3Quality` (0 best … 9, default 2). */
  mp3Mode?: 'cbr' | 'vbr';
  mp3Quality?: number;
  /** Bit rate for MP3 CBR, Opus and AAC in kbit/s (defaults 128 / 96 / 128 stereo; 96 / 64 / 96 mono). */
  bitrateKbps?: number;
  /** Loudness target or preset; null = no normalisation (default: podcast preset for the channel count). */
  loudness?: LoudnessPreset | LoudnessTarget | null;
  /** Plain gain in dB applied instead of normalisation when `loudness` is null (default 0). */
  gainDb?: number;
  chapters?: Chapter[];
  /** A JPEG or PNG embedded as cover art (M4A/M4B only). */
  coverPath?: string;
  /** Tags: title, artist, album, date, comment, genre … */
  metadata?: Record<string, string>;
  /** Extra ffmpeg output options (advanced; not for untrusted input). */
  extraFfmpegArgs?: string[];
  /** ffmpeg binary (default `ffmpeg` on PATH). */
  ffmpegPath?: string;
  signal?: AbortSignal;
}

export interface ExportResult {
  path: string;
  format: ExportFormat;
  bytes: number;
  sampleRate: number;
  channels: number;
  /** Duration of the decoded file, seconds. */
  durationSec: number;
  /** Measured on the decoded file. */
  integratedLufs: number;
  truePeakDbtp: number;
  loudnessRange: number;
  /** Gain applied before limiting (dB). */
  gainDb: number;
  /** Encode attempts (more than 1 when a lossy codec overshot the ceiling). */
  attempts: number;
}

const TMP_SUFFIX = '.tmp-timbre';
/** Seconds of the programme a lossy streaming export encodes first to measure the codec's effect. */
const CALIBRATION_SECONDS = 60;
const LOSSY: ReadonlySet<ExportFormat> = new Set(['mp3', 'opus', 'm4a', 'm4b']);

/** Default loudness preset for a channel count (podcast −16 LUFS stereo, −19 LUFS mono). */
export function defaultPreset(channels: number): LoudnessPreset {
  return channels === 1 ? 'podcast-mono' : 'podcast-stereo';
}

/** Escape a value for an FFMETADATA1 file ('=', ';', '#', '\\' and newlines are backslash-escaped). */
function ffmetaEscape(v: string): string {
  return v.replace(/[=;#\\\n]/g, (c) => '\\' + c);
}

/** The FFMETADATA1 text for tags and chapters (times in ms). */
export function ffmetadata(metadata: Record<string, string> = {}, chapters: Chapter[] = []): string {
  const lines = [';FFMETADATA1'];
  for (const [k, v] of Object.entries(metadata)) lines.push(`${ffmetaEscape(k)}=${ffmetaEscape(v)}`);
  for (const c of chapters) {
    if (!(c.end > c.start) || c.start < 0) throw new ApiError('INVALID_INPUT', `Invalid chapter "${c.title}"`);
    lines.push(
      '[CHAPTER]',
      'TIMEBASE=1/1000',
      `START=${Math.round(c.start * 1000)}`,
      `END=${Math.round(c.end * 1000)}`,
      `title=${ffmetaEscape(c.title)}`,
    );
  }
  return lines.join('\n') + '\n';
}

function codecArgs(opts: ExportOptions, channels: number): string[] {
  const mono = channels === 1;
  switch (opts.format) {
    case 'wav':
      return ['-c:a', opts.bitDepth === 24 ? 'pcm_s24le' : 'pcm_s16le', '-f', 'wav'];
    case 'flac':
      return opts.bitDepth === 24
        ? ['-c:a', 'flac', '-sample_fmt', 's32', '-bits_per_raw_sample', '24', '-f', 'flac']
        : ['-c:a', 'flac', '-sample_fmt', 's16', '-f', 'flac'];
    case 'mp3':
      return [
        '-c:a',
        'libmp3lame',
        ...(opts.mp3Mode === 'vbr'
          ? ['-q:a', String(opts.mp3Quality ?? 2)]
          : ['-b:a', `${opts.bitrateKbps ?? (mono ? 96 : 128)}k`]),
        '-id3v2_version',
        '3',
        '-f',
        'mp3',
      ];
    case 'opus':
      return ['-c:a', 'libopus', '-b:a', `${opts.bitrateKbps ?? (mono ? 64 : 96)}k`, '-f', 'ogg'];
    case 'm4a':
    case 'm4b':
      return [
        '-c:a',
        'aac',
        '-b:a',
        `${opts.bitrateKbps ?? (mono ? 96 : 128)}k`,
        '-movflags',
        '+faststart',
        '-f',
        'ipod',
      ];
  }
}

/** Cover art as an attached picture (MP4 `covr`), for the formats that carry one: its input, then its mapping. */
function coverArgs(opts: ExportOptions, input: number): { input: string[]; map: string[] } {
  if (!opts.coverPath || (opts.format !== 'm4a' && opts.format !== 'm4b')) return { input: [], map: [] };
  return {
    input: ['-i', opts.coverPath],
    map: ['-map', `${input}:v`, '-c:v', 'copy', '-disposition:v:0', 'attached_pic'],
  };
}

function interleave(channels: Float32Array[], from = 0, to = channels[0].length): Buffer {
  const n = channels.length;
  const out = new Float32Array((to - from) * n);
  for (let i = from, k = 0; i < to; i++) for (let c = 0; c < n; c++) out[k++] = channels[c][i];
  return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
}

function ffmpegError(e: NodeJS.ErrnoException): ApiError {
  return new ApiError(
    'ENGINE_UNAVAILABLE',
    e.code === 'ENOENT'
      ? 'Exporting needs ffmpeg, which is not installed (Debian/Ubuntu: sudo apt-get install ffmpeg)'
      : `ffmpeg failed to start: ${e.message}`,
  );
}

/** Run ffmpeg with in-memory PCM on stdin (1 s interleaved chunks), through the streaming encoder below. */
function runEncoder(bin: string, args: string[], audio: PlanarAudio, signal?: AbortSignal): Promise<void> {
  const len = audio.channels[0].length;
  const step = audio.sampleRate;
  async function* chunks(): AsyncGenerator<Float32Array> {
    for (let pos = 0; pos < len; pos += step) {
      const b = interleave(audio.channels, pos, Math.min(len, pos + step));
      yield new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
    }
  }
  return runEncoderStream(bin, args, chunks(), signal);
}

/** Decode a file back to planar float at a known rate and channel count. */
export function decodePlanar(
  file: string,
  sampleRate: number,
  channels: number,
  ffmpegPath = resolveFfmpeg()?.path ?? 'ffmpeg',
): Promise<PlanarAudio> {
  return new Promise((resolve, reject) => {
    const args = ['-nostdin', '-v', 'error', '-i', file, '-vn', '-ac', String(channels), '-ar', String(sampleRate)];
    const proc = spawn(ffmpegPath, [...args, '-f', 'f32le', 'pipe:1'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    proc.stdout.on('data', (c: Buffer) => out.push(c));
    proc.stderr.on('data', (c: Buffer) => (err += c.toString()));
    proc.on('error', (e: NodeJS.ErrnoException) => reject(ffmpegError(e)));
    proc.on('close', (code) => {
      if (code !== 0) return reject(new ApiError('INTERNAL', `Cannot decode the export back: ${err.trim()}`));
      const buf = Buffer.concat(out);
      const all = new Float32Array(buf.buffer, buf.byteOffset, Math.floor(buf.length / 4 / channels) * channels);
      const frames = all.length / channels;
      const planar = Array.from({ length: channels }, () => new Float32Array(frames));
      for (let i = 0, k = 0; i < frames; i++) for (let c = 0; c < channels; c++) planar[c][i] = all[k++];
      resolve({ channels: planar, sampleRate });
    });
  });
}

function tempPathFor(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.${randomBytes(6).toString('hex')}${TMP_SUFFIX}`);
}

async function fsyncPath(p: string): Promise<void> {
  if (process.platform === 'win32') return;
  const fh = await fsp.open(p, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

function applyGain(channels: Float32Array[], gainDb: number): Float32Array[] {
  const g = Math.pow(10, gainDb / 20);
  return channels.map((c) => {
    const y = new Float32Array(c.length);
    for (let i = 0; i < c.length; i++) y[i] = c[i] * g;
    return y;
  });
}

/**
 * Export planar audio to a file: resample, normalise (or apply a plain gain with a −1 dBTP safety limiter), encode
 * with ffmpeg into a temp file, decode it back and measure, then rename into place. Returns the measured loudness.
 */
export async function exportAudio(audio: PlanarAudio, opts: ExportOptions): Promise<ExportResult> {
  const nch = audio.channels.length;
  if (nch < 1 || nch > 2)
    throw new ApiError('INVALID_INPUT', `Export takes mono or stereo audio (got ${nch} channels)`);
  if (audio.channels[0].length === 0) throw new ApiError('INVALID_INPUT', 'Nothing to export: the mix is empty');
  const rate = opts.format === 'opus' ? 48_000 : (opts.sampleRate ?? audio.sampleRate);
  if (!Number.isInteger(rate) || rate < 8000 || rate > 192_000)
    throw new ApiError('INVALID_INPUT', `Invalid export sample rate: ${rate}`);
  const bin = opts.ffmpegPath ?? resolveFfmpeg()?.path ?? 'ffmpeg';
  const target = path.resolve(opts.outputPath);
  const dir = path.dirname(target);
  try {
    await fsp.mkdir(dir, { recursive: true });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new ApiError('INVALID_INPUT', `Cannot create the export folder ${dir}: ${err.code ?? err.message}`);
  }

  const pcm =
    audio.sampleRate === rate ? audio.channels : audio.channels.map((c) => resample(c, audio.sampleRate, rate));
  const loud = opts.loudness === undefined ? defaultPreset(nch) : opts.loudness;
  const tgt: LoudnessTarget | null = loud === null ? null : typeof loud === 'string' ? LOUDNESS_PRESETS[loud] : loud;
  const ceiling = tgt ? (tgt.truePeakCeiling ?? -1) : -1;

  const tmp = tempPathFor(target);
  const meta = opts.chapters?.length || opts.metadata ? tempPathFor(target + '.ffmeta') : undefined;
  try {
    if (meta) await fsp.writeFile(meta, ffmetadata(opts.metadata, opts.format === 'wav' ? [] : opts.chapters));
    let limiterCeiling = ceiling;
    for (let attempt = 1; ; attempt++) {
      let channels: Float32Array[];
      let gainDb: number;
      if (tgt) {
        const n = normalizeLoudness(pcm, rate, { integrated: tgt.integrated, truePeakCeiling: limiterCeiling });
        channels = n.channels;
        gainDb = n.gainDb;
      } else {
        gainDb = opts.gainDb ?? 0;
        channels = applyGain(pcm, gainDb);
        if (truePeak(channels, rate) > limiterCeiling) channels = limitTruePeak(channels, rate, limiterCeiling - 0.05);
      }
      const args = [
        '-nostdin',
        '-y',
        '-v',
        'error',
        '-f',
        'f32le',
        '-ar',
        String(rate),
        '-ac',
        String(nch),
        '-i',
        'pipe:0',
        ...(meta ? ['-f', 'ffmetadata', '-i', meta, '-map_metadata', '1', '-map_chapters', '1'] : []),
        '-map',
        '0:a',
        ...codecArgs(opts, nch),
        ...(opts.extraFfmpegArgs ?? []),
        tmp,
      ];
      await runEncoder(bin, args, { channels, sampleRate: rate }, opts.signal);
      await fsyncPath(tmp);
      const decoded = await decodePlanar(tmp, rate, nch, bin);
      const m = measureLoudness(decoded.channels, rate);
      const over = m.truePeak - ceiling;
      if (over > 0 && LOSSY.has(opts.format) && attempt < 3) {
        limiterCeiling -= over + 0.1; // codec overshoot: leave that much more headroom and encode again
        continue;
      }
      if (opts.signal?.aborted) throw new ApiError('CANCELLED', 'Export cancelled');
      await fsp.rename(tmp, target);
      await fsyncPath(dir);
      const bytes = (await fsp.stat(target)).size;
      return {
        path: target,
        format: opts.format,
        bytes,
        sampleRate: rate,
        channels: nch,
        durationSec: decoded.channels[0].length / rate,
        integratedLufs: m.integrated,
        truePeakDbtp: m.truePeak,
        loudnessRange: m.loudnessRange,
        gainDb,
        attempts: attempt,
      };
    }
  } catch (e) {
    await fsp.rm(tmp, { force: true }).catch(() => undefined);
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOSPC' || err.code === 'EDQUOT')
      throw new ApiError('DISK_FULL', 'The disk is full: free some space and try again. No file was written.');
    throw e;
  } finally {
    if (meta) await fsp.rm(meta, { force: true }).catch(() => undefined);
  }
}

/** A mono programme that can be read from the start any number of times, in blocks. */
export interface StreamSource {
  sampleRate: number;
  /** Total samples. */
  frames: number;
  /** Loudness of the mono programme when known without a pass (the takes' stored analyses, combined). */
  known?: { integrated: number; truePeak: number };
  /** A fresh pass over the programme. */
  open(): AsyncIterable<Float32Array>;
}

export interface StreamExportOptions extends ExportOptions {
  /** Output channels (default 2): the mono programme in each. */
  channels?: 1 | 2;
  /** True-peak ceiling in dBTP when `loudness` is null (default −1; a loudness target brings its own). */
  ceilingDb?: number;
  /**
   * Decode the encoded file back and measure it (default false: the PCM fed to the encoder is measured, which is
   * exact for WAV/FLAC at the mix rate). Costs a second full pass.
   */
  verify?: boolean;
  /** Progress of the passes: 'loudness' (measuring), 'encoding' (applying + encoding), 'checking' (decoded back). */
  onProgress?: (phase: 'loudness' | 'encoding' | 'checking', fraction: number) => void;
}

/** Run ffmpeg with float PCM from `blocks` on stdin, waiting for 'drain' whenever its pipe is full. */
function runEncoderStream(
  bin: string,
  args: string[],
  blocks: AsyncIterable<Float32Array>,
  signal?: AbortSignal,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const proc = spawn(bin, args, { stdio: ['pipe', 'ignore', 'pipe'] });
    let err = '';
    let settled = false;
    let closed = false;
    const finish = (e?: Error) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      if (e) reject(e);
      else resolve();
    };
    const onAbort = () => {
      proc.kill('SIGKILL');
      finish(new ApiError('CANCELLED', 'Export cancelled'));
    };
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort);
    proc.stderr.on('data', (c: Buffer) => {
      err += c.toString();
      if (err.length > 65536) err = err.slice(-32768);
    });
    proc.on('error', (e: NodeJS.ErrnoException) => finish(ffmpegError(e)));
    proc.stdin.on('error', () => undefined); // EPIPE when ffmpeg exits early: its exit code tells why
    proc.on('close', (code) => {
      closed = true;
      if (code === 0) return finish();
      const msg = err.trim().split('\n').filter(Boolean).slice(-2).join(' / ') || `exit code ${String(code)}`;
      finish(
        /No space left on device/i.test(err)
          ? new ApiError('DISK_FULL', 'The disk is full: free some space and try again. No file was written.')
          : new ApiError('INTERNAL', `ffmpeg could not encode the export: ${msg}`),
      );
    });
    const drained = () =>
      new Promise<void>((r) => {
        const done = () => {
          proc.stdin.off('drain', done);
          proc.off('close', done);
          r();
        };
        proc.stdin.once('drain', done);
        proc.once('close', done);
      });
    const pump = async () => {
      for await (const b of blocks) {
        if (settled || closed) return;
        if (b.length === 0) continue;
        if (!proc.stdin.write(Buffer.from(b.buffer, b.byteOffset, b.byteLength))) await drained();
      }
      if (!settled && !closed) proc.stdin.end();
    };
    pump().catch((e: unknown) => {
      proc.kill('SIGKILL');
      finish(e instanceof Error ? e : new Error(String(e)));
    });
  });
}

/** Decode a file to mono at `rate` through ffmpeg and measure it block by block (bounded memory). */
export function measureFile(
  file: string,
  rate: number,
  channels: 1 | 2,
  ffmpegPath = resolveFfmpeg()?.path ?? 'ffmpeg',
  signal?: AbortSignal,
  onFrames?: (frames: number) => void,
): Promise<StreamLoudness> {
  return new Promise((resolve, reject) => {
    // Stereo exports carry the mono programme in both channels: their average is it (the loudness offset of the
    // second channel is added by the caller). An explicit matrix: ffmpeg's default downmix is not a plain average.
    const down = channels === 2 ? ['-af', 'pan=mono|c0=0.5*c0+0.5*c1'] : [];
    const args = ['-nostdin', '-v', 'error', '-i', file, '-vn', ...down, '-ar', String(rate), '-f', 'f32le'];
    const proc = spawn(ffmpegPath, [...args, 'pipe:1'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const meter = new LoudnessMeter(rate);
    let rest = Buffer.alloc(0);
    let err = '';
    const onAbort = () => proc.kill('SIGKILL');
    signal?.addEventListener('abort', onAbort);
    proc.stdout.on('data', (c: Buffer) => {
      const all = rest.length ? Buffer.concat([rest, c]) : c;
      const usable = all.length - (all.length % 4);
      const f = new Float32Array(usable / 4);
      Buffer.from(f.buffer).set(all.subarray(0, usable));
      rest = Buffer.from(all.subarray(usable));
      meter.push(f);
      onFrames?.(f.length);
    });
    proc.stderr.on('data', (c: Buffer) => {
      if (err.length < 8192) err += c.toString();
    });
    proc.on('error', (e: NodeJS.ErrnoException) => reject(ffmpegError(e)));
    proc.on('close', (code) => {
      signal?.removeEventListener('abort', onAbort);
      if (signal?.aborted) return reject(new ApiError('CANCELLED', 'Export cancelled'));
      if (code !== 0) return reject(new ApiError('INTERNAL', `Cannot decode the export back: ${err.trim()}`));
      resolve(meter.result());
    });
  });
}

/**
 * Export a mono programme in bounded memory: a measuring pass (skipped when the loudness is already known from
 * the takes' analyses), then an applying pass (gain, streaming true-peak limiter) that streams into ffmpeg's
 * stdin while a meter measures exactly the PCM written there (integrated loudness, loudness range, true peak);
 * then the temp file is renamed into place. When, after limiting, the programme misses the target by more than
 * 0.3 LU, the export is redone with the correction (at most 3 attempts). Atomic like exportAudio.
 *
 * What the figures mean: for WAV and FLAC they are the file's own (lossless; ffmpeg's resampling to the export rate
 * changes loudness by hundredths of a LU, and the limiter keeps 0.1 dB more headroom for its peaks). A lossy codec
 * changes the programme: LAME at 128 kbit/s takes about 0.5 LU off speech and can overshoot the true peak. So a
 * lossy export first encodes the programme's first minute, decodes it and compares it with what it fed: the gain
 * compensates the loudness change, the limiter's ceiling leaves room for the overshoot (and at least 0.25 dB), and
 * the returned figures are the fed PCM's corrected by that change, an estimate from the first minute rather than a
 * measurement of the whole file. `verify: true` decodes the whole file back and measures it instead (redoing the
 * export when it overshoots), at the cost of a second full pass.
 */
export async function exportStream(src: StreamSource, opts: StreamExportOptions): Promise<ExportResult> {
  const nch = opts.channels ?? 2;
  if (src.frames <= 0) throw new ApiError('INVALID_INPUT', 'Nothing to export: the mix is empty');
  const rate = opts.format === 'opus' ? 48_000 : (opts.sampleRate ?? src.sampleRate);
  if (!Number.isInteger(rate) || rate < 8000 || rate > 192_000)
    throw new ApiError('INVALID_INPUT', `Invalid export sample rate: ${rate}`);
  const bin = opts.ffmpegPath ?? resolveFfmpeg()?.path ?? 'ffmpeg';
  const target = path.resolve(opts.outputPath);
  const dir = path.dirname(target);
  try {
    await fsp.mkdir(dir, { recursive: true });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new ApiError('INVALID_INPUT', `Cannot create the export folder ${dir}: ${err.code ?? err.message}`);
  }
  const loud = opts.loudness === undefined ? defaultPreset(nch) : opts.loudness;
  const tgt: LoudnessTarget | null = loud === null ? null : typeof loud === 'string' ? LOUDNESS_PRESETS[loud] : loud;
  const ceiling = tgt ? (tgt.truePeakCeiling ?? -1) : (opts.ceilingDb ?? -1);
  const offset = channelsOffsetDb(nch);
  const signal = opts.signal;
  const cancelled = () => new ApiError('CANCELLED', 'Export cancelled');

  // 1. Measuring pass (or the combined per-take figures).
  let gainDb = opts.gainDb ?? 0;
  if (tgt) {
    let integrated = src.known?.integrated;
    if (integrated === undefined) {
      const meter = new LoudnessMeter(src.sampleRate, { truePeak: false });
      let done = 0;
      for await (const b of src.open()) {
        if (signal?.aborted) throw cancelled();
        meter.push(b);
        done += b.length;
        opts.onProgress?.('loudness', done / src.frames);
      }
      integrated = meter.result().integrated;
    }
    gainDb = Number.isFinite(integrated) ? tgt.integrated - (integrated + offset) : 0;
  }

  const tmp = tempPathFor(target);
  const meta = opts.chapters?.length || opts.metadata ? tempPathFor(target + '.ffmeta') : undefined;
  // Headroom for what happens after the limiter: lossy coding, and ffmpeg's resampling to the export rate.
  let limiterCeiling = ceiling - 0.05 - (LOSSY.has(opts.format) ? 0.25 : 0) - (rate !== src.sampleRate ? 0.1 : 0);
  // The PCM fed to ffmpeg, through the gain and the limiter; `frames` cuts it short (the codec calibration).
  async function* applied(
    g: number,
    limiter: TruePeakLimiter,
    meter: LoudnessMeter,
    frames = Infinity,
    progress = true,
  ): AsyncGenerator<Float32Array> {
    let done = 0;
    // Scratch for the gained block: the limiter copies what it is given (its output is a fresh array, which the
    // encoder's pipe may hold on to), so one buffer serves every block.
    let scratch = new Float32Array(0);
    for await (const whole of src.open()) {
      if (signal?.aborted) throw cancelled();
      const b = done + whole.length > frames ? whole.subarray(0, frames - done) : whole;
      if (scratch.length < b.length) scratch = new Float32Array(b.length);
      const y = scratch.subarray(0, b.length);
      for (let i = 0; i < b.length; i++) y[i] = b[i] * g;
      done += b.length;
      if (progress) opts.onProgress?.('encoding', done / src.frames);
      const out = limiter.push(y);
      meter.push(out);
      yield out;
      if (done >= frames) break;
    }
    const last = limiter.flush();
    meter.push(last);
    yield last;
  }
  const encodeArgs = (out: string, withMeta: boolean): string[] => {
    const cover = withMeta ? coverArgs(opts, meta ? 2 : 1) : { input: [], map: [] };
    const m = withMeta && meta;
    return [
      '-nostdin',
      '-y',
      '-v',
      'error',
      '-f',
      'f32le',
      '-ar',
      String(src.sampleRate),
      '-ac',
      '1',
      '-i',
      'pipe:0',
      ...(m ? ['-f', 'ffmetadata', '-i', meta] : []),
      ...cover.input,
      ...(m ? ['-map_metadata', '1', '-map_chapters', '1'] : []),
      '-map',
      '0:a',
      ...cover.map,
      // An explicit matrix: ffmpeg's own mono → stereo upmix lowers each channel by 3 dB.
      ...(nch === 2 ? ['-af', 'pan=stereo|c0=c0|c1=c0'] : []),
      '-ar',
      String(rate),
      ...codecArgs(opts, nch),
      ...(opts.extraFfmpegArgs ?? []),
      out,
    ];
  };
  // What the lossy codec does to this programme, measured on its first minute (encoded, decoded back, compared
  // with what was fed): LAME at 128 kbit/s takes about 0.5 LU off eSpeak speech, and its true peak can overshoot.
  // The gain compensates the loudness change and the limiter leaves room for the overshoot; the figures returned
  // are the fed PCM's corrected by this change (an estimate for lossy formats: see the function comment).
  const codec = { loudness: 0, peak: 0 };
  const calibrate = LOSSY.has(opts.format) && !opts.verify;
  const excerpt = tempPathFor(target + '.calibration');
  try {
    if (meta) await fsp.writeFile(meta, ffmetadata(opts.metadata, opts.format === 'wav' ? [] : opts.chapters));
    if (calibrate) {
      const frames = Math.min(src.frames, CALIBRATION_SECONDS * src.sampleRate);
      const fedEx = new LoudnessMeter(src.sampleRate);
      const limiter = new TruePeakLimiter(src.sampleRate, limiterCeiling);
      await runEncoderStream(
        bin,
        encodeArgs(excerpt, false),
        applied(Math.pow(10, gainDb / 20), limiter, fedEx, frames, false),
        signal,
      );
      const dec = await measureFile(excerpt, rate, nch, bin, signal);
      const fedM = fedEx.result();
      if (Number.isFinite(dec.integrated) && Number.isFinite(fedM.integrated))
        codec.loudness = dec.integrated - fedM.integrated;
      if (Number.isFinite(dec.truePeak) && Number.isFinite(fedM.truePeak))
        codec.peak = Math.max(0, dec.truePeak - fedM.truePeak);
      await fsp.rm(excerpt, { force: true });
      if (tgt) gainDb -= codec.loudness;
      limiterCeiling = Math.min(limiterCeiling, ceiling - 0.05 - codec.peak - 0.1);
    }
    for (let attempt = 1; ; attempt++) {
      const g = Math.pow(10, gainDb / 20);
      const limiter = new TruePeakLimiter(src.sampleRate, limiterCeiling);
      // Measures exactly what ffmpeg receives (the limiter's output, in order).
      const fed = new LoudnessMeter(src.sampleRate);
      await runEncoderStream(bin, encodeArgs(tmp, true), applied(g, limiter, fed), signal);
      await fsyncPath(tmp);
      let m: StreamLoudness;
      let seconds: number;
      if (opts.verify) {
        let checked = 0;
        m = await measureFile(tmp, rate, nch, bin, signal, (n) => {
          checked += n;
          opts.onProgress?.('checking', Math.min(1, (checked * src.sampleRate) / rate / src.frames));
        });
        seconds = m.frames / rate;
      } else {
        const f = fed.result();
        m = { ...f, integrated: f.integrated + codec.loudness, truePeak: f.truePeak + codec.peak };
        seconds = m.frames / src.sampleRate;
      }
      const integrated = m.integrated + offset;
      const over = m.truePeak - ceiling;
      const loudErr = tgt && Number.isFinite(integrated) ? tgt.integrated - integrated : 0;
      if (attempt < 3 && (over > 0 || (limiter.limitedSamples > 0 && Math.abs(loudErr) > 0.3))) {
        if (over > 0) limiterCeiling -= over + 0.1;
        if (tgt) gainDb += loudErr;
        continue;
      }
      if (signal?.aborted) throw cancelled();
      await fsp.rename(tmp, target);
      await fsyncPath(dir);
      const bytes = (await fsp.stat(target)).size;
      return {
        path: target,
        format: opts.format,
        bytes,
        sampleRate: rate,
        channels: nch,
        durationSec: seconds,
        integratedLufs: integrated,
        truePeakDbtp: m.truePeak,
        loudnessRange: m.loudnessRange,
        gainDb,
        attempts: attempt,
      };
    }
  } catch (e) {
    await fsp.rm(tmp, { force: true }).catch(() => undefined);
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOSPC' || err.code === 'EDQUOT')
      throw new ApiError('DISK_FULL', 'The disk is full: free some space and try again. No file was written.');
    throw e;
  } finally {
    if (meta) await fsp.rm(meta, { force: true }).catch(() => undefined);
    if (calibrate) await fsp.rm(excerpt, { force: true }).catch(() => undefined);
  }
}

export interface Stem {
  /** File name inside the zip, without extension (sanitised). */
  name: string;
  /** In memory (small pieces), or streamed (full-length tracks: exported in bounded memory). */
  audio?: PlanarAudio;
  source?: StreamSource;
}

export interface StemsOptions extends Omit<ExportOptions, 'outputPath' | 'chapters' | 'loudness'> {
  /** Output channels of streamed stems (default 2). */
  channels?: 1 | 2;
  /** The .zip to write. */
  outputPath: string;
  /**
   * Gain for every stem in dB (default 0). Pass the full mix's `gainDb` so stems keep the mix's balance; a −1 dBTP
   * safety limiter still applies per stem.
   */
  gainDb?: number;
}

export interface StemsResult {
  path: string;
  bytes: number;
  files: { name: string; bytes: number; integratedLufs: number; truePeakDbtp: number }[];
}

/** Export each stem (one per line or per speaker) in the chosen format and zip them; atomic like exportAudio. */
export async function exportStems(stems: Stem[], opts: StemsOptions): Promise<StemsResult> {
  if (stems.length === 0) throw new ApiError('INVALID_INPUT', 'No stems to export');
  const target = path.resolve(opts.outputPath);
  const dir = path.dirname(target);
  await fsp.mkdir(dir, { recursive: true }).catch((e: NodeJS.ErrnoException) => {
    throw new ApiError('INVALID_INPUT', `Cannot create the export folder ${dir}: ${e.code ?? e.message}`);
  });
  const work = tempPathFor(target + '.stems');
  const tmpZip = tempPathFor(target);
  const ext = FORMAT_EXTENSIONS[opts.format];
  const used = new Set<string>();
  try {
    await fsp.mkdir(work);
    const zip = new yazl.ZipFile();
    const files: StemsResult['files'] = [];
    for (const s of stems) {
      let base = s.name.replace(/[^\p{L}\p{N} ._-]+/gu, '_').trim() || 'stem';
      for (let k = 2; used.has(base.toLowerCase()); k++) base = `${s.name}_${k}`;
      used.add(base.toLowerCase());
      const file = `${base}.${ext}`;
      const into = { ...opts, outputPath: path.join(work, file), loudness: null };
      const r = s.source
        ? await exportStream(s.source, { ...into, channels: opts.channels })
        : await exportAudio(s.audio!, into);
      files.push({ name: file, bytes: r.bytes, integratedLufs: r.integratedLufs, truePeakDbtp: r.truePeakDbtp });
      zip.addFile(r.path, file, { compress: opts.format === 'wav' });
    }
    await new Promise<void>((resolve, reject) => {
      const ws = createWriteStream(tmpZip, { flags: 'wx', mode: 0o644 });
      ws.on('error', reject);
      zip.outputStream.on('error', reject);
      ws.on('close', () => resolve());
      zip.outputStream.pipe(ws);
      zip.end();
    });
    await fsyncPath(tmpZip);
    await fsp.rename(tmpZip, target);
    await fsyncPath(dir);
    return { path: target, bytes: (await fsp.stat(target)).size, files };
  } catch (e) {
    await fsp.rm(tmpZip, { force: true }).catch(() => undefined);
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOSPC' || err.code === 'EDQUOT')
      throw new ApiError('DISK_FULL', 'The disk is full: free some space and try again. No file was written.');
    throw e;
  } finally {
    await fsp.rm(work, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** Stems from a mix: per line (each line's own audio) or per speaker (full-length, time-aligned tracks). */
export function stemsFromMix(
  mix: {
    voice: Float32Array[];
    sampleRate: number;
    timings: { id: string; speaker?: string; startSample: number; endSample: number }[];
  },
  by: 'line' | 'speaker',
): Stem[] {
  if (by === 'line') {
    return mix.timings.map((t, i) => ({
      name: `${String(i + 1).padStart(3, '0')}-${t.id}`,
      audio: { sampleRate: mix.sampleRate, channels: mix.voice.map((c) => c.slice(t.startSample, t.endSample)) },
    }));
  }
  const bySpeaker = new Map<string, Float32Array[]>();
  for (const t of mix.timings) {
    const who = t.speaker ?? 'voice';
    let chans = bySpeaker.get(who);
    if (!chans) bySpeaker.set(who, (chans = mix.voice.map((c) => new Float32Array(c.length))));
    for (let c = 0; c < chans.length; c++)
      chans[c].set(mix.voice[c].subarray(t.startSample, t.endSample), t.startSample);
  }
  return [...bySpeaker].map(([name, channels]) => ({ name, audio: { sampleRate: mix.sampleRate, channels } }));
}
