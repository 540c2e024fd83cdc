/**
 * `timbre dub VIDEO --subs TARGET.srt [--source-subs SOURCE.srt] [--voice VOICE] [--speaker-voice SPEAKER=VOICE]...
 * [--background duck|center|separate|none] [--max-stretch 1.15] [--language CODE] -o OUT.mp4|OUT.mkv|OUT.wav
 * [--srt OUT.srt] [--report REPORT.json] [--clone-speaker SPEAKER --attest NAME]`: dub a video (or audio) from
 * subtitles, offline (docs/dubbing.md).
 * Progress on stderr; exit 0 when the file was written (too-long segments are listed in the report), 1 on failure,
 * 2 on usage errors. Nothing is written on failure.
 */
import path from 'node:path';
import { Option, type Command } from 'commander';
import { appVersion } from '../../node/app-root.js';
import { createCore, type Core } from '../../node/core.js';
import { planDub, runDub, type DubDeps, type ResolvedVoice } from '../../node/dub/pipeline.js';
import { FASTER_RATE, synthesizeWhole } from '../../node/dub/engine-deps.js';
import { separationFor } from '../../node/separation/separation-host.js';
import { locateSpeakerPack } from '../../node/dub/dub-analysis.js';
import { SPEAKER_PACK_ID } from '../../../native-models/speaker/embedder.js';
import { ApiError, toApiError } from '../../../native-models/common/errors.js';
import {
  DUB_LIMITS,
  type DubOptions,
  type DubProgress,
  type DubReport,
  type VoiceInfo,
} from '../../../preload/contract/index.js';
import { CliError } from '../cli-error.js';
import { knob } from '../knobs.js';
import { checkOutputPath } from '../output-path.js';
import { dataLayout } from '../../node/paths.js';
import { resolveVoiceArg } from './render.js';
import { checkConsentOptions, coreCaller, statementConsent, type CoreCall } from './voices.js';
import { gatherSpeakerClip } from '../../node/dub/clone.js';
import { locateVoiceModel } from '../../../native-models/enhance/voice-models.js';
import type { LibraryVoice, StagedAudio } from '../../../preload/contract/index.js';

interface DubCliOptions {
  subs: string;
  sourceSubs?: string;
  voice?: string;
  speakerVoice: string[];
  background: 'duck' | 'center' | 'separate' | 'none';
  maxStretch: number;
  maxBorrow: number;
  duckDb: number;
  loudness: string;
  language?: string;
  sourceLanguage?: string;
  keepOriginal?: boolean;
  speakerPrefix: boolean;
  output: string;
  srt?: string;
  vtt?: string;
  stems?: string;
  report?: string;
  json?: boolean;
  progress?: boolean;
  plan?: boolean;
  clusterSpeakers?: boolean | string;
  cloneSpeaker: string[];
  cloneDenoise?: boolean;
  attest?: string;
  purpose: string;
  consent?: string;
  statement?: string;
}

function fmtTime(s: number): string {
  if (!Number.isFinite(s) || s < 0) return '?';
  const m = Math.floor(s / 60);
  return m ? `${m} min ${Math.round(s % 60)} s` : `${Math.round(s)} s`;
}

/**
 * `--clone-speaker`: the speaker's cleanest 10–30 s of this video (clone.ts) become one library voice, made with the
 * consent given (`--attest`, or the owner's reading of a statement). A library voice of the same name cloned from
 * this video before is used again (delete it to clone anew). Refused before any work without the packs it needs.
 */
