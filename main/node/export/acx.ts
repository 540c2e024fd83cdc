/**
 * Audiobook delivery check modelled on ACX's published audio submission requirements: each file 44.1 kHz, constant
 * bit-rate MP3 at 192 kbps or more, RMS between −23 and −18 dBFS, peaks at or below −3 dBFS, a noise floor at or below
 * −60 dBFS RMS, 0.5–1 s of room tone at the head and 1–5 s at the tail.
 *
 * The file is decoded by ffmpeg and measured while it streams (blocks of 10 ms), so memory does not depend on its
 * length. Levels are dBFS with a full-scale square wave at 0 dB (the convention of Audacity's ACX check). The noise floor
 * is the RMS of the quietest 500 ms window; room tone is the time before the first / after the last 10 ms block louder
 * than `SPEECH_THRESHOLD_DB`.
 */
import { spawn } from 'node:child_process';
import { open } from 'node:fs/promises';
import { ApiError } from '../../../native-models/common/errors.js';
import { resolveFfmpeg, resolveFfprobe } from '../audio/ffmpeg.js';

export const ACX_REQUIREMENTS = {
  rmsMinDb: -23,
  rmsMaxDb: -18,
  peakMaxDb: -3,
  noiseFloorMaxDb: -60,
  headMinS: 0.5,
  headMaxS: 1,
  tailMinS: 1,
  tailMaxS: 5,
  sampleRate: 44_100,
  bitrateMinKbps: 192,
} as const;

/** A 10 ms block above this level counts as programme (speech), below it as room tone. */
export const SPEECH_THRESHOLD_DB = -45;

export type AcxCheckId =
  'format' | 'sample-rate' | 'bitrate' | 'constant-bitrate' | 'rms' | 'peak' | 'noise-floor' | 'head' | 'tail';

export interface AcxCheck {
  id: AcxCheckId;
  pass: boolean;
  /** The measured value (dB, seconds, Hz, kbps) or a description. */
  value: number | string;
  /** The requirement, in words ("−23 to −18 dBFS"). */
  requirement: string;
  /** How far outside the requirement the value is (positive; 0 when it passes or is not numeric). */
  by: number;
  message: string;
}

export interface AcxReport {
  file: string;
  pass: boolean;
  durationS: number;
  checks: AcxCheck[];
}

const db = (x: number) => (x > 0 ? 20 * Math.log10(x) : -Infinity);
const fmt = (x: number, unit: string, digits = 1) =>
  Number.isFinite(x) ? `${x.toFixed(digits)} ${unit}` : `−∞ ${unit}`;

interface Probe {
  codec: string;
  sampleRate: number;
  channels: number;
  bitRate: number;
}

async function probe(file: string): Promise<Probe> {
  const ffprobe = resolveFfprobe();
  if (!ffprobe) throw new ApiError('ENGINE_UNAVAILABLE', 'The audiobook check needs ffprobe, which is not installed.');
  const out = await new Promise<string>((resolve, reject) => {
    const p = spawn(ffprobe.path, [
      '-v',
      'error',
      '-select_streams',
      'a:0',
      '-show_entries',
      'stream=codec_name,sample_rate,channels,bit_rate:format=bit_rate',
      '-of',
      'json',
      file,
    ]);
    let s = '';
    let e = '';
    p.stdout.on('data', (d: Buffer) => (s += d.toString()));
    p.stderr.on('data', (d: Buffer) => (e += d.toString()));
    p.on('error', reject);
    p.on('close', (code) =>
      code === 0 ? resolve(s) : reject(new ApiError('INVALID_INPUT', `${file} cannot be read as audio: ${e.trim()}`)),
    );
  });
  const j = JSON.parse(out) as {
    streams?: { codec_name?: string; sample_rate?: string; channels?: number; bit_rate?: string }[];
    format?: { bit_rate?: string };
  };
  const st = j.streams?.[0];
  if (!st) throw new ApiError('INVALID_INPUT', `${file} has no audio stream.`);
  return {
    codec: st.codec_name ?? 'unknown',
    sampleRate: Number(st.sample_rate ?? 0),
    channels: st.channels ?? 0,
    bitRate: Number(st.bit_rate ?? j.format?.bit_rate ?? 0),
  };
}

/**
 * Whether an MP3 is variable bit-rate: encoders write a "Xing" (VBR) or "Info" (CBR) tag, or a "VBRI" (VBR) tag, in the
 * first frame. Without a tag the frames' own bit-rate fields are compared.
 */
