import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createCore, type Core } from '../../main/node/core.js';
import { decodeWav } from '../../native-models/audio/wav.js';
import type { EventName, Job } from '../../preload/contract/index.js';
import { tempDir } from '../helpers/tmp.js';

beforeAll(() => {
  // The worker runs from the build, as in the product.
  execFileSync(process.execPath, ['build/scripts/build.mjs', '--node', '--if-stale'], { stdio: 'ignore' });
});

let core: Core | null = null;
let cleanup: () => void = () => {};
afterEach(async () => {
  await core?.close();
  core = null;
  cleanup();
});

async function open(
  dir?: string,
): Promise<{ core: Core; dir: string; events: { event: EventName; payload: unknown }[] }> {
  if (!dir) {
    const t = tempDir();
    cleanup = t.cleanup;
    dir = t.dir;
  }
  core = await createCore({ dataDir: dir, transport: 'web', version: 'test' });
  const events: { event: EventName; payload: unknown }[] = [];
  core.subscribe((event, payload) => events.push({ event, payload }));
  return { core, dir, events };
}

async function call<T>(c: Core, method: string, params: unknown): Promise<T> {
  const r = await c.dispatch(method, params);
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.result as T;
}

const rms = (x: Float32Array) => Math.sqrt(x.reduce((s, v) => s + v * v, 0) / x.length);

function waitFor(c: Core, pred: (j: Job) => boolean, ms = 30_000): Promise<Job> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('timed out waiting for job')), ms);
    const off = c.subscribe((event, payload) => {
      if (event === 'job.updated' && pred(payload as Job)) {
        clearTimeout(t);
        off();
        resolve(payload as Job);
      }
    });
  });
}

