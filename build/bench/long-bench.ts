/**
 * The long-form export bench (issue #9), run by `npm run bench -- --long`: see bench.ts. Each export runs in a
 * fresh process under /usr/bin/time (peak RSS of the whole process, worker threads included; the process's own
 * process.resourceUsage().maxRSS is used where /usr/bin/time is missing).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const ffmpeg = 'ffmpeg';

interface LongRow {
  hours: number;
  lines: number;
  audioSeconds: number;
  wallSeconds: number;
  peakRssMb: number;
  referenceWallSeconds: number;
  /** User + system CPU seconds (children included): less sensitive than wall time to a shared machine's load. */
  cpuSeconds: number | null;
  referenceCpuSeconds: number | null;
  integratedLufs: number;
  truePeakDbtp: number;
  referenceIntegratedLufs: number;
  referenceTruePeakDbtp: number;
}

function ebur128(file: string): { lufs: number; peak: number } {
  const r = spawnSync(
    ffmpeg,
    ['-nostats', '-i', file, '-filter_complex', 'ebur128=peak=true:framelog=verbose', '-f', 'null', '-'],
    {
      encoding: 'utf8',
      maxBuffer: 1 << 30,
    },
  );
  const summary = r.stderr.slice(r.stderr.lastIndexOf('Summary:'));
  return {
    lufs: Number(/I:\s+(-?[\d.]+) LUFS/.exec(summary)?.[1] ?? NaN),
    peak: Number(/Peak:\s+(-?[\d.]+) dBFS/.exec(summary)?.[1] ?? NaN),
  };
}

const tsx = (...a: string[]) => [process.execPath, '--import', 'tsx', path.join(here, 'long-project.ts'), ...a];

export async function runLong(json: boolean, lengths: number[]): Promise<number> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'timbre-long-'));
  try {
    const built = spawnSync(
      tsx()[0],
      [...tsx().slice(1), 'build', path.join(dir, 'data'), lengths.join(','), path.join(dir, 'list')],
      {
        cwd: root,
        encoding: 'utf8',
      },
    );
    if (built.status !== 0) throw new Error(`building the projects failed: ${built.stderr.slice(-1000)}`);
    const projects = JSON.parse(built.stdout.trim().split('\n').pop()!) as {
      projectId: string;
      lines: number;
      audioSeconds: number;
      list: string;
    }[];
    const rows: LongRow[] = [];
    const timeBin = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;
    for (const [k, p] of projects.entries()) {
      const out = path.join(dir, `timbre-${k}.mp3`);
      const cmd = tsx('export', path.join(dir, 'data'), p.projectId, out);
      const r = timeBin
        ? spawnSync(timeBin, ['-v', ...cmd], { cwd: root, encoding: 'utf8' })
        : spawnSync(cmd[0], cmd.slice(1), { cwd: root, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`export failed: ${r.stderr.slice(-1000)}`);
      const res = JSON.parse(r.stdout.trim().split('\n').pop()!) as {
        audioSeconds: number;
        wallSeconds: number;
        maxRssMb: number;
      };
      const timeRss = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr);
      const peakRssMb = Math.max(res.maxRssMb, timeRss ? Number(timeRss[1]) / 1024 : 0);
      const m = ebur128(out);
      rmSync(out, { force: true });
      // The reference: the same takes and gaps concatenated, loudnorm to −16 LUFS / −1 dBTP, MP3 128 kbit/s.
      const ref = path.join(dir, `reference-${k}.mp3`);
      const t0 = performance.now();
      const refArgs = [
        '-nostdin',
        '-v',
        'error',
        '-y',
        '-f',
        'concat',
        '-safe',
        '0',
        '-i',
        p.list,
        '-af',
        'loudnorm=I=-16:TP=-1:LRA=11',
        '-ar',
        '44100',
        '-ac',
        '2',
        '-c:a',
        'libmp3lame',
        '-b:a',
        '128k',
        ref,
      ];
      const rr = timeBin
        ? spawnSync(timeBin, ['-v', ffmpeg, ...refArgs], { encoding: 'utf8' })
        : spawnSync(ffmpeg, refArgs, { encoding: 'utf8' });
      const referenceWallSeconds = (performance.now() - t0) / 1000;
      if (rr.status !== 0) throw new Error(`reference pipeline failed: ${rr.stderr.slice(-500)}`);
      const rm = ebur128(ref);
      rmSync(ref, { force: true });
      const cpu = (text: string) => {
        const u = /User time \(seconds\): ([\d.]+)/.exec(text);
        const sy = /System time \(seconds\): ([\d.]+)/.exec(text);
        return u && sy ? Number(u[1]) + Number(sy[1]) : null;
      };
      rows.push({
        cpuSeconds: cpu(r.stderr),
        referenceCpuSeconds: cpu(rr.stderr),
        hours: lengths[k] / 3600,
        lines: p.lines,
        audioSeconds: res.audioSeconds,
        wallSeconds: res.wallSeconds,
        peakRssMb,
        referenceWallSeconds,
        integratedLufs: m.lufs,
        truePeakDbtp: m.peak,
        referenceIntegratedLufs: rm.lufs,
        referenceTruePeakDbtp: rm.peak,
      });
    }
    const first = rows[0];
    const targets = rows.map((r) => ({
      hours: r.hours,
      rssUnder400Mb: r.peakRssMb <= 400,
      rssWithin10PctOfShortest: r.peakRssMb <= first.peakRssMb * 1.1,
      fasterThanReference: r.wallSeconds <= r.referenceWallSeconds,
      loudnessWithinHalfLu: Math.abs(r.integratedLufs + 16) <= 0.5,
      truePeakUnderMinus1: r.truePeakDbtp <= -1,
    }));
    const machine = {
      cores: os.availableParallelism(),
      cpu: os.cpus()[0]?.model ?? 'unknown',
      loadAverage: os.loadavg().map((l) => Number(l.toFixed(1))),
      node: process.version,
    };
    if (json) process.stdout.write(`${JSON.stringify({ machine, long: rows, targets }, null, 2)}\n`);
    else {
      const head = [
        'length',
        'audio',
        'Timbre wall (CPU)',
        'peak RSS',
        'reference wall (CPU)',
        'loudness',
        'true peak',
        'targets',
      ];
      const cpuOf = (c: number | null) => (c === null ? '' : ` (${c.toFixed(0)} s)`);
      const body = rows.map((r, i) => [
        `${r.hours} h`,
        `${r.audioSeconds.toFixed(0)} s`,
        `${r.wallSeconds.toFixed(1)} s${cpuOf(r.cpuSeconds)}`,
        `${r.peakRssMb.toFixed(0)} MB`,
        `${r.referenceWallSeconds.toFixed(1)} s${cpuOf(r.referenceCpuSeconds)}`,
        `${r.integratedLufs.toFixed(2)} LUFS`,
        `${r.truePeakDbtp.toFixed(2)} dBTP`,
        Object.entries(targets[i])
          .filter(([k, v]) => k !== 'hours' && !v)
          .map(([k]) => `missed ${k}`)
          .join(', ') || 'all met',
      ]);
      const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
      const fmt = (r: string[]) => r.map((c, i) => c.padEnd(widths[i])).join('  ');
      process.stdout.write(
        `Timbre long-form export — ${machine.cores} cores, ${machine.cpu}, load ${machine.loadAverage.join(' ')}\n`,
      );
      process.stdout.write(`${fmt(head)}\n${fmt(widths.map((w) => '-'.repeat(w)))}\n${body.map(fmt).join('\n')}\n`);
    }
    return targets.every((t) => Object.values(t).every((v) => v !== false)) ? 0 : 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
