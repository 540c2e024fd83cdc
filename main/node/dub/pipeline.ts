/**
 * The dubbing pipeline (#11, docs/dubbing.md): a video or audio file plus target subtitles in, the same video out
 * speaking the subtitles, with the original video stream copied bit for bit.
 *
 *   probe (ffprobe) → cues (subtitle-file.ts) → per segment: generate, trim, fit (fit.ts), place into the dialogue
 *   stem (a raw file written as segments are placed) → mix in blocks (background by ducking / centre cancellation /
 *   none) while measuring loudness → gain + true-peak limiter in blocks into ffmpeg's stdin → mux → rename.
 *
 * Memory does not grow with the length of the video: the analysis audio, the dialogue stem and the mix live in
 * temporary raw files read and written in blocks; only the take being placed and one block are in memory.
 * Cancellable (AbortSignal, checked between segments and blocks; child processes are killed) and reporting progress
 * through a callback, so the job system and the Dub view can host it. Nothing is left at the output path on failure.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, promises as fsp, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ApiError } from '../../../native-models/common/errors.js';
import { checkInputFile, checkOutputTarget } from '../../../native-models/common/safe-fs.js';
import { LoudnessMeter, TruePeakLimiter } from '../../../native-models/dsp/loudness-stream.js';
import { resample } from '../../../native-models/dsp/resample.js';
import { timeStretch } from '../../../native-models/dsp/stretch.js';
import {
  DUB_LIMITS,
  DubOptions,
  DubPlan,
  DubReport,
  type DubProgress,
  type DubSegment,
  type DubSettings,
} from '../../../preload/contract/dub.js';
import { wrapText, writeSrt, writeVtt } from '../../common/script/subtitles.js';
import { borrowLimit, decideFit, fasterRate, SpeakingRateModel, predictSegment } from '../../common/dub/fit.js';
import {
  parseSubtitleFile,
  SubtitleLimitError,
  SubtitleParseError,
  type DubCue,
  type ParsedSubtitles,
} from '../../common/dub/subtitle-file.js';
import { SEPARATION_PACK_MISSING, SPLEETER_RATE } from '../../../native-models/separation/pack.js';
import { writeFileAtomic, AtomicWavWriter } from '../atomic-fs.js';
import {
  extractAudio,
  FfmpegSink,
  probeMedia,
  RawF32Reader,
  RawF32Writer,
  runTool,
  type ProbeResult,
} from './media.js';
import { labelCueSpeakers, speakerPackMissing } from './dub-analysis.js';

/** The mix runs at 48 kHz, mono (the rate of video audio). */
export const MIX_RATE = 48_000;
const BLOCK = 1 << 15;
/** Ducking ramps: down before the dub starts, back up after it ends (raised cosine in dB). */
const DUCK_ATTACK_S = 0.15;
const DUCK_RELEASE_S = 0.3;
/** Kept around a take's speech when trimming its edge silence. */
const TRIM_PAD_BEFORE_S = 0.005;
const TRIM_PAD_AFTER_S = 0.03;

export interface ResolvedVoice {
  /** The API voice id reported (`espeak:en-us`, `library:<id>`). */
  id: string;
  engineId: string;
  voiceId: string;
  options: Record<string, string | number | boolean>;
  /** Fastest speaking rate the engine can re-generate at (`speed` option), or null when it has none. */
  maxRate: number | null;
}

export interface DubDeps {
  /** A voice argument (id or name) → the engine voice; throws ApiError INVALID_INPUT / NOT_FOUND. */
  resolveVoice(arg: string): Promise<ResolvedVoice>;
  /** Speak `text`; the whole take (a cue's line: seconds) comes back at the engine's rate. */
  synthesize(
    voice: ResolvedVoice,
    text: string,
    options: Record<string, string | number | boolean>,
    signal: AbortSignal,
  ): Promise<{ pcm: Float32Array; sampleRate: number }>;
  /**
   * Cosine similarity (0..1) of a take to its voice's reference recording, or null when it cannot be told (no
   * speaker-embedding pack, no reference for the voice, a take too short). Absent: every similarity is null.
   */
  similarity?(voice: ResolvedVoice, pcm: Float32Array, sampleRate: number, signal: AbortSignal): Promise<number | null>;
  /**
   * The installed source-separation pack for `--background separate` (main/node/separation/separation-host.ts), or
   * null (or absent) when none is installed.
   */
  separation?(): DubSeparation | null;
  /** The installed speaker-embedding pack's folder, or null (`clusterSpeakers`). */
  speakerPackDir?(): string | null;
  /**
   * Clone `speaker`'s voice from the media (`cloneSpeakers`): their cleanest 10–30 s into one library voice, with the
   * consent the runner holds. Returns the voice argument to resolve (`library:<id>`). Absent: cloning is refused.
   */
  cloneSpeaker?(
    speaker: string,
    media: { path: string; durationSeconds: number },
    segments: { id: string; start: number; end: number; speaker: string | null }[],
    signal?: AbortSignal,
  ): Promise<string>;
}

/** Vocals/accompaniment separation of a raw float32 stereo file at {@link SPLEETER_RATE} (run in a worker). */
export interface DubSeparation {
  packDir: string;
  /** Write the accompaniment stem of `input` to `output` (same format and length). */
  accompaniment(
    input: string,
    output: string,
    hooks: { signal?: AbortSignal; onProgress?(fraction: number): void },
  ): Promise<void>;
}

export interface DubHooks {
  signal?: AbortSignal;
  onProgress?(p: DubProgress): void;
  /** A segment was placed (the Dub view's fit badges). */
  onSegment?(s: DubSegment): void;
}

/** Default voice when none is given. */
export const DUB_DEFAULT_VOICE = 'espeak:en-us';

type OutputKind = {
  format: string;
  video: boolean;
  audioCodec: string[];
  subtitleCodec: string | null;
  /** Video codecs the container takes by copy (null: any). */
  videoCodecs: string[] | null;
  /** Audio codecs the container takes by copy for --keep-original. */
  copyAudio: string[];
};

