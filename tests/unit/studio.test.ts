import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import yazl from 'yazl';
import Database from 'better-sqlite3';
import { createCore, type Core } from '../../main/node/core.js';
import { decodeWav } from '../../native-models/audio/wav.js';
import { episodePlan, episodeSource } from '../../main/node/studio/episode.js';
import type { Job, Line, ProjectDetail, ScriptPreview, Take, Timeline } from '../../preload/contract/index.js';
import { tempDir } from '../helpers/tmp.js';

beforeAll(() => {
  execFileSync(process.execPath, ['build/scripts/build.mjs', '--node', '--if-stale'], { stdio: 'ignore' });
});

let core: Core | null = null;
let cleanup: () => void = () => {};
let dir = '';
afterEach(async () => {
  await core?.close();
  core = null;
  cleanup();
});

async function open(): Promise<Core> {
  const t = tempDir();
  cleanup = t.cleanup;
  dir = t.dir;
  core = await createCore({ dataDir: t.dir, transport: 'web', version: 'test' });
  return core;
}

async function call<T>(c: Core, method: string, params: unknown): Promise<T> {
  const r = await c.dispatch(method, params);
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.result as T;
}

/** The episode as the export worker mixes it (mix-stream blocks), gathered: what the old preview mix held. */
async function streamedMix(c: Core, id: string): Promise<{ samples: Float32Array; sampleRate: number }> {
  const src = await episodeSource(episodePlan(c.repos, { root: c.layout.root, takes: c.layout.takes }, id), {
    exportRate: 24_000,
  });
  const samples = new Float32Array(src.total);
  const stream = src.open();
  for (let b = await stream.next(); b; b = await stream.next())
    samples.set(b.mix.subarray(0, src.total - b.start), b.start);
  await src.close();
  return { samples, sampleRate: src.sampleRate };
}

async function fail(
  c: Core,
  method: string,
  params: unknown,
): Promise<{ code: string; message: string; details?: unknown }> {
  const r = await c.dispatch(method, params);
  if (r.ok) throw new Error(`${method} succeeded unexpectedly`);
  return r.error;
}

const SCRIPT = `# Cold open

HOST: Welcome to the show. Today we talk about sound.
GUEST: Thanks for having me! It is great to be here.

## Part two

HOST: Let us begin. [pause 0.5s] What got you started?
GUEST: A broken radio.
`;

async function project(c: Core, name = 'Episode'): Promise<string> {
  return (await call<{ id: string }>(c, 'projects.create', { name })).id;
}

function takeSeconds(c: Core, take: Take): number {
  const w = decodeWav(readFileSync(c.takeFilePath(take.id)));
  return w.samples.length / w.sampleRate;
}

