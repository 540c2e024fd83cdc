/**
 * Run inside `unshare -rm` (a private mount namespace): mounts a tiny tmpfs, fills it while the core saves and
 * generates, then restarts the core and reports what survived as one JSON line. Driven by tests/unit/full-disk.test.ts.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createCore, type Core } from '../../main/node/core.js';

const mnt = process.argv[2];
mkdirSync(mnt, { recursive: true });
execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=3m', 'tmpfs', mnt]);

async function call<T>(core: Core, method: string, params: unknown) {
  return (await core.dispatch(method, params)) as
    { ok: true; result: T } | { ok: false; error: { code: string; message: string } };
}

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

const data = path.join(mnt, 'data');
let core = await createCore({ dataDir: data, transport: 'web', version: 'test' });
const project = await call<{ id: string }>(core, 'projects.create', { name: 'Full disk' });
if (!project.ok) throw new Error(project.error.message);
const saved = await call<{ id: string }>(core, 'lines.add', {
  projectId: project.result.id,
  text: 'Saved before the disk filled.',
});
if (!saved.ok) throw new Error(saved.error.message);
const long = await call<{ id: string }>(core, 'lines.add', {
  projectId: project.result.id,
  text: 'This line is long enough that its audio needs far more room than the disk has left. '.repeat(3),
});
if (!long.ok) throw new Error(long.error.message);

// Fill the disk, leaving a few KiB.
let filler = 0;
for (;;) {
  try {
    writeFileSync(path.join(mnt, `filler-${filler++}`), Buffer.alloc(64 * 1024));
  } catch {
    break;
  }
}

const errors: Record<string, string> = {};
// With no room at all, even queueing is refused.
const refused = await call(core, 'jobs.generate', { projectId: project.result.id });
errors.enqueue = refused.ok ? 'accepted' : `${refused.error.code}:${refused.error.message}`;
// Room for the job row, not for the take's audio: the WAV write fails.
execFileSync('rm', ['-f', path.join(mnt, 'filler-0')]);
const gen = await call<{ id: string }[]>(core, 'jobs.generate', {
  projectId: project.result.id,
  lineIds: [long.result.id],
});
await core.jobs.idle();
const jobs = await call<{ status: string; error: { code: string; message: string } | null }[]>(core, 'jobs.list', {
  projectId: project.result.id,
});
errors.generate =
  gen.ok && jobs.ok
    ? `${jobs.result[0].status}:${jobs.result[0].error?.code}:${jobs.result[0].error?.message}`
    : `refused:${gen.ok ? '' : gen.error.code}`;
// Autosaves of big edits until SQLite reports the disk full.
let saveError = '';
let acknowledged = 0;
for (let i = 0; i < 200 && !saveError; i++) {
  const r = await call(core, 'lines.add', { projectId: project.result.id, text: `Line ${i} ${'x'.repeat(9000)}` });
  if (!r.ok) saveError = `${r.error.code}:${r.error.message}`;
  else acknowledged++;
}
errors.save = saveError;
await core.close();

// Free the space and restart.
for (let i = 1; i < filler; i++) execFileSync('rm', ['-f', path.join(mnt, `filler-${i}`)]);
core = await createCore({ dataDir: data, transport: 'web', version: 'test' });
const after = await call<{ lines: { id: string; text: string; activeTake: unknown }[] }>(core, 'projects.get', {
  id: project.result.id,
});
const leftovers = files(data).filter(
  (f) => f.endsWith('.tmp-timbre') || (f.includes(`${path.sep}takes${path.sep}`) && f.endsWith('.wav')),
);
const retry = await call(core, 'lines.update', { id: saved.result.id, text: 'Edited after space was freed.' });
await core.close();
process.stdout.write(
  `${JSON.stringify({
    errors,
    savedText: after.ok ? after.result.lines.find((l) => l.id === saved.result.id)?.text : null,
    acknowledged,
    linesAfter: after.ok ? after.result.lines.length : -1,
    takesListed: after.ok ? after.result.lines.filter((l) => l.activeTake).length : -1,
    leftovers,
    retryOk: retry.ok,
  })}\n`,
);