const OUTPUTS: Record<string, OutputKind> = {
  '.mp4': {
    format: 'mp4',
    video: true,
    audioCodec: ['aac', '-b:a', '192k'],
    subtitleCodec: 'mov_text',
    videoCodecs: null,
    copyAudio: ['aac', 'mp3', 'ac3', 'eac3', 'alac', 'opus'],
  },
  '.m4v': {
    format: 'mp4',
    video: true,
    audioCodec: ['aac', '-b:a', '192k'],
    subtitleCodec: 'mov_text',
    videoCodecs: null,
    copyAudio: ['aac', 'mp3', 'ac3', 'eac3', 'alac'],
  },
  '.mov': {
    format: 'mov',
    video: true,
    audioCodec: ['aac', '-b:a', '192k'],
    subtitleCodec: 'mov_text',
    videoCodecs: null,
    copyAudio: ['aac', 'mp3', 'ac3', 'alac', 'pcm_s16le', 'pcm_s24le'],
  },
  '.mkv': {
    format: 'matroska',
    video: true,
    audioCodec: ['libopus', '-b:a', '160k'],
    subtitleCodec: 'srt',
    videoCodecs: null,
    copyAudio: ['aac', 'mp3', 'ac3', 'eac3', 'opus', 'vorbis', 'flac', 'pcm_s16le', 'pcm_s24le', 'dts', 'truehd'],
  },
  '.webm': {
    format: 'webm',
    video: true,
    audioCodec: ['libopus', '-b:a', '128k'],
    subtitleCodec: 'webvtt',
    videoCodecs: ['vp8', 'vp9', 'av1'],
    copyAudio: ['opus', 'vorbis'],
  },
  '.wav': {
    format: 'wav',
    video: false,
    audioCodec: ['pcm_s16le'],
    subtitleCodec: null,
    videoCodecs: [],
    copyAudio: [],
  },
  '.flac': { format: 'flac', video: false, audioCodec: ['flac'], subtitleCodec: null, videoCodecs: [], copyAudio: [] },
  '.mp3': {
    format: 'mp3',
    video: false,
    audioCodec: ['libmp3lame', '-b:a', '192k'],
    subtitleCodec: null,
    videoCodecs: [],
    copyAudio: [],
  },
  '.m4a': {
    format: 'ipod',
    video: false,
    audioCodec: ['aac', '-b:a', '192k'],
    subtitleCodec: null,
    videoCodecs: [],
    copyAudio: [],
  },
};

/** ISO 639-1 → 639-2/B, for containers (MP4/MOV) that only store three-letter codes. */
const ISO639_2: Record<string, string> = {
  ar: 'ara',
  bg: 'bul',
  bn: 'ben',
  ca: 'cat',
  cs: 'cze',
  da: 'dan',
  de: 'ger',
  el: 'gre',
  en: 'eng',
  es: 'spa',
  et: 'est',
  fa: 'per',
  fi: 'fin',
  fr: 'fre',
  he: 'heb',
  hi: 'hin',
  hr: 'hrv',
  hu: 'hun',
  id: 'ind',
  it: 'ita',
  ja: 'jpn',
  ko: 'kor',
  lt: 'lit',
  lv: 'lav',
  ms: 'may',
  nl: 'dut',
  no: 'nor',
  pl: 'pol',
  pt: 'por',
  ro: 'rum',
  ru: 'rus',
  sk: 'slo',
  sl: 'slv',
  sr: 'srp',
  sv: 'swe',
  sw: 'swa',
  ta: 'tam',
  th: 'tha',
  tr: 'tur',
  uk: 'ukr',
  ur: 'urd',
  vi: 'vie',
  zh: 'chi',
};

/** The three-letter language tag ffmpeg writes (`fr` → `fre`, `pt-BR` → `por`); unknown two-letter codes: null. */
export function containerLanguage(code: string | undefined): string | null {
  if (!code) return null;
  const base = code.split('-')[0].toLowerCase();
  return base.length === 3 ? base : (ISO639_2[base] ?? null);
}

/** The output kind for a path; INVALID_INPUT naming the extensions that work. */
export function outputKind(file: string): OutputKind & { ext: string } {
  const ext = path.extname(file).toLowerCase();
  const k = OUTPUTS[ext];
  if (!k)
    throw new ApiError(
      'INVALID_INPUT',
      `Timbre cannot tell what to write from "${path.basename(file)}": end the output name with ${Object.keys(OUTPUTS).join(', ')}.`,
    );
  return { ...k, ext };
}

/** A take without its leading and trailing silence (a little kept around the speech). */
export function trimEdgeSilence(pcm: Float32Array, rate: number): Float32Array {
  const hop = Math.max(1, Math.round(rate * 0.01));
  const frames = Math.floor(pcm.length / hop);
  if (!frames) return pcm;
  const rms = new Float32Array(frames);
  let max = 0;
  for (let f = 0; f < frames; f++) {
    let s = 0;
    for (let i = f * hop; i < (f + 1) * hop; i++) s += pcm[i] * pcm[i];
    rms[f] = Math.sqrt(s / hop);
    if (rms[f] > max) max = rms[f];
  }
  const thr = Math.max(max * 0.01, 10 ** (-60 / 20)); // 40 dB under the loudest 10 ms, never under −60 dBFS
  let first = 0;
  while (first < frames && rms[first] < thr) first++;
  if (first === frames) return pcm.subarray(0, 0);
  let last = frames - 1;
  while (last > first && rms[last] < thr) last--;
  const a = Math.max(0, first * hop - Math.round(TRIM_PAD_BEFORE_S * rate));
  const b = Math.min(pcm.length, (last + 1) * hop + Math.round(TRIM_PAD_AFTER_S * rate));
  return pcm.subarray(a, b);
}

/**
 * The dialogue stem, written as segments are placed: samples before `flushTo(t)` are final and go to the file;
 * later ones wait in a buffer (a too-long take may overlap the next one, so placements add).
 */
class DialogueStem {
  private buf = new Float32Array(MIX_RATE * 10);
  /** Frame of buf[0]. */
  private base = 0;
  /** Frames used in buf. */
  private used = 0;

  constructor(
    private readonly out: RawF32Writer,
    private readonly totalFrames: number,
  ) {}

  add(at: number, pcm: Float32Array): number {
    if (at < this.base) throw new Error('DialogueStem: placement before the flushed part');
    const end = Math.min(this.totalFrames, at + pcm.length);
    const need = end - this.base;
    if (need > this.buf.length) {
      const nb = new Float32Array(Math.max(need, 2 * this.buf.length));
      nb.set(this.buf.subarray(0, this.used));
      this.buf = nb;
    }
    for (let i = at; i < end; i++) this.buf[i - this.base] += pcm[i - at];
    this.used = Math.max(this.used, need);
    return end - at;
  }

