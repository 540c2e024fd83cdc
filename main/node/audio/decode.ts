import { resolveFfmpeg, resolveFfprobe, type ResolvedBinary } from './ffmpeg.js';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { ApiError } from '../../../native-models/common/errors.js';
import type { AudioProblem } from '../../../native-models/enhance/cleanup.js';
import { decodeWav } from '../../../native-models/audio/wav.js';
import { checkInputFile, readInputFile, readInputHead } from '../../../native-models/common/safe-fs.js';

export interface DecodedAudio {
  /** Mono mixdown in [-1, 1]. */
  samples: Float32Array;
  sampleRate: number;
  /** Channels in the file (before the mixdown). */
  channels: number;
  /** Sample rate of the file's audio (before any resampling to the requested rate). */
  sourceRate: number;
}

/** Install hint when ffmpeg is missing. */
export const FFMPEG_INSTALL_HINT =
  'install it: sudo apt-get install ffmpeg (Debian/Ubuntu), sudo dnf install ffmpeg (Fedora), brew install ffmpeg (macOS), winget install ffmpeg (Windows)';

/** A WAV up to this size is read into memory directly; a larger one goes through ffmpeg (which streams it). */
const DIRECT_WAV_MAX_BYTES = 1024 * 1024 * 1024;

const audioError = (problem: AudioProblem, message: string, file: string) =>
  new ApiError('INVALID_INPUT', message, { audioProblem: problem, file });

/**
 * Decode any common audio (or the audio track of a video) to mono float PCM. WAV (16-bit / float) is read
 * directly; everything else goes through the system ffmpeg (probed first with ffprobe), at `targetRate` when given,
 * else at the file's own rate.
 *
 * Every failure is an ApiError with a plain-English message and `details.audioProblem`:
 * - `unsupported-type`: not audio or video at all (text, PDF, image, archive);
 * - `unreadable`: empty, corrupt, truncated, or no audio could be decoded;
 * - `no-audio-stream`: a video (or container) without an audio track.
 * A missing file is INVALID_INPUT ('unreadable'); a missing ffmpeg is ENGINE_UNAVAILABLE with how to install it.
 */
export async function decodeAudioFile(file: string, targetRate?: number): Promise<DecodedAudio> {
  const name = path.basename(file);
  // Never opens a named pipe or a device (safe-fs.ts): a FIFO would block a thread-pool thread, /dev/zero never ends.
  const stat = await checkInputFile(file, { what: 'The audio file' }).catch((err: ApiError) => {
    throw audioError('unreadable', err.message, file);
  });
  if (stat.size === 0) throw audioError('unreadable', `${name} is empty (0 bytes): it holds no audio.`, file);

  const head = await readHead(file, 4096);
  const kind = sniffNonMedia(head, file);
  if (kind)
    throw audioError(
      'unsupported-type',
      `${name} is ${kind}, not a readable audio or video file. Pick a recording (WAV, FLAC, MP3, Ogg/Opus, M4A/AAC, WebM) or a video with sound (MP4, MOV, MKV).`,
      file,
    );

  if (
    head.subarray(0, 4).toString('latin1') === 'RIFF' &&
    head.subarray(8, 12).toString('latin1') === 'WAVE' &&
    stat.size <= DIRECT_WAV_MAX_BYTES
  ) {
    const data = await readInputFile(file, { what: 'The audio file', maxBytes: DIRECT_WAV_MAX_BYTES });
    const truncated = wavTruncation(data);
    if (truncated)
      throw audioError(
        'unreadable',
        `${name} is truncated (cut off): its header promises ${truncated.declared.toFixed(1)} s of audio but the file holds ${truncated.present.toFixed(1)} s. Copy or export it again.`,
        file,
      );
    try {
      const w = decodeWav(data);
      if (w.samples.length > 0 && (!targetRate || targetRate === w.sampleRate))
        return { samples: w.samples, sampleRate: w.sampleRate, channels: w.channels, sourceRate: w.sampleRate };
    } catch {
      // An unusual WAV flavour (24-bit, ADPCM, …) or a damaged header: ffmpeg decides.
    }
  }

  const probe = await ffprobe(file);
  if (!probe.ok) {
    throw audioError(
      'unreadable',
      `${name} cannot be read: it is damaged or not a media file (${probe.reason}).`,
      file,
    );
  }
  const audio = probe.streams.find((s) => s.codec_type === 'audio');
  if (!audio) {
    const video = probe.streams.some((s) => s.codec_type === 'video');
    throw audioError(
      'no-audio-stream',
      video ? `${name} is a video without an audio track: there is no sound to use.` : `${name} has no audio stream.`,
      file,
    );
  }
  const sourceRate = Number(audio.sample_rate) || 48_000;
  const channels = Number(audio.channels) || 1;
  const rate = targetRate ?? sourceRate;
  const decoded = await ffmpegDecode(file, rate);
  const seconds = decoded.length / rate;
  if (decoded.length === 0)
    throw audioError('unreadable', `${name} is damaged: no audio could be decoded from it.`, file);
  // A container that states its length (an MP3 Xing/Info header, an MP4 index) but holds much less was cut off.
  const declared = Number(probe.format?.duration);
  if (!probe.durationEstimated && declared > 0 && seconds < 0.9 * declared - 0.5)
    throw audioError(
      'unreadable',
      `${name} is truncated (cut off): it should hold ${declared.toFixed(1)} s of audio but only ${seconds.toFixed(1)} s could be decoded. Copy or export it again.`,
      file,
    );
  return { samples: decoded, sampleRate: rate, channels, sourceRate };
}

