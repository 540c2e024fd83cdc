/**
 * Streaming encoders for `POST /v1/audio/speech`: 24 kHz mono float chunks in, the response format's bytes out as
 * they are made. `pcm` (16-bit little-endian, OpenAI's raw format) and `wav` are written in process; mp3, opus (Ogg),
 * aac (ADTS) and flac go through one ffmpeg per request, fed on stdin and read from stdout, so the first bytes leave
 * while later sentences are still being synthesised.
 *
 * Memory is bounded: when the reader (the HTTP client) does not keep up and more than `maxBufferedBytes` wait, the
 * encoder fails with a specific error instead of queueing the whole text's audio.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { PassThrough, type Readable } from 'node:stream';
import type { SpeechFormat } from '../../../preload/contract/index.js';
import { ApiError } from '../../../native-models/common/errors.js';
import { resolveFfmpeg, ffmpegInstallHint } from '../audio/ffmpeg.js';
import { SPEECH_RATE } from './speech-service.js';
import { encodePcm, wavHeader } from '../../../native-models/audio/wav.js';

export const SPEECH_CONTENT_TYPES: Record<SpeechFormat, string> = {
  mp3: 'audio/mpeg',
  opus: 'audio/opus',
  aac: 'audio/aac',
  flac: 'audio/flac',
  wav: 'audio/wav',
  pcm: 'audio/pcm',
};

const FFMPEG_CODEC: Record<Exclude<SpeechFormat, 'pcm' | 'wav'>, string[]> = {
  mp3: ['-c:a', 'libmp3lame', '-b:a', '128k', '-f', 'mp3'],
  opus: ['-c:a', 'libopus', '-b:a', '48k', '-f', 'ogg'],
  aac: ['-c:a', 'aac', '-b:a', '96k', '-f', 'adts'],
  flac: ['-c:a', 'flac', '-f', 'flac'],
};

export interface SpeechEncoder {
  /** The encoded bytes. */
  readonly output: Readable;
  /** Add audio; throws when the reader has fallen too far behind or the encoder failed. */
  write(pcm: Float32Array): void;
  /** No more audio: resolves when every byte is in `output`. */
  end(): Promise<void>;
  /** Stop now (the request failed or the client left). */
  abort(): void;
}

/**
 * A WAV header for a stream whose length is not known yet: the largest sizes a WAV can declare, which decoders
 * (ffmpeg, browsers, Python's soundfile) read as "until the end of the stream".
 */
const streamingWavHeader = (rate: number) => wavHeader(Math.floor((0xffffffff - 36) / 2), rate);

export function createSpeechEncoder(format: SpeechFormat, opts: { maxBufferedBytes?: number } = {}): SpeechEncoder {
  const maxBuffered = opts.maxBufferedBytes ?? 32 * 1024 * 1024;
  const tooSlow = () =>
    new ApiError('CANCELLED', 'The client stopped reading the audio: the request was stopped.', {
      reason: 'reader-too-slow',
    });

  if (format === 'pcm' || format === 'wav') {
    const out = new PassThrough({ highWaterMark: 64 * 1024 });
    if (format === 'wav') out.write(streamingWavHeader(SPEECH_RATE));
    return {
      output: out,
      write(pcm) {
        if (out.writableLength > maxBuffered) throw tooSlow();
        out.write(encodePcm(pcm));
      },
      end: () =>
        new Promise<void>((resolve) => {
          out.end(resolve);
        }),
      abort: () => out.destroy(),
    };
  }

  const bin = resolveFfmpeg();
  if (!bin) throw new ApiError('ENGINE_UNAVAILABLE', `ffmpeg is needed for ${format}: ${ffmpegInstallHint()}`);
  const args = [
    '-nostdin',
    '-hide_banner',
    '-loglevel',
    'error',
    '-f',
    's16le',
    '-ar',
    String(SPEECH_RATE),
    '-ac',
    '1',
    '-i',
    'pipe:0',
    ...FFMPEG_CODEC[format],
    '-flush_packets',
    '1',
    'pipe:1',
  ];
  const proc: ChildProcessWithoutNullStreams = spawn(bin.path, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  let failure: Error | null = null;
  proc.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  proc.stdin.on('error', () => undefined); // EPIPE when ffmpeg exits early: its exit code says why
  const exited = new Promise<void>((resolve) => {
    proc.on('error', (e) => {
      failure = new ApiError('ENGINE_UNAVAILABLE', `Cannot run ffmpeg: ${e.message}`);
      resolve();
    });
    proc.on('close', (code, sig) => {
      if (code !== 0 && !failure)
        failure = new ApiError('ENGINE_ERROR', `ffmpeg could not encode ${format} (${sig ?? code}): ${stderr.trim()}`);
      resolve();
    });
  });
  return {
    output: proc.stdout,
    write(pcm) {
      if (failure) throw failure;
      if (proc.stdin.writableLength > maxBuffered) throw tooSlow();
      proc.stdin.write(encodePcm(pcm));
    },
    async end() {
      proc.stdin.end();
      await exited;
      if (failure) throw failure;
    },
    abort() {
      proc.stdin.destroy();
      proc.kill('SIGKILL');
    },
  };
}
