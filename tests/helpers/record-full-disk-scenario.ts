/**
 * Run inside `unshare -rm` (a private mount namespace), with PULSE_SERVER pointing at a test PulseAudio daemon:
 * mounts two tiny tmpfs, one filled completely and one with 64 KiB free, and records onto each with the CLI.
 * Prints one JSON line: per case the exit code, the last line of stderr, the files left, and (when a WAV was left)
 * its decoded sample count and rate. Driven by tests/unit/recorder.test.ts.
 *
 * argv: <folder for the mount points>
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { decodeWav } from '../../native-models/audio/wav.js';

const [base] = process.argv.slice(2);
const ROOT = path.resolve(import.meta.dirname, '..', '..');

function mount(name: string, fill: boolean): string {
  const mnt = path.join(base, name);
  mkdirSync(mnt, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mnt]);
  for (let i = 0; fill; i++) {
    try {
      writeFileSync(path.join(mnt, `filler-${i}`), Buffer.alloc(4096));
    } catch {
      break;
    }
  }
  return mnt;
}

const out: Record<string, { code: number | null; stderr: string; left: string[]; samples?: number; rate?: number }> =
  {};
for (const [name, fill, seconds] of [
  ['full', true, '2'],
  ['fills-up', false, '3'],
] as const) {
  const mnt = mount(name, fill);
  const before = readdirSync(mnt);
  const r = spawnSync(
    process.execPath,
    [
      path.join(ROOT, 'bin', 'timbre.mjs'),
      '--data-dir',
      path.join(base, `data-${name}`), // the privacy ledger's folder, on a disk with room
      'record',
      '--seconds',
      seconds,
      '-o',
      path.join(mnt, 'take.wav'),
    ],
    { cwd: ROOT, encoding: 'utf8', timeout: 60_000 },
  );
  const lines = r.stderr.trim().split('\n');
  const left = readdirSync(mnt)
    .filter((f) => !before.includes(f))
    .sort();
  out[name] = { code: r.status, stderr: lines[lines.length - 1] ?? '', left };
  if (left.includes('take.wav')) {
    const wav = decodeWav(readFileSync(path.join(mnt, 'take.wav')));
    out[name].samples = wav.samples.length;
    out[name].rate = wav.sampleRate;
  }
}
process.stdout.write(`${JSON.stringify(out)}\n`);