function readHead(file: string, n: number): Promise<Buffer> {
  return readInputHead(file, n, { what: 'The audio file' });
}

const NON_MEDIA_EXT: Record<string, string> = {
  '.txt': 'a text file',
  '.md': 'a text file',
  '.csv': 'a text file',
  '.json': 'a text file',
  '.srt': 'a subtitle file',
  '.vtt': 'a subtitle file',
  '.html': 'a web page',
  '.htm': 'a web page',
  '.pdf': 'a PDF document',
  '.doc': 'a document',
  '.docx': 'a document',
  '.odt': 'a document',
  '.rtf': 'a document',
  '.png': 'an image',
  '.jpg': 'an image',
  '.jpeg': 'an image',
  '.gif': 'an image',
  '.webp': 'an image',
  '.svg': 'an image',
  '.zip': 'an archive',
  '.exe': 'a program',
};

/**
 * What the file is when it is clearly not media (ffmpeg would "open" a text file as ANSI art or an image as a video,
 * and then report a missing audio stream, which would mislead): content signatures first, then text, then the
 * extension of a file that no signature claimed.
 */
function sniffNonMedia(head: Buffer, file: string): string | null {
  const s = head.subarray(0, 8).toString('latin1');
  if (s.startsWith('%PDF')) return 'a PDF document';
  if (s.startsWith('\x89PNG')) return 'an image (PNG)';
  if (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'an image (JPEG)';
  if (s.startsWith('GIF8')) return 'an image (GIF)';
  if (s.startsWith('PK\x03\x04')) return 'an archive or office document (ZIP)';
  if (s.startsWith('\x7fELF') || s.startsWith('MZ')) return 'a program';
  if (looksLikeText(head)) return 'a text file';
  const ext = path.extname(file).toLowerCase();
  return NON_MEDIA_EXT[ext] ?? null;
}

/** Valid UTF-8 without control bytes other than whitespace. */
function looksLikeText(b: Buffer): boolean {
  if (b.length === 0) return false;
  for (const c of b) if (c === 0 || (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d && c !== 0x0c)) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(b.subarray(0, Math.max(0, b.length - 4)));
    return true;
  } catch {
    return false;
  }
}

/** Declared vs present seconds of a WAV whose data chunk was cut short (streamed sizes 0 / 0xFFFFFFFF excepted). */
function wavTruncation(buf: Buffer): { declared: number; present: number } | null {
  let off = 12;
  let byteRate = 0;
  while (off + 8 <= buf.length) {
    const id = buf.toString('latin1', off, off + 4);
    const size = buf.readUInt32LE(off + 4);
    if (id === 'fmt ' && off + 16 <= buf.length) byteRate = buf.readUInt32LE(off + 16);
    if (id === 'data') {
      const present = buf.length - off - 8;
      if (!byteRate || size === 0 || size >= 0xfffffff0 || present >= size) return null;
      const declared = size / byteRate;
      const have = present / byteRate;
      return have < 0.9 * declared - 0.1 ? { declared, present: have } : null;
    }
    off += 8 + size + (size & 1);
  }
  return null;
}