  async flushTo(frame: number): Promise<void> {
    const n = Math.min(frame, this.totalFrames) - this.base;
    if (n <= 0) return;
    if (n > this.used) {
      // Silence up to the frame: write the buffer (zeros past `used`) in blocks.
      for (let k = 0; k < n; k += this.buf.length) {
        const m = Math.min(this.buf.length, n - k);
        await this.out.write(this.buf.slice(0, m));
        this.buf.fill(0, 0, m);
      }
      this.used = 0;
    } else {
      await this.out.write(this.buf.slice(0, n));
      this.buf.copyWithin(0, n, this.used);
      this.buf.fill(0, this.used - n, this.used);
      this.used -= n;
    }
    this.base += n;
  }

  async finish(): Promise<void> {
    await this.flushTo(this.totalFrames);
  }
}

/**
 * The bilingual subtitles: each target cue with, under its text, the text of the source cues it overlaps (by more
 * than 50 ms); a cue no source cue overlaps keeps its target text alone. Each language is wrapped on its own
 * (`wrapText`, 42 columns), so a line never mixes the two.
 */
export function bilingualCues(
  target: readonly { start: number; end: number; text: string }[],
  source: readonly { start: number; end: number; text: string }[],
): { start: number; end: number; text: string }[] {
  const wrap = (t: string) =>
    t
      .split(/\r\n|\r|\n/)
      .flatMap((l) => (l.trim() ? wrapText(l.trim(), BILINGUAL_LINE_WIDTH) : []))
      .join('\n');
  return target.map((c) => {
    const under = source
      .filter((x) => Math.min(x.end, c.end) - Math.max(x.start, c.start) > 0.05 && x.text.trim())
      .map((x) => wrap(x.text));
    return { start: c.start, end: c.end, text: [wrap(c.text), ...under].join('\n') };
  });
}

const BILINGUAL_LINE_WIDTH = 42;

/** The bilingual SRT: `bilingualCues`, one SRT cue per target cue (its lines are not re-wrapped or split). */
export function writeBilingualSrt(
  target: readonly { start: number; end: number; text: string }[],
  source: readonly { start: number; end: number; text: string }[],
): string {
  // maxLines over any cue's line count (a cue has at most DUB_LIMITS.cueTextMax characters), so none is split.
  return writeSrt(bilingualCues(target, source), {
    maxLineWidth: Number.MAX_SAFE_INTEGER,
    maxLines: Number.MAX_SAFE_INTEGER,
  });
}

/** Integrated loudness (LUFS) of a take, or null when it is too short or quiet to gate (no 400 ms block over −70). */
export function takeLoudness(pcm: Float32Array, rate: number): number | null {
  const m = new LoudnessMeter(rate, { truePeak: false });
  m.push(pcm);
  const l = m.result().integrated;
  return Number.isFinite(l) ? l : null;
}

/** Duck amount 0..1 for each frame of a block from the dub intervals (seconds), raised-cosine ramps. */
export function duckCurve(
  intervals: readonly [number, number][],
  start: number,
  n: number,
  rate: number,
): Float32Array {
  const d = new Float32Array(n);
  const t0 = start / rate;
  const t1 = (start + n) / rate;
  for (const [a, b] of intervals) {
    if (b + DUCK_RELEASE_S < t0 || a - DUCK_ATTACK_S > t1) continue;
    const i0 = Math.max(0, Math.floor((a - DUCK_ATTACK_S) * rate) - start);
    const i1 = Math.min(n, Math.ceil((b + DUCK_RELEASE_S) * rate) - start);
    for (let i = i0; i < i1; i++) {
      const t = (start + i) / rate;
      let v: number;
      if (t < a) v = 0.5 - 0.5 * Math.cos(Math.PI * Math.max(0, 1 - (a - t) / DUCK_ATTACK_S));
      else if (t <= b) v = 1;
      else v = 0.5 + 0.5 * Math.cos(Math.PI * Math.min(1, (t - b) / DUCK_RELEASE_S));
      if (v > d[i]) d[i] = v;
    }
  }
  return d;
}

function aborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new ApiError('CANCELLED', 'The dub was cancelled.');
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;

/** Read and parse a subtitle file from disk (bounded before reading). */
export async function readSubtitles(file: string, speakerPrefix: boolean): Promise<ParsedSubtitles> {
  const st = await checkInputFile(file, { what: 'The subtitle file' });
  if (st.size > DUB_LIMITS.subtitleBytesMax)
    throw new ApiError(
      'INVALID_INPUT',
      `${file} is ${(st.size / 1048576).toFixed(1)} MiB; a subtitle file can have at most ${DUB_LIMITS.subtitleBytesMax / 1048576} MiB.`,
    );
  try {
    return parseSubtitleFile(await fsp.readFile(file), path.basename(file), { speakerPrefix });
  } catch (err) {
    if (err instanceof SubtitleParseError || err instanceof SubtitleLimitError)
      throw new ApiError('INVALID_INPUT', `${path.basename(file)}: ${err.message}`);
    throw err;
  }
}

/**
 * Everything checked before any work: options, input, subtitles, voices, output container and codecs. Returns what
 * the run needs. Usage problems throw ApiError INVALID_INPUT (the CLI's exit code 2).
 */
/**
 * Cues given by the caller instead of read from `options.subs` (a dubbing project's segments, already in order and
 * never overlapping), and, per segment, the take it already has (placed as it is, not generated again).
 */
export interface GivenCues {
  subtitles: ParsedSubtitles;
  sourceSubtitles: ParsedSubtitles | null;
  /** The segment's fitted take (at its own rate, stretch applied) and its report line, or null to generate it. */
  takeOf?(index: number): Promise<{ pcm: Float32Array; sampleRate: number; segment: DubSegment } | null>;
}

