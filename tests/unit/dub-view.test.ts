/**
 * The Dub view's workspace features on dubbing projects (issue #11), over the core's dispatch on a real SQLite file, a
 * WebM this test makes with ffmpeg and the eSpeak worker:
 * - fit before generating: each segment's predicted length and fit, from the voice's speaking rate calibrated on the
 *   project's takes of that voice, updated when the text, the voice or the speaker changes;
 * - cue edges: a moved edge is saved; one that would overlap a neighbour is refused with the core's error, nothing
 *   changed;
 * - export: stems (dialogue.wav, background.wav) from `dub.export`, the bilingual soft subtitle track inside the MKV
 *   (read back with ffprobe/ffmpeg, text per cue), and each report segment's loudness, which matches the take's
 *   loudness measured on the dialogue stem.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../main/node/core.js';
import { parseSrt } from '../../main/common/script/subtitles.js';
import { decodeWav } from '../../native-models/audio/wav.js';
import { measureLoudness } from '../../native-models/dsp/loudness.js';
import type { DubExportInfo, DubGeneration, DubProjectDetail, DubReport } from '../../preload/contract/index.js';
import { writeBilingualSrt } from '../../main/node/dub/pipeline.js';
import { tempDir } from '../helpers/tmp.js';

const { dir, cleanup } = tempDir('timbre-dubview-');
const video = path.join(dir, 'talk.webm');
const srt = path.join(dir, 'talk.en.srt');
const sourceSrt = path.join(dir, 'talk.fr.srt');
const LONG = 'This line is far too long to be said in such a short slot, however fast anybody speaks it.';
let core: Core;

async function call<T>(method: string, params: unknown): Promise<T> {
  const r = await core.dispatch(method, params);
  if (!r.ok) throw Object.assign(new Error(r.error.message), { code: r.error.code });
  return r.result as T;
}
async function refused(method: string, params: unknown): Promise<{ code: string; message: string }> {
  const r = await core.dispatch(method, params);
  if (r.ok) throw new Error(`${method} was accepted`);
  return r.error;
}
function generationEnd(projectId: string): Promise<void> {
  return new Promise((resolve) => {
    const off = core.subscribe((event, payload) => {
      const p = payload as { projectId: string; generation: DubGeneration };
      if (event === 'dub.progress' && p.projectId === projectId && p.generation.status !== 'running') {
        off();
        resolve();
      }
    });
  });
}
/** Letters and digits (what takes time to say), counted here independently of the core. */
const letters = (s: string) => (s.match(/[\p{L}\p{N}]/gu) ?? []).length;

beforeAll(async () => {
  execFileSync('ffmpeg', [
    '-v', 'error',
    '-f', 'lavfi', '-i', 'testsrc=size=160x120:rate=10:duration=10',
    '-f', 'lavfi', '-i', 'sine=frequency=220:sample_rate=48000:duration=10',
    '-c:v', 'libvpx', '-b:v', '200k', '-c:a', 'libopus', '-shortest', '-y', video,
  ]); // prettier-ignore
  writeFileSync(
    srt,
    `1\n00:00:01,000 --> 00:00:03,000\nANNA: Hello everyone.\n\n` +
      `2\n00:00:04,000 --> 00:00:04,600\nBOB: ${LONG}\n\n` +
      `3\n00:00:05,000 --> 00:00:09,500\nANNA: Goodbye now, and thank you.\n`,
  );
  writeFileSync(
    sourceSrt,
    `1\n00:00:01,000 --> 00:00:03,000\nBonjour à tous.\n\n2\n00:00:05,000 --> 00:00:09,500\nAu revoir, et merci.\n`,
  );
  core = await createCore({ dataDir: path.join(dir, 'data'), transport: 'web', version: 'test' });
}, 60_000);
afterAll(async () => {
  await core?.close();
  cleanup();
});