describe('studio: scripts', () => {
  it('imports a multi-speaker script in one call: lines, speakers and chapters', async () => {
    const c = await open();
    const id = await project(c);
    // By default a speaker's turn stays one line (the preview and the import agree).
    const turns = await call<ScriptPreview>(c, 'script.preview', { text: SCRIPT, format: 'md' });
    expect(turns.lines.map((l) => [l.speaker, l.text])).toEqual([
      ['HOST', 'Welcome to the show. Today we talk about sound.'],
      ['GUEST', 'Thanks for having me! It is great to be here.'],
      ['HOST', 'Let us begin. [pause 0.5s] What got you started?'],
      ['GUEST', 'A broken radio.'],
    ]);
    expect(turns.lines.map((l) => l.chapter)).toEqual(['Cold open', null, 'Part two', null]);
    const byTurn = await call<ProjectDetail>(c, 'script.import', {
      projectId: await project(c, 'By turn'),
      source: { text: SCRIPT, format: 'md' },
    });
    expect(byTurn.lines.map((l) => l.text)).toEqual(turns.lines.map((l) => l.text));
    // One line per sentence on request.
    const d = await call<ProjectDetail>(c, 'script.import', {
      projectId: id,
      source: { text: SCRIPT, format: 'md' },
      split: 'sentence',
    });
    expect(d.lines.map((l) => l.text)).toEqual([
      'Welcome to the show.',
      'Today we talk about sound.',
      'Thanks for having me!',
      'It is great to be here.',
      'Let us begin.',
      '[pause 0.5s] What got you started?',
      'A broken radio.',
    ]);
    expect(d.lines.map((l) => l.speaker)).toEqual(['HOST', 'HOST', 'GUEST', 'GUEST', 'HOST', 'HOST', 'GUEST']);
    expect(d.speakers).toEqual([
      { name: 'HOST', voiceId: null },
      { name: 'GUEST', voiceId: null },
    ]);
    expect(d.lines.map((l) => l.chapter)).toEqual(['Cold open', null, null, null, 'Part two', null, null]);
    expect(d.lines[5].parsed).toMatchObject({ pauseSeconds: 0.5, tagsOnly: false, errors: [] });
    expect(d.lines.every((l) => !l.stale && !l.locked)).toBe(true);

    // Append keeps what is there; replace puts the old lines in the trash (restorable).
    const appended = await call<ProjectDetail>(c, 'script.import', {
      projectId: id,
      source: { text: 'NARRATOR: The end.', format: 'txt' },
      mode: 'append',
    });
    expect(appended.lines).toHaveLength(8);
    expect(appended.speakers.map((s) => s.name)).toEqual(['HOST', 'GUEST', 'NARRATOR']);
    const old = appended.lines.map((l) => l.id);
    const replaced = await call<ProjectDetail>(c, 'script.import', {
      projectId: id,
      source: { text: 'Only this.', format: 'txt' },
      mode: 'replace',
    });
    expect(replaced.lines.map((l) => l.text)).toEqual(['Only this.']);
    const back = await call<Line[]>(c, 'lines.restore', { ids: old });
    expect(back).toHaveLength(8);
    const after = await call<ProjectDetail>(c, 'projects.get', { id });
    expect(after.lines.map((l) => l.text).slice(0, 8)).toEqual(appended.lines.map((l) => l.text));
  });

  it('previews without saving, and reads files: .srt, .vtt, .docx; refuses other types, empty and oversized scripts', async () => {
    const c = await open();
    const id = await project(c);
    const pv = await call<ScriptPreview>(c, 'script.preview', {
      text: '第一章 开始\n\n你好。我们开始吧！',
      format: 'txt',
    });
    expect(pv.lines.map((l) => l.text)).toEqual(['你好。我们开始吧！']);
    expect(pv.chapters).toEqual([{ title: '第一章 开始', lineIndex: 0 }]);
    expect((await call<ProjectDetail>(c, 'projects.get', { id })).lines).toHaveLength(0);

    const srt = path.join(dir, 'in.srt');
    writeFileSync(
      srt,
      '1\n00:00:01,000 --> 00:00:02,500\nHello there.\n\n2\n00:00:03,000 --> 00:00:04,000\nSecond cue.\n',
    );
    let d = await call<ProjectDetail>(c, 'script.import', { projectId: id, source: { path: srt } });
    expect(d.lines.map((l) => l.text)).toEqual(['Hello there.', 'Second cue.']);

    const vtt = 'WEBVTT\n\n00:00.000 --> 00:01.000\n<v Ann>Hi Bob.\n\n00:01.000 --> 00:02.000\n<v Bob>Hi Ann.\n';
    d = await call<ProjectDetail>(c, 'script.import', {
      projectId: id,
      source: { fileName: 'talk.vtt', base64: Buffer.from(vtt).toString('base64') },
      mode: 'replace',
    });
    expect(d.lines.map((l) => [l.speaker, l.text])).toEqual([
      ['Ann', 'Hi Bob.'],
      ['Bob', 'Hi Ann.'],
    ]);

    const docx = await makeDocx(['HOST: From Word.', 'Second paragraph here.']);
    d = await call<ProjectDetail>(c, 'script.import', {
      projectId: id,
      source: { fileName: 'script.docx', base64: docx.toString('base64') },
      mode: 'replace',
    });
    expect(d.lines.map((l) => l.text)).toEqual(['From Word.', 'Second paragraph here.']);
    expect(d.lines[0].speaker).toBe('HOST');

    const pdf = await fail(c, 'script.import', {
      projectId: id,
      source: { fileName: 'script.pdf', base64: Buffer.from('%PDF-1.4').toString('base64') },
    });
    expect(pdf.code).toBe('INVALID_INPUT');
    expect(pdf.message).toMatch(/\.txt, \.md, \.srt, \.vtt, \.docx and \.epub.*\.pdf/);
    const empty = await fail(c, 'script.import', { projectId: id, source: { text: ' \n\n ', format: 'txt' } });
    expect(empty.message).toMatch(/The script is empty/);
    const binary = await fail(c, 'script.import', {
      projectId: id,
      source: { fileName: 'x.txt', base64: Buffer.from([0, 1, 2, 0]).toString('base64') },
    });
    expect(binary.message).toMatch(/not a text file/);
    const big = await fail(c, 'script.import', {
      projectId: id,
      source: { fileName: 'big.txt', base64: 'A'.repeat(12 * 1024 * 1024) },
    });
    expect(big.code).toBe('INVALID_INPUT');
    expect(big.message).toMatch(/too large/);
    // Nothing of the failed imports was saved.
    expect((await call<ProjectDetail>(c, 'projects.get', { id })).lines).toHaveLength(2);
  });

  it('splits, merges, deletes and restores lines with their takes', async () => {
    const c = await open();
    const id = await project(c);
    await call(c, 'script.import', {
      projectId: id,
      source: { text: 'One two three. Four five.', format: 'txt' },
      split: 'sentence',
    });
    let d = await call<ProjectDetail>(c, 'projects.get', { id });
    const [a, b] = d.lines;
    const [s1, s2] = await call<[Line, Line]>(c, 'lines.split', { id: a.id, at: 4 });
    expect([s1.text, s2.text]).toEqual(['One', 'two three.']);
    expect(s1.id).toBe(a.id);
    d = await call<ProjectDetail>(c, 'projects.get', { id });
    expect(d.lines.map((l) => l.text)).toEqual(['One', 'two three.', 'Four five.']);
    expect((await fail(c, 'lines.split', { id: a.id, at: 50 })).code).toBe('INVALID_INPUT');

    const added = await call<Line>(c, 'lines.add', { projectId: id, text: 'Extra.', position: 1, speaker: 'HOST' });
    expect(added).toMatchObject({ position: 1, speaker: 'HOST' });
    await call(c, 'lines.delete', { id: added.id });
    const merged = await call<Line>(c, 'lines.merge', { ids: [s2.id, s1.id] });
    expect(merged.text).toBe('One two three.');
    expect((await fail(c, 'lines.merge', { ids: [a.id] })).code).toBe('INVALID_INPUT');

    // A take on line b survives delete + restore, and stays active.
    await call(c, 'jobs.generate', { projectId: id, lineIds: [b.id] });
    await c.jobs.idle();
    const withTake = await call<Line>(c, 'lines.update', { id: b.id, locked: true });
    expect(withTake.activeTake).not.toBeNull();
    const file = c.takeFilePath(withTake.activeTakeId!);
    await call(c, 'lines.delete', { id: b.id });
    expect(existsSync(file)).toBe(true); // kept for undo
    expect((await call<ProjectDetail>(c, 'projects.get', { id })).lines).toHaveLength(1);
    const [restored] = await call<Line[]>(c, 'lines.restore', { ids: [b.id] });
    expect(restored).toMatchObject({ id: b.id, position: 1, locked: true, activeTakeId: withTake.activeTakeId });
    expect((await call<Take[]>(c, 'takes.list', { lineId: b.id })).map((t) => t.id)).toEqual([withTake.activeTakeId]);
    expect((await fail(c, 'lines.restore', { ids: [b.id] })).code).toBe('CONFLICT');

    // Restart: the startup sweep keeps the files of trashed takes.
    await call(c, 'lines.deleteMany', { ids: [b.id] });
    await c.close();
    core = await createCore({ dataDir: dir, transport: 'web', version: 'test' });
    expect(existsSync(file)).toBe(true);
    await call(core, 'lines.restore', { ids: [b.id] });
    expect(existsSync(core.takeFilePath(withTake.activeTakeId!))).toBe(true);

    // The trash is emptied of lines deleted more than 30 days ago at startup, files included.
    await call(core, 'lines.delete', { id: b.id });
    await core.close();
    const db = new Database(path.join(dir, 'timbre.sqlite'));
    db.prepare("UPDATE line_trash SET deleted_at = '2000-01-01T00:00:00.000Z'").run();
    db.close();
    core = await createCore({ dataDir: dir, transport: 'web', version: 'test' });
    expect(existsSync(file)).toBe(false);
    expect((await fail(core, 'lines.restore', { ids: [b.id] })).code).toBe('NOT_FOUND');
  });
});

