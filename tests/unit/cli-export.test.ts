import { beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createCore } from '../../main/node/core.js';
import { parseSrt } from '../../main/common/script/subtitles.js';
import type { ExportJob, Timeline } from '../../preload/contract/index.js';
import { ROOT } from '../helpers/server-process.js';
import { tempDir } from '../helpers/tmp.js';

beforeAll(() => {
  execFileSync(process.execPath, [path.join(ROOT, 'build/scripts/build.mjs'), '--node', '--if-stale'], {
    stdio: 'ignore',
  });
});

const timbre = (args: string[]) =>
  spawnSync(process.execPath, [path.join(ROOT, 'bin/timbre.mjs'), ...args], { cwd: ROOT, encoding: 'utf8' });

describe('timbre export', () => {
  it('exports an eSpeak project to MP3 + SRT headless, at podcast loudness, cues timed from the words', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const data = path.join(dir, 'data');
      const core = await createCore({ dataDir: data, transport: 'web', version: 'test' });
      const call = async <T>(m: string, p: unknown) => {
        const r = await core.dispatch(m, p);
        if (!r.ok) throw new Error(r.error.message);
        return r.result as T;
      };
      const { id } = await call<{ id: string }>('projects.create', { name: 'CLI' });
      const empty = (await call<{ id: string }>('projects.create', { name: 'Empty' })).id;
      await call('script.import', {
        projectId: id,
        source: {
          text: 'HOST: Hello and welcome to the programme.\nGUEST: Glad to be here today.\nHOST: Let us start.',
          format: 'txt',
        },
      });
      await call('jobs.generate', { projectId: id });
      await core.jobs.idle();
      await core.qc.idle(); // each take aligned: cues start when its first word is heard
      const timeline = await call<Timeline>('projects.timeline', { id });
      await core.close();

      const mp3 = path.join(dir, 'out', 'episode.mp3');
      const srt = path.join(dir, 'out', 'subs.srt');
      const r = timbre([
        '--data-dir',
        data,
        'export',
        id,
        '--format',
        'mp3',
        '--loudness',
        'podcast',
        '-o',
        mp3,
        '--srt',
        srt,
        '--json',
      ]);
      expect(r.status, r.stderr).toBe(0);
      const job = JSON.parse(r.stdout) as ExportJob;
      expect(job.status).toBe('done');
      expect(job.files.map((f) => [f.kind, f.path])).toEqual([
        ['audio', mp3],
        ['srt', srt],
      ]);
      expect(Math.abs(job.integratedLufs! + 16)).toBeLessThanOrEqual(1);
      expect(job.truePeakDbtp!).toBeLessThanOrEqual(-1);
      const probe = spawnSync(
        'ffprobe',
        ['-v', 'error', '-show_entries', 'format=duration:stream=codec_name', '-of', 'json', mp3],
        {
          encoding: 'utf8',
        },
      );
      const info = JSON.parse(probe.stdout) as { format: { duration: string }; streams: { codec_name: string }[] };
      expect(info.streams[0].codec_name).toBe('mp3');
      expect(Math.abs(Number(info.format.duration) - timeline.durationSeconds)).toBeLessThan(0.1);
      const cues = parseSrt(readFileSync(srt, 'utf8'));
      expect(cues.map((c) => c.text)).toEqual([
        'Hello and welcome to the programme.',
        'Glad to be here today.',
        'Let us start.',
      ]);
      cues.forEach((c, i) => {
        const next = timeline.lines[i + 1]?.start ?? timeline.durationSeconds + 1;
        expect(c.start).toBeGreaterThanOrEqual(timeline.lines[i].start - 0.001); // ms precision
        expect(c.start).toBeLessThan(timeline.lines[i].start + 0.5);
        expect(c.end).toBeGreaterThan(c.start + 0.5);
        expect(c.end).toBeLessThanOrEqual(next + 0.001);
      });

      // Human output, and clear errors with usage exit codes.
      const human = timbre([
        '--data-dir',
        data,
        'export',
        id,
        '-f',
        'wav',
        '-l',
        'broadcast',
        '-o',
        path.join(dir, 'b.wav'),
      ]);
      expect(human.status, human.stderr).toBe(0);
      expect(human.stdout).toMatch(/audio\s+.*b\.wav/);
      expect(human.stdout).toMatch(/-2[23]\.\d LUFS integrated, true peak -\d+\.\d dBTP/);
      const none = timbre(['--data-dir', data, 'export', empty, '-o', path.join(dir, 'n.mp3')]);
      expect(none.status).toBe(2);
      expect(none.stderr).toMatch(/Nothing to export: no line has a take yet/);
      expect(existsSync(path.join(dir, 'n.mp3'))).toBe(false);
      const missing = timbre(['--data-dir', data, 'export', 'prj_nope', '-o', path.join(dir, 'x.mp3')]);
      expect(missing.status).toBe(2);
      expect(missing.stderr).toMatch(/Project "prj_nope" does not exist/);
      const bad = timbre(['--data-dir', data, 'export', id, '-f', 'ogg', '-o', path.join(dir, 'x.ogg')]);
      expect(bad.status).toBe(2);
    } finally {
      cleanup();
    }
  });
});