describe('job queue with the real eSpeak worker', () => {
  it('generates takes for every line, streams audio and progress, and stores atomic WAVs', async () => {
    const { core: c, events } = await open();
    const p = await call<{ id: string }>(c, 'projects.create', { name: 'Show' });
    await call(c, 'projects.setVoice', { id: p.id, voiceId: 'espeak:en-gb' });
    const texts = ['Welcome to the show.', 'Today we talk about voices. It will be fun!', '今天天气很好。'];
    const lines = [];
    for (const text of texts) lines.push(await call<{ id: string }>(c, 'lines.add', { projectId: p.id, text }));
    await call(c, 'lines.update', { id: lines[2].id, voiceId: 'espeak:cmn' });
    const jobs = await call<Job[]>(c, 'jobs.generate', { projectId: p.id });
    expect(jobs).toHaveLength(3);
    expect(jobs.every((j) => j.status === 'queued')).toBe(true);
    await c.jobs.idle();

    const detail = await call<{ lines: { activeTake: { id: string; voiceId: string; durationMs: number } | null }[] }>(
      c,
      'projects.get',
      { id: p.id },
    );
    expect(detail.lines.map((l) => l.activeTake?.voiceId)).toEqual(['espeak:en-gb', 'espeak:en-gb', 'espeak:cmn']);
    for (const l of detail.lines) {
      const wav = decodeWav(readFileSync(c.takeFilePath(l.activeTake!.id)));
      expect(wav.samples.length / wav.sampleRate).toBeCloseTo(l.activeTake!.durationMs / 1000, 2);
      expect(l.activeTake!.durationMs).toBeGreaterThan(500);
      expect(rms(wav.samples)).toBeGreaterThan(0.01);
    }
    const audio = events.filter((e) => e.event === 'job.audio');
    expect(audio.length).toBeGreaterThanOrEqual(4); // the two-sentence line streams two chunks
    const statuses = events.filter((e) => e.event === 'job.updated').map((e) => (e.payload as Job).status);
    expect(statuses).toEqual(expect.arrayContaining(['queued', 'running', 'done']));
    const list = await call<Job[]>(c, 'jobs.list', { projectId: p.id });
    expect(list.filter((j) => j.status === 'done')).toHaveLength(3);
  });

  it('keeps every take in history and makes the newest active', async () => {
    const { core: c } = await open();
    const p = await call<{ id: string }>(c, 'projects.create', { name: 'History' });
    const l = await call<{ id: string }>(c, 'lines.add', { projectId: p.id, text: 'Again and again.' });
    await call(c, 'jobs.generate', { projectId: p.id, lineIds: [l.id] });
    await c.jobs.idle();
    await call(c, 'jobs.generate', { projectId: p.id, lineIds: [l.id] });
    await c.jobs.idle();
    const takes = await call<{ id: string }[]>(c, 'takes.list', { lineId: l.id });
    expect(takes).toHaveLength(2);
    const line = await call<{ activeTakeId: string }>(c, 'lines.update', { id: l.id });
    expect(line.activeTakeId).toBe(takes[0].id);
  });

  it('applies project and line knobs, records them with the take, and reproduces a take from its seed', async () => {
    const { core: c } = await open();
    const p = await call<{ id: string }>(c, 'projects.create', { name: 'Knobs' });
    await call(c, 'projects.setVoice', { id: p.id, voiceId: 'espeak:en-us+f3' });
    await call(c, 'projects.setOptions', { id: p.id, options: { seed: 42, speed: 1 } });
    const l = await call<{ id: string }>(c, 'lines.add', { projectId: p.id, text: 'The same words, twice over.' });
    const gen = async () => {
      await call(c, 'jobs.generate', { projectId: p.id, lineIds: [l.id] });
      await c.jobs.idle();
      const [take] = await call<{ id: string; options: Record<string, number> }[]>(c, 'takes.list', { lineId: l.id });
      return { take, bytes: readFileSync(c.takeFilePath(take.id)) };
    };
    const a = await gen();
    const b = await gen();
    expect(a.take.options).toEqual({ seed: 42, speed: 1 });
    expect(a.take.id).not.toBe(b.take.id);
    expect(Buffer.compare(a.bytes, b.bytes)).toBe(0);
    // A line's knobs override the project's: faster speech is shorter.
    await call(c, 'lines.update', { id: l.id, options: { speed: 2 } });
    const fast = await gen();
    expect(fast.take.options).toEqual({ seed: 42, speed: 2 });
    expect(fast.bytes.length).toBeLessThan(a.bytes.length * 0.75);
    // Without a seed, a random one is chosen and recorded.
    await call(c, 'projects.setOptions', { id: p.id, options: {} });
    await call(c, 'lines.update', { id: l.id, options: {} });
    const random = await gen();
    expect(Number.isInteger(random.take.options.seed)).toBe(true);
    const bad = await c.dispatch('projects.setOptions', { id: p.id, options: { temperature: 5 } });
    expect(bad.ok || bad.error.code).toBe('INVALID_INPUT');
  });

  it('cancels a running job: no take is stored', async () => {
    const { core: c } = await open();
    const p = await call<{ id: string }>(c, 'projects.create', { name: 'Cancel' });
    const long = Array.from({ length: 40 }, (_, i) => `This is sentence number ${i + 1} of a long paragraph.`).join(
      ' ',
    );
    const l = await call<{ id: string }>(c, 'lines.add', { projectId: p.id, text: long });
    const [job] = await call<Job[]>(c, 'jobs.generate', { projectId: p.id, lineIds: [l.id] });
    await waitFor(c, (j) => j.id === job.id && j.status === 'running' && j.progress > 0);
    await call(c, 'jobs.cancel', { id: job.id });
    const end = await waitFor(c, (j) => j.id === job.id && j.status !== 'running');
    expect(end.status).toBe('cancelled');
    expect(await call<unknown[]>(c, 'takes.list', { lineId: l.id })).toEqual([]);
    expect(readdirSync(c.layout.takes).flatMap((d) => readdirSync(path.join(c.layout.takes, d)))).toEqual([]);
    // The queue keeps working after a cancel.
    await call(c, 'lines.update', { id: l.id, text: 'Short.' });
    await call(c, 'jobs.generate', { projectId: p.id, lineIds: [l.id] });
    await c.jobs.idle();
    expect(await call<unknown[]>(c, 'takes.list', { lineId: l.id })).toHaveLength(1);
  });

  it('cancels queued jobs without running them', async () => {
    const { core: c } = await open();
    const p = await call<{ id: string }>(c, 'projects.create', { name: 'Queue' });
    for (const t of ['One.', 'Two.', 'Three.']) await call(c, 'lines.add', { projectId: p.id, text: t });
    const jobs = await call<Job[]>(c, 'jobs.generate', { projectId: p.id });
    const cancelled = await call<Job>(c, 'jobs.cancel', { id: jobs[2].id });
    expect(cancelled.status).toBe('cancelled');
    await c.jobs.idle();
    const final = await call<Job[]>(c, 'jobs.list', { projectId: p.id });
    expect(final.find((j) => j.id === jobs[2].id)?.status).toBe('cancelled');
    expect(final.filter((j) => j.status === 'done')).toHaveLength(2);
  });

  it('fails a job with the engine message for text it cannot speak, and for an unknown voice', async () => {
    const { core: c } = await open();
    const p = await call<{ id: string }>(c, 'projects.create', { name: 'Bad' });
    const emoji = await call<{ id: string }>(c, 'lines.add', { projectId: p.id, text: '🎙️🎧' });
    // Nothing speakable: refused up front (no job), naming the line.
    const refused = await c.dispatch('jobs.generate', { projectId: p.id, lineIds: [emoji.id] });
    expect(refused.ok).toBe(false);
    if (!refused.ok) {
      expect(refused.error.code).toBe('UNSUPPORTED_TEXT');
      expect(refused.error.message).toMatch(/Line 1 has nothing a voice can say/);
    }
    expect(await call<Job[]>(c, 'jobs.list', { projectId: p.id })).toEqual([]);
    await call(c, 'lines.update', { id: emoji.id, text: 'Fine words', voiceId: 'espeak:xx-nope' });
    const [j2] = await call<Job[]>(c, 'jobs.generate', { projectId: p.id, lineIds: [emoji.id] });
    await c.jobs.idle();
    const f2 = (await call<Job[]>(c, 'jobs.list', { projectId: p.id })).find((j) => j.id === j2.id)!;
    expect(f2.error?.code).toBe('INVALID_INPUT');
    expect(f2.error?.message).toMatch(/xx-nope/);
    const bad = await c.dispatch('jobs.generate', { projectId: p.id, lineIds: ['ln_gone'] });
    expect(bad.ok || bad.error.code).toBe('NOT_FOUND');
  });

  it('lists the latest job of every line, so a batch longer than 50 lines is described whole after a reload', async () => {
    const { core: c } = await open();
    const p = await call<{ id: string }>(c, 'projects.create', { name: 'Long batch' });
    const N = 75;
    await call(c, 'script.import', {
      projectId: p.id,
      source: { text: Array.from({ length: N }, (_, i) => `Sentence ${i + 1}.`).join('\n\n'), format: 'txt' },
      mode: 'append',
    });
    const batch = await call<{ batchId: string; jobs: Job[] }>(c, 'jobs.generateBatch', { projectId: p.id });
    expect(batch.jobs).toHaveLength(N);
    await call(c, 'jobs.cancelBatch', { batchId: batch.batchId });
    await c.jobs.idle();
    const listed = await call<Job[]>(c, 'jobs.list', { projectId: p.id });
    // Every line's job, all of the batch (the old query returned the 50 most recent rows).
    expect(listed).toHaveLength(N);
    expect(new Set(listed.map((j) => j.batchId))).toEqual(new Set([batch.batchId]));
    // A line generated again: its newer job replaces the batch's one (one job per line).
    const line = listed[10].lineId!;
    const [again] = await call<Job[]>(c, 'jobs.generate', { projectId: p.id, lineIds: [line] });
    await c.jobs.idle();
    const after = await call<Job[]>(c, 'jobs.list', { projectId: p.id });
    expect(after).toHaveLength(N);
    expect(after.filter((j) => j.lineId === line).map((j) => j.id)).toEqual([again.id]);
    // Without a project: the most recent jobs, bounded.
    expect((await call<Job[]>(c, 'jobs.list', {})).length).toBe(50);
  });

  it('deleting a project while it generates cancels its jobs and removes its files', async () => {
    const { core: c } = await open();
    const p = await call<{ id: string }>(c, 'projects.create', { name: 'Doomed' });
    for (let i = 0; i < 4; i++)
      await call(c, 'lines.add', { projectId: p.id, text: `Line ${i}. More words here to speak.` });
    await call(c, 'jobs.generate', { projectId: p.id });
    await waitFor(c, (j) => j.status === 'running');
    await call(c, 'projects.delete', { id: p.id });
    await c.jobs.idle();
    expect(existsSync(path.join(c.layout.takes, p.id))).toBe(false);
    expect((await c.dispatch('projects.get', { id: p.id })).ok).toBe(false);
    expect(c.repos.takes.allFiles().size).toBe(0);
  });

  it('startup recovery removes orphan take files and temp files and marks running jobs interrupted', async () => {
    const t = tempDir();
    cleanup = t.cleanup;
    let { core: c } = await open(t.dir);
    const p = await call<{ id: string }>(c, 'projects.create', { name: 'Crash' });
    const l = await call<{ id: string }>(c, 'lines.add', { projectId: p.id, text: 'Saved line.' });
    const job = c.repos.jobs.create(p.id, l.id);
    c.repos.jobs.update(job.id, { status: 'running' });
    c.repos.settings.update({ resumeInterruptedJobs: false }); // resuming is tested below
    await c.close();
    core = null;
    // What a kill -9 mid-write leaves: a renamed WAV without its DB row, and a temp file.
    mkdirSync(path.join(t.dir, 'takes', p.id), { recursive: true });
    writeFileSync(path.join(t.dir, 'takes', p.id, 'tk_orphan.wav'), 'RIFF');
    writeFileSync(path.join(t.dir, 'takes', p.id, '.tk_x.wav.abc123.tmp-timbre'), 'RI');
    ({ core: c } = await open(t.dir));
    expect(c.recovery).toEqual({
      interruptedJobs: 1,
      tempFilesRemoved: 1,
      orphanTakesRemoved: 1,
      resumedJobs: 0,
      skippedJobs: 0,
    });
    expect(readdirSync(path.join(t.dir, 'takes', p.id))).toEqual([]);
    expect(c.repos.jobs.get(job.id).status).toBe('interrupted');
    expect((await call<{ lines: { text: string }[] }>(c, 'projects.get', { id: p.id })).lines[0].text).toBe(
      'Saved line.',
    );
  });
});

