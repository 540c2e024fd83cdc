/**
 * `timbre clean FILE -o OUT [--denoise] [--trim] [--normalize] [--best-window] [--json]`: clean a recording and print
 * its quality report before and after. Needs the Silero VAD pack (and GTCRN for --denoise), looked up in
 * $TIMBRE_MODELS_DIR and then the data folder's models. Exit codes: 0 success, 1 failure (unreadable audio, missing
 * models or ffmpeg), 2 usage.
 */
import { resolveFfmpeg } from '../../node/audio/ffmpeg.js';
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { Command } from 'commander';
import { Option } from 'commander';
import { ApiError } from '../../../native-models/common/errors.js';
import { openAtomicWriter, type AtomicWriter } from '../../node/atomic-fs.js';
import { checkOutputPath } from '../output-path.js';
import { decodeAudioToStore, FFMPEG_INSTALL_HINT } from '../../node/audio/decode.js';
import { encodePcm, wavHeader } from '../../../native-models/audio/wav.js';
import { tempFileStore, type PcmSource } from '../../../native-models/audio/pcm-store.js';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { dataLayout } from '../../node/paths.js';
import {
  adviceText,
  cleanSource,
  voiceAudioProblem,
  type CleanupOptions,
  type QualityReport,
} from '../../../native-models/enhance/cleanup.js';
import { loadVoiceAudioDeps } from '../../../native-models/enhance/voice-models.js';
import { CliError } from '../cli-error.js';
import { knob } from '../knobs.js';

interface CleanOpts {
  output: string;
  denoise?: boolean;
  trim?: boolean;
  normalize?: boolean;
  bestWindow?: boolean;
  window?: string;
  maxPause?: number;
  json?: boolean;
}

/** Where the voice clean-up models are looked for: $TIMBRE_MODELS_DIR first, then `<dataDir>/models`. */
export function voiceModelDirs(dataDir: string): string[] {
  return [process.env.TIMBRE_MODELS_DIR ?? '', dataLayout(dataDir).models].filter(Boolean);
}