async function mp3IsVbr(file: string): Promise<boolean> {
  const fh = await open(file, 'r');
  try {
    const head = Buffer.alloc(64 * 1024);
    const { bytesRead } = await fh.read(head, 0, head.length, 0);
    const b = head.subarray(0, bytesRead);
    let off = 0;
    if (b.subarray(0, 3).toString('latin1') === 'ID3' && b.length >= 10)
      off = 10 + ((b[6] & 0x7f) << 21) + ((b[7] & 0x7f) << 14) + ((b[8] & 0x7f) << 7) + (b[9] & 0x7f);
    const frame = b.subarray(off, off + 4096).toString('latin1');
    if (frame.includes('Xing') || frame.includes('VBRI')) return true;
    if (frame.includes('Info')) return false;
    // No tag: read a few frame headers' bit-rate indexes.
    const rates = new Set<number>();
    for (let i = off; i + 4 < b.length && rates.size < 2; i++)
      if (b[i] === 0xff && (b[i + 1] & 0xe0) === 0xe0) rates.add(b[i + 2] >> 4);
    return rates.size > 1;
  } finally {
    await fh.close();
  }
}

interface Levels {
  durationS: number;
  rmsDb: number;
  peakDb: number;
  noiseFloorDb: number;
  headS: number;
  tailS: number;
}

/** Stream-decode the file and measure it in 10 ms blocks. */
async function measure(file: string, rate: number, channels: number, signal?: AbortSignal): Promise<Levels> {
  const ffmpeg = resolveFfmpeg();
  if (!ffmpeg) throw new ApiError('ENGINE_UNAVAILABLE', 'The audiobook check needs ffmpeg, which is not installed.');
  const ch = Math.max(1, channels);
  const p = spawn(
    ffmpeg.path,
    ['-v', 'error', '-nostdin', '-i', file, '-map', 'a:0', '-f', 'f32le', '-acodec', 'pcm_f32le', '-'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      signal,
    },
  );
  let err = '';
  p.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-2000)));
  const exited = new Promise<number | null>((resolve, reject) => {
    p.on('error', reject);
    p.on('close', resolve);
  });
  const blockFrames = Math.max(1, Math.round(rate / 100));
  const windowBlocks = 50; // 500 ms
  const ring = new Float64Array(windowBlocks);
  let ringSum = 0;
  let blocks = 0;
  let inBlock = 0;
  let blockSq = 0;
  let totalSq = 0;
  let frames = 0;
  let peak = 0;
  let minWindow = Infinity;
  let firstLoud = -1;
  let lastLoud = -1;
  const threshold = Math.pow(10, SPEECH_THRESHOLD_DB / 10); // mean square
  const endBlock = () => {
    const ms = blockSq / (inBlock * ch);
    ringSum += ms - ring[blocks % windowBlocks];
    ring[blocks % windowBlocks] = ms;
    if (blocks >= windowBlocks - 1) minWindow = Math.min(minWindow, Math.max(0, ringSum) / windowBlocks);
    if (ms > threshold) {
      if (firstLoud < 0) firstLoud = blocks;
      lastLoud = blocks;
    }
    blocks++;
    inBlock = 0;
    blockSq = 0;
  };
  let carry = Buffer.alloc(0);
  for await (const chunk of p.stdout as AsyncIterable<Buffer>) {
    const buf = carry.length ? Buffer.concat([carry, chunk]) : chunk;
    const frameBytes = 4 * ch;
    const usable = buf.length - (buf.length % frameBytes);
    const f = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + usable));
    for (let i = 0; i < f.length; i += ch) {
      let sq = 0;
      for (let c = 0; c < ch; c++) {
        const v = f[i + c];
        const a = Math.abs(v);
        if (a > peak) peak = a;
        sq += v * v;
      }
      blockSq += sq;
      totalSq += sq;
      frames++;
      if (++inBlock === blockFrames) endBlock();
    }
    carry = Buffer.from(buf.subarray(usable));
  }
  if (inBlock > 0) endBlock();
  const code = await exited;
  if (code !== 0)
    throw new ApiError('INVALID_INPUT', `${file} cannot be decoded: ${err.trim() || `ffmpeg exit ${code}`}`);
  if (frames === 0) throw new ApiError('INVALID_INPUT', `${file} holds no audio.`);
  if (minWindow === Infinity) minWindow = totalSq / (frames * ch); // shorter than 500 ms
  const blockS = blockFrames / rate;
  const durationS = frames / rate;
  return {
    durationS,
    // RMS in dBFS with a full-scale square wave at 0 dB; a full-scale sine measures −3.01 dB.
    rmsDb: 10 * Math.log10(totalSq / (frames * ch) || Number.MIN_VALUE),
    peakDb: db(peak),
    noiseFloorDb: minWindow > 0 ? 10 * Math.log10(minWindow) : -Infinity,
    headS: firstLoud < 0 ? durationS : firstLoud * blockS,
    tailS: lastLoud < 0 ? durationS : Math.max(0, durationS - (lastLoud + 1) * blockS),
  };
}

