import { spawn } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import { ApiError } from '../../common/errors.js';
import { decodeWav } from './wav.js';

export interface DecodedAudio {
  /** Mono mixdown in [-1, 1]. */
  samples: Float32Array;
  sampleRate: number;
}

/**
 * Decode any common audio (or the audio track of a video) to mono float PCM. WAV (16-bit / float) is read
 * directly; everything else goes through the system ffmpeg, at `targetRate` when given.
 */
export async function decodeAudioFile(file: string, targetRate?: number): Promise<DecodedAudio> {
  const data = await fsp.readFile(file).catch((err: NodeJS.ErrnoException) => {
    throw new ApiError(
      'INVALID_INPUT',
      err.code === 'ENOENT' ? `No such file: ${file}` : `Cannot read ${file}: ${err.message}`,
    );
  });
  if (data.subarray(0, 4).toString('latin1') === 'RIFF' && data.subarray(8, 12).toString('latin1') === 'WAVE') {
    try {
      const w = decodeWav(data);
      if (!targetRate || targetRate === w.sampleRate) return { samples: w.samples, sampleRate: w.sampleRate };
    } catch {
      // An unusual WAV flavour (24-bit, ADPCM, …): let ffmpeg read it.
    }
  }
  return ffmpegDecode(file, targetRate ?? 48_000);
}

function ffmpegDecode(file: string, rate: number): Promise<DecodedAudio> {
  return new Promise((resolve, reject) => {
    const args = [
      '-nostdin',
      '-v',
      'error',
      '-i',
      file,
      '-vn',
      '-ac',
      '1',
      '-ar',
      String(rate),
      '-f',
      'f32le',
      'pipe:1',
    ];
    const proc = spawn('ffmpeg', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    proc.stdout.on('data', (c: Buffer) => out.push(c));
    proc.stderr.on('data', (c: Buffer) => (err += c.toString()));
    proc.on('error', (e: NodeJS.ErrnoException) =>
      reject(
        new ApiError(
          'ENGINE_UNAVAILABLE',
          e.code === 'ENOENT'
            ? 'Reading this audio format needs ffmpeg, which is not installed (Debian/Ubuntu: sudo apt-get install ffmpeg)'
            : `ffmpeg failed to start: ${e.message}`,
        ),
      ),
    );
    proc.on('close', (code) => {
      const buf = Buffer.concat(out);
      if (code !== 0 || buf.length < 4) {
        const reason = /does not contain any stream|Output file .* does not contain/i.test(err)
          ? 'it has no audio stream'
          : /Invalid data found|could not find codec|moov atom not found|End of file|Invalid argument|Failed to read frame|Error opening input|Invalid frame|Format .* detected only with low score/i.test(
                err,
              )
            ? 'it is not a readable audio or video file (corrupt or unsupported)'
            : err.trim().split('\n').pop() || 'no audio decoded';
        return reject(new ApiError('INVALID_INPUT', `Cannot read audio from ${file}: ${reason}`));
      }
      const samples = new Float32Array(buf.buffer, buf.byteOffset, Math.floor(buf.length / 4)).slice();
      resolve({ samples, sampleRate: rate });
    });
  });
}