describe('resuming generation interrupted by a crash or quit', () => {
  /** A project whose jobs were queued (one batch) when the process went away: what a kill leaves in the DB. */
  async function interruptedProject(dir: string, texts: string[], autoResume: boolean) {
    const { core: c } = await open(dir);
    c.repos.settings.update({ resumeInterruptedJobs: autoResume });
    const p = await call<{ id: string }>(c, 'projects.create', { name: 'Resume' });
    const lines: { id: string }[] = [];
    for (const text of texts) lines.push(await call<{ id: string }>(c, 'lines.add', { projectId: p.id, text }));
    const jobs = lines.map((l, i) => c.repos.jobs.create(p.id, l.id, 'batch_r', texts[i]));
    c.repos.jobs.update(jobs[0].id, { status: 'running', progress: 0.5 });
    await c.close();
    core = null;
    return { projectId: p.id, lineIds: lines.map((l) => l.id), jobIds: jobs.map((j) => j.id) };
  }

  it('resumes at startup by default: same jobs, same batch, in order, one take per line', async () => {
    const t = tempDir();
    cleanup = t.cleanup;
    const texts = ['First line to resume.', 'Second line to resume.', 'Third line to resume.'];
    const { lineIds, jobIds } = await interruptedProject(t.dir, texts, true);
    const { core: c } = await open(t.dir);
    expect(c.recovery).toMatchObject({ interruptedJobs: 3, resumedJobs: 3, skippedJobs: 0 });
    await c.jobs.idle();
    const jobs = jobIds.map((id) => c.repos.jobs.get(id));
    expect(jobs.map((j) => j.status)).toEqual(['done', 'done', 'done']);
    expect(jobs.every((j) => j.batchId === 'batch_r' && j.error === null)).toBe(true);
    expect(
      c.repos.jobs
        .list()
        .map((j) => j.id)
        .sort(),
    ).toEqual([...jobIds].sort()); // no new job rows
    const takes = lineIds.map((id) => c.repos.takes.listForLine(id));
    expect(takes.map((x) => x.length)).toEqual([1, 1, 1]);
    expect(jobs.map((j) => j.takeId)).toEqual(takes.map((x) => x[0].id));
    // In the order they were queued.
    const made = takes.map((x) => x[0].createdAt);
    expect([...made].sort()).toEqual(made);
    expect((await call<{ resumed: number; interrupted: number }>(c, 'jobs.recovery', {})).resumed).toBe(3);
  });

  it('with automatic resume off, offers them; resuming skips a changed line and a line generated again since', async () => {
    const t = tempDir();
    cleanup = t.cleanup;
    const texts = ['Keep this line.', 'This line will be edited.', 'This one is regenerated by hand.', 'Last line.'];
    const { projectId, lineIds, jobIds } = await interruptedProject(t.dir, texts, false);
    const { core: c } = await open(t.dir);
    expect(c.recovery).toMatchObject({ interruptedJobs: 4, resumedJobs: 0 });
    expect(await call(c, 'jobs.recovery', { projectId })).toMatchObject({ autoResume: false, interrupted: 4 });
    await call(c, 'lines.update', { id: lineIds[1], text: 'Edited after the crash.' });
    const again = await call<Job[]>(c, 'jobs.generate', { projectId, lineIds: [lineIds[2]] });
    await c.jobs.idle();
    const r = await call<{ jobs: Job[]; skipped: { jobId: string; reason: string; message: string }[] }>(
      c,
      'jobs.resumeInterrupted',
      { projectId },
    );
    expect(r.jobs.map((j) => j.id)).toEqual([jobIds[0], jobIds[3]]);
    expect(r.skipped.map((s) => [s.jobId, s.reason])).toEqual([
      [jobIds[1], 'text-changed'],
      [jobIds[2], 'superseded'],
    ]);
    expect(r.skipped[0].message).toMatch(/Line 2 changed since it was queued/);
    await c.jobs.idle();
    expect(jobIds.map((id) => c.repos.jobs.get(id).status)).toEqual(['done', 'cancelled', 'cancelled', 'done']);
    expect(c.repos.jobs.get(jobIds[1]).error?.message).toMatch(/changed since/);
    expect(lineIds.map((id) => c.repos.takes.listForLine(id).length)).toEqual([1, 0, 1, 1]);
    expect(c.repos.takes.listForLine(lineIds[2])[0].id).toBe(c.repos.jobs.get(again[0].id).takeId);
    // Nothing left to resume: a second call is a no-op.
    expect(await call(c, 'jobs.recovery', { projectId })).toMatchObject({ interrupted: 0 });
    expect(await call(c, 'jobs.resumeInterrupted', { projectId })).toEqual({ jobs: [], skipped: [] });
  });
});
