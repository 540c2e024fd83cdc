/**
 * Child process of the archive memory test (run with `node --import tsx`): `export` makes a project whose takes hold
 * `<MB>` MiB of audio (one real eSpeak take, then large take files added beside it as more takes of the line) and
 * exports everything; `import` restores the archive into an empty data folder. Prints one JSON line with the peak RSS
 * of the work alone (VmHWM after resetting it through /proc/self/clear_refs, the core's start-up before) and of the
 * whole process.
 *
 * argv: export <data dir> <archive> <MB> [break-last] | import <data dir> <archive>
 */
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { createCore } from '../../main/node/core.js';
import { wavHeader } from '../../native-models/audio/wav.js';
import { call } from './voices.js';

const [mode, dataDir, archive, mb, sabotage] = process.argv.slice(2);

const statusMb = (field: 'VmHWM' | 'VmRSS'): number => {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync('/proc/self/status', 'utf8'));
  if (!m) throw new Error(`no ${field} in /proc/self/status`);
  return Number(m[1]) / 1024;
};

const core = await createCore({ dataDir, transport: 'web', version: 'test', log: () => undefined });
let result: unknown;
/** Resident memory when the work starts (the core, its eSpeak worker thread), after resetting the peak. */
let baseRssMb = 0;
if (mode === 'export') {
  const p = await call<{ id: string }>(core, 'projects.create', { name: 'Big' });
  await call(core, 'projects.setVoice', { id: p.id, voiceId: 'espeak:en-us' });
  await call(core, 'lines.add', { projectId: p.id, text: 'A long episode.' });
  await call(core, 'jobs.generate', { projectId: p.id });
  await core.jobs.idle();
  // More takes of the line, each a 32 MiB WAV written here (rows copied from the real take).
  const db = new Database(path.join(dataDir, 'timbre.sqlite'));
  const take = db.prepare('SELECT * FROM takes LIMIT 1').get() as Record<string, unknown>;
  const block = Buffer.alloc(1 << 20);
  for (let i = 0; i < Number(mb) / 32; i++) {
    const id = `take_big${i}`;
    const file = `${p.id}/${id}.wav`;
    const fd = openSync(path.join(dataDir, 'takes', file), 'w');
    const frames = (32 * (1 << 20)) / 2;
    writeSync(fd, wavHeader(frames, 24_000, 16));
    for (let k = 0; k < 32; k++) {
      for (let j = 0; j < block.length; j += 4) block.writeUInt32LE((Math.random() * 2 ** 32) >>> 0, j);
      writeSync(fd, block);
    }
    closeSync(fd);
    const row = { ...take, id, file };
    const keys = Object.keys(row);
    db.prepare(`INSERT INTO takes (${keys.join(', ')}) VALUES (${keys.map((k) => `@${k}`).join(', ')})`).run(row);
  }
  db.close();
  // `break-last`: the last take's file becomes a folder, so the export fails after most of the archive is written.
  if (sabotage === 'break-last') {
    const last = path.join(dataDir, 'takes', p.id, `take_big${Number(mb) / 32 - 1}.wav`);
    rmSync(last);
    mkdirSync(last);
  }
  writeFileSync('/proc/self/clear_refs', '5');
  baseRssMb = statusMb('VmRSS');
  const t0 = performance.now();
  const r = await call<{ bytes: number; counts: unknown }>(core, 'privacy.export', {
    path: archive,
    passphrase: 'memory test passphrase',
  });
  result = { ...r, seconds: (performance.now() - t0) / 1000 };
} else {
  writeFileSync('/proc/self/clear_refs', '5');
  baseRssMb = statusMb('VmRSS');
  const t0 = performance.now();
  const r = await call(core, 'privacy.import', { path: archive, passphrase: 'memory test passphrase' });
  result = { ...(r as object), seconds: (performance.now() - t0) / 1000 };
}
const workPeakRssMb = statusMb('VmHWM');
await core.close();
process.stdout.write(
  `${JSON.stringify({ ...(result as object), baseRssMb, workPeakRssMb, peakRssMb: process.resourceUsage().maxRSS / 1024 })}\n`,
);
