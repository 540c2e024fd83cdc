/**
 * The dubbing bench (issue #11), run by `npm run bench -- --dub [--json] [--dub-minutes 45]`: a synthetic video of
 * that length (a test pattern, a music-like background of sines with a swell, one SRT cue every 4 s) is dubbed with
 * eSpeak by `timbre dub` in a fresh process under /usr/bin/time (peak RSS of that process, worker threads included;
 * ffmpeg runs as separate processes). Prints videoSeconds, wallSeconds, peakRssMb, cpuSeconds and the fit counts.
 * Targets: at most 1 minute of processing per minute of video on 2 cores, peak RSS ≤ 1 GB.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');

const SENTENCES = [
  'Good morning, and welcome back to the programme.',
  'The weather today will be mild, with some rain later.',
  'We have a lot to talk about this week.',
  'Thank you for being here with us.',
  'Let us look at what happened next.',
  'This is the part everyone was waiting for.',
  'The results surprised nearly everyone in the room.',
  'See you all next time.',
];

function ts(s: number): string {
  const ms = Math.round(s * 1000);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(Math.floor(ms / 3_600_000))}:${p(Math.floor(ms / 60000) % 60)}:${p(Math.floor(ms / 1000) % 60)},${p(ms % 1000, 3)}`;
}

export async function runDubBench(json: boolean, minutes: number): Promise<number> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'timbre-dub-bench-'));
  try {
    const seconds = Math.round(minutes * 60);
    const video = path.join(dir, 'source.mp4');
    const made = spawnSync(
      'ffmpeg',
      [
        '-v',
        'error',
        '-y',
        '-f',
        'lavfi',
        '-i',
        `testsrc=size=160x120:rate=10:duration=${seconds}`,
        '-f',
        'lavfi',
        '-i',
        `sine=f=220:d=${seconds}:sample_rate=48000`,
        '-f',
        'lavfi',
        '-i',
        `sine=f=330:d=${seconds}:sample_rate=48000`,
        '-filter_complex',
        '[1][2]amerge=inputs=2,volume=0.1,tremolo=f=0.25:d=0.5[a]',
        '-map',
        '0:v',
        '-map',
        '[a]',
        '-c:v',
        'libx264',
        '-preset',
        'ultrafast',
        '-g',
        '100',
        '-c:a',
        'aac',
        '-b:a',
        '96k',
        video,
      ],
      { encoding: 'utf8' },
    );
    if (made.status !== 0) throw new Error(`ffmpeg could not make the bench video: ${made.stderr}`);
    const cues: string[] = [];
    for (let t = 1, i = 0; t + 3 < seconds; t += 4, i++)
      cues.push(`${i + 1}\n${ts(t)} --> ${ts(t + 2.6)}\n${SENTENCES[i % SENTENCES.length]}\n`);
    writeFileSync(path.join(dir, 'target.srt'), cues.join('\n'));
    const timed = existsSync('/usr/bin/time');
    const cmd = [
      process.execPath,
      path.join(root, 'bin', 'timbre.mjs'),
      '--data-dir',
      path.join(dir, 'data'),
      'dub',
      video,
      '--subs',
      path.join(dir, 'target.srt'),
      '-o',
      path.join(dir, 'dubbed.mp4'),
      '--report',
      path.join(dir, 'report.json'),
      '--no-progress',
    ];
    const t0 = performance.now();
    const r = timed
      ? spawnSync('/usr/bin/time', ['-v', ...cmd], { encoding: 'utf8', cwd: root })
      : spawnSync(cmd[0], cmd.slice(1), { encoding: 'utf8', cwd: root });
    const wallSeconds = (performance.now() - t0) / 1000;
    if (r.status !== 0) throw new Error(`timbre dub failed (${r.status}): ${r.stderr.slice(-1500)}`);
    const rssKb = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr)?.[1] ?? NaN);
    const user = Number(/User time \(seconds\): ([\d.]+)/.exec(r.stderr)?.[1] ?? NaN);
    const sys = Number(/System time \(seconds\): ([\d.]+)/.exec(r.stderr)?.[1] ?? NaN);
    const report = JSON.parse(readFileSync(path.join(dir, 'report.json'), 'utf8')) as {
      output: { durationSeconds: number; videoCopied: boolean };
      segments: { fit: string }[];
      loudness: { integratedLufs: number };
    };
    const fits: Record<string, number> = {};
    for (const s of report.segments) fits[s.fit] = (fits[s.fit] ?? 0) + 1;
    const row = {
      videoSeconds: seconds,
      wallSeconds: Math.round(wallSeconds * 10) / 10,
      peakRssMb: Math.round(rssKb / 1024),
      cpuSeconds: Math.round((user + sys) * 10) / 10,
      minutesPerVideoMinute: Math.round((wallSeconds / seconds) * 1000) / 1000,
      segments: report.segments.length,
      fits,
      outputSeconds: report.output.durationSeconds,
      videoCopied: report.output.videoCopied,
      integratedLufs: report.loudness.integratedLufs,
      machine: { cores: os.availableParallelism(), load1: os.loadavg()[0], cpu: os.cpus()[0]?.model ?? 'unknown' },
    };
    if (json) process.stdout.write(`${JSON.stringify(row, null, 2)}\n`);
    else
      process.stdout.write(
        `dub bench: ${(seconds / 60).toFixed(1)} min of video, ${row.segments} segments, ${row.wallSeconds} s wall (${row.minutesPerVideoMinute} min per minute of video), ${row.cpuSeconds} s CPU, peak RSS ${row.peakRssMb} MB; targets ≤ 1 min/min, ≤ 1024 MB\n`,
      );
    return row.minutesPerVideoMinute <= 1 && row.peakRssMb <= 1024 ? 0 : 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