function range(id: AcxCheckId, value: number, min: number, max: number, unit: string, what: string): AcxCheck {
  const by = value < min ? min - value : value > max ? value - max : 0;
  const pass = Number.isFinite(value) ? by === 0 : false;
  return {
    id,
    pass,
    value,
    requirement: `${fmt(min, unit)} to ${fmt(max, unit)}`,
    by: Number.isFinite(by) ? by : 0,
    message: pass
      ? `${what} ${fmt(value, unit)}: within ${fmt(min, unit)} to ${fmt(max, unit)}.`
      : `${what} ${fmt(value, unit)} is ${value < min ? `${fmt(by, unit)} below the minimum` : `${fmt(by, unit)} above the maximum`} (${fmt(min, unit)} to ${fmt(max, unit)}).`,
  };
}

function atMost(id: AcxCheckId, value: number, max: number, unit: string, what: string): AcxCheck {
  const pass = value <= max;
  return {
    id,
    pass,
    value,
    requirement: `at most ${fmt(max, unit)}`,
    by: pass ? 0 : value - max,
    message: pass
      ? `${what} ${fmt(value, unit)}: at most ${fmt(max, unit)}.`
      : `${what} ${fmt(value, unit)} is ${fmt(value - max, unit)} above the maximum of ${fmt(max, unit)}.`,
  };
}

/** Check one delivered file against the audiobook requirements. */
export async function acxCheck(file: string, signal?: AbortSignal): Promise<AcxReport> {
  const R = ACX_REQUIREMENTS;
  const info = await probe(file);
  const checks: AcxCheck[] = [];
  const isMp3 = info.codec === 'mp3';
  checks.push({
    id: 'format',
    pass: isMp3,
    value: info.codec,
    requirement: 'MP3',
    by: 0,
    message: isMp3 ? 'MP3.' : `The file is ${info.codec.toUpperCase()}, not MP3.`,
  });
  checks.push({
    id: 'sample-rate',
    pass: info.sampleRate === R.sampleRate,
    value: info.sampleRate,
    requirement: `${R.sampleRate} Hz`,
    by: Math.abs(info.sampleRate - R.sampleRate),
    message:
      info.sampleRate === R.sampleRate
        ? '44.1 kHz.'
        : `The sample rate is ${info.sampleRate} Hz, not ${R.sampleRate} Hz.`,
  });
  const kbps = Math.round(info.bitRate / 1000);
  checks.push({
    id: 'bitrate',
    pass: kbps >= R.bitrateMinKbps,
    value: kbps,
    requirement: `at least ${R.bitrateMinKbps} kbps`,
    by: Math.max(0, R.bitrateMinKbps - kbps),
    message:
      kbps >= R.bitrateMinKbps
        ? `${kbps} kbps.`
        : `The bit rate is ${kbps} kbps, ${R.bitrateMinKbps - kbps} kbps below the minimum of ${R.bitrateMinKbps} kbps.`,
  });
  if (isMp3) {
    const vbr = await mp3IsVbr(file);
    checks.push({
      id: 'constant-bitrate',
      pass: !vbr,
      value: vbr ? 'variable' : 'constant',
      requirement: 'constant bit rate',
      by: 0,
      message: vbr ? 'The MP3 is variable bit rate; ACX requires constant bit rate (CBR).' : 'Constant bit rate.',
    });
  }
  const m = await measure(file, info.sampleRate, info.channels, signal);
  checks.push(range('rms', m.rmsDb, R.rmsMinDb, R.rmsMaxDb, 'dB', 'RMS level'));
  checks.push(atMost('peak', m.peakDb, R.peakMaxDb, 'dB', 'Peak level'));
  checks.push(atMost('noise-floor', m.noiseFloorDb, R.noiseFloorMaxDb, 'dB', 'Noise floor'));
  checks.push(range('head', m.headS, R.headMinS, R.headMaxS, 's', 'Room tone at the start'));
  checks.push(range('tail', m.tailS, R.tailMinS, R.tailMaxS, 's', 'Room tone at the end'));
  return { file, pass: checks.every((c) => c.pass), durationS: m.durationS, checks };
}