describe('studio: generation, staleness and takes', () => {
  it('marks lines stale after an edit, a voice change or a dictionary change; generate stale/all honour locks', async () => {
    const c = await open();
    const id = await project(c);
    await call(c, 'script.import', {
      projectId: id,
      source: { text: 'HOST: Hello world.\nGUEST: Good morning.\nHOST: See you soon.', format: 'txt' },
    });
    await call(c, 'projects.setSpeakers', {
      id,
      speakers: [
        { name: 'HOST', voiceId: 'espeak:en-us' },
        { name: 'GUEST', voiceId: 'espeak:en-gb' },
      ],
    });
    const batch = await call<{ batchId: string; jobs: Job[]; skipped: unknown[] }>(c, 'jobs.generateBatch', {
      projectId: id,
      scope: 'all',
    });
    expect(batch.jobs).toHaveLength(3);
    expect(new Set(batch.jobs.map((j) => j.batchId))).toEqual(new Set([batch.batchId]));
    await c.jobs.idle();
    let d = await call<ProjectDetail>(c, 'projects.get', { id });
    expect(d.lines.map((l) => l.activeTake?.voiceId)).toEqual(['espeak:en-us', 'espeak:en-gb', 'espeak:en-us']);
    expect(d.lines.some((l) => l.stale)).toBe(false);
    const [l1, l2, l3] = d.lines;

    // Edit → stale (text); speaker voice change → stale (voice); dictionary → stale (dictionary) only where it applies.
    await call(c, 'lines.update', { id: l1.id, text: 'Hello there, world.' });
    await call(c, 'projects.setSpeakers', {
      id,
      speakers: [
        { name: 'HOST', voiceId: 'espeak:en-us' },
        { name: 'GUEST', voiceId: 'espeak:en-us' },
      ],
    });
    await call(c, 'projects.setDictionary', { id, entries: [{ word: 'soon', respelling: 'sune' }] });
    d = await call<ProjectDetail>(c, 'projects.get', { id });
    expect(d.lines.map((l) => l.staleReasons)).toEqual([['text'], ['voice'], ['dictionary']]);

    // Lock line 3: generate stale regenerates only lines 1 and 2.
    await call(c, 'lines.update', { id: l3.id, locked: true });
    const stale = await call<{ jobs: Job[]; skipped: { lineId: string; reason: string }[] }>(c, 'jobs.generateBatch', {
      projectId: id,
      scope: 'stale',
    });
    expect(stale.jobs.map((j) => j.lineId)).toEqual([l1.id, l2.id]);
    expect(stale.skipped).toEqual([expect.objectContaining({ lineId: l3.id, reason: 'locked' })]);
    await c.jobs.idle();
    d = await call<ProjectDetail>(c, 'projects.get', { id });
    expect(d.lines.map((l) => l.stale)).toEqual([false, false, true]);
    expect(d.lines[0].activeTake?.spokenText).toBe('Hello there, world.');
    const lockedTake = d.lines[2].activeTakeId;
    // Generate all: the locked line keeps its take.
    const all = await call<Job[]>(c, 'jobs.generate', { projectId: id, scope: 'all' });
    expect(all.map((j) => j.lineId)).toEqual([l1.id, l2.id]);
    await c.jobs.idle();
    expect((await call<Line>(c, 'lines.update', { id: l3.id })).activeTakeId).toBe(lockedTake);
    // Selecting a locked line generates it (the user asked for it), with the dictionary applied.
    await call(c, 'jobs.generate', { projectId: id, lineIds: [l3.id] });
    await c.jobs.idle();
    const l3now = (await call<ProjectDetail>(c, 'projects.get', { id })).lines[2];
    expect(l3now.activeTake?.spokenText).toBe('See you sune.');
    expect(l3now.stale).toBe(false);

    // takes.setActive and takes.delete (the active take of a locked line is protected).
    const takes = await call<Take[]>(c, 'takes.list', { lineId: l3.id });
    expect(takes).toHaveLength(2);
    const older = takes[1];
    const set = await call<Line>(c, 'takes.setActive', { lineId: l3.id, takeId: older.id });
    expect(set.activeTakeId).toBe(older.id);
    expect(set.staleReasons).toEqual(['dictionary']);
    const refused = await fail(c, 'takes.delete', { ids: [older.id] });
    expect(refused.code).toBe('CONFLICT');
    expect(refused.message).toMatch(/locked line \(line 3\)/);
    const otherTake = (await call<Take[]>(c, 'takes.list', { lineId: l1.id }))[0];
    expect((await fail(c, 'takes.setActive', { lineId: l3.id, takeId: otherTake.id })).code).toBe('INVALID_INPUT');
    const file = c.takeFilePath(older.id);
    const del = await call<{ deleted: number; lines: Line[] }>(c, 'takes.delete', { ids: [older.id], force: true });
    expect(del.deleted).toBe(1);
    expect(del.lines[0].activeTakeId).toBe(takes[0].id); // falls back to the newest remaining take
    expect(existsSync(file)).toBe(false);
  });

  it('records when a project-wide generation input changed: voice, a speaker’s voice, knobs, dictionary; not other edits', async () => {
    const c = await open();
    const id = await project(c);
    const at = async () => (await call<ProjectDetail>(c, 'projects.get', { id })).inputsChangedAt;
    expect(await at()).toBe(null);
    await call(c, 'script.import', {
      projectId: id,
      source: { text: 'HOST: Hello world.\nGUEST: Hi.', format: 'txt' },
    });
    // Importing adds speakers without voices: nothing that could fix a failure changed.
    expect(await at()).toBe(null);
    const d = await call<ProjectDetail>(c, 'projects.get', { id });
    await call(c, 'lines.update', { id: d.lines[0].id, text: 'Hello there.' });
    expect(await at()).toBe(null);
    const seen: string[] = [];
    const step = async (method: string, params: unknown) => {
      await call(c, method, params);
      const t = await at();
      expect(t).not.toBe(null);
      if (seen.length) expect(Date.parse(t!)).toBeGreaterThanOrEqual(Date.parse(seen[seen.length - 1]));
      seen.push(t!);
    };
    await step('projects.setVoice', { id, voiceId: 'espeak:en-us' });
    await step('projects.setSpeakers', {
      id,
      speakers: [
        { name: 'HOST', voiceId: null },
        { name: 'GUEST', voiceId: 'espeak:en-gb' },
      ],
    });
    await step('projects.setOptions', { id, options: { speed: 1.2 } });
    await step('projects.setDictionary', { id, entries: [{ word: 'hello', respelling: 'hullo' }] });
    // Renaming a speaker's mapping to the same voices is not a voice change.
    const before = await at();
    await call(c, 'projects.setSpeakers', {
      id,
      speakers: [
        { name: 'HOST', voiceId: null },
        { name: 'GUEST', voiceId: 'espeak:en-gb' },
      ],
    });
    expect(await at()).toBe(before);
  });

  it('applies [pause], [speed] (time-stretch) and [gain] on eSpeak; refuses tags-only lines and looping dictionaries', async () => {
    const c = await open();
    const id = await project(c);
    const d = await call<ProjectDetail>(c, 'script.import', {
      projectId: id,
      source: {
        text: 'Testing one two three.\n\n[pause 1s] Testing one two three.\n\n[speed 2] Testing one two three.\n\n[gain -12dB] Testing one two three.\n\n[pause 2s]',
        format: 'txt',
      },
    });
    expect(d.lines).toHaveLength(5);
    const r = await call<{ jobs: Job[]; skipped: { reason: string; message: string }[] }>(c, 'jobs.generateBatch', {
      projectId: id,
    });
    expect(r.jobs).toHaveLength(4);
    expect(r.skipped).toEqual([expect.objectContaining({ reason: 'tags-only' })]);
    await c.jobs.idle();
    const lines = (await call<ProjectDetail>(c, 'projects.get', { id })).lines;
    const secs = lines.slice(0, 4).map((l) => takeSeconds(c, l.activeTake!));
    expect(secs[1] - secs[0]).toBeGreaterThan(0.95);
    expect(secs[1] - secs[0]).toBeLessThan(1.05);
    expect(secs[2] / secs[0]).toBeGreaterThan(0.48);
    expect(secs[2] / secs[0]).toBeLessThan(0.52);
    const peak = (l: Line) =>
      Math.max(...decodeWav(readFileSync(c.takeFilePath(l.activeTakeId!))).samples.map(Math.abs));
    const ratio = peak(lines[3]) / peak(lines[0]);
    expect(20 * Math.log10(ratio)).toBeCloseTo(-12, 0);

    const tagsOnly = await fail(c, 'jobs.generate', { projectId: id, lineIds: [lines[4].id] });
    expect(tagsOnly.code).toBe('UNSUPPORTED_TEXT');
    expect(tagsOnly.message).toMatch(/Line 5 has nothing a voice can say/);

    const loop = await fail(c, 'projects.setDictionary', {
      id,
      entries: [
        { word: 'tomato', respelling: 'tomahto' },
        { word: 'tomahto', respelling: 'tomato' },
      ],
    });
    expect(loop.code).toBe('INVALID_INPUT');
    expect(loop.message).toMatch(/"tomato" → "tomahto" → "tomato"/);
    const preview = await call<{ text: string; fired: unknown[]; wavBase64: string | null }>(c, 'dictionary.preview', {
      projectId: id,
      text: 'I like GIF files.',
      entries: [{ word: 'GIF', respelling: 'jif', caseSensitive: true }],
      synthesize: true,
    });
    expect(preview.text).toBe('I like jif files.');
    const wav = decodeWav(Buffer.from(preview.wavBase64!, 'base64'));
    expect(wav.samples.length / wav.sampleRate).toBeGreaterThan(0.5);
  });

  it('computes the timeline from active takes and gaps', async () => {
    const c = await open();
    const id = await project(c);
    await call(c, 'script.import', {
      projectId: id,
      source: { text: '# Intro\n\nFirst line.\n\nSecond line.\n\nThird.', format: 'md' },
    });
    let tl = await call<Timeline>(c, 'projects.timeline', { id });
    expect(tl.hasAudio).toBe(false);
    await call(c, 'projects.setMix', { id, gapMs: 250 });
    await call(c, 'jobs.generate', { projectId: id });
    await c.jobs.idle();
    tl = await call<Timeline>(c, 'projects.timeline', { id });
    const d = await call<ProjectDetail>(c, 'projects.get', { id });
    expect(d.gapMs).toBe(250);
    expect(tl.lines[0].start).toBe(0);
    for (let i = 0; i < 3; i++) {
      const dur = d.lines[i].activeTake!.durationMs / 1000;
      expect(tl.lines[i].end - tl.lines[i].start).toBeCloseTo(dur, 6);
      if (i) expect(tl.lines[i].start - tl.lines[i - 1].end).toBeCloseTo(0.25, 6);
    }
    expect(tl.chapters).toEqual([{ title: 'Intro', start: 0, lineId: d.lines[0].id }]);
    const mix = await streamedMix(c, id);
    expect(mix.samples.length / mix.sampleRate).toBeCloseTo(tl.durationSeconds, 2);
    // A new gap changes the revision.
    await call(c, 'projects.setMix', { id, gapMs: 500 });
    expect((await call<Timeline>(c, 'projects.timeline', { id })).rev).not.toBe(tl.rev);
    // No preview mix is ever written (the preview plays the takes line by line).
    expect(existsSync(path.join(dir, 'mix'))).toBe(false);
  });
});

