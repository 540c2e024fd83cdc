/**
 * Media plumbing for dubbing: probe with ffprobe, stream-extract analysis audio to a raw float file with ffmpeg
 * (never into memory), read and write raw float files in blocks, and run ffmpeg with PCM fed to its stdin with
 * back-pressure. The input file is only ever read.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import { ApiError } from '../../../native-models/common/errors.js';
import { DUB_LIMITS } from '../../../preload/contract/dub.js';
import { ffmpegInstallHint, resolveFfmpeg, resolveFfprobe } from '../audio/ffmpeg.js';

export interface ProbeResult {
  /** ffprobe's format name (e.g. `mov,mp4,m4a,3gp,3g2,mj2`, `matroska,webm`, `wav`). */
  format: string;
  durationSeconds: number;
  video: { index: number; codec: string; width: number; height: number; frameRate: number } | null;
  audio: { index: number; codec: string; channels: number; sampleRate: number } | null;
}

function binary(tool: 'ffmpeg' | 'ffprobe'): string {
  const b = tool === 'ffmpeg' ? resolveFfmpeg() : resolveFfprobe();
  if (!b)
    throw new ApiError('ENGINE_UNAVAILABLE', `Dubbing needs ${tool}, which was not found. ${ffmpegInstallHint()}`);
  return b.path;
}