export async function prepareDub(options: DubOptions, deps: DubDeps, signal?: AbortSignal, given?: GivenCues) {
  const parsed = DubOptions.safeParse(options);
  if (!parsed.success)
    throw new ApiError('INVALID_INPUT', parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  const s: DubSettings = parsed.data;
  const input = path.resolve(s.input);
  const output = path.resolve(s.output);
  await checkInputFile(input, { what: 'The video' });
  for (const o of [output, s.srt, s.vtt, s.report].filter((x): x is string => !!x))
    await checkOutputTarget(path.resolve(o), { what: 'The output file' });
  if ([s.srt, s.vtt, s.report].some((x) => x && path.resolve(x) === output) || path.resolve(s.input) === output)
    throw new ApiError('INVALID_INPUT', 'The output must not be the input or a subtitle file.');
  const kind = outputKind(output);
  if (s.language && kind.subtitleCodec && kind.format !== 'matroska' && !containerLanguage(s.language))
    throw new ApiError(
      'INVALID_INPUT',
      `--language ${s.language}: give the three-letter ISO 639-2 code (e.g. fra) for ${kind.ext} files.`,
    );
  if (s.background === 'separate' && !deps.separation?.())
    throw new ApiError('ENGINE_UNAVAILABLE', `--background separate: ${SEPARATION_PACK_MISSING}`);
  const subs = given ? given.subtitles : await readSubtitles(s.subs, s.speakerPrefix);
  const sourceSubs = given
    ? given.sourceSubtitles
    : s.sourceSubs
      ? await readSubtitles(s.sourceSubs, s.speakerPrefix)
      : null;
  const probe = await probeMedia(input, signal);
  if (kind.video && !probe.video)
    throw new ApiError(
      'INVALID_INPUT',
      `${path.basename(input)} has no video stream: write audio instead (-o name.wav, .flac, .mp3 or .m4a).`,
    );
  if (kind.video && kind.videoCodecs && !kind.videoCodecs.includes(probe.video!.codec))
    throw new ApiError(
      'INVALID_INPUT',
      `The video is ${probe.video!.codec}, which a ${kind.ext} file cannot hold without re-encoding; Timbre copies the video as it is: use .mkv or .mp4.`,
    );
  if (s.background === 'center' && (probe.audio?.channels ?? 0) < 2)
    throw new ApiError(
      'INVALID_INPUT',
      `--background center removes the centre of a stereo mix; this source has ${probe.audio ? `${probe.audio.channels} channel` : 'no audio'}. Use --background duck.`,
    );
  if (s.keepOriginal && !kind.video)
    throw new ApiError(
      'INVALID_INPUT',
      '--keep-original adds a second audio track: write a video (.mp4, .mkv, .mov, .webm).',
    );
  if (s.keepOriginal && !probe.audio) throw new ApiError('INVALID_INPUT', '--keep-original: the source has no audio.');
  // Cues past the end of the media are dropped (warned); cues running past it end there.
  const warnings = [...subs.warnings];
  const cues: DubCue[] = [];
  for (const c of subs.cues) {
    if (c.start >= probe.durationSeconds - 0.05) {
      warnings.push(`Cue ${c.index + 1} starts after the end of the media and was skipped.`);
      continue;
    }
    cues.push({ ...c, index: cues.length, end: Math.min(c.end, probe.durationSeconds) });
  }
  if (!cues.length) throw new ApiError('INVALID_INPUT', 'No cue of the subtitles falls inside the media.');
  // Speakers of cues that name none, from their voices (dub-analysis.ts).
  if (s.clusterSpeakers !== undefined && !given) {
    if (!probe.audio) throw new ApiError('INVALID_INPUT', 'Clustering speakers needs audio; this source has none.');
    const packDir = deps.speakerPackDir?.() ?? null;
    if (!packDir) throw speakerPackMissing();
    warnings.push(...(await labelCueSpeakers(input, cues, s.clusterSpeakers, packDir, signal)));
  }
  // Voices: one per speaker.
  const speakers = new Map<string, string>();
  for (const c of cues) if (c.speaker) speakers.set(c.speaker.toLowerCase(), c.speaker);
  const unknown = s.speakerVoices.filter((sv) => !speakers.has(sv.speaker.toLowerCase()));
  if (unknown.length)
    throw new ApiError(
      'INVALID_INPUT',
      `No speaker ${unknown.map((u) => `"${u.speaker}"`).join(', ')} in the subtitles; their speakers: ${[...speakers.values()].join(', ') || 'none'}.`,
    );
  if (speakers.size > DUB_LIMITS.speakersMax)
    throw new ApiError(
      'INVALID_INPUT',
      `The subtitles name ${speakers.size} speakers; a dub can have at most ${DUB_LIMITS.speakersMax}.`,
    );
  const cloned = s.cloneSpeakers.filter((c, i, all) => all.findIndex((x) => x.toLowerCase() === c.toLowerCase()) === i);
  const notThere = cloned.filter((c) => !speakers.has(c.toLowerCase()));
  if (notThere.length)
    throw new ApiError(
      'INVALID_INPUT',
      `Cannot clone ${notThere.map((c) => `"${c}"`).join(', ')}: no such speaker in the subtitles; their speakers: ${[...speakers.values()].join(', ') || 'none'}.`,
    );
  const both = cloned.filter((c) => s.speakerVoices.some((sv) => sv.speaker.toLowerCase() === c.toLowerCase()));
  if (both.length)
    throw new ApiError(
      'INVALID_INPUT',
      `${both.map((c) => `"${c}"`).join(', ')}: give a speaker either a voice or a clone from the video, not both.`,
    );
  if (cloned.length && !deps.cloneSpeaker)
    throw new ApiError('ENGINE_UNAVAILABLE', 'Cloning a speaker from the video is not available here.');
  if (cloned.length && !probe.audio)
    throw new ApiError('INVALID_INPUT', 'Cloning a speaker needs audio; this source has none.');
  const defaultVoice = await deps.resolveVoice(s.voice ?? DUB_DEFAULT_VOICE);
  const bySpeaker = new Map<string, ResolvedVoice>();
  for (const sv of s.speakerVoices) bySpeaker.set(sv.speaker.toLowerCase(), await deps.resolveVoice(sv.voice));
  // One voice per cloned speaker, from their own cues (after every check above: nothing is made for a bad command).
  for (const c of cloned) {
    aborted(signal);
    const name = speakers.get(c.toLowerCase())!;
    const segments = cues.map((q) => ({ id: String(q.index), start: q.start, end: q.end, speaker: q.speaker ?? null }));
    const arg = await deps.cloneSpeaker!(
      name,
      { path: input, durationSeconds: probe.durationSeconds },
      segments,
      signal,
    );
    bySpeaker.set(c.toLowerCase(), await deps.resolveVoice(arg));
  }
  const voiceFor = (c: DubCue) => (c.speaker && bySpeaker.get(c.speaker.toLowerCase())) || defaultVoice;
  return { s, input, output, kind, subs, sourceSubs, probe, cues, warnings, voiceFor };
}

type Prepared = Awaited<ReturnType<typeof prepareDub>>;

/**
 * `--background separate`: the source's audio as 44.1 kHz stereo → the separation pack's accompaniment stem →
 * mono at the mix rate in `out`. Every step streams through files in `work` (removed as soon as they are used).
 */
async function separatedBackground(
  input: string,
  work: string,
  out: string,
  deps: DubDeps,
  signal: AbortSignal | undefined,
  onProgress: (fraction: number) => void,
): Promise<void> {
  const sep = deps.separation?.();
  if (!sep) throw new ApiError('ENGINE_UNAVAILABLE', `--background separate: ${SEPARATION_PACK_MISSING}`);
  const mix = path.join(work, 'separate-in.f32');
  const acc = path.join(work, 'accompaniment.f32');
  await extractAudio(input, mix, 2, SPLEETER_RATE, signal);
  await sep.accompaniment(mix, acc, { signal, onProgress });
  await fsp.rm(mix, { force: true });
  const r = await runTool(
    'ffmpeg',
    [
      ...['-nostdin', '-v', 'error', '-f', 'f32le', '-ar', String(SPLEETER_RATE), '-ac', '2', '-i', acc],
      ...['-ac', '1', '-ar', String(MIX_RATE), '-f', 'f32le', '-y', out],
    ],
    { signal },
  );
  aborted(signal);
  if (r.code !== 0) throw new ApiError('INTERNAL', `Could not resample the separated background: ${r.stderr.trim()}`);
  await fsp.rm(acc, { force: true });
}

/** --keep-original copies the source's audio when the container takes its codec (else it is re-encoded). */
function keepOriginalCopy(p: Prepared): boolean {
  return p.s.keepOriginal && p.kind.video && !!p.probe.audio && p.kind.copyAudio.includes(p.probe.audio.codec);
}

async function preflightVideoCopy(p: Prepared, work: string, signal?: AbortSignal): Promise<void> {
  // ffmpeg's own verdict on copying this video into this container, on one frame, before hours of work.
  const probeOut = path.join(work, `preflight${p.kind.ext}`);
  const r = await runTool(
    'ffmpeg',
    [
      '-nostdin',
      '-v',
      'error',
      '-i',
      p.input,
      '-map',
      '0:v:0',
      ...(keepOriginalCopy(p) ? ['-map', '0:a:0', '-c:a', 'copy'] : []),
      '-c:v',
      'copy',
      '-frames:v',
      '1',
      '-f',
      p.kind.format,
      '-y',
      probeOut,
    ],
    { signal },
  );
  await fsp.rm(probeOut, { force: true });
  if (r.code !== 0)
    throw new ApiError(
      'INVALID_INPUT',
      `The ${p.probe.video!.codec} video${keepOriginalCopy(p) ? ` (or the ${p.probe.audio!.codec} audio)` : ''} cannot be copied into a ${p.kind.ext} file: ${r.stderr.trim().split('\n').pop()}. Try .mkv.`,
    );
}

/** Integrated loudness of the mix file after `gain` and the −1 dBTP true-peak limiter (nothing written). */
async function limitedLoudness(
  mixFile: string,
  totalFrames: number,
  gain: number,
  signal?: AbortSignal,
): Promise<number> {
  const reader = await RawF32Reader.open(mixFile, 1);
  const limiter = new TruePeakLimiter(MIX_RATE, -1);
  const meter = new LoudnessMeter(MIX_RATE, { truePeak: false });
  try {
    for (let f = 0; f < totalFrames; f += BLOCK) {
      aborted(signal);
      const x = await reader.read(f, Math.min(BLOCK, totalFrames - f));
      for (let i = 0; i < x.length; i++) x[i] *= gain;
      meter.push(limiter.push(x));
    }
    meter.push(limiter.flush());
    return meter.result().integrated;
  } finally {
    await reader.close();
  }
}

export interface SegmentTakeInput {
  cue: DubCue;
  index: number;
  voice: ResolvedVoice;
  /** Cue end − cue start, seconds. */
  slot: number;
  /** Borrow limit of this cue (fit.ts `borrowLimit`). */
  limit: number;
  maxStretch: number;
  deps: DubDeps;
  signal?: AbortSignal;
}

/**
 * One segment's take, fitted (docs/dubbing.md, "Fit rules"): generate, trim edge silence, decide the fit,
 * re-generate faster (engines with a speaking rate) at most twice while too long, time-stretch within the cap.
 * Returns the fitted PCM at the engine's rate and the report line (placed at the cue start; `predicted*` left to
 * the caller). Used by `runDub` for every segment and by dubbing projects to (re)generate one.
 */
export async function makeSegmentTake(
  input: SegmentTakeInput,
): Promise<{ pcm: Float32Array; sampleRate: number; naturalSeconds: number; segment: DubSegment }> {
  const { cue, index: i, voice, slot, limit, deps, signal } = input;
  const s = { maxStretch: input.maxStretch };
  const spoken = cue.text.replace(/\s*\n\s*/g, ' ');
  let speakingRate = 1;
  const take = async (rate: number) => {
    const opts = { ...voice.options, ...(rate !== 1 ? { speed: Math.round(rate * 1000) / 1000 } : {}) };
    const r = await deps
      .synthesize(voice, spoken, opts, signal ?? new AbortController().signal)
      .catch((err: unknown) => {
        if (!(err instanceof ApiError) || err.code === 'CANCELLED') throw err;
        throw new ApiError(
          err.code,
          `Segment ${i + 1} at ${cue.start.toFixed(2)} s ("${spoken.slice(0, 40)}") with ${voice.id}: ${err.message}`,
        );
      });
    const trimmed = trimEdgeSilence(r.pcm, r.sampleRate);
    return { pcm: trimmed, rate: r.sampleRate, seconds: trimmed.length / r.sampleRate };
  };
  let t = await take(1);
  const naturalSeconds = t.seconds;
  let fit = decideFit(t.seconds, slot, limit, s.maxStretch);
  // Re-generate at a faster speaking rate (engines that have one), at most twice.
  for (let attempt = 0; attempt < 2 && fit.fit === 'too-long' && voice.maxRate; attempt++) {
    const next = fasterRate(t.seconds, slot + limit, s.maxStretch, speakingRate, voice.maxRate);
    if (!next) break;
    aborted(signal);
    const faster = await take(next);
    speakingRate = next;
    t = faster;
    fit = decideFit(t.seconds, slot, limit, s.maxStretch);
  }
  let pcm = t.pcm;
  if (fit.stretch > 1.0005) pcm = timeStretch(pcm, t.rate, fit.stretch);
  return {
    pcm,
    sampleRate: t.rate,
    naturalSeconds,
    segment: {
      index: i,
      cueStart: cue.start,
      cueEnd: cue.end,
      speaker: cue.speaker,
      voice: voice.id,
      text: cue.text,
      takeSeconds: r3(naturalSeconds),
      placedStart: r3(cue.start),
      placedEnd: r3(cue.start + pcm.length / t.rate),
      stretch: Math.round(fit.stretch * 10000) / 10000,
      borrowedSeconds: r3(fit.borrowedSeconds),
      fit: fit.fit,
      speakingRate: Math.round(speakingRate * 1000) / 1000,
      tooLongBySeconds: r3(fit.tooLongBySeconds),
      borrowLimitSeconds: r3(limit),
      predictedSeconds: r3(naturalSeconds),
      predictedFit: fit.fit,
      loudnessLufs: null,
      similarity: null,
    },
  };
}

/**
 * Fit before generating, for the whole file: one calibration take per voice (its longest cue) sets that voice's
 * speaking rate, then every segment's length and fit are predicted. Nothing is written.
 */
export async function planDub(options: DubOptions, deps: DubDeps, hooks: DubHooks = {}): Promise<DubPlan> {
  const p = await prepareDub(options, deps, hooks.signal);
  const spoken = (c: DubCue) => c.text.replace(/\s*\n\s*/g, ' ');
  const longest = new Map<string, { voice: ResolvedVoice; text: string }>();
  for (const c of p.cues) {
    const v = p.voiceFor(c);
    const cur = longest.get(v.id);
    if (!cur || spoken(c).length > cur.text.length) longest.set(v.id, { voice: v, text: spoken(c) });
  }
  const rates = new SpeakingRateModel();
  let k = 0;
  for (const { voice, text } of longest.values()) {
    aborted(hooks.signal);
    hooks.onProgress?.({ phase: 'generating', fraction: k++ / longest.size });
    const r = await deps.synthesize(voice, text, voice.options, hooks.signal ?? new AbortController().signal);
    rates.observe(voice.id, text, trimEdgeSilence(r.pcm, r.sampleRate).length / r.sampleRate);
  }
  const segments = p.cues.map((c, i) => {
    const voice = p.voiceFor(c);
    const limit = borrowLimit(p.cues, i, p.probe.durationSeconds, p.s.maxBorrow);
    const predicted = predictSegment(rates, voice.id, spoken(c), c.end - c.start, limit, p.s.maxStretch);
    return {
      index: i,
      cueStart: c.start,
      cueEnd: c.end,
      speaker: c.speaker,
      voice: voice.id,
      text: c.text,
      borrowLimitSeconds: r3(limit),
      predictedSeconds: r3(predicted.predictedSeconds),
      predictedFit: predicted.fit.fit,
    };
  });
  hooks.onProgress?.({ phase: 'done', fraction: 1 });
  return DubPlan.parse({ segments, speakingRates: rates.measured(), warnings: p.warnings });
}

/** Run a dub. Returns the report (also written to `reportPath` by the caller if asked). */
export async function runDub(
  options: DubOptions,
  deps: DubDeps,
  hooks: DubHooks = {},
  given?: GivenCues,
): Promise<DubReport> {
  const started = Date.now();
  const { signal } = hooks;
  const progress = (phase: DubProgress['phase'], fraction: number, extra: Partial<DubProgress> = {}) =>
    hooks.onProgress?.({ phase, fraction: Math.max(0, Math.min(1, fraction)), ...extra });
  progress('probing', 0);
  const p = { ...(await prepareDub(options, deps, signal, given)), given };
  const { s, probe, cues, kind } = p;
  const work = mkdtempSync(path.join(tmpdir(), 'timbre-dub-'));
  const tmpOut = path.join(
    path.dirname(p.output),
    `.${path.basename(p.output)}.${randomBytes(6).toString('hex')}.tmp-timbre`,
  );
  const written: string[] = [];
  try {
    if (kind.video) await preflightVideoCopy(p, work, signal);
    const totalFrames = Math.round(probe.durationSeconds * MIX_RATE);
    // 1. Analysis audio, streamed by ffmpeg to a raw file (mono for ducking, stereo for centre cancellation).
    progress('extracting', 0.01);
    const bgChannels: 1 | 2 = s.background === 'center' ? 2 : 1;
    let bgFile: string | null = null;
    if (probe.audio && s.background === 'separate') {
      // The accompaniment stem of the source (streamed through the separation pack in a worker) is the background.
      bgFile = path.join(work, 'source.f32');
      await separatedBackground(p.input, work, bgFile, deps, signal, (f) => progress('separating', 0.01 + 0.04 * f));
    } else if (probe.audio && s.background !== 'none') {
      bgFile = path.join(work, 'source.f32');
      await extractAudio(p.input, bgFile, bgChannels, MIX_RATE, signal);
    }
    aborted(signal);

    // 2. Segments: generate, trim, fit, place.
    const stemFile = path.join(work, 'dialogue.f32');
    const stemWriter = await RawF32Writer.open(stemFile);
    const stem = new DialogueStem(stemWriter, totalFrames);
    const rates = new SpeakingRateModel();
    const segments: DubSegment[] = [];
    const takeLufs: (number | null)[] = [];
    const intervals: [number, number][] = [];
    try {
      for (let i = 0; i < cues.length; i++) {
        aborted(signal);
        const cue = cues[i];
        progress('generating', 0.05 + 0.7 * (i / cues.length), { segment: i, segments: cues.length });
        const voice = p.voiceFor(cue);
        const slot = cue.end - cue.start;
        const limit = borrowLimit(cues, i, probe.durationSeconds, s.maxBorrow);
        const spoken = cue.text.replace(/\s*\n\s*/g, ' ');
        const prediction = predictSegment(rates, voice.id, spoken, slot, limit, s.maxStretch);

        const given = await p.given?.takeOf?.(i);
        const made = given
          ? null
          : await makeSegmentTake({ cue, index: i, voice, slot, limit, maxStretch: s.maxStretch, deps, signal });
        if (made) rates.observe(voice.id, spoken, made.naturalSeconds);
        const pcm = given ? given.pcm : made!.pcm;
        const takeRate = given ? given.sampleRate : made!.sampleRate;
        const placedPcm = takeRate === MIX_RATE ? pcm : resample(pcm, takeRate, MIX_RATE);
        const at = Math.round(cue.start * MIX_RATE);
        await stem.flushTo(at);
        const placedFrames = stem.add(at, placedPcm);
        if (placedFrames < placedPcm.length)
          p.warnings.push(
            `Segment ${i + 1} runs past the end of the media: its last ${((placedPcm.length - placedFrames) / MIX_RATE).toFixed(2)} s are cut.`,
          );
        const placedStart = at / MIX_RATE;
        const placedEnd = (at + placedFrames) / MIX_RATE;
        intervals.push([cue.start, Math.max(cue.end, placedEnd)]);
        // The take's loudness before the dub's gain (the gain is added once it is known) and its similarity to the voice.
        takeLufs.push(takeLoudness(placedPcm.subarray(0, placedFrames), MIX_RATE));
        const similarity = deps.similarity
          ? await deps.similarity(voice, pcm, takeRate, signal ?? new AbortController().signal)
          : null;
        const seg: DubSegment = given
          ? { ...given.segment, index: i, placedStart: r3(placedStart), placedEnd: r3(placedEnd) }
          : {
              ...made!.segment,
              index: i,
              placedStart: r3(placedStart),
              placedEnd: r3(placedEnd),
              predictedSeconds: r3(prediction.predictedSeconds),
              predictedFit: prediction.fit.fit,
            };
        seg.loudnessLufs = null;
        seg.similarity = similarity === null ? null : Math.round(similarity * 1000) / 1000;
        segments.push(seg);
        hooks.onSegment?.(seg);
      }
      await stem.finish();
    } finally {
      await stemWriter.close();
    }

    // 3. Mix in blocks, measuring loudness on the way (pass 1), into a raw file.
    const mixFile = path.join(work, 'mix.f32');
    const bgReader = await RawF32Reader.open(bgFile, bgChannels);
    const stemReader = await RawF32Reader.open(stemFile, 1);
    const mixWriter = await RawF32Writer.open(mixFile);
    const meter1 = new LoudnessMeter(MIX_RATE, { truePeak: false });
    const duckDepth = s.background === 'duck' ? s.duckDb : 0;
    const stemWav = s.stems
      ? {
          dialogue: path.join(path.resolve(s.stems), 'dialogue.wav'),
          background: path.join(path.resolve(s.stems), 'background.wav'),
        }
      : null;
    const bgTmp = stemWav ? await RawF32Writer.open(path.join(work, 'background.f32')) : null;
    try {
      for (let f = 0; f < totalFrames; f += BLOCK) {
        aborted(signal);
        const n = Math.min(BLOCK, totalFrames - f);
        const raw = await bgReader.read(f, n);
        const bg = new Float32Array(n);
        if (bgChannels === 2) for (let i = 0; i < n; i++) bg[i] = 0.5 * (raw[2 * i] - raw[2 * i + 1]);
        else bg.set(raw);
        if (duckDepth > 0) {
          const d = duckCurve(intervals, f, n, MIX_RATE);
          for (let i = 0; i < n; i++) if (d[i] > 0) bg[i] *= 10 ** ((-duckDepth * d[i]) / 20);
        }
        const dlg = await stemReader.read(f, n);
        const mix = new Float32Array(n);
        for (let i = 0; i < n; i++) mix[i] = bg[i] + dlg[i];
        meter1.push(mix);
        await mixWriter.write(mix);
        await bgTmp?.write(bg);
        progress('mixing', 0.75 + 0.1 * (f / totalFrames));
      }
    } finally {
      await Promise.all([bgReader.close(), stemReader.close(), mixWriter.close(), bgTmp?.close()]);
    }
    // The gain to the target: the limiter (−1 dBTP) takes some loudness off loud peaks, so it is found by measuring
    // the limited mix (dry passes over the mix file, no encoding) and making up what was lost, at most 4 times.
    const measured = meter1.result().integrated;
    let gainDb = Number.isFinite(measured) ? s.loudness - measured : 0;
    // Secant steps on loudness(gain in dB): the limiter makes the slope less than 1.
    let prev: { g: number; l: number } | null = Number.isFinite(measured) ? { g: 0, l: measured } : null;
    for (let pass = 0; pass < 6 && prev; pass++) {
      progress('mixing', 0.85 + 0.005 * pass);
      const got = await limitedLoudness(mixFile, totalFrames, 10 ** (gainDb / 20), signal);
      if (!Number.isFinite(got) || Math.abs(s.loudness - got) < 0.15) break;
      const slope = Math.min(1, Math.max(0.1, (got - prev.l) / (gainDb - prev.g || 1)));
      prev = { g: gainDb, l: got };
      gainDb += Math.min(12, (s.loudness - got) / slope);
    }
    const gain = 10 ** (gainDb / 20);
    segments.forEach((seg, k) => {
      const l = takeLufs[k];
      seg.loudnessLufs = l === null ? null : Math.round((l + gainDb) * 100) / 100;
    });

    // 4. Subtitles for the soft tracks and the sidecars.
    const targetCues = cues.map((c) => ({ start: c.start, end: c.end, text: c.text }));
    // Soft tracks: the target text; with source subtitles, the source text and the bilingual text (target + source
    // per cue, tagged with the target language: it is read by viewers of the dub).
    const subFiles: { file: string; language: string | undefined; title: string }[] = [];
    if (kind.subtitleCodec) {
      const f = path.join(work, 'target.srt');
      await fsp.writeFile(f, writeSrt(targetCues));
      subFiles.push({ file: f, language: s.language, title: 'Dub' });
      if (p.sourceSubs) {
        const sourceCues = p.sourceSubs.cues.map((c) => ({ start: c.start, end: c.end, text: c.text }));
        const g = path.join(work, 'source.srt');
        await fsp.writeFile(g, writeSrt(sourceCues));
        subFiles.push({ file: g, language: s.sourceLanguage, title: 'Original' });
        const b = path.join(work, 'bilingual.srt');
        await fsp.writeFile(b, writeBilingualSrt(targetCues, sourceCues));
        subFiles.push({ file: b, language: s.language, title: 'Bilingual' });
      }
    }

    // 5. Gain + true-peak limiter in blocks into ffmpeg's stdin, which muxes (video copied) into a temp file.
    const args = ['-nostdin', '-v', 'error', '-y'];
    if (kind.video) args.push('-i', p.input);
    args.push('-f', 'f32le', '-ar', String(MIX_RATE), '-ac', '1', '-i', 'pipe:0');
    for (const sf of subFiles) args.push('-f', 'srt', '-i', sf.file);
    const dubInput = kind.video ? 1 : 0;
    if (kind.video) args.push('-map', '0:v:0');
    args.push('-map', `${dubInput}:a:0`);
    const keepOriginal = s.keepOriginal && kind.video;
    if (keepOriginal) args.push('-map', '0:a:0');
    subFiles.forEach((_, k) => args.push('-map', `${dubInput + 1 + k}:s:0`));
    if (kind.video) args.push('-c:v', 'copy');
    args.push('-c:a:0', kind.audioCodec[0], ...kind.audioCodec.slice(1));
    if (keepOriginal) {
      args.push('-c:a:1', ...(keepOriginalCopy(p) ? ['copy'] : kind.audioCodec));
    }
    if (subFiles.length) args.push('-c:s', kind.subtitleCodec!);
    const lang = kind.format === 'matroska' ? (s.language ?? null) : containerLanguage(s.language);
    if (lang) args.push('-metadata:s:a:0', `language=${lang}`);
    args.push('-metadata:s:a:0', 'title=Dub');
    if (kind.video) args.push('-disposition:a:0', 'default');
    if (keepOriginal) args.push('-disposition:a:1', '0', '-metadata:s:a:1', 'title=Original');
    subFiles.forEach((sf, k) => {
      const l = kind.format === 'matroska' ? sf.language : containerLanguage(sf.language);
      if (l) args.push(`-metadata:s:s:${k}`, `language=${l}`);
      // The track's name: a title (Matroska, WebM); MP4/MOV keep it as the handler name, which players show.
      args.push(`-metadata:s:s:${k}`, `title=${sf.title}`, `-disposition:s:${k}`, '0');
      if (kind.subtitleCodec === 'mov_text') args.push(`-metadata:s:s:${k}`, `handler_name=${sf.title}`);
    });
    if (kind.video) args.push('-map_metadata', '0', '-map_chapters', '0');
    args.push('-f', kind.format, tmpOut);
    const sink = new FfmpegSink(args, signal);
    const limiter = new TruePeakLimiter(MIX_RATE, -1);
    const meter2 = new LoudnessMeter(MIX_RATE);
    const mixReader = await RawF32Reader.open(mixFile, 1);
    const dlgReader = stemWav ? await RawF32Reader.open(stemFile, 1) : null;
    const bgStemReader = stemWav ? await RawF32Reader.open(path.join(work, 'background.f32'), 1) : null;
    let dlgWav: AtomicWavWriter | null = null;
    let bgWav: AtomicWavWriter | null = null;
    const toI16 = (x: Float32Array) => {
      const o = new Int16Array(x.length);
      for (let i = 0; i < x.length; i++) o[i] = Math.round(Math.max(-1, Math.min(1, x[i] * gain)) * 32767);
      return o;
    };
    try {
      if (stemWav) {
        await fsp.mkdir(path.dirname(stemWav.dialogue), { recursive: true });
        dlgWav = await AtomicWavWriter.open(stemWav.dialogue, MIX_RATE);
        bgWav = await AtomicWavWriter.open(stemWav.background, MIX_RATE);
      }
      for (let f = 0; f < totalFrames; f += BLOCK) {
        aborted(signal);
        const n = Math.min(BLOCK, totalFrames - f);
        const x = await mixReader.read(f, n);
        for (let i = 0; i < n; i++) x[i] *= gain;
        const y = limiter.push(x);
        meter2.push(y);
        await sink.write(y);
        if (dlgWav && bgWav) {
          dlgWav.write(toI16(await dlgReader!.read(f, n)));
          bgWav.write(toI16(await bgStemReader!.read(f, n)));
        }
        progress('encoding', 0.85 + 0.14 * (f / totalFrames));
      }
      const tail = limiter.flush();
      meter2.push(tail);
      await sink.write(tail);
      await sink.end();
      if (dlgWav && bgWav) {
        await dlgWav.commit();
        await bgWav.commit();
        written.push(stemWav!.dialogue, stemWav!.background);
        dlgWav = bgWav = null;
      }
    } catch (err) {
      sink.kill();
      dlgWav?.abort();
      bgWav?.abort();
      throw err;
    } finally {
      await Promise.all([mixReader.close(), dlgReader?.close(), bgStemReader?.close()]);
    }
    const loud = meter2.result();

    // 6. Check what was written, then put it in place (and the sidecars).
    const outProbe = await probeMedia(tmpOut, signal).catch(() => null);
    if (!outProbe) throw new ApiError('ENGINE_ERROR', 'ffmpeg wrote an output that cannot be read back.');
    if (s.srt) {
      await writeFileAtomic(path.resolve(s.srt), writeSrt(targetCues));
      written.push(path.resolve(s.srt));
    }
    if (s.vtt) {
      await writeFileAtomic(
        path.resolve(s.vtt),
        writeVtt(
          cues.map((c) => ({ start: c.start, end: c.end, text: c.text, ...(c.speaker ? { speaker: c.speaker } : {}) })),
        ),
      );
      written.push(path.resolve(s.vtt));
    }
    const report: DubReport = DubReport.parse({
      source: {
        path: p.input,
        format: probe.format,
        durationSeconds: probe.durationSeconds,
        video: probe.video
          ? {
              codec: probe.video.codec,
              width: probe.video.width,
              height: probe.video.height,
              frameRate: probe.video.frameRate,
            }
          : null,
        audio: probe.audio
          ? { codec: probe.audio.codec, channels: probe.audio.channels, sampleRate: probe.audio.sampleRate }
          : null,
        subtitles: { path: path.resolve(s.subs), format: p.subs.format, encoding: p.subs.encoding, cues: cues.length },
      },
      output: {
        path: p.output,
        videoCopied: kind.video && !!probe.video,
        durationSeconds: outProbe.durationSeconds,
        files: written,
      },
      settings: {
        background: s.background,
        maxStretch: s.maxStretch,
        maxBorrow: s.maxBorrow,
        loudnessTarget: s.loudness,
        language: s.language ?? null,
      },
      segments,
      loudness: {
        integratedLufs: Math.round(loud.integrated * 100) / 100,
        truePeakDbtp: Math.round(loud.truePeak * 100) / 100,
      },
      speakingRates: rates.measured(),
      warnings: p.warnings,
      wallSeconds: Math.round((Date.now() - started) / 100) / 10,
    });
    if (s.report) {
      await writeFileAtomic(path.resolve(s.report), `${JSON.stringify(report, null, 2)}\n`);
      written.push(path.resolve(s.report));
    }
    // The output last: nothing is at the output path unless everything before worked.
    const fh = await fsp.open(tmpOut, 'r+');
    await fh.sync();
    await fh.close();
    await fsp.rename(tmpOut, p.output);
    progress('done', 1);
    return report;
  } catch (err) {
    await fsp.rm(tmpOut, { force: true }).catch(() => undefined);
    for (const f of written) await fsp.rm(f, { force: true }).catch(() => undefined);
    throw err;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export type { ProbeResult };