function cloneDep(
  getCore: () => Promise<Core>,
  caller: () => Promise<CoreCall>,
  o: DubCliOptions,
  voiceLanguage: string,
  say: (line: string) => void,
): NonNullable<DubDeps['cloneSpeaker']> {
  return async (speaker, media, segments, signal) => {
    const core = await getCore();
    const call = await caller();
    const name = `${speaker} (${path.basename(media.path)})`.slice(0, 100);
    const earlier = (await call<LibraryVoice[]>('library.list', {})).find(
      (v) => v.name === name && v.tags.includes('dub'),
    );
    if (earlier) {
      say(`${speaker}: using the library voice "${name}" cloned from this video before (${earlier.voiceId}).`);
      return earlier.voiceId;
    }
    if (!core.cloningInstalled())
      throw new ApiError(
        'ENGINE_UNAVAILABLE',
        `Cloning ${speaker} from the video needs a voice-cloning model pack to speak with: install Pocket TTS ("timbre models download pocket-tts"). Nothing was created.`,
      );
    // The sample is staged and checked by the core, which finds its packs in the data folder: so is the gathering.
    const vad = locateVoiceModel('silero-vad', [core.layout.models]);
    if (!vad)
      throw new ApiError(
        'ENGINE_UNAVAILABLE',
        'Cloning from the video needs the "silero-vad" model pack to find the speech ("timbre models download silero-vad"). Nothing was created.',
      );
    const gtcrn = o.cloneDenoise ? locateVoiceModel('gtcrn', [core.layout.models]) : null;
    if (o.cloneDenoise && !gtcrn)
      throw new ApiError(
        'ENGINE_UNAVAILABLE',
        '--clone-denoise needs the "gtcrn" model pack ("timbre models download gtcrn"). Nothing was created.',
      );
    const staged: StagedAudio[] = [];
    try {
      // The owner's consent is checked before the video is analysed.
      const consent = o.consent
        ? await statementConsent(call, path.resolve(o.consent), o.statement!, staged, !!o.json)
        : { kind: 'attest' as const, name: o.attest!, purpose: o.purpose };
      say(`${speaker}: gathering their cleanest speech from the video…`);
      const clip = await gatherSpeakerClip({
        mediaPath: media.path,
        mediaSeconds: media.durationSeconds,
        segments,
        speaker,
        vadModel: vad,
        gtcrnModel: gtcrn,
        denoise: !!o.cloneDenoise,
        signal,
      });
      const v = await core.createVoiceFromClip(clip, {
        name,
        language: voiceLanguage,
        consent,
      });
      // Segment ids are cue indices (from 0); cues are numbered from 1 as in the subtitle file's order.
      const cues = clip.report.spans.map((sp) => Number(sp.segmentId) + 1).join(', ');
      const left = clip.report.candidates.filter((c) => c.verdict !== 'chosen' && c.verdict !== 'not-needed');
      say(
        `${speaker}: cloned into the library voice "${name}" (${v.voiceId}) from ${clip.report.totalSeconds.toFixed(1)} s of cues ${cues}${clip.report.denoised ? ', denoised' : ''}` +
          (left.length
            ? `; left out: ${left.map((c) => `cue ${Number(c.segmentId) + 1} (${c.verdict})`).join(', ')}.`
            : '.'),
      );
      return v.voiceId;
    } finally {
      for (const x of staged) await call('voiceAudio.discard', { stagingId: x.stagingId }).catch(() => undefined);
    }
  };
}

/**
 * Voices from the core: engine voices and library voices (decrypted conditioning), one worker for all takes. A
 * library voice is resolved through `caller`, which unlocks the voice data with TIMBRE_PASSPHRASE when it is set.
 */
function coreDeps(
  getCore: () => Promise<Core>,
  caller: () => Promise<CoreCall>,
  modelsDirs: () => string[],
  clone?: NonNullable<DubDeps['cloneSpeaker']>,
): DubDeps {
  let voices: VoiceInfo[] | null = null;
  let n = 0;
  return {
    ...(clone
      ? {
          async cloneSpeaker(...args: Parameters<typeof clone>) {
            const id = await clone(...args);
            voices = null; // the new voice is listed from now on
            return id;
          },
        }
      : {}),
    async resolveVoice(arg) {
      const core = await getCore();
      if (!voices) {
        const r = await core.dispatch('voices.list', {});
        if (!r.ok) throw new ApiError(r.error.code, r.error.message);
        voices = r.result as VoiceInfo[];
      }
      const id = resolveVoiceArg(voices, arg);
      const engine = id.slice(0, id.indexOf(':'));
      if (engine === 'library') await caller();
      const r = await core.speech.resolve({ model: engine === 'library' ? 'tts-1' : engine, voice: { id } });
      return {
        id,
        engineId: r.engineId,
        voiceId: r.voiceId,
        options: r.options,
        maxRate: FASTER_RATE[r.engineId] ?? null,
      } satisfies ResolvedVoice;
    },
    async synthesize(voice, text, options, signal) {
      const core = await getCore();
      return synthesizeWhole(core.engines, `dub-${++n}`, voice, text, options, signal);
    },
    separation: separationFor(modelsDirs()),
    async similarity(voice, pcm, sampleRate, signal) {
      const core = await getCore();
      return (await core.dub.takeSimilarity?.(voice, pcm, sampleRate, signal)) ?? null;
    },
    speakerPackDir: () => locateSpeakerPack(modelsDirs()),
  };
}

