/**
 * Issue #12: `timbre render` turns a 3-speaker script into MP3 + SRT at -16 LUFS in one command (measured with
 * ffmpeg's ebur128), with a JSON report; bad input is refused with exit 2 and leaves no project behind.
 */
import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { ROOT } from '../helpers/server-process.js';
import { tempDir } from '../helpers/tmp.js';

const SCRIPT = [
  'HOST: Welcome back to the bakery hour. Today we talk about sourdough.',
  'GUEST: Thanks for having me. I have baked bread every morning for twenty years.',
  'NARRATOR: The studio smelled of flour and coffee.',
  'HOST: So what is the secret of a good loaf?',
  'GUEST: Time, mostly. And a very hot oven.',
].join('\n');

function timbre(data: string, args: string[]) {
  return spawnSync(process.execPath, [path.join(ROOT, 'bin/timbre.mjs'), '--data-dir', data, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 240_000,
  });
}

function projectCount(data: string): number {
  const db = new Database(path.join(data, 'timbre.sqlite'), { readonly: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM projects').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

describe('timbre render', () => {
  it('a 3-speaker script → MP3 + SRT at -16 LUFS, speakers with their own voices, a JSON report', () => {
    execFileSync(process.execPath, [path.join(ROOT, 'build/scripts/build.mjs'), '--node', '--if-stale'], {
      stdio: 'ignore',
    });
    const { dir, cleanup } = tempDir();
    try {
      const data = path.join(dir, 'data');
      const script = path.join(dir, 'episode.txt');
      writeFileSync(script, SCRIPT);
      const out = path.join(dir, 'episode.mp3');
      const srt = path.join(dir, 'episode.srt');
      const r = timbre(data, [
        'render',
        script,
        '--speaker-voice',
        'HOST=espeak:en-us+m3',
        '--speaker-voice',
        'guest=en-us+f2',
        '-f',
        'mp3',
        '-l',
        'podcast',
        '-o',
        out,
        '--srt',
        srt,
        '--json',
      ]);
      expect(r.status, r.stderr).toBe(0);
      const report = JSON.parse(r.stdout) as {
        projectId: string;
        lines: number;
        speakers: { name: string; voiceId: string | null }[];
        files: { kind: string; path: string }[];
        integratedLufs: number;
        durationSeconds: number;
      };
      expect(report.speakers).toEqual([
        { name: 'HOST', voiceId: 'espeak:en-us+m3' },
        { name: 'GUEST', voiceId: 'espeak:en-us+f2' },
        { name: 'NARRATOR', voiceId: null },
      ]);
      expect(report.files.map((f) => f.kind)).toEqual(['audio', 'srt']);

      // Loudness and true peak measured independently by ffmpeg.
      const m = spawnSync('ffmpeg', ['-nostats', '-i', out, '-af', 'ebur128=peak=true', '-f', 'null', '-'], {
        encoding: 'utf8',
      }).stderr;
      const summary = m.slice(m.lastIndexOf('Summary:'));
      const lufs = Number(/I:\s+(-?[\d.]+) LUFS/.exec(summary)![1]);
      const peak = Number(/Peak:\s+(-?[\d.]+) dBFS/.exec(summary)![1]);
      expect(Math.abs(lufs + 16)).toBeLessThanOrEqual(0.5);
      expect(peak).toBeLessThanOrEqual(-1);
      const probe = spawnSync(
        'ffprobe',
        ['-v', 'error', '-show_entries', 'format=duration:stream=codec_name', '-of', 'json', out],
        { encoding: 'utf8' },
      );
      const info = JSON.parse(probe.stdout) as { format: { duration: string }; streams: { codec_name: string }[] };
      expect(info.streams[0].codec_name).toBe('mp3');
      expect(Number(info.format.duration)).toBeCloseTo(report.durationSeconds, 0);

      // One line per speaker turn (five), and cues (word-timed, so a two-sentence turn may take several) that say
      // the script's words in order.
      expect(report.lines).toBe(5);
      const cues = readFileSync(srt, 'utf8').trim().split(/\n\n+/);
      expect(cues.length).toBeGreaterThanOrEqual(report.lines);
      expect(cues.map((c) => c.split('\n').slice(2).join(' ')).join(' ')).toBe(
        SCRIPT.split('\n')
          .map((l) => l.replace(/^[A-Z]+: /, ''))
          .join(' '),
      );
      expect(cues[0]).toContain('Welcome back to the bakery hour.');
      expect(cues[cues.length - 1]).toContain('And a very hot oven.');
      expect(projectCount(data)).toBe(1);

      // Bad input: an unknown speaker or voice is a usage error, and no project is left behind.
      const bad = timbre(data, ['render', script, '--speaker-voice', 'NOBODY=en-us', '-o', path.join(dir, 'x.mp3')]);
      expect(bad.status).toBe(2);
      expect(bad.stderr).toMatch(/No speaker "NOBODY".*HOST, GUEST, NARRATOR/);
      const badVoice = timbre(data, ['render', script, '--voice', 'no-such-voice', '-o', path.join(dir, 'x.mp3')]);
      expect(badVoice.status).toBe(2);
      expect(badVoice.stderr).toMatch(/No voice "no-such-voice"/);
      expect(projectCount(data)).toBe(1);
    } finally {
      cleanup();
    }
  }, 300_000);
});
