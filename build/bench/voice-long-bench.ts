/**
 * The long-recording bench (issue #9), run by `npm run bench -- --voice-long [--json] [--seconds 3600]
 * [--rate 48000] [--denoise-seconds 120]`: see bench.ts. A recording of `seconds` (eval speech looped with pauses and
 * pink noise, FLAC at `rate`: tests/helpers/long-recording.ts) is staged, cleaned whole (trim + normalise: VAD,
 * levels, best window, trim, loudness, the report of the result) and a stretch of `denoise-seconds` from its middle
 * is cleaned with GTCRN (pass the whole length to denoise all of it), in a fresh process under /usr/bin/time
 * ("Maximum resident set size" of the whole process; its own process.resourceUsage().maxRSS where /usr/bin/time is
 * missing). Target: peak RSS ≤ 400 MB at one hour (and flat in the length).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');

export interface VoiceLongRow {
  audioSeconds: number;
  sampleRate: number;
  /** voiceAudio.stage: decode (ffmpeg pipe), analysis, encrypted staged WAV. */
  stageSeconds: number;
  /** voiceAudio.clean of the whole recording: trim + normalise. */
  cleanSeconds: number;
  /** voiceAudio.clean of the stretch with GTCRN (+ trim, normalise; the staging analysis is reused). */
  denoiseSeconds: number;
  denoisedStretchSeconds: number;
  /** The three steps together, and the process's peak RSS across them (the vault's 128 MiB scrypt included). */
  wallSeconds: number;
  /** User + system CPU seconds of the child (start-up and model loading included): less sensitive to load. */
  cpuSeconds: number;
  peakRssMb: number;
  cleanedSeconds: number;
  cleanedLufs: number | null;
}

export async function runVoiceLong(
  json: boolean,
  opts: { seconds: number; rate: number; denoiseSeconds: number },
): Promise<number> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'timbre-voice-long-'));
  try {
    const gen = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        '-e',
        `import('./tests/helpers/long-recording.ts').then((m) => process.stdout.write(m.makeLongRecording(${JSON.stringify(dir)}, ${opts.seconds}, ${opts.rate})))`,
      ],
      { cwd: root, encoding: 'utf8' },
    );
    const file = gen.stdout.trim();
    if (gen.status !== 0 || !existsSync(file)) throw new Error(`could not make the recording: ${gen.stderr}`);
    const from = Math.max(0, Math.min(opts.seconds - opts.denoiseSeconds, opts.seconds / 2 - opts.denoiseSeconds / 2));
    const args = [
      '--import',
      'tsx',
      path.join(root, 'tests', 'helpers', 'long-recording-child.ts'),
      path.join(dir, 'data'),
      file,
      String(from),
      String(from + opts.denoiseSeconds),
    ];
    const timed = existsSync('/usr/bin/time');
    const r = timed
      ? spawnSync('/usr/bin/time', ['-v', process.execPath, ...args], { cwd: root, encoding: 'utf8' })
      : spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`the clean-up failed: ${r.stderr.slice(-2000)}`);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as {
      staged: { durationSeconds: number };
      cleaned: { durationSeconds: number; report: { loudnessLufs: number | null } };
      denoised: { durationSeconds: number };
      stageSeconds: number;
      cleanSeconds: number;
      denoiseSeconds: number;
      peakRssMb: number;
      cpuSeconds: number;
    };
    const kb = timed ? Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr)?.[1]) : NaN;
    const row: VoiceLongRow = {
      audioSeconds: out.staged.durationSeconds,
      sampleRate: opts.rate,
      stageSeconds: round(out.stageSeconds),
      cleanSeconds: round(out.cleanSeconds),
      denoiseSeconds: round(out.denoiseSeconds),
      denoisedStretchSeconds: opts.denoiseSeconds,
      wallSeconds: round(out.stageSeconds + out.cleanSeconds + out.denoiseSeconds),
      cpuSeconds: round(out.cpuSeconds),
      peakRssMb: Math.round(Number.isFinite(kb) ? kb / 1024 : out.peakRssMb),
      cleanedSeconds: round(out.cleaned.durationSeconds),
      cleanedLufs: out.cleaned.report.loudnessLufs,
    };
    const machine = { cores: os.availableParallelism(), cpu: os.cpus()[0]?.model ?? 'unknown', node: process.version };
    if (json) process.stdout.write(`${JSON.stringify({ machine, voiceLong: [row] }, null, 2)}\n`);
    else {
      process.stdout.write(
        `Timbre long-recording bench — ${machine.cores} cores, ${machine.cpu}, node ${machine.node}\n` +
          `recording ${(row.audioSeconds / 60).toFixed(0)} min at ${row.sampleRate} Hz (FLAC)\n` +
          `  stage (decode, analyse, encrypt)   ${row.stageSeconds.toFixed(1)} s\n` +
          `  clean whole (trim + normalise)     ${row.cleanSeconds.toFixed(1)} s  → ${(row.cleanedSeconds / 60).toFixed(1)} min at ${row.cleanedLufs} LUFS\n` +
          `  denoise ${row.denoisedStretchSeconds} s stretch (+ trim, norm.) ${row.denoiseSeconds.toFixed(1)} s\n` +
          `  wall (all three)                   ${row.wallSeconds.toFixed(1)} s (CPU ${row.cpuSeconds.toFixed(1)} s)\n` +
          `  peak RSS (whole process)           ${row.peakRssMb} MB (target ≤ 400 MB)\n`,
      );
    }
    return row.peakRssMb <= 400 ? 0 : 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const round = (v: number) => Math.round(v * 10) / 10;
