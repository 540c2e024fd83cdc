/**
 * Memory trace of one long export (issue #9 profiling aid, not part of the bench's figures):
 * `node --import tsx build/bench/mem-trace.ts <dataDir> <seconds>` builds a project of that length (like the bench),
 * exports it to MP3 + SRT in this process's export worker, and prints the process RSS and this thread's heap every
 * 2 s (the worker's heap is the rest of the RSS), then the peak.
 */
import { createCore } from '../../main/node/core.js';
import { buildLongProject, exportLong } from './long-project.js';
import path from 'node:path';

const [dataDir, secs] = process.argv.slice(2);
const core = await createCore({ dataDir, transport: 'web', version: 'bench' });
try {
  const p = await buildLongProject(core, Number(secs));
  global.gc?.();
  const mb = (n: number) => Math.round(n / 1048576);
  const t0 = performance.now();
  let peak = 0;
  const sample = () => {
    const m = process.memoryUsage();
    peak = Math.max(peak, m.rss);
    return `${((performance.now() - t0) / 1000).toFixed(0)}s rss ${mb(m.rss)} heap ${mb(m.heapUsed)} ext ${mb(m.external)} ab ${mb(m.arrayBuffers)}`;
  };
  process.stderr.write(`before export: ${sample()}\n`);
  const timer = setInterval(() => process.stderr.write(`${sample()}\n`), 2000);
  const job = await exportLong(core, p.projectId, path.join(dataDir, 'out.mp3'));
  clearInterval(timer);
  process.stderr.write(`after: ${sample()}\n`);
  process.stdout.write(
    `${JSON.stringify({ seconds: p.audioSeconds, lines: p.lines, status: job.status, peakRssMb: mb(peak), maxRssMb: mb(process.resourceUsage().maxRSS * 1024), wall: (performance.now() - t0) / 1000 })}\n`,
  );
} finally {
  await core.close();
}
