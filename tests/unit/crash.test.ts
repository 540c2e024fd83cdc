/**
 * kill -9 the server repeatedly in the middle of autosaves and generations; after every restart each saved line is
 * intact, no take is listed without a complete WAV, nothing is left running and no temp file remains.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { decodeWav } from '../../native-models/audio/wav.js';
import { ROOT, startServer } from '../helpers/server-process.js';
import { tempDir } from '../helpers/tmp.js';

beforeAll(() => {
  execFileSync(process.execPath, [path.join(ROOT, 'build/scripts/build.mjs'), '--node', '--if-stale'], {
    stdio: 'ignore',
  });
});

interface LineOut {
  id: string;
  text: string;
  activeTake: { id: string } | null;
}

function allFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? allFiles(p) : [p];
  });
}

describe('crash safety', () => {
  it('survives repeated kill -9 during autosave and generation without losing saved data', async () => {
    const { dir, cleanup } = tempDir();
    try {
      let s = await startServer(dir);
      // This test is about what survives a kill; resuming the interrupted jobs is tested in resume.test.ts.
      expect((await s.rpc('settings.update', { resumeInterruptedJobs: false })).ok).toBe(true);
      const p = (await s.rpc<{ id: string }>('projects.create', { name: 'Crashy' })) as {
        ok: true;
        result: { id: string };
      };
      const projectId = p.result.id;
      const lineIds: string[] = [];
      for (let i = 0; i < 3; i++) {
        const r = (await s.rpc<LineOut>('lines.add', { projectId, text: `Line ${i} v0.` })) as {
          ok: true;
          result: LineOut;
        };
        lineIds.push(r.result.id);
      }
      /** The last text the server acknowledged for each line: it must survive any crash. */
      const acked = new Map(lineIds.map((id, i) => [id, `Line ${i} v0.`]));
      /** Texts sent but maybe not acknowledged before the kill: either may be there after restart. */
      const inFlight = new Map<string, Set<string>>();

      let roundsInterrupted = 0;
      for (let round = 1; round <= 6; round++) {
        // Long lines so that the kill lands during synthesis or the take write.
        const gen = s.rpc('jobs.generate', { projectId }).catch(() => undefined);
        let version = 0;
        let stop = false;
        const saver = (async () => {
          while (!stop) {
            const i = version % lineIds.length;
            const id = lineIds[i];
            const text = `Line ${i} round ${round} version ${++version}. ${'Some more words to speak. '.repeat(round % 3)}`;
            const set = inFlight.get(id) ?? new Set();
            set.add(text);
            inFlight.set(id, set);
            const r = await s.rpc('lines.update', { id, text }).catch(() => null);
            if (r?.ok) {
              acked.set(id, text);
              inFlight.set(id, new Set());
            }
          }
        })();
        await gen;
        await new Promise((r) => setTimeout(r, 150 + round * 120));
        const exited = new Promise((r) => s.proc.once('exit', r));
        s.proc.kill('SIGKILL');
        stop = true;
        await saver;
        await exited;

        s = await startServer(dir);
        await new Promise((r) => setTimeout(r, 50));
        const m = /Recovered after an unclean stop: (\d+) interrupted job/.exec(s.stderr());
        if (m && Number(m[1]) > 0) roundsInterrupted++;
        const detail = (await s.rpc<{ lines: LineOut[] }>('projects.get', { id: projectId })) as {
          ok: true;
          result: { lines: LineOut[] };
        };
        expect(detail.ok).toBe(true);
        for (const line of detail.result.lines) {
          const allowed = new Set([acked.get(line.id), ...(inFlight.get(line.id) ?? [])]);
          expect(allowed.has(line.text), `round ${round}: line ${line.id} has "${line.text}"`).toBe(true);
          acked.set(line.id, line.text);
          inFlight.set(line.id, new Set());
          if (line.activeTake) {
            const file = path.join(dir, 'takes', projectId, `${line.activeTake.id}.wav`);
            const wav = decodeWav(readFileSync(file));
            expect(wav.samples.length).toBeGreaterThan(1000);
          }
        }
        const jobs = (await s.rpc<{ status: string }[]>('jobs.list', { projectId })) as {
          ok: true;
          result: { status: string }[];
        };
        expect(jobs.result.filter((j) => j.status === 'running')).toEqual([]);
        const files = allFiles(dir);
        expect(files.filter((f) => f.endsWith('.tmp-timbre'))).toEqual([]);
        // Every take file on disk is listed in the DB and vice versa.
        const takeFiles = files
          .filter((f) => f.includes(`${path.sep}takes${path.sep}`))
          .map((f) => path.basename(f, '.wav'));
        const listed = new Set<string>();
        for (const id of lineIds) {
          const takes = (await s.rpc<{ id: string }[]>('takes.list', { lineId: id })) as {
            ok: true;
            result: { id: string }[];
          };
          takes.result.forEach((t) => listed.add(t.id));
        }
        expect(new Set(takeFiles)).toEqual(listed);
      }
      // The kills must really have landed mid-generation, not between jobs.
      expect(roundsInterrupted).toBeGreaterThanOrEqual(2);
      const exited = new Promise((r) => s.proc.once('exit', r));
      s.proc.kill('SIGTERM');
      await exited;
      expect(existsSync(path.join(dir, 'timbre.sqlite'))).toBe(true);
    } finally {
      cleanup();
    }
  }, 180_000);
});