export interface RunResult {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

/** Run a tool to the end, keeping at most `maxOut` bytes of stdout (more kills it) and the tail of stderr. */
export function runTool(
  tool: 'ffmpeg' | 'ffprobe',
  args: string[],
  opts: { maxOut?: number; signal?: AbortSignal } = {},
): Promise<RunResult> {
  const maxOut = opts.maxOut ?? 1 << 20;
  return new Promise((resolve, reject) => {
    const proc = spawn(binary(tool), args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let outBytes = 0;
    let overflow = false;
    let stderr = '';
    const onAbort = () => proc.kill('SIGKILL');
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    proc.stdout.on('data', (c: Buffer) => {
      if (overflow) return;
      outBytes += c.length;
      if (outBytes > maxOut) {
        overflow = true;
        proc.kill('SIGKILL');
      } else out.push(c);
    });
    proc.stderr.on('data', (c: Buffer) => {
      stderr = (stderr + c.toString('utf8')).slice(-4000);
    });
    proc.on('error', (err) => {
      opts.signal?.removeEventListener('abort', onAbort);
      reject(new ApiError('ENGINE_UNAVAILABLE', `Could not run ${tool}: ${err.message}. ${ffmpegInstallHint()}`));
    });
    proc.on('close', (code) => {
      opts.signal?.removeEventListener('abort', onAbort);
      if (opts.signal?.aborted) return reject(new ApiError('CANCELLED', 'The dub was cancelled.'));
      if (overflow) return reject(new ApiError('INVALID_INPUT', `${tool} answered more than ${maxOut} bytes.`));
      resolve({ code, stdout: Buffer.concat(out), stderr });
    });
  });
}

const lastLine = (s: string) =>
  s
    .trim()
    .split('\n')
    .filter((l) => l.trim())
    .slice(-2)
    .join(' ')
    .slice(0, 400);

function rate(r: string | undefined): number {
  const m = /^(\d+)(?:\/(\d+))?$/.exec(r ?? '');
  if (!m) return 0;
  const d = Number(m[2] ?? 1);
  return d ? Number(m[1]) / d : 0;
}

/** ffprobe a media file: its container, duration, first video and first audio stream. */
export async function probeMedia(file: string, signal?: AbortSignal): Promise<ProbeResult> {
  const r = await runTool(
    'ffprobe',
    ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', '--', file],
    { maxOut: DUB_LIMITS.probeJsonBytesMax, signal },
  );
  if (r.code !== 0)
    throw new ApiError(
      'INVALID_INPUT',
      `${file} is not a video or audio file ffprobe can read${r.stderr.trim() ? `: ${lastLine(r.stderr)}` : ''}.`,
    );
  let j: {
    format?: { format_name?: string; duration?: string };
    streams?: {
      index: number;
      codec_type?: string;
      codec_name?: string;
      width?: number;
      height?: number;
      avg_frame_rate?: string;
      r_frame_rate?: string;
      channels?: number;
      sample_rate?: string;
      duration?: string;
      disposition?: { attached_pic?: number };
    }[];
  };
  try {
    j = JSON.parse(r.stdout.toString('utf8')) as typeof j;
  } catch {
    throw new ApiError('INVALID_INPUT', `ffprobe gave an unreadable answer for ${file}.`);
  }
  const streams = j.streams ?? [];
  const v = streams.find((s) => s.codec_type === 'video' && !s.disposition?.attached_pic);
  const a = streams.find((s) => s.codec_type === 'audio');
  let duration = Number(j.format?.duration);
  if (!Number.isFinite(duration) || duration <= 0)
    duration = Math.max(0, ...streams.map((s) => Number(s.duration)).filter((d) => Number.isFinite(d)));
  if (!v && !a) throw new ApiError('INVALID_INPUT', `${file} has neither a video nor an audio stream.`);
  if (!(duration > 0)) throw new ApiError('INVALID_INPUT', `${file} has no duration ffprobe can tell.`);
  if (duration > DUB_LIMITS.mediaSecondsMax)
    throw new ApiError(
      'INVALID_INPUT',
      `${file} lasts ${(duration / 3600).toFixed(1)} h; Timbre dubs at most ${DUB_LIMITS.mediaSecondsMax / 3600} h at once: cut it into parts.`,
    );
  return {
    format: j.format?.format_name ?? 'unknown',
    durationSeconds: duration,
    video: v
      ? {
          index: v.index,
          codec: v.codec_name ?? 'unknown',
          width: v.width ?? 0,
          height: v.height ?? 0,
          frameRate: Math.round((rate(v.avg_frame_rate) || rate(v.r_frame_rate)) * 1000) / 1000,
        }
      : null,
    audio: a
      ? {
          index: a.index,
          codec: a.codec_name ?? 'unknown',
          channels: a.channels ?? 0,
          sampleRate: Number(a.sample_rate) || 0,
        }
      : null,
  };
}

/**
 * Decode the first audio stream to raw float32 (`channels` interleaved, `sampleRate`) in `out`: ffmpeg writes the
 * file itself, so nothing is held in memory whatever the length.
 */
export async function extractAudio(
  input: string,
  out: string,
  channels: 1 | 2,
  sampleRate: number,
  signal?: AbortSignal,
): Promise<void> {
  const r = await runTool(
    'ffmpeg',
    [
      '-nostdin',
      '-v',
      'error',
      '-i',
      input,
      '-map',
      '0:a:0',
      '-vn',
      '-sn',
      '-dn',
      '-ac',
      String(channels),
      '-ar',
      String(sampleRate),
      '-f',
      'f32le',
      '-y',
      out,
    ],
    { signal },
  );
  if (r.code !== 0)
    throw new ApiError('INVALID_INPUT', `Could not decode the audio of ${input}: ${lastLine(r.stderr)}`);
}

/** Reads frames of a raw interleaved float32 file in blocks; past its end (or a shorter file) reads zeros. */
export class RawF32Reader {
  private constructor(
    private readonly fh: fsp.FileHandle | null,
    readonly channels: number,
    readonly frames: number,
  ) {}

  static async open(file: string | null, channels: number): Promise<RawF32Reader> {
    if (!file) return new RawF32Reader(null, channels, 0);
    const fh = await fsp.open(file, 'r');
    const size = (await fh.stat()).size;
    return new RawF32Reader(fh, channels, Math.floor(size / 4 / channels));
  }

  /** `count` frames from `start` (interleaved), zero past the end. */
  async read(start: number, count: number): Promise<Float32Array> {
    const out = new Float32Array(count * this.channels);
    const n = Math.max(0, Math.min(count, this.frames - start));
    if (n > 0 && this.fh) {
      const buf = Buffer.from(out.buffer, 0, n * this.channels * 4);
      let got = 0;
      while (got < buf.length) {
        const { bytesRead } = await this.fh.read(buf, got, buf.length - got, start * this.channels * 4 + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
    }
    return out;
  }

  async close(): Promise<void> {
    await this.fh?.close();
  }
}

/** Appends float32 samples to a raw file. */
export class RawF32Writer {
  private constructor(private readonly fh: fsp.FileHandle) {}
  frames = 0;
  static async open(file: string): Promise<RawF32Writer> {
    return new RawF32Writer(await fsp.open(file, 'w', 0o600));
  }
  async write(x: Float32Array): Promise<void> {
    if (!x.length) return;
    await this.fh.write(Buffer.from(x.buffer, x.byteOffset, x.byteLength));
    this.frames += x.length;
  }
  async close(): Promise<void> {
    await this.fh.close();
  }
}

/**
 * ffmpeg with its stdin open for PCM: `write` waits for the pipe to drain (back-pressure, bounded memory), `end`
 * closes stdin and waits for the exit; a non-zero exit or a spawn error rejects with ffmpeg's last words.
 */
export class FfmpegSink {
  private readonly proc: ChildProcess;
  private stderr = '';
  private readonly done: Promise<void>;
  private failed: Error | null = null;

  constructor(args: string[], signal?: AbortSignal) {
    this.proc = spawn(binary('ffmpeg'), args, { stdio: ['pipe', 'ignore', 'pipe'] });
    this.proc.stderr!.on('data', (c: Buffer) => {
      this.stderr = (this.stderr + c.toString('utf8')).slice(-4000);
    });
    // EPIPE when ffmpeg exits early: the exit code says why.
    this.proc.stdin!.on('error', () => undefined);
    const onAbort = () => this.proc.kill('SIGKILL');
    signal?.addEventListener('abort', onAbort, { once: true });
    this.done = new Promise((resolve, reject) => {
      this.proc.on('error', (err) => {
        this.failed = new ApiError('ENGINE_UNAVAILABLE', `Could not run ffmpeg: ${err.message}`);
        reject(this.failed);
      });
      this.proc.on('close', (code) => {
        signal?.removeEventListener('abort', onAbort);
        if (signal?.aborted) this.failed = new ApiError('CANCELLED', 'The dub was cancelled.');
        else if (code !== 0)
          this.failed = new ApiError('ENGINE_ERROR', `ffmpeg could not write the output: ${lastLine(this.stderr)}`);
        if (this.failed) reject(this.failed);
        else resolve();
      });
    });
    this.done.catch(() => undefined);
  }

  async write(x: Float32Array): Promise<void> {
    if (this.failed) throw this.failed;
    const stdin = this.proc.stdin!;
    const ok = stdin.write(Buffer.from(x.buffer.slice(x.byteOffset, x.byteOffset + x.byteLength)));
    if (!ok)
      await new Promise<void>((resolve, reject) => {
        const onDrain = () => {
          stdin.off('close', onClose);
          resolve();
        };
        const onClose = () => {
          stdin.off('drain', onDrain);
          reject(this.failed ?? new ApiError('ENGINE_ERROR', `ffmpeg stopped reading: ${lastLine(this.stderr)}`));
        };
        stdin.once('drain', onDrain);
        stdin.once('close', onClose);
      });
  }

  async end(): Promise<void> {
    this.proc.stdin!.end();
    await this.done;
  }

  kill(): void {
    this.proc.kill('SIGKILL');
  }
}
