/**
 * `npm run bench [-- --json] [-- --only espeak,pocket-tts,silero-vad,aligner,piper,kokoro,asr]`: real-time speed, time to first audio
 * and peak RSS per engine, each measured in a fresh process. `aligner`: the embedded aligner (issue #10) on the 10
 * real clips with their transcripts, speed in x real time of audio aligned and verified; "first audio" is its first
 * call (model load included). `asr`: speech recognition (Parakeet pack, or its contract fixture when
 * TIMBRE_MODELS_DIR lacks it) on the same clips. Targets (issue #3) for the real Pocket TTS int8 pack on
 * 2 x86 cores: ≥ 6x real time, first audio ≤ 200 ms, peak RSS < 400 MB.
 *
 * `npm run bench -- --long [--json] [--lengths 3600,36000]` (issue #9): projects of 1 and 10 hours of speech
 * (real eSpeak takes, reused), each exported to MP3 at podcast loudness with SRT in a fresh process (peak RSS of
 * that whole process, the export worker included), and the reference pipeline on the same takes (ffmpeg concat +
 * loudnorm + MP3); both outputs measured by ffmpeg's ebur128. Targets: peak RSS ≤ 400 MB at both lengths (the
 * longer within 10 % of the shorter), wall time ≤ the reference's, loudness within 0.5 LU of −16 LUFS, true peak
 * ≤ −1 dBTP.
 *
 * `npm run bench -- --timeline [--json] [--hours 10]` (issue #9): a 10-hour project's timeline opened in headless
 * Chromium: ms until the overview is drawn and until a first zoom is drawn (timeline-bench.ts).
 * `npm run bench -- --voice-long [--json] [--seconds 3600] [--rate 48000] [--denoise-seconds 120]` (issue #9, long
 * recordings): a one-hour recording staged, cleaned whole and a stretch denoised in one fresh process: wall seconds
 * per step and peak RSS of the whole process (target ≤ 400 MB). See voice-long-bench.ts.
 * `npm run bench -- --dub [--json] [--dub-minutes 45]` (issue #11): a synthetic video of that length dubbed with
 * eSpeak by `timbre dub` in a fresh process: videoSeconds, wallSeconds, peakRssMb. See dub-bench.ts.
 */
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchResult } from './engine-run.js';

const args = process.argv.slice(2);
const json = args.includes('--json');
if (args.includes('--long')) {
  const { runLong } = await import('./long-bench.js');
  const li = args.indexOf('--lengths');
  process.exitCode = await runLong(json, li >= 0 ? args[li + 1].split(',').map(Number) : [3600, 36_000]);
  process.exit();
}
if (args.includes('--timeline')) {
  const { runTimeline } = await import('./timeline-bench.js');
  const hi = args.indexOf('--hours');
  process.exitCode = await runTimeline(json, hi >= 0 ? Number(args[hi + 1]) : 10);
  process.exit();
}
if (args.includes('--voice-long')) {
  const { runVoiceLong } = await import('./voice-long-bench.js');
  const num = (flag: string, d: number) => (args.includes(flag) ? Number(args[args.indexOf(flag) + 1]) : d);
  process.exitCode = await runVoiceLong(json, {
    seconds: num('--seconds', 3600),
    rate: num('--rate', 48_000),
    denoiseSeconds: num('--denoise-seconds', 120),
  });
  process.exit();
}
if (args.includes('--dub')) {
  const { runDubBench } = await import('./dub-bench.js');
  const mi = args.indexOf('--dub-minutes');
  process.exitCode = await runDubBench(json, mi >= 0 ? Number(args[mi + 1]) : 45);
  process.exit();
}
if (args.includes('--dub-analysis')) {
  const { runDubAnalysisBench } = await import('./dub-analysis-bench.js');
  const mi = args.indexOf('--dub-minutes');
  process.exitCode = await runDubAnalysisBench(json, mi >= 0 ? args[mi + 1].split(',').map(Number) : [10, 60]);
  process.exit();
}
const onlyIdx = args.indexOf('--only');
const engines =
  onlyIdx >= 0 ? args[onlyIdx + 1].split(',') : ['espeak', 'pocket-tts', 'silero-vad', 'aligner', 'piper', 'asr'];
if (onlyIdx < 0) engines.push('kokoro'); // issue #14: fixture here, real with TIMBRE_MODELS_DIR/kokoro
const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');

const results: (BenchResult | { engine: string; error: string })[] = [];
for (const e of engines) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(here, 'engine-run.ts'), e], {
    cwd: root,
    encoding: 'utf8',
  });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try {
    results.push(JSON.parse(line));
  } catch {
    results.push({ engine: e, error: (r.stderr || r.stdout || `exit ${r.status}`).trim().slice(0, 300) });
  }
}

const machine = {
  cores: os.availableParallelism(),
  cpu: os.cpus()[0]?.model ?? 'unknown',
  platform: `${os.platform()}-${os.arch()}`,
  node: process.version,
};
if (json) {
  process.stdout.write(`${JSON.stringify({ machine, results }, null, 2)}\n`);
} else {
  const rows = results.map((r) =>
    'error' in r
      ? [r.engine, 'error', '', '', '', r.error]
      : [
          r.engine,
          `${r.speedXRealtime.toFixed(1)}x`,
          r.firstAudioMs === null ? '—' : `${r.firstAudioMs.toFixed(0)} ms`,
          `${r.peakRssMb.toFixed(0)} MB`,
          `${r.audioSeconds.toFixed(1)} s`,
          r.graphs,
        ],
  );
  const head = ['engine', 'speed (x real time)', 'first audio', 'peak RSS', 'audio', 'graphs'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const fmt = (r: string[]) => r.map((c, i) => c.padEnd(widths[i])).join('  ');
  process.stdout.write(
    `Timbre benchmark — ${machine.cores} cores, ${machine.cpu}, ${machine.platform}, node ${machine.node}\n`,
  );
  process.stdout.write(`${fmt(head)}\n${fmt(widths.map((w) => '-'.repeat(w)))}\n${rows.map(fmt).join('\n')}\n`);
}
process.exitCode = results.some((r) => 'error' in r) ? 1 : 0;
