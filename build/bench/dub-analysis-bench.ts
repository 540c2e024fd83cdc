/**
 * Dubbing projects' speakers and transcripts (issue #11), run by `npm run bench -- --dub-analysis [--json]
 * [--dub-minutes 10,60]`: per length, a fresh process (`dub-analysis-run.ts`) transcribes an N-minute media and
 * clusters its speakers with the fixture packs, and reports the times and its peak RSS. What it shows: memory does
 * not grow with the media's length (the audio is read by offset, transcribed in 300 s chunks); the times are the
 * orchestration's with fixture models, not the real packs'.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');

export async function runDubAnalysisBench(json: boolean, minutes: number[]): Promise<number> {
  const rows: Record<string, unknown>[] = [];
  for (const m of minutes) {
    const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(here, 'dub-analysis-run.ts'), String(m)], {
      cwd: root,
      encoding: 'utf8',
    });
    const line = r.stdout.trim().split('\n').pop() ?? '';
    try {
      rows.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      rows.push({ minutes: m, error: (r.stderr || r.stdout || `exit ${r.status}`).trim().slice(0, 300) });
    }
  }
  if (json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
  else
    for (const x of rows)
      process.stdout.write(
        x.error
          ? `${String(x.minutes)} min: ${String(x.error)}\n`
          : `${String(x.minutes)} min, ${String(x.segments)} segments: transcribe ${String(x.transcribeSeconds)} s, find speakers ${String(x.findSpeakersSeconds)} s, peak RSS ${String(x.maxRssMb)} MB\n`,
      );
  return rows.some((x) => x.error) ? 1 : 0;
}
