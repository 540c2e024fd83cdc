/**
 * Run inside `unshare -rm` (a private mount namespace): the data folder is on the normal disk, the export goes to a
 * tiny tmpfs that fills up while the export is written. Prints one JSON line: the export's end state and what is
 * left in the output folder. Driven by tests/unit/studio-export.test.ts.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { createCore } from '../../main/node/core.js';
import type { ExportJob } from '../../preload/contract/index.js';

const base = process.argv[2];
const out = path.join(base, 'out');
mkdirSync(out, { recursive: true });
execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', out]);

const core = await createCore({ dataDir: path.join(base, 'data'), transport: 'web', version: 'test' });
const call = async <T>(m: string, p: unknown): Promise<T> => {
  const r = await core.dispatch(m, p);
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.result as T;
};
const { id } = await call<{ id: string }>('projects.create', { name: 'Full' });
await call('script.import', {
  projectId: id,
  source: {
    text: 'A line long enough to need more room than the disk has left.\n\nAnd a second one, too.',
    format: 'txt',
  },
});
await call('jobs.generate', { projectId: id });
await core.jobs.idle();
// 48 kHz 24-bit stereo WAV of several seconds: megabytes, on a 256 KiB disk.
const job = await call<ExportJob>('export.start', {
  projectId: id,
  format: 'wav',
  wavBits: 24,
  sampleRate: 48000,
  outputPath: path.join(out, 'episode.wav'),
  subtitles: ['srt'],
});
const end = await core.exports.wait(job.id);
await core.close();
process.stdout.write(`${JSON.stringify({ status: end.status, error: end.error, leftovers: readdirSync(out) })}\n`);