export function registerDubCommand(program: Command, getDataDir: () => string): void {
  program
    .command('dub')
    .description('dub a video (or audio) from subtitles: the same video out, speaking the subtitles (offline)')
    .argument('<video>', 'the video (MP4, MKV, MOV, WebM) or audio file; it is never modified')
    .requiredOption('--subs <file>', 'target-language subtitles to speak: SRT, VTT or ASS/SSA (encoding detected)')
    .option('--source-subs <file>', 'source-language subtitles, added as a second subtitle track')
    .option('--voice <voice>', 'voice for every speaker without its own: an id (espeak:en-us+f2, library:<id>) or name')
    .option(
      '--speaker-voice <speaker=voice>',
      'a speaker\'s voice, e.g. ANNA=espeak:fr+f3 (speakers: ASS Name field, WebVTT <v>, or "NAME: " at the start of a cue); repeat per speaker',
      (v: string, prev: string[]) => [...prev, v],
      [] as string[],
    )
    .addOption(
      new Option(
        '--background <mode>',
        'duck: the original ducked under the dub (default); center: stereo centre removed; separate: music and effects kept, speech removed (the spleeter-2stems pack); none: dub only',
      )
        .choices(['duck', 'center', 'separate', 'none'])
        .default('duck'),
    )
    .addOption(
      new Option('--max-stretch <x>', 'largest time-stretch of a take, 1 to 1.4')
        .argParser(knob('--max-stretch', { min: 1, max: 1.4 }))
        .default(1.15),
    )
    .addOption(
      new Option('--max-borrow <s>', 'most silence borrowed from the gap after a cue, 0 to 5 seconds')
        .argParser(knob('--max-borrow', { min: 0, max: 5, unit: 's' }))
        .default(1),
    )
    .addOption(
      new Option('--duck-db <db>', 'how far the original is ducked under the dub, 15 to 60 dB')
        .argParser(knob('--duck-db', { min: 15, max: 60, unit: 'dB' }))
        .default(20),
    )
    .addOption(
      new Option('--loudness <lufs>', 'loudness of the result: -23 (broadcast, EBU R128), -16 or -14 (web)')
        .choices(['-23', '-16', '-14'])
        .default('-16'),
    )
    .option('--language <code>', 'language of the dub track and its subtitles (ISO 639: fr, fra, pt-BR)')
    .option('--source-language <code>', 'language of the --source-subs track')
    .option('--keep-original', 'keep the original audio as a second (not default) track')
    .option('--no-speaker-prefix', 'do not read "NAME: " at the start of a cue as its speaker')
    .requiredOption(
      '-o, --output <file>',
      'the file to write: .mp4, .mkv, .mov, .webm (video copied) or .wav, .flac, .mp3, .m4a',
    )
    .option('--srt <file>', 'also write the target subtitles as SRT')
    .option('--vtt <file>', 'also write the target subtitles as WebVTT')
    .option('--stems <folder>', 'also write the stems: dialogue.wav and background.wav')
    .option('--report <file>', 'write the report (JSON: timing, fit and loudness of every segment)')
    .option('--json', 'print the report on stdout')
    .option(
      '--plan',
      "fit before generating: predict each segment's length and fit (one calibration take per voice) and write nothing",
    )
    .option(
      '--cluster-speakers [count]',
      `label cues without a speaker by clustering their voices (needs the "${SPEAKER_PACK_ID}" model pack), into [count] speakers when given; use the labels ("Speaker 1", …) with --speaker-voice`,
    )
    .option(
      '--clone-speaker <speaker>',
      "clone this speaker's voice from the video: their cleanest 10-30 s become ONE library voice that speaks all their cues (needs the silero-vad and pocket-tts packs, and consent: --attest or --consent with --statement); repeat per speaker",
      (v: string, prev: string[]) => [...prev, v],
      [] as string[],
    )
    .option('--clone-denoise', "denoise the cloned speakers' samples first (the gtcrn pack)")
    .option('--attest <name>', 'with --clone-speaker: your name; you attest you hold the rights to the cloned voices')
    .option('--purpose <text>', 'with --attest: what the cloned voices will be used for', 'Dubbing')
    .option(
      '--consent <file>',
      'with one --clone-speaker: a recording of the speaker reading the consent statement (see: timbre voices statement)',
    )
    .option('--statement <id>', 'with --consent: the statement id printed by "timbre voices statement"')
    .option('--progress', 'show progress on stderr (default: when stderr is a terminal)')
    .option('--no-progress', 'no progress on stderr')
    .action(async (video: string, o: DubCliOptions) => {
      const abs = (p: string) => path.resolve(process.cwd(), p);
      if (o.report) await checkOutputPath(abs(o.report), 'The report file');
      const speakerVoices = o.speakerVoice.map((sv) => {
        const i = sv.indexOf('=');
        if (i <= 0 || i === sv.length - 1)
          throw new CliError(`--speaker-voice needs SPEAKER=VOICE (e.g. ANNA=espeak:fr+f3), not "${sv}"`, 2);
        return { speaker: sv.slice(0, i).trim(), voice: sv.slice(i + 1).trim() };
      });
      let clusterSpeakers: 'auto' | number | undefined;
      if (o.clusterSpeakers === true) clusterSpeakers = 'auto';
      else if (typeof o.clusterSpeakers === 'string') {
        clusterSpeakers = Number(o.clusterSpeakers);
        if (!/^\d+$/.test(o.clusterSpeakers) || clusterSpeakers < 1 || clusterSpeakers > DUB_LIMITS.speakersMax)
          throw new CliError(
            `--cluster-speakers takes a speaker count from 1 to ${DUB_LIMITS.speakersMax}, not "${o.clusterSpeakers}"`,
            2,
          );
      }
      if (o.cloneSpeaker.length) {
        checkConsentOptions(o, 'Cloning a speaker');
        if (o.consent && o.cloneSpeaker.length > 1)
          throw new CliError(
            "--consent holds one owner's reading: clone one speaker per command with it, or use --attest.",
            2,
          );
        if (o.plan)
          throw new CliError(
            '--plan predicts with existing voices: clone the speakers first (without --plan), then plan with --speaker-voice.',
            2,
          );
      } else if (o.attest || o.consent || o.statement || o.cloneDenoise)
        throw new CliError('--attest, --consent, --statement and --clone-denoise go with --clone-speaker.', 2);
      const options: DubOptions = {
        ...(clusterSpeakers !== undefined ? { clusterSpeakers } : {}),
        cloneSpeakers: o.cloneSpeaker,
        input: abs(video),
        subs: abs(o.subs),
        ...(o.sourceSubs ? { sourceSubs: abs(o.sourceSubs) } : {}),
        ...(o.voice ? { voice: o.voice } : {}),
        speakerVoices,
        background: o.background,
        maxStretch: o.maxStretch,
        maxBorrow: o.maxBorrow,
        duckDb: o.duckDb,
        loudness: Number(o.loudness) as -23 | -16 | -14,
        ...(o.language ? { language: o.language } : {}),
        ...(o.sourceLanguage ? { sourceLanguage: o.sourceLanguage } : {}),
        keepOriginal: !!o.keepOriginal,
        speakerPrefix: o.speakerPrefix,
        output: abs(o.output),
        ...(o.srt ? { srt: abs(o.srt) } : {}),
        ...(o.vtt ? { vtt: abs(o.vtt) } : {}),
        ...(o.stems ? { stems: abs(o.stems) } : {}),
        ...(o.report ? { report: abs(o.report) } : {}),
      };
      // Packs: $TIMBRE_MODELS_DIR first, then the data folder's models.
      const modelsDirs = () => [process.env.TIMBRE_MODELS_DIR ?? '', dataLayout(getDataDir()).models].filter(Boolean);
      // The core (data folder, voice library, synthesis worker) opens only once the input has passed its checks.
      const opened: { core: Promise<Core> | null } = { core: null };
      const getCore = () =>
        (opened.core ??= createCore({
          dataDir: getDataDir(),
          transport: 'web',
          version: appVersion(),
          log: () => undefined,
        }));
      let call: Promise<CoreCall> | null = null;
      const caller = async () => (call ??= coreCaller(await getCore()));
      const clone = o.cloneSpeaker.length
        ? cloneDep(getCore, caller, o, o.language?.split('-')[0] ?? 'en', (line) =>
            process.stderr.write(`${show ? '\r\x1b[K' : ''}${line}\n`),
          )
        : undefined;
      const ac = new AbortController();
      const onSig = () => ac.abort();
      process.once('SIGINT', onSig);
      process.once('SIGTERM', onSig);
      const show = o.progress ?? process.stderr.isTTY === true;
      const started = Date.now();
      let last = 0;
      const onProgress = (p: DubProgress) => {
        if (!show) return;
        const now = Date.now();
        if (now - last < 200 && p.phase !== 'done') return;
        last = now;
        const elapsed = (now - started) / 1000;
        const eta = p.fraction > 0.02 ? (elapsed / p.fraction) * (1 - p.fraction) : NaN;
        const width = 24;
        const full = Math.round(p.fraction * width);
        const seg = p.segments ? ` ${(p.segment ?? 0) + 1}/${p.segments}` : '';
        process.stderr.write(
          `\r[${'#'.repeat(full)}${' '.repeat(width - full)}] ${(p.fraction * 100).toFixed(0).padStart(3)} % ${p.phase}${seg}, about ${fmtTime(eta)} left\x1b[K`,
        );
      };
      if (o.plan) {
        try {
          const plan = await planDub(options, coreDeps(getCore, caller, modelsDirs), { signal: ac.signal, onProgress });
          if (show) process.stderr.write('\r\x1b[K');
          if (o.json) process.stdout.write(`${JSON.stringify(plan, null, 2)}\n`);
          else
            for (const s of plan.segments)
              process.stdout.write(
                `${String(s.index + 1).padStart(4)}  ${s.cueStart.toFixed(2).padStart(8)} s  ${(s.cueEnd - s.cueStart).toFixed(2).padStart(6)} s slot  ${s.predictedSeconds.toFixed(2).padStart(6)} s predicted  ${s.predictedFit.padEnd(9)}  ${s.text.replace(/\n/g, ' ').slice(0, 60)}\n`,
              );
          const flagged = plan.segments.filter((s) => s.predictedFit === 'too-long').length;
          process.stderr.write(
            `${plan.segments.length} segments, ${flagged} predicted too long (shorten their text, or allow more --max-stretch / --max-borrow).\n`,
          );
          return;
        } catch (err) {
          if (err instanceof CliError) throw err;
          const e = toApiError(err);
          throw new CliError(e.message, e.code === 'INVALID_INPUT' || e.code === 'NOT_FOUND' ? 2 : 1);
        } finally {
          process.off('SIGINT', onSig);
          process.off('SIGTERM', onSig);
          if (opened.core) await (await opened.core).close();
        }
      }
      let report: DubReport;
      try {
        report = await runDub(options, coreDeps(getCore, caller, modelsDirs, clone), { signal: ac.signal, onProgress });
      } catch (err) {
        if (err instanceof CliError) throw err;
        const e = toApiError(err);
        if (e.code === 'CANCELLED') throw new CliError('Cancelled: nothing was written.', 1);
        throw new CliError(e.message, e.code === 'INVALID_INPUT' || e.code === 'NOT_FOUND' ? 2 : 1);
      } finally {
        if (show) process.stderr.write('\r\x1b[K');
        process.off('SIGINT', onSig);
        process.off('SIGTERM', onSig);
        if (opened.core) await (await opened.core).close();
      }
      if (o.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      const tooLong = report.segments.filter((s) => s.fit === 'too-long');
      const count = (k: string) => report.segments.filter((s) => s.fit === k).length;
      process.stderr.write(
        `Wrote ${report.output.path} (${report.output.durationSeconds.toFixed(2)} s${report.output.videoCopied ? ', video copied' : ''}): ${report.segments.length} segments (${count('fits')} fit, ${count('borrowed')} borrowed, ${count('stretched')} stretched, ${tooLong.length} too long), ${report.loudness.integratedLufs.toFixed(1)} LUFS, true peak ${report.loudness.truePeakDbtp.toFixed(1)} dBTP, in ${fmtTime(report.wallSeconds)}.\n`,
      );
      for (const s of tooLong)
        process.stderr.write(
          `  segment ${s.index + 1} at ${s.cueStart.toFixed(2)} s is too long by ${s.tooLongBySeconds.toFixed(2)} s: "${s.text.slice(0, 60)}"\n`,
        );
      for (const w of report.warnings) process.stderr.write(`  note: ${w}\n`);
    });
}