describe('studio: music bed', () => {
  it('decodes a music file into the project, ducks it under speech in the mix, and removes it', async () => {
    const c = await open();
    const id = await project(c);
    await call(c, 'script.import', {
      projectId: id,
      source: { text: 'One line of speech here.\n\nAnother line.', format: 'txt' },
    });
    await call(c, 'jobs.generate', { projectId: id });
    await c.jobs.idle();
    const music = path.join(dir, 'bed.mp3');
    execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'sine=frequency=1000:duration=3', '-ac', '2', music]);
    const bad = path.join(dir, 'bed.mp3.txt');
    writeFileSync(bad, 'not audio');
    expect((await fail(c, 'projects.setMix', { id, musicBed: { source: { path: bad } } })).code).toBe('INVALID_INPUT');
    const before = await call<Timeline>(c, 'projects.timeline', { id });
    const d = await call<ProjectDetail>(c, 'projects.setMix', {
      id,
      gapMs: 1500,
      musicBed: { source: { path: music }, gainDb: -12, duck: true },
    });
    expect(d.musicBed).toMatchObject({ name: 'bed.mp3', gainDb: -12, duck: true });
    expect(d.musicBed!.durationSeconds).toBeCloseTo(3, 1);
    const tl = await call<Timeline>(c, 'projects.timeline', { id });
    expect(tl.rev).not.toBe(before.rev);
    const mix = await streamedMix(c, id);
    const rate = mix.sampleRate;
    const band = (a: number, b: number) => {
      // Level of the 1 kHz bed: correlate with a 1 kHz sine/cosine pair (speech has little energy exactly there).
      let s = 0;
      let k = 0;
      for (let i = Math.round(a * rate); i < Math.round(b * rate); i++) {
        s += mix.samples[i] * Math.sin((2 * Math.PI * 1000 * i) / rate);
        k += mix.samples[i] * Math.cos((2 * Math.PI * 1000 * i) / rate);
      }
      const n = (b - a) * rate;
      return Math.sqrt(s * s + k * k) / n;
    };
    const gapLevel = band(tl.lines[0].end + 0.9, tl.lines[1].start - 0.2);
    const speechLevel = band(tl.lines[0].start + 0.3, tl.lines[0].end - 0.3);
    expect(20 * Math.log10(speechLevel / gapLevel)).toBeLessThan(-10);
    // Keep the file, change only the level; then remove the bed.
    const quieter = await call<ProjectDetail>(c, 'projects.setMix', { id, musicBed: { gainDb: -20, duck: false } });
    expect(quieter.musicBed).toMatchObject({ name: 'bed.mp3', gainDb: -20, duck: false });
    const removed = await call<ProjectDetail>(c, 'projects.setMix', { id, musicBed: null });
    expect(removed.musicBed).toBeNull();
    expect(readdirSync(path.join(dir, 'music'))).toEqual([]);
  });
});

function makeDocx(paragraphs: string[]): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  zip.addBuffer(
    Buffer.from(
      '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
    ),
    '[Content_Types].xml',
  );
  zip.addBuffer(
    Buffer.from(
      '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>',
    ),
    '_rels/.rels',
  );
  const body = paragraphs.map((p) => `<w:p><w:r><w:t>${p}</w:t></w:r></w:p>`).join('');
  zip.addBuffer(
    Buffer.from(
      `<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>${body}</w:body></w:document>`,
    ),
    'word/document.xml',
  );
  zip.end();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c));
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    zip.outputStream.on('error', reject);
  });
}