describe('the Dub view on dubbing projects', () => {
  let p: DubProjectDetail;

  it("predicts each segment's fit before generating, from the voice's rate calibrated on its takes", async () => {
    p = await call<DubProjectDetail>('dub.create', {
      media: { path: video },
      targetSubs: { path: srt },
      sourceSubs: { path: sourceSrt },
    });
    // No take yet: the prior rate (14 letters a second), nothing calibrated.
    for (const s of p.segmentList) {
      expect(s.predicted).toMatchObject({ calibrated: false, rate: 14 });
      expect(s.predicted!.predictedSeconds).toBeCloseTo(letters(s.text) / 14, 2);
    }
    const [a, b, c] = p.segmentList;
    expect(a.predicted!.fit).toBe('fits');
    // 0.6 s slot, 0.3 s to borrow before the next cue (minus the 0.1 s guard), 1.15× at most: far too long.
    expect(b.predicted!.fit).toBe('too-long');
    const room = 0.6 + 0.3;
    expect(b.predicted!.tooLongBySeconds).toBeCloseTo(letters(LONG) / 14 / 1.15 - room, 2);
    expect(c.predicted!.fit).toBe('fits');

    // One take of the default voice calibrates it: every segment of that voice now uses the measured rate.
    const made = await call<DubProjectDetail['segmentList'][number]>('dub.regenerate', { segmentId: a.id });
    p = await call<DubProjectDetail>('dub.get', { projectId: p.id });
    const rate = (letters(a.text) + 14 * 4) / (made.fit!.takeSeconds + 4); // the prior weighs like 4 s of speech
    for (const s of p.segmentList) {
      expect(s.predicted!.calibrated).toBe(true);
      expect(s.predicted!.rate).toBeCloseTo(rate, 1);
      expect(s.predicted!.predictedSeconds).toBeCloseTo(letters(s.text) / rate, 1);
    }

    // BOB gets another voice (no takes of it): his segment goes back to the prior; ANNA's stay calibrated.
    p = await call<DubProjectDetail>('dub.setSpeakerVoice', {
      projectId: p.id,
      speaker: 'BOB',
      voiceId: 'espeak:en-us+f3',
    });
    expect(p.segmentList[1].predicted).toMatchObject({ calibrated: false, rate: 14 });
    expect(p.segmentList[2].predicted!.calibrated).toBe(true);
    // Moving segment 3 to BOB (speaker change) changes its voice, so its prediction too.
    p = await call<DubProjectDetail>('dub.updateSegment', { segmentId: c.id, speaker: 'BOB' });
    expect(p.segmentList[2].predicted).toMatchObject({ calibrated: false, rate: 14 });
    p = await call<DubProjectDetail>('dub.updateSegment', { segmentId: c.id, speaker: 'ANNA' });

    // Shortening the text makes it fit; an empty segment has no prediction.
    p = await call<DubProjectDetail>('dub.updateSegment', { segmentId: b.id, text: 'Yes.' });
    expect(p.segmentList[1].predicted!.fit).toBe('fits');
    p = await call<DubProjectDetail>('dub.updateSegment', { segmentId: b.id, text: LONG });
    expect(p.segmentList[1].predicted!.fit).toBe('too-long');
  }, 90_000);

  it('moves a cue edge; an edge that would overlap a neighbour is refused with the reason, nothing changed', async () => {
    const [a, b] = p.segmentList;
    p = await call<DubProjectDetail>('dub.updateSegment', { segmentId: a.id, end: 3.25 });
    expect(p.segmentList[0]).toMatchObject({ start: 1, end: 3.25 });
    const before = JSON.stringify(p.segmentList.map((s) => [s.start, s.end]));
    const err = await refused('dub.updateSegment', { segmentId: a.id, end: 4.2 });
    expect(err.code).toBe('INVALID_INPUT');
    expect(err.message).toMatch(/overlap the segment at 4–4\.6 s/);
    const err2 = await refused('dub.updateSegment', { segmentId: b.id, start: 3.2 });
    expect(err2.message).toMatch(/overlap/);
    const now = await call<DubProjectDetail>('dub.get', { projectId: p.id });
    expect(JSON.stringify(now.segmentList.map((s) => [s.start, s.end]))).toBe(before);
    // The moved edge changed the slot: the take is stale, the prediction follows the new slot.
    expect(now.segmentList[0].stale).toBe(true);
    // Undo (the view sends the old times back).
    p = await call<DubProjectDetail>('dub.updateSegment', { segmentId: a.id, start: 1, end: 3 });
    expect(p.segmentList[0]).toMatchObject({ start: 1, end: 3, stale: false });
  }, 30_000);

  it('exports with stems and a bilingual soft track; each report segment has its loudness', async () => {
    await call('dub.updateSegment', { segmentId: p.segmentList[1].id, text: 'Yes.' });
    const end = generationEnd(p.id);
    await call('dub.generate', { projectId: p.id });
    await end;
    const out = path.join(dir, 'out.mkv');
    const r = await call<{ export: DubExportInfo; report: DubReport }>('dub.export', {
      projectId: p.id,
      format: 'mkv',
      path: out,
      stems: true,
    });
    // Stems: next to the export, 48 kHz, the length of the media.
    expect(r.export.stems).toEqual({
      dialogue: path.join(dir, 'out.stems', 'dialogue.wav'),
      background: path.join(dir, 'out.stems', 'background.wav'),
    });
    const dialogue = decodeWav(readFileSync(r.export.stems!.dialogue));
    const background = decodeWav(readFileSync(r.export.stems!.background));
    for (const w of [dialogue, background]) {
      expect(w.sampleRate).toBe(48_000);
      expect(Math.abs(w.samples.length / 48_000 - p.media.durationSeconds)).toBeLessThan(0.05);
    }

    // Soft subtitle tracks: the dub's text, the source text, and the bilingual text (target, then source, per cue).
    const streams = JSON.parse(
      execFileSync(
        'ffprobe',
        ['-v', 'error', '-select_streams', 's', '-show_entries', 'stream=codec_name:stream_tags', '-of', 'json', out],
        { encoding: 'utf8' },
      ),
    ).streams as { codec_name: string; tags: Record<string, string> }[];
    const title = (s: { tags: Record<string, string> }) => s.tags.title ?? s.tags.TITLE;
    expect(streams.map(title)).toEqual(['Dub', 'Original', 'Bilingual']);
    const track = (k: number) =>
      parseSrt(
        execFileSync('ffmpeg', ['-v', 'error', '-i', out, '-map', `0:s:${k}`, '-f', 'srt', '-'], { encoding: 'utf8' }),
      );
    const segs = (await call<DubProjectDetail>('dub.get', { projectId: p.id })).segmentList;
    // (Read back through ffmpeg, the times carry the container's start offset of a few ms: the WebM's Opus pre-skip.)
    const bilingual = track(2);
    expect(bilingual.map((c) => c.text)).toEqual(
      segs.map((s) => (s.sourceText ? `${s.text}\n${s.sourceText}` : s.text)),
    );
    bilingual.forEach((c, k) => {
      expect(Math.abs(c.start - segs[k].start)).toBeLessThan(0.02);
      expect(Math.abs(c.end - segs[k].end)).toBeLessThan(0.02);
    });
    expect(track(0).map((c) => c.text)).toEqual(segs.map((s) => s.text));
    expect(track(1).map((c) => c.text)).toEqual(segs.filter((s) => s.sourceText).map((s) => s.sourceText));
    // The bilingual sidecar says the same, at the cues' own times.
    expect(parseSrt(readFileSync(r.export.bilingualSrtPath!, 'utf8')).map((c) => [c.start, c.end, c.text])).toEqual(
      segs.map((s, k) => [s.start, s.end, bilingual[k].text]),
    );

    // Loudness per segment: the take's loudness in the output, as measured on the dialogue stem (gain applied).
    expect(r.report.segments.length).toBe(3);
    expect(r.report.segments.filter((s) => s.loudnessLufs !== null).length).toBeGreaterThanOrEqual(2);
    for (const s of r.report.segments) {
      expect(s.similarity).toBeNull(); // no speaker-embedding pack here
      // Under one 400 ms gating block a take has no integrated loudness.
      if (s.loudnessLufs === null) {
        expect(s.placedEnd - s.placedStart).toBeLessThan(0.45);
        continue;
      }
      const slice = dialogue.samples.subarray(Math.round(s.placedStart * 48_000), Math.round(s.placedEnd * 48_000));
      expect(Math.abs(measureLoudness([slice], 48_000).integrated - s.loudnessLufs!)).toBeLessThan(0.3);
    }
    expect(existsSync(out)).toBe(true);
    const db = new Database(core.layout.db, { readonly: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      db.close();
    }
  }, 150_000);
});

describe('bilingual subtitles', () => {
  it('put the source text under the target text of each cue, each language wrapped on its own, never split', () => {
    const target = [
      { start: 1, end: 4, text: 'This sentence is long enough that it has to wrap onto a second line of its own.' },
      { start: 5, end: 6, text: 'Short.' },
      { start: 7, end: 8, text: 'Alone.' },
    ];
    const source = [
      { start: 0.9, end: 2.5, text: 'Cette phrase est longue,' },
      { start: 2.5, end: 4.1, text: 'assez pour passer à la ligne.' },
      { start: 5, end: 6, text: 'Court.' },
      { start: 6.98, end: 7.02, text: 'barely touches cue 3 (40 ms): not under it' },
    ];
    const cues = parseSrt(writeBilingualSrt(target, source));
    expect(cues.map((c) => [c.start, c.end])).toEqual(target.map((c) => [c.start, c.end]));
    const lines = cues[0].text.split('\n');
    expect(lines.slice(-2)).toEqual(['Cette phrase est longue,', 'assez pour passer à la ligne.']);
    expect(lines.slice(0, -2).join(' ')).toBe(target[0].text);
    expect(lines.length).toBeGreaterThan(3); // the target wrapped (42 columns) and was not split into two cues
    expect(lines.every((l) => l.length <= 42)).toBe(true);
    expect(cues[1].text).toBe('Short.\nCourt.');
    expect(cues[2].text).toBe('Alone.');
  });
});