interface ProbeStream {
  codec_type?: string;
  sample_rate?: string;
  channels?: number;
}
type Probe =
  | { ok: true; streams: ProbeStream[]; format?: { duration?: string }; durationEstimated: boolean }
  | { ok: false; reason: string };

function ffmpegMissing(tool: Tool, configured: ResolvedBinary | undefined): ApiError {
  const where =
    configured?.source === 'env'
      ? `${tool === 'ffmpeg' ? 'TIMBRE_FFMPEG' : 'TIMBRE_FFPROBE'} points at ${configured.path}, which does not exist`
      : `${tool} is neither on the PATH nor bundled with Timbre`;
  return new ApiError(
    'ENGINE_UNAVAILABLE',
    `Reading this audio format needs ffmpeg, which is not installed (${where}): ${FFMPEG_INSTALL_HINT}. WAV files (16-bit or float) work without it.`,
    { missing: 'ffmpeg' },
  );
}

type Tool = 'ffmpeg' | 'ffprobe';

/** Run the system's ffmpeg/ffprobe, or the bundled one where none is installed (see ffmpeg.ts). */
function run(tool: Tool, args: string[]): Promise<{ code: number | null; stdout: Buffer[]; stderr: string }> {
  return new Promise((resolve, reject) => {
    const bin = tool === 'ffmpeg' ? resolveFfmpeg() : resolveFfprobe();
    if (!bin) return reject(ffmpegMissing(tool, undefined));
    const proc = spawn(bin.path, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    let stderr = '';
    proc.stdout.on('data', (c: Buffer) => stdout.push(c));
    proc.stderr.on('data', (c: Buffer) => {
      if (stderr.length < 65536) stderr += c.toString();
    });
    proc.on('error', (e: NodeJS.ErrnoException) =>
      reject(
        e.code === 'ENOENT'
          ? ffmpegMissing(tool, bin)
          : new ApiError('ENGINE_ERROR', `${tool} failed to start: ${e.message}`),
      ),
    );
    proc.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function ffprobe(file: string): Promise<Probe> {
  const r = await run('ffprobe', [
    '-v',
    'warning',
    '-show_entries',
    'stream=codec_type,sample_rate,channels:format=format_name,duration',
    '-of',
    'json',
    file,
  ]);
  let parsed: { streams?: ProbeStream[]; format?: { duration?: string } } = {};
  try {
    parsed = JSON.parse(Buffer.concat(r.stdout).toString('utf8') || '{}') as typeof parsed;
  } catch {
    // fall through: treated as unreadable below
  }
  const streams = parsed.streams ?? [];
  // Random bytes sometimes "probe" as a stream of some raw format with the lowest score: that is not media either.
  const guessed = /misdetection possible/i.test(r.stderr) && !streams.some((s) => s.codec_type === 'audio');
  if (r.code !== 0 || streams.length === 0 || guessed) {
    const last = r.stderr.trim().split('\n').pop() ?? '';
    const reason = last.replace(/^.*?:\s*(?=[A-Z])/, '').trim() || 'ffprobe found no streams';
    return { ok: false, reason };
  }
  return {
    ok: true,
    streams,
    format: parsed.format,
    durationEstimated: /Estimating duration from bitrate/i.test(r.stderr),
  };
}

async function ffmpegDecode(file: string, rate: number): Promise<Float32Array> {
  const args = ['-nostdin', '-v', 'error', '-i', file, '-map', '0:a:0', '-vn', '-ac', '1', '-ar', String(rate)];
  const r = await run('ffmpeg', [...args, '-f', 'f32le', 'pipe:1']);
  const bytes = r.stdout.reduce((a, c) => a + c.length, 0);
  if (r.code !== 0 && bytes < 4) {
    const last = r.stderr.trim().split('\n').pop() || 'no audio decoded';
    throw new ApiError(
      'INVALID_INPUT',
      `${path.basename(file)} cannot be decoded: it is damaged or uses an unsupported codec (${last}).`,
      { audioProblem: 'unreadable' satisfies AudioProblem, file },
    );
  }
  // Copy the chunks straight into the result (no concatenated intermediate: hour-long files are large).
  const out = new Float32Array(Math.floor(bytes / 4));
  const view = new Uint8Array(out.buffer);
  let o = 0;
  for (const c of r.stdout) {
    const n = Math.min(c.length, view.length - o);
    view.set(c.subarray(0, n), o);
    o += n;
  }
  return out;
}