export function registerCleanCommand(program: Command, getDataDir: () => string): void {
  program
    .command('clean')
    .description(
      'clean up a recording (any audio or video file): denoise, trim silence, normalise loudness, keep the best ' +
        'window; prints the quality report before and after. Without step options: --trim --normalize.',
    )
    .argument('<file>', 'the recording (WAV, FLAC, MP3, Ogg/Opus, M4A/AAC, WebM, or a video with sound)')
    .requiredOption('-o, --output <file>', 'where to write the result (.wav, or .flac)')
    .option('--denoise', 'neural noise suppression (GTCRN; keeps the band above 8 kHz)')
    .option('--trim', 'cut leading/trailing silence and shorten long pauses (Silero VAD)')
    .option('--normalize', 'remove DC offset, normalise to -20 LUFS with a -1 dBTP ceiling')
    .option('--best-window', 'keep only the clearest 5-30 s of speech')
    .option('--window <start-end>', 'keep only this span, in seconds (e.g. 12.5-40)')
    .addOption(
      new Option('--max-pause <seconds>', 'longest pause kept when trimming (default 0.6)').argParser(
        knob('--max-pause', { min: 0, max: 60, minExclusive: true, unit: 'seconds' }),
      ),
    )
    .option('--json', 'print the reports as JSON on stdout')
    .action(async (file: string, opts: CleanOpts) => {
      const out = path.resolve(opts.output);
      const ext = path.extname(out).toLowerCase();
      if (ext !== '.wav' && ext !== '.flac')
        throw new CliError(`-o must end in .wav or .flac (got "${path.basename(out)}")`, 2);
      await checkOutputPath(out);
      if (opts.bestWindow && opts.window) throw new CliError('use either --best-window or --window, not both', 2);
      if (opts.maxPause !== undefined && !(opts.maxPause > 0))
        throw new CliError('--max-pause must be a number of seconds over 0', 2);
      const window = opts.window ? parseWindow(opts.window) : opts.bestWindow ? ('best' as const) : undefined;
      const anyStep = opts.denoise || opts.trim || opts.normalize || window;
      const steps: CleanupOptions = {
        denoise: Boolean(opts.denoise),
        trim: anyStep ? Boolean(opts.trim) : true,
        normalize: anyStep ? Boolean(opts.normalize) : true,
        window,
        maxPauseSeconds: opts.maxPause,
      };
      const fail = (err: unknown): never => {
        if (!(err instanceof ApiError)) throw err;
        if (opts.json) process.stdout.write(`${JSON.stringify({ error: err.toJSON() }, null, 2)}\n`);
        throw new CliError(err.message, 1);
      };

      // Long recordings stream: decoded in blocks into encrypted temporary files (in the system's temp folder), cleaned
      // in passes over blocks, written out in blocks; memory does not grow with the length (docs/voice-audio.md).
      const work = mkdtempSync(path.join(os.tmpdir(), 'timbre-clean-'));
      const store = tempFileStore(work, { memoryFrames: 1 << 22 });
      let deps: Awaited<ReturnType<typeof loadVoiceAudioDeps>> | undefined;
      try {
        const audio = await decodeAudioToStore({ file: path.resolve(file) }, store).catch(fail);
        deps = await loadVoiceAudioDeps(voiceModelDirs(getDataDir()), { denoiser: steps.denoise }).catch(fail);
        const r = await cleanSource(audio.source, steps, deps, { channels: audio.channels }, store).catch(fail);
        if (r.output.length === 0) throw new CliError('nothing is left after clean-up (no speech found)', 1);
        await writeOutput(out, ext, r.output);
        const applied = [
          window ? (window === 'best' ? 'best window' : `window ${opts.window}`) : '',
          steps.normalize ? 'DC removal' : '',
          steps.denoise ? 'denoise' : '',
          steps.trim ? 'trim' : '',
          steps.normalize ? 'loudness -20 LUFS' : '',
        ].filter(Boolean);
        if (opts.json) {
          const strip = ({ segments, ...rest }: QualityReport) => ({ ...rest, speechSegments: segments.length });
          process.stdout.write(
            `${JSON.stringify(
              {
                input: path.resolve(file),
                output: out,
                steps: applied,
                kept: r.kept,
                before: strip(r.before),
                after: strip(r.report),
                usableForVoice: voiceAudioProblem(r.report) === null,
              },
              null,
              2,
            )}\n`,
          );
        } else {
          process.stdout.write(formatReports(r.before, r.report));
          process.stdout.write(`\nSteps: ${applied.join(', ') || 'none'}\n`);
          const problem = voiceAudioProblem(r.report);
          if (problem) process.stdout.write(`Not usable as a voice reference: ${problem.message}\n`);
        }
        process.stderr.write(
          `Wrote ${out} (${(r.output.length / r.output.sampleRate).toFixed(2)} s, ${r.output.sampleRate} Hz, mono)\n`,
        );
      } finally {
        await deps?.dispose();
        store.dispose();
        rmSync(work, { recursive: true, force: true });
      }
    });
}

function parseWindow(v: string): { start: number; end: number } {
  const m = /^\s*(\d+(?:\.\d+)?)\s*[-:,]\s*(\d+(?:\.\d+)?)\s*$/.exec(v);
  const start = m ? Number(m[1]) : NaN;
  const end = m ? Number(m[2]) : NaN;
  if (!(end > start)) throw new CliError(`--window must be START-END in seconds with END > START (got "${v}")`, 2);
  return { start, end };
}

const fmt = {
  s: (v: number) => `${v.toFixed(2)} s`,
  db: (v: number | null, unit: string) => (v === null || !Number.isFinite(v) ? 'n/a' : `${v.toFixed(1)} ${unit}`),
};

