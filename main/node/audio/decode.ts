import { resolveFfmpeg, resolveFfprobe, type ResolvedBinary } from './ffmpeg.js';
import { spawn } from 'node:child_process';
import { closeSync, fsyncSync, openSync, read, readSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { ApiError } from '../../../native-models/common/errors.js';
import type { AudioProblem } from '../../../native-models/enhance/cleanup.js';
import { countNonFinite } from '../../../native-models/audio/checks.js';
import {
  bufferSource,
  decodeWavFrames,
  encodePcm,
  inspectWav,
  WAV_LIMITS,
  wavHeader,
  WavFormatError,
  wavFrames,
  type ByteSource,
  type WavInfo,
} from '../../../native-models/audio/wav.js';
import { checkInputFile, readInputHead } from '../../../native-models/common/safe-fs.js';
import type { PcmSource, PcmStore, PcmWriter } from '../../../native-models/audio/pcm-store.js';

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

const audioError = (problem: AudioProblem, message: string, file?: string) =>
  new ApiError(
    'INVALID_INPUT',
    message,
    file === undefined ? { audioProblem: problem } : { audioProblem: problem, file },
  );

/**
 * Limits on audio read for voices, clean-up, references and music beds (docs/security.md, "Audio input"). They are
 * checked from the header (WAV) or ffprobe (other formats) before anything is decoded, and again on what ffmpeg
 * actually produces, so a file that lies about its length still cannot exhaust memory.
 */
export const AUDIO_LIMITS = {
  ...WAV_LIMITS,
  /** Decoded whole into memory (cloning references, one-step voice imports): 30 minutes. */
  maxSeconds: 30 * 60,
  /** Decoded frames (mono float32: 4 bytes each, ~330 MiB): 30 minutes at 48 kHz, less at higher rates. */
  maxFrames: 30 * 60 * 48_000,
} as const;

/**
 * Limits on voice audio (staging, uploads, recordings, clean-up), which is decoded in blocks into encrypted temporary
 * files and analysed and cleaned in streaming passes, so memory does not grow with its length
 * (docs/security.md, "Long voice recordings"): 2 hours, bounded by the temporary disk space and the time a clean-up
 * takes, not by memory. Frames: 2 hours at 48 kHz (less at higher rates: the temporary files grow with the frames).
 */
export const VOICE_AUDIO_LIMITS = {
  ...WAV_LIMITS,
  maxSeconds: 2 * 3600,
  maxFrames: 2 * 3600 * 48_000,
} as const;

export type AudioLimits = { maxSeconds: number; maxFrames: number } & typeof WAV_LIMITS;

/** A file on this computer, or bytes uploaded from the browser (never written to disk unencrypted). */
export type AudioInput = { file: string } | { bytes: Buffer; name: string };

const minutes = (s: number) =>
  s >= 3600
    ? `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`
    : s >= 60
      ? `${(s / 60).toFixed(1)} min`
      : `${s.toFixed(1)} s`;

/** The "too long" refusal, or null when `seconds` at `rate` fits the limits. */
function lengthProblem(
  name: string,
  seconds: number,
  rate: number,
  file?: string,
  limits: AudioLimits = AUDIO_LIMITS,
): ApiError | null {
  const frames = seconds * rate;
  if (seconds <= limits.maxSeconds && frames <= limits.maxFrames) return null;
  const what = limits === AUDIO_LIMITS ? 'here' : 'of voice audio';
  const why =
    seconds > limits.maxSeconds
      ? `Timbre reads at most ${limits.maxSeconds >= 3600 ? `${limits.maxSeconds / 3600} hours` : `${limits.maxSeconds / 60} minutes`} ${what}`
      : `at ${(rate / 1000).toFixed(1)} kHz Timbre reads at most ${minutes(limits.maxFrames / rate)} (${limits.maxFrames / 1e6} M samples)`;
  return audioError(
    'too-long',
    `${name} is ${minutes(seconds)} long: ${why}. Cut out the part with the voice (10–30 s of speech is plenty) and use that.`,
    file,
  );
}

/**
 * The checks every decoded piece of audio passes, whatever way it arrived (file, upload, recording, clean-up): it holds
 * samples, every sample is a finite number, and its length is within AUDIO_LIMITS. Throws INVALID_INPUT with
 * `details.audioProblem` ('unreadable', 'invalid-samples', 'too-long').
 */
export function checkDecodedAudio(samples: Float32Array, sampleRate: number, name: string, file?: string): void {
  checkDecodedStats(samples.length, countNonFinite(samples), sampleRate, name, file);
}

/** checkDecodedAudio from counts (audio decoded in blocks): frames, invalid samples among them, the rate. */
export function checkDecodedStats(
  frames: number,
  nonFinite: number,
  sampleRate: number,
  name: string,
  file?: string,
  limits: AudioLimits = AUDIO_LIMITS,
): void {
  if (
    !Number.isInteger(sampleRate) ||
    sampleRate < AUDIO_LIMITS.minSampleRate ||
    sampleRate > AUDIO_LIMITS.maxSampleRate
  )
    throw audioError(
      'unreadable',
      `${name} has a sample rate of ${sampleRate} Hz; Timbre reads ${AUDIO_LIMITS.minSampleRate}–${AUDIO_LIMITS.maxSampleRate} Hz.`,
      file,
    );
  if (frames === 0) throw audioError('unreadable', `${name} is damaged: no audio could be decoded from it.`, file);
  const tooLong = lengthProblem(name, frames / sampleRate, sampleRate, file, limits);
  if (tooLong) throw tooLong;
  const bad = nonFinite;
  if (bad > 0)
    throw audioError(
      'invalid-samples',
      `${name} contains ${bad.toLocaleString('en-US')} invalid (NaN/infinite) sample${bad === 1 ? '' : 's'}: it is damaged or was written by faulty software. Export it again from the program that made it.`,
      file,
    );
}

/** The WAV header problem as the user's error (a header that lies, an empty or truncated file), else null. */
function wavProblem(info: WavInfo, name: string, file?: string, limits: AudioLimits = AUDIO_LIMITS): ApiError | null {
  const rate = info.sampleRate;
  const bytesPerSecond = info.blockAlign * rate;
  if (info.decodable) {
    const frames = wavFrames(info);
    const tooLong = lengthProblem(name, frames / rate, rate, file, limits);
    if (tooLong) return tooLong;
    if (frames === 0 && !info.declaredDataBytes)
      return audioError(
        'unreadable',
        `${name} holds no audio: its WAV header is followed by no samples (a header-only file). Export or record it again.`,
        file,
      );
  }
  const declared = info.declaredDataBytes;
  // A data chunk cut short (within 10 %, or a tenth of a second, is a sloppy writer: the whole frames present are used).
  if (declared !== null && info.presentDataBytes < 0.9 * declared - 0.1 * bytesPerSecond)
    return audioError(
      'unreadable',
      `${name} is truncated (cut off): its header promises ${(declared / bytesPerSecond).toFixed(1)} s of audio but the file holds ${(info.presentDataBytes / bytesPerSecond).toFixed(1)} s. Copy or export it again.`,
      file,
    );
  if (info.decodable && wavFrames(info) === 0)
    return audioError('unreadable', `${name} holds no audio: not one whole sample frame.`, file);
  return null;
}

/** Read into `buf` from `position` of an open file (asynchronously); resolves to the bytes read. */
function readAt(fd: number, buf: Buffer, position: number): Promise<number> {
  return new Promise((resolve, reject) =>
    read(fd, buf, 0, buf.length, position, (err, n) => (err ? reject(err) : resolve(n))),
  );
}

/** Bytes arrived so far of an upload that is still coming: asked for more, this says the check must wait. */
class NeedMoreBytes extends Error {}

/**
 * Check the first bytes of an upload that is still arriving (`totalSize` from Content-Length, when sent): a WAV
 * whose header lies (sample rate, channels, block align) or that declares more than VOICE_AUDIO_LIMITS is refused before
 * the rest is received. Null when nothing is wrong yet (or when the head is too short to tell).
 */
export function uploadHeadProblem(head: Buffer, totalSize: number | null, name: string): ApiError | null {
  const magic = head.subarray(0, 4).toString('latin1');
  if (!(magic === 'RIFF' || magic === 'RF64' || magic === 'BW64') || head.subarray(8, 12).toString('latin1') !== 'WAVE')
    return null;
  const size = totalSize ?? Number.MAX_SAFE_INTEGER;
  const src: ByteSource = {
    size,
    read(o, n) {
      if (o + n > head.length && head.length < size) throw new NeedMoreBytes();
      return head.subarray(o, Math.min(head.length, o + n));
    },
  };
  let info: WavInfo;
  try {
    info = inspectWav(src);
  } catch (err) {
    if (err instanceof NeedMoreBytes) return null;
    if (err instanceof WavFormatError)
      return audioError('unreadable', `${name} is not a usable WAV file: ${lowerFirst(err.message)}.`);
    throw err;
  }
  if (totalSize === null && info.declaredDataBytes === null) return null; // streamed, length unknown: the cap applies
  return wavProblem(info, name, undefined, VOICE_AUDIO_LIMITS);
}

/** A WavFormatError's message as the end of a sentence ("Corrupt WAV: zero channels" → "zero channels"). */
const lowerFirst = (s: string) => {
  const t = s.replace(/^Corrupt WAV: /, '');
  return t.charAt(0).toLowerCase() + t.slice(1);
};

/** Decode uploaded bytes (any format ffmpeg reads; ffmpeg reads them from a pipe: no temporary file). */
export function decodeAudioBytes(bytes: Buffer, name: string, targetRate?: number): Promise<DecodedAudio> {
  return decodeAudio({ bytes, name }, targetRate);
}

/**
 * Decode any common audio (or the audio track of a video) to mono float PCM. WAV (integer PCM or float) is read
 * directly; everything else goes through the system ffmpeg (probed first with ffprobe), at `targetRate` when given,
 * else at the file's own rate.
 *
 * Every failure is an ApiError with a plain-English message and `details.audioProblem`:
 * - `unsupported-type`: not audio or video at all (text, PDF, image, archive);
 * - `unreadable`: empty, corrupt, truncated, a header that lies, or no audio could be decoded;
 * - `no-audio-stream`: a video (or container) without an audio track;
 * - `too-long`: over AUDIO_LIMITS (refused from the header or the probe, before decoding);
 * - `invalid-samples`: NaN or infinite samples.
 * A missing file is INVALID_INPUT ('unreadable'); a missing ffmpeg is ENGINE_UNAVAILABLE with how to install it.
 */
export async function decodeAudioFile(file: string, targetRate?: number): Promise<DecodedAudio> {
  return decodeAudio({ file }, targetRate);
}

/** One set of checks for every way a file arrives: a path (CLI, voiceAudio.stage, library import) or an upload. */
export async function decodeAudio(input: AudioInput, targetRate?: number): Promise<DecodedAudio> {
  let writer: ArrayWriter | undefined;
  const r = await decodeInto(input, targetRate, {
    limits: AUDIO_LIMITS,
    open: (rate) => (writer = new ArrayWriter(rate)),
  });
  return { samples: writer!.toArray(), sampleRate: r.sampleRate, channels: r.channels, sourceRate: r.sourceRate };
}

/** Decoded voice audio kept in a PcmStore (a temporary file for long audio): nothing grows with its length. */
export interface DecodedSource {
  source: PcmSource;
  sampleRate: number;
  channels: number;
  sourceRate: number;
}

/**
 * decodeAudio for voice audio of any length up to VOICE_AUDIO_LIMITS: the same checks and errors, the samples written
 * in blocks to `store` (the caller disposes it) as ffmpeg or the WAV reader produce them.
 */
export async function decodeAudioToStore(
  input: AudioInput,
  store: PcmStore,
  targetRate?: number,
): Promise<DecodedSource> {
  let writer: PcmWriter | undefined;
  const r = await decodeInto(input, targetRate, {
    limits: VOICE_AUDIO_LIMITS,
    open: (rate) => (writer = store.create(rate)),
  });
  return { source: writer!.finish(), sampleRate: r.sampleRate, channels: r.channels, sourceRate: r.sourceRate };
}

/**
 * Limits on music beds: decoded in blocks straight into their stored WAV and streamed by the export
 * (docs/studio.md, "Music bed"), so memory does not grow with their length; 2 hours (the stored file: 1.27 GB of
 * float32 at 44.1 kHz), as voice audio.
 */
export const BED_AUDIO_LIMITS = VOICE_AUDIO_LIMITS;

/**
 * decodeAudio for a music bed: the same checks and errors, the mono float32 samples written block by block into a new
 * WAV `file` (created exclusively, header written last, synced), never held whole. On failure the file is removed.
 */
export async function decodeAudioToWavFile(
  input: AudioInput,
  file: string,
  targetRate?: number,
): Promise<{ frames: number; sampleRate: number; channels: number; sourceRate: number }> {
  const fd = openSync(file, 'wx', 0o600);
  let frames = 0;
  let rate = 0;
  let open = true;
  try {
    writeSync(fd, Buffer.alloc(44));
    let scratch = Buffer.alloc(0);
    const r = await decodeInto(input, targetRate, {
      limits: BED_AUDIO_LIMITS,
      open: (sampleRate) => {
        rate = sampleRate;
        return {
          write(x: Float32Array) {
            if (scratch.length < x.length * 4) scratch = Buffer.alloc(x.length * 4);
            const bytes = encodePcm(x, 32, scratch, 0).subarray(0, x.length * 4);
            for (let o = 0; o < bytes.length;) o += writeSync(fd, bytes, o, bytes.length - o, 44 + frames * 4 + o);
            frames += x.length;
          },
        };
      },
    });
    writeSync(fd, wavHeader(frames, rate, 32), 0, 44, 0);
    fsyncSync(fd);
    open = false;
    closeSync(fd);
    return { frames, sampleRate: r.sampleRate, channels: r.channels, sourceRate: r.sourceRate };
  } catch (err) {
    if (open) closeSync(fd);
    rmSync(file, { force: true });
    throw err;
  }
}

/** Collects blocks in memory (decodeAudio). */
class ArrayWriter {
  private chunks: Float32Array[] = [];
  length = 0;
  constructor(readonly sampleRate: number) {}
  write(x: Float32Array): void {
    this.chunks.push(x);
    this.length += x.length;
  }
  toArray(): Float32Array {
    const out = new Float32Array(this.length);
    let o = 0;
    for (const c of this.chunks.splice(0)) {
      out.set(c, o);
      o += c.length;
    }
    return out;
  }
}

interface DecodeTarget {
  limits: AudioLimits;
  /** Where the samples go, once the rate is known. */
  open(rate: number): { write(x: Float32Array): void };
}

/** Counts what passes (frames, invalid samples) on its way to the target's writer. */
class CountingSink {
  frames = 0;
  nonFinite = 0;
  constructor(private readonly w: { write(x: Float32Array): void }) {}
  write(x: Float32Array): void {
    this.frames += x.length;
    this.nonFinite += countNonFinite(x);
    this.w.write(x);
  }
}

async function decodeInto(
  input: AudioInput,
  targetRate: number | undefined,
  target: DecodeTarget,
): Promise<{ sampleRate: number; channels: number; sourceRate: number }> {
  const file = 'file' in input ? input.file : undefined;
  const name = 'file' in input ? path.basename(input.file) : input.name || 'The upload';
  let size: number;
  if (file !== undefined) {
    // Never opens a named pipe or a device (safe-fs.ts): a FIFO would block a thread-pool thread, /dev/zero never ends.
    const stat = await checkInputFile(file, { what: 'The audio file' }).catch((err: ApiError) => {
      throw audioError('unreadable', err.message, file);
    });
    size = stat.size;
  } else size = (input as { bytes: Buffer }).bytes.length;
  if (size === 0) throw audioError('unreadable', `${name} is empty (0 bytes): it holds no audio.`, file);

  const head = file !== undefined ? await readHead(file, 4096) : (input as { bytes: Buffer }).bytes.subarray(0, 4096);
  const kind = sniffNonMedia(head, file ?? name);
  if (kind)
    throw audioError(
      'unsupported-type',
      `${name} is ${kind}, not a readable audio or video file. Pick a recording (WAV, FLAC, MP3, Ogg/Opus, M4A/AAC, WebM) or a video with sound (MP4, MOV, MKV).`,
      file,
    );

  const magic = head.subarray(0, 4).toString('latin1');
  if (
    (magic === 'RIFF' || magic === 'RF64' || magic === 'BW64') &&
    head.subarray(8, 12).toString('latin1') === 'WAVE'
  ) {
    const wav = await decodeWavInput(input, name, size, targetRate, target);
    if (wav) return wav;
  }

  const probe = await ffprobe(input);
  if (!probe.ok) {
    throw audioError(
      'unreadable',
      probe.seek
        ? `${name} cannot be read while uploading (its index is at the end of the file): open it in the desktop app, or convert it to WAV or MP3 first.`
        : `${name} cannot be read: it is damaged or not a media file (${probe.reason}).`,
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
  if (sourceRate < AUDIO_LIMITS.minSampleRate || sourceRate > AUDIO_LIMITS.maxSampleRate)
    throw audioError(
      'unreadable',
      `${name} is not usable: its audio claims a sample rate of ${sourceRate.toLocaleString('en-US')} Hz; Timbre reads ${AUDIO_LIMITS.minSampleRate.toLocaleString('en-US')}–${AUDIO_LIMITS.maxSampleRate.toLocaleString('en-US')} Hz.`,
      file,
    );
  if (channels > AUDIO_LIMITS.maxChannels)
    throw audioError(
      'unreadable',
      `${name} is not usable: its audio claims ${channels} channels; at most ${AUDIO_LIMITS.maxChannels} are supported.`,
      file,
    );
  const declared = Number(probe.format?.duration ?? audio.duration);
  const rate = targetRate ?? sourceRate;
  if (declared > 0) {
    const tooLong = lengthProblem(name, declared, Math.max(rate, sourceRate), file, target.limits);
    if (tooLong) throw tooLong;
  }
  const sink = new CountingSink(target.open(rate));
  await ffmpegDecode(input, name, rate, channels, sink, target.limits);
  const seconds = sink.frames / rate;
  checkDecodedStats(sink.frames, sink.nonFinite, rate, name, file, target.limits);
  // A container that states its length (an MP3 Xing/Info header, an MP4 index) but holds much less was cut off.
  if (!probe.durationEstimated && declared > 0 && seconds < 0.9 * declared - 0.5)
    throw audioError(
      'unreadable',
      `${name} is truncated (cut off): it should hold ${declared.toFixed(1)} s of audio but only ${seconds.toFixed(1)} s could be decoded. Copy or export it again.`,
      file,
    );
  return { sampleRate: rate, channels, sourceRate };
}

/**
 * A WAV: its header is checked before anything is allocated; encodings we read are decoded from the bytes present (a
 * file in slices, so only the mono result is held), others return null for ffmpeg (after the same header checks).
 */
async function decodeWavInput(
  input: AudioInput,
  name: string,
  size: number,
  targetRate: number | undefined,
  target: DecodeTarget,
): Promise<{ sampleRate: number; channels: number; sourceRate: number } | null> {
  const file = 'file' in input ? input.file : undefined;
  const fd = file !== undefined ? openSync(file, 'r') : -1;
  try {
    const src: ByteSource =
      file !== undefined
        ? {
            size,
            read(o, n) {
              const b = Buffer.alloc(Math.max(0, Math.min(n, size - o)));
              const got = readSync(fd, b, 0, b.length, o);
              return b.subarray(0, got);
            },
          }
        : bufferSource((input as { bytes: Buffer }).bytes);
    let info: WavInfo;
    try {
      info = inspectWav(src);
    } catch (err) {
      if (!(err instanceof WavFormatError)) throw err;
      throw audioError('unreadable', `${name} is not a usable WAV file: ${lowerFirst(err.message)}.`, file);
    }
    const problem = wavProblem(info, name, file, target.limits);
    if (problem) throw problem;
    if (!info.decodable || (targetRate && targetRate !== info.sampleRate)) return null; // ffmpeg: compressed, or resampled
    const frames = wavFrames(info);
    // Checked before the sink is opened (it would allocate or create a file for nothing).
    checkDecodedStats(frames, 0, info.sampleRate, name, file, target.limits);
    const sink = new CountingSink(target.open(info.sampleRate));
    const slice = Math.max(1, Math.floor((4 << 20) / info.blockAlign)) * info.blockAlign;
    // A file is read asynchronously, slice by slice (the server keeps answering while a long file loads).
    const sliceBuf = fd >= 0 ? Buffer.alloc(Math.min(slice, frames * info.blockAlign)) : null;
    for (let done = 0; done < frames;) {
      const at = info.dataOffset + done * info.blockAlign;
      const want = Math.min(slice, (frames - done) * info.blockAlign);
      const bytes = sliceBuf
        ? sliceBuf.subarray(0, await readAt(fd, sliceBuf.subarray(0, want), at))
        : src.read(at, want);
      const block = new Float32Array(Math.floor(bytes.length / info.blockAlign));
      const n = decodeWavFrames(info, bytes, block, 0);
      if (n === 0) break;
      sink.write(block.subarray(0, n));
      done += n;
    }
    checkDecodedStats(sink.frames, sink.nonFinite, info.sampleRate, name, file, target.limits);
    return { sampleRate: info.sampleRate, channels: info.channels, sourceRate: info.sampleRate };
  } finally {
    if (fd >= 0) closeSync(fd);
  }
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

interface ProbeStream {
  codec_type?: string;
  sample_rate?: string;
  channels?: number;
  duration?: string;
}
type Probe =
  | { ok: true; streams: ProbeStream[]; format?: { duration?: string }; durationEstimated: boolean }
  | { ok: false; reason: string; seek: boolean };

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

interface RunResult {
  code: number | null;
  stdout: Buffer[];
  stderr: string;
  /** stdout passed `maxOut` bytes: the process was killed. */
  overflow: boolean;
}

/**
 * Run the system's ffmpeg/ffprobe, or the bundled one where none is installed (see ffmpeg.ts), feeding `stdin` when
 * given. Errors on every stream are handled (a tool that stops reading its input early is normal); stdout beyond
 * `maxOut` bytes kills the process, so a file that decodes to more than it declared cannot exhaust memory. With
 * `onData`, stdout goes to it chunk by chunk instead of being collected (an error it throws kills the process and is
 * the result).
 */
function run(
  tool: Tool,
  args: string[],
  stdin?: Buffer,
  maxOut = Number.MAX_SAFE_INTEGER,
  onData?: (chunk: Buffer) => void,
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const bin = tool === 'ffmpeg' ? resolveFfmpeg() : resolveFfprobe();
    if (!bin) return reject(ffmpegMissing(tool, undefined));
    const proc = spawn(bin.path, args, { stdio: [stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    let outBytes = 0;
    let overflow = false;
    let sinkError: unknown = null;
    let stderr = '';
    proc.stdout!.on('data', (c: Buffer) => {
      if (overflow) return;
      outBytes += c.length;
      if (outBytes > maxOut) {
        overflow = true;
        stdout.length = 0;
        proc.kill('SIGKILL');
        return;
      }
      if (!onData) return void stdout.push(c);
      try {
        onData(c);
      } catch (err) {
        // The sink failed (a full disk): stop decoding, report it.
        sinkError ??= err;
        proc.kill('SIGKILL');
      }
    });
    proc.stdout!.on('error', () => undefined);
    proc.stderr!.on('data', (c: Buffer) => {
      if (stderr.length < 65536) stderr += c.toString();
    });
    proc.stderr!.on('error', () => undefined);
    proc.on('error', (e: NodeJS.ErrnoException) =>
      reject(
        e.code === 'ENOENT'
          ? ffmpegMissing(tool, bin)
          : new ApiError('ENGINE_ERROR', `${tool} failed to start: ${e.message}`),
      ),
    );
    proc.on('close', (code) => (sinkError ? reject(sinkError) : resolve({ code, stdout, stderr, overflow })));
    if (stdin && proc.stdin) {
      proc.stdin.on('error', () => undefined); // it may stop reading early (bad data, or probing done): its status tells
      proc.stdin.end(stdin);
    }
  });
}

const inputArgs = (input: AudioInput): string[] => ['-i', 'file' in input ? input.file : 'pipe:0'];
const inputBytes = (input: AudioInput): Buffer | undefined => ('bytes' in input ? input.bytes : undefined);

async function ffprobe(input: AudioInput): Promise<Probe> {
  const r = await run(
    'ffprobe',
    [
      '-v',
      'warning',
      '-show_entries',
      'stream=codec_type,sample_rate,channels,duration:format=format_name,duration',
      '-of',
      'json',
      ...inputArgs(input),
    ],
    inputBytes(input),
  );
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
    return { ok: false, reason, seek: /moov atom not found/i.test(r.stderr) && 'bytes' in input };
  }
  return {
    ok: true,
    streams,
    format: parsed.format,
    durationEstimated: /Estimating duration from bitrate/i.test(r.stderr),
  };
}

/**
 * Decode to mono float32 at `rate`. The downmix averages the channels (ffmpeg's pan filter with 1/N weights): ffmpeg's
 * own `-ac 1` adds gain (+3 dB from stereo, +10.6 dB from 5.1), which would make a healthy file measure as clipped.
 */
async function ffmpegDecode(
  input: AudioInput,
  name: string,
  rate: number,
  channels: number,
  sink: CountingSink,
  limits: AudioLimits,
): Promise<void> {
  const file = 'file' in input ? input.file : undefined;
  const w = (1 / channels).toPrecision(9);
  const mix = Array.from({ length: channels }, (_, c) => `${w}*c${c}`).join('+');
  const args = ['-nostdin', '-v', 'error', ...inputArgs(input), '-map', '0:a:0', '-vn'];
  if (channels > 1) args.push('-af', `pan=mono|c0=${mix}`);
  args.push('-ac', '1', '-ar', String(rate), '-f', 'f32le', 'pipe:1');
  // One second over the limit is enough to know the file is longer than it said.
  const maxFrames = Math.min(limits.maxFrames, limits.maxSeconds * rate) + rate;
  // The samples go to the sink as they arrive (4-byte samples may straddle two chunks).
  let carry = Buffer.alloc(0);
  const onData = (c: Buffer) => {
    const bytes = carry.length ? Buffer.concat([carry, c]) : c;
    const whole = bytes.length - (bytes.length % 4);
    if (whole > 0) {
      const x = new Float32Array(whole / 4);
      new Uint8Array(x.buffer).set(bytes.subarray(0, whole));
      sink.write(x);
    }
    carry = Buffer.from(bytes.subarray(whole));
  };
  const r = await run('ffmpeg', args, inputBytes(input), maxFrames * 4, onData);
  if (r.overflow) throw lengthProblem(name, maxFrames / rate, rate, file, limits)!;
  if (r.code !== 0 && sink.frames < 1) {
    const noStream = /does not contain any stream|Output file .* does not contain|matches no streams/i.test(r.stderr);
    const last = r.stderr.trim().split('\n').pop() || 'no audio decoded';
    throw audioError(
      noStream ? 'no-audio-stream' : 'unreadable',
      noStream
        ? `${name} has no audio stream.`
        : `${name} cannot be decoded: it is damaged or uses an unsupported codec (${last}).`,
      file,
    );
  }
}
