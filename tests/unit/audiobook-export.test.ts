import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createCore, type Core } from '../../main/node/core.js';
import type { ExportJob, ProjectDetail, Timeline } from '../../preload/contract/index.js';
import { buildEpub } from '../helpers/epub.js';
import { tempDir } from '../helpers/tmp.js';

const t = tempDir('timbre-audiobook-');
let core: Core | undefined;
beforeAll(() => {
  execFileSync(process.execPath, ['build/scripts/build.mjs', '--node', '--if-stale'], { stdio: 'ignore' });
});
afterAll(async () => {
  await core?.close();
  t.cleanup();
});

async function call<T>(method: string, params: unknown): Promise<T> {
  const r = await core!.dispatch(method, params);
  if (!r.ok) throw new Error(`${method}: ${r.error.code}: ${r.error.message}`);
  return r.result as T;
}

const chapters = [
  { title: 'Chapter 1: The Mill', paragraphs: ['The mill stood by the river.', 'Nobody had worked it for years.'] },
  { title: 'Chapter 2: Flour', paragraphs: ['Mr. Baker came at dawn with a lantern.'] },
  { title: 'Epilogue', paragraphs: ['It ended well, mostly.'] },
];

describe('EPUB → M4B audiobook', () => {
  it('exports one M4B whose chapters (count, titles, start times) and cover are the book’s', async () => {
    core = await createCore({ dataDir: path.join(t.dir, 'data'), transport: 'web', version: 'test' });
    const cover = path.join(t.dir, 'cover.jpg');
    execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'color=c=red:s=64x64', '-frames:v', '1', cover]);
    const book = path.join(t.dir, 'The Mill.epub');
    writeFileSync(
      book,
      await buildEpub({ chapters, cover: { bytes: readFileSync(cover), mediaType: 'image/jpeg' }, title: 'The Mill' }),
    );
    const { id } = await call<{ id: string }>('projects.create', { name: 'The Mill' });
    await call('projects.setVoice', { id, voiceId: 'espeak:en-us' });
    const d = await call<ProjectDetail>('script.import', { projectId: id, source: { path: book } });
    await call('jobs.generate', { projectId: id });
    await core.jobs.idle();
    const tl = await call<Timeline>('projects.timeline', { id });
    expect(tl.lines.every((l) => l.hasAudio)).toBe(true);
    // Where each chapter starts on the timeline: the start of its first line.
    const expected = d.lines
      .filter((l) => l.chapter !== null)
      .map((l) => ({ title: l.chapter!, start: tl.lines.find((x) => x.lineId === l.id)!.start }));
    expect(expected.map((c) => c.title)).toEqual(chapters.map((c) => c.title));

    const out = path.join(t.dir, 'out', 'The Mill.m4b');
    const started = await call<ExportJob>('export.start', { projectId: id, format: 'm4b', outputPath: out });
    const job = await core.exports.wait(started.id);
    expect(job.error).toBeNull();
    expect(job.status).toBe('done');

    const probe = JSON.parse(
      execFileSync('ffprobe', ['-v', 'error', '-show_chapters', '-show_streams', '-show_format', '-of', 'json', out], {
        encoding: 'utf8',
      }),
    ) as {
      chapters: { start_time: string; end_time: string; tags?: { title?: string } }[];
      streams: { codec_type: string; codec_name: string; disposition?: { attached_pic?: number } }[];
      format: { format_name: string; duration: string };
    };
    expect(probe.chapters.map((c) => c.tags?.title)).toEqual(chapters.map((c) => c.title));
    probe.chapters.forEach((c, i) => expect(Number(c.start_time)).toBeCloseTo(expected[i].start, 1));
    expect(Number(probe.chapters[2].end_time)).toBeCloseTo(Number(probe.format.duration), 0);
    expect(probe.streams.find((s) => s.codec_type === 'audio')?.codec_name).toBe('aac');
    const pic = probe.streams.find((s) => s.codec_type === 'video');
    expect(pic?.codec_name).toBe('mjpeg');
    expect(pic?.disposition?.attached_pic).toBe(1);
    expect(probe.format.format_name).toMatch(/mp4|mov/);
  }, 180_000);
});
