/**
 * Child process of the music-bed memory test (run with `node --import tsx`), so each step's peak RSS is its own:
 *
 *   bed <dataDir> <projectId> <music file>   sets the project's music bed (ducked) through `projects.setMix` and
 *                                            prints {maxRssMb, durationSeconds}
 *   export <dataDir> <projectId> <out.mp3>   exports it (MP3, podcast loudness, SRT) through the real export
 *                                            service (worker thread) and prints one JSON line: maxRssMb (this whole
 *                                            process, the worker included: process.resourceUsage().maxRSS),
 *                                            audioSeconds, integratedLufs, truePeakDbtp
 */
import { createCore } from '../../main/node/core.js';
import { exportLong } from '../../build/bench/long-project.js';

const [cmd, dataDir, projectId, file] = process.argv.slice(2);
const core = await createCore({ dataDir, transport: 'web', version: 'test' });
try {
  if (cmd === 'bed') {
    const r = await core.dispatch('projects.setMix', {
      id: projectId,
      musicBed: { source: { path: file }, gainDb: -10, duck: true },
    });
    if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
    const bed = (r.result as { musicBed: { durationSeconds: number } }).musicBed;
    process.stdout.write(
      `${JSON.stringify({ maxRssMb: process.resourceUsage().maxRSS / 1024, durationSeconds: bed.durationSeconds })}\n`,
    );
  } else if (cmd === 'export') {
    const job = await exportLong(core, projectId, file);
    if (job.status !== 'done') throw new Error(`export ${job.status}: ${JSON.stringify(job.error)}`);
    process.stdout.write(
      `${JSON.stringify({
        maxRssMb: process.resourceUsage().maxRSS / 1024,
        audioSeconds: job.durationSeconds,
        integratedLufs: job.integratedLufs,
        truePeakDbtp: job.truePeakDbtp,
      })}\n`,
    );
  } else throw new Error(`unknown command ${cmd}`);
} finally {
  await core.close();
}