/** The two reports side by side, then the advice for the result in plain English. */
export function formatReports(before: QualityReport, after: QualityReport): string {
  const win = (r: QualityReport) =>
    r.bestWindow ? `${r.bestWindow.start.toFixed(2)}-${r.bestWindow.end.toFixed(2)} s` : 'n/a';
  const rows: [string, string, string][] = [
    ['', 'before', 'after'],
    ['Duration', fmt.s(before.durationSeconds), fmt.s(after.durationSeconds)],
    ['Speech', fmt.s(before.speechSeconds), fmt.s(after.speechSeconds)],
    ['SNR (estimated)', fmt.db(before.snrDb, 'dB'), fmt.db(after.snrDb, 'dB')],
    ['Noise floor', fmt.db(before.noiseFloorDbfs, 'dBFS'), fmt.db(after.noiseFloorDbfs, 'dBFS')],
    ['Clipped samples', `${before.clippedPercent.toFixed(2)} %`, `${after.clippedPercent.toFixed(2)} %`],
    ['Peak', fmt.db(before.peakDbfs, 'dBFS'), fmt.db(after.peakDbfs, 'dBFS')],
    ['Loudness', fmt.db(before.loudnessLufs, 'LUFS'), fmt.db(after.loudnessLufs, 'LUFS')],
    ['DC offset', before.dcOffset.toFixed(4), after.dcOffset.toFixed(4)],
    ['Sample rate', `${before.sampleRate} Hz`, `${after.sampleRate} Hz`],
    ['Channels', String(before.channels), '1'],
    ['Best window', win(before), win(after)],
  ];
  const w0 = Math.max(...rows.map((r) => r[0].length));
  const w1 = Math.max(...rows.map((r) => r[1].length));
  let s = 'Quality report\n';
  for (const [a, b, c] of rows) s += `  ${a.padEnd(w0)}  ${b.padStart(w1)}  ${c}\n`;
  s += '\nAdvice:\n';
  for (const a of after.advice)
    s += `  ${a.severity === 'info' ? '-' : a.severity === 'warning' ? '!' : 'x'} ${adviceText(a.code)}\n`;
  return s;
}

/** Write the result atomically as a 16-bit WAV, or as FLAC through ffmpeg, block by block. */
async function writeOutput(out: string, ext: string, src: PcmSource): Promise<void> {
  const file = await openAtomicWriter(out);
  try {
    const wavBlocks = async function* () {
      yield wavHeader(src.length, src.sampleRate, 16);
      for await (const x of src.blocks()) yield encodePcm(x, 16);
    };
    if (ext === '.flac') await wavToFlac(wavBlocks(), file);
    else for await (const b of wavBlocks()) await file.write(b);
    await file.commit();
  } catch (err) {
    await file.abort();
    throw err;
  }
}

/** Pipe WAV bytes through ffmpeg's FLAC encoder into `file` (stdin written with back-pressure). */
function wavToFlac(wav: AsyncIterable<Buffer>, file: AtomicWriter): Promise<void> {
  return new Promise((resolve, reject) => {
    const proc = spawn(
      resolveFfmpeg()?.path ?? 'ffmpeg',
      ['-nostdin', '-v', 'error', '-f', 'wav', '-i', 'pipe:0', '-f', 'flac', 'pipe:1'],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    let err = '';
    let failed: unknown = null;
    let writing = Promise.resolve();
    proc.stdout.on('data', (c: Buffer) => {
      proc.stdout.pause();
      writing = writing
        .then(() => file.write(c))
        .catch((e: unknown) => {
          failed ??= e;
          proc.kill('SIGKILL');
        })
        .finally(() => proc.stdout.resume());
    });
    proc.stderr.on('data', (c: Buffer) => (err += c.toString()));
    proc.on('error', (e: NodeJS.ErrnoException) =>
      reject(
        new CliError(
          e.code === 'ENOENT'
            ? `writing FLAC needs ffmpeg, which is not installed: ${FFMPEG_INSTALL_HINT} (or write a .wav)`
            : `ffmpeg failed to start: ${e.message}`,
        ),
      ),
    );
    proc.on('close', (code) => {
      void writing.then(() => {
        if (failed) reject(failed);
        else if (code === 0) resolve();
        else reject(new CliError(`ffmpeg could not write FLAC: ${err.trim()}`));
      });
    });
    proc.stdin.on('error', () => undefined);
    void (async () => {
      try {
        for await (const b of wav) {
          if (!proc.stdin.write(b)) await new Promise((r) => proc.stdin.once('drain', r));
          if (proc.exitCode !== null || proc.killed) break;
        }
      } catch (e) {
        failed ??= e;
        proc.kill('SIGKILL');
      }
      proc.stdin.end();
    })();
  });
}
