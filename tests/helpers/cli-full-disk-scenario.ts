/**
 * Run inside `unshare -rm` (a private mount namespace): mounts a tiny tmpfs, fills it, then runs the CLI's write
 * commands with their output on it (the data folder stays on the normal disk). Prints one JSON line: for each command
 * its exit code, the last line of stderr, and what it left on the full disk. Driven by tests/unit/full-disk-cli.test.ts.
 *
 * argv: <mount point> <data dir with an exported-ready project> <project id> <input WAV> <clean: "1" when the VAD is installed>
 *   [<library voice id>: also `voices export` it onto the full disk; TIMBRE_PASSPHRASE / TIMBRE_VOICE_PASSPHRASE set]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const [mnt, data, projectId, wav, canClean, voiceId] = process.argv.slice(2);
const ROOT = path.resolve(import.meta.dirname, '..', '..');
mkdirSync(mnt, { recursive: true });
execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mnt]);
// Fill it completely.
for (let i = 0; ; i++) {
  try {
    writeFileSync(path.join(mnt, `filler-${i}`), Buffer.alloc(4096));
  } catch {
    break;
  }
}
const before = readdirSync(mnt).sort();

const runs: Record<string, { code: number | null; stderr: string; left: string[] }> = {};
function run(name: string, args: string[]): void {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'timbre.mjs'), '--data-dir', data, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
  });
  const lines = r.stderr.trim().split('\n');
  runs[name] = {
    code: r.status,
    stderr: lines[lines.length - 1] ?? '',
    left: readdirSync(mnt)
      .sort()
      .filter((f) => !before.includes(f)),
  };
}

run('say', ['say', 'Hello from a full disk.', '-o', path.join(mnt, 'say.wav')]);
if (canClean === '1') run('clean', ['clean', wav, '-o', path.join(mnt, 'clean.wav')]);
run('export', ['export', projectId, '--format', 'mp3', '-o', path.join(mnt, 'episode.mp3')]);
run('export-srt-stems', [
  'export',
  projectId,
  '--format',
  'mp3',
  '-o',
  path.join(mnt, 'ep2.mp3'),
  '--srt',
  path.join(mnt, 'ep2.srt'),
  '--vtt',
  path.join(mnt, 'ep2.vtt'),
  '--stems',
  'line',
]);
if (voiceId) run('voices-export', ['voices', 'export', voiceId, '-o', path.join(mnt, 'reader.timbrevoice')]);
// Last (it creates the data folder on the full disk): a model pack imported into a data folder there (the pack
// is read from the normal disk). Folders may be left; files may not.
const packSrc = process.env.TIMBRE_FULL_DISK_PACK;
if (packSrc) {
  const r = spawnSync(
    process.execPath,
    [path.join(ROOT, 'bin', 'timbre.mjs'), '--data-dir', path.join(mnt, 'data'), 'models', 'import', packSrc],
    { cwd: ROOT, encoding: 'utf8', timeout: 120_000 },
  );
  const lines = r.stderr.trim().split('\n');
  const walk = (d: string): string[] =>
    readdirSync(d, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(path.join(d, e.name)).map((f) => `${e.name}/${f}`) : [e.name],
    );
  runs['models-import'] = {
    code: r.status,
    stderr: lines[lines.length - 1] ?? '',
    left: walk(mnt)
      .filter((f) => !before.includes(f))
      .sort(),
  };
}
process.stdout.write(`${JSON.stringify(runs)}\n`);
