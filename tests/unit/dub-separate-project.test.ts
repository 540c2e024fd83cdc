/**
 * Dubbing projects with the "separate" background (issue #11 step 8), through the core's API: refused with a message
 * naming the pack while `spleeter-2stems` is not in the data folder (the settings stay as they were), accepted once
 * it is (the contract fixture pack of tests/fixtures/spleeter-fixture.ts: "vocals" above ~1 kHz, "accompaniment"
 * below), and the preview then carries the accompaniment and none of the original voice.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../main/node/core.js';
import { decodeWav } from '../../native-models/audio/wav.js';
import { resample } from '../../native-models/dsp/resample.js';
import type { DubGeneration, DubProjectDetail } from '../../preload/contract/index.js';
import { complement, lowBand, makeSpleeterFixture } from '../fixtures/spleeter-fixture.js';
import { ROOT } from '../helpers/server-process.js';
import { tempDir } from '../helpers/tmp.js';
import { fit } from '../helpers/signal-fit.js';

const RATE = 48_000;
const DURATION = 8;
const CUE = { start: 2, end: 5 };
const { dir, cleanup } = tempDir('timbre-dubsep-proj-');
const fixture = makeSpleeterFixture({ vocalsGain: complement(lowBand(93)), accompanimentGain: lowBand(93) });
const data = path.join(dir, 'data');
const media = path.join(dir, 'scene.wav');
let core: Core;
let bg: Float32Array;
let voice: Float32Array;

async function call<T>(method: string, params: unknown): Promise<T> {
  const r = await core.dispatch(method, params);
  if (!r.ok) throw Object.assign(new Error(r.error.message), { code: r.error.code });
  return r.result as T;
}
function generationEnd(projectId: string): Promise<DubGeneration> {
  return new Promise((resolve) => {
    const off = core.subscribe((event, payload) => {
      const p = payload as { projectId: string; generation: DubGeneration };
      if (event !== 'dub.progress' || p.projectId !== projectId || p.generation.status === 'running') return;
      off();
      resolve(p.generation);
    });
  });
}
async function preview(projectId: string): Promise<Float32Array> {
  await call('dub.preview', { projectId });
  const wav = decodeWav(readFileSync(core.dubMediaFile(projectId, 'dub')));
  const x = wav.sampleRate === RATE ? wav.samples : resample(wav.samples, wav.sampleRate, RATE);
  return x.slice(0, DURATION * RATE);
}

beforeAll(async () => {
  execFileSync(process.execPath, [path.join(ROOT, 'build/scripts/build.mjs'), '--node', '--if-stale'], {
    stdio: 'ignore',
  });
  const n = DURATION * RATE;
  bg = new Float32Array(n);
  voice = new Float32Array(n);
  const pcm = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    const t = i / RATE;
    const b = 0.05 * (Math.sin(2 * Math.PI * 196 * t) + 0.5 * Math.sin(2 * Math.PI * 294 * t));
    const v =
      t >= CUE.start && t <= CUE.end
        ? 0.15 * (0.5 + 0.5 * Math.sin(2 * Math.PI * 4 * t)) * Math.sin(2 * Math.PI * 2500 * t)
        : 0;
    pcm[2 * i] = pcm[2 * i + 1] = b + v;
    bg[i] = b;
    voice[i] = v;
  }
  writeFileSync(path.join(dir, 'scene.f32'), Buffer.from(pcm.buffer));
  execFileSync('ffmpeg', [
    ...['-v', 'error', '-y', '-f', 'f32le', '-ar', String(RATE), '-ac', '2', '-i', path.join(dir, 'scene.f32')],
    media,
  ]);
  writeFileSync(path.join(dir, 'target.srt'), '1\n00:00:02,000 --> 00:00:05,000\nHello there.\n');
  core = await createCore({ dataDir: data, transport: 'web', version: 'test' });
}, 120_000);
afterAll(async () => {
  await core?.close();
  cleanup();
  fixture.cleanup();
});

describe('dubbing project, background "separate"', () => {
  it('is refused without the pack (settings unchanged), accepted with it, and the preview keeps only the accompaniment', async () => {
    const p = await call<DubProjectDetail>('dub.create', {
      media: { path: media },
      targetSubs: { path: path.join(dir, 'target.srt') },
    });
    const r = await core.dispatch('dub.updateSettings', { projectId: p.id, settings: { background: 'separate' } });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('ENGINE_UNAVAILABLE');
      expect(r.error.message).toMatch(/"spleeter-2stems".*not installed.*timbre models download spleeter-2stems/);
    }
    expect((await call<DubProjectDetail>('dub.get', { projectId: p.id })).settings.background).toBe('duck');

    // The dub alone first (background "none"): the dialogue, to tell it apart from the background below.
    await call('dub.updateSettings', { projectId: p.id, settings: { background: 'none' } });
    const ended = generationEnd(p.id);
    await call('dub.generate', { projectId: p.id, all: true });
    expect((await ended).status).toBe('done');
    const dialogue = await preview(p.id);

    mkdirSync(path.join(data, 'models'), { recursive: true });
    cpSync(fixture.dir, path.join(data, 'models', 'spleeter-2stems'), { recursive: true });
    const s = await call<DubProjectDetail>('dub.updateSettings', {
      projectId: p.id,
      settings: { background: 'separate' },
    });
    expect(s.settings.background).toBe('separate');
    const dub = await preview(p.id);
    // Off the cue: the background alone. Under the cue: the dialogue, the background, none of the original voice.
    const off: number[] = [];
    const under: number[] = [];
    for (let i = 0; i < dub.length; i += 4) {
      const t = i / RATE;
      if (t > 0.3 && t < CUE.start - 0.5) off.push(i);
      if (t > CUE.start + 0.1 && t < CUE.end - 0.1) under.push(i);
    }
    const [gOff] = fit(dub, [bg], off);
    expect(gOff).toBeGreaterThan(0);
    const [gDialogue, gBg, gVoice] = fit(dub, [dialogue, bg, voice], under);
    expect(gDialogue).toBeGreaterThan(0.5);
    expect(20 * Math.log10(Math.abs(gVoice) / gBg)).toBeLessThanOrEqual(-30);
    // Not ducked: the background under the cue is at its level off the cue.
    expect(Math.abs(20 * Math.log10(gBg / gOff))).toBeLessThan(1);
    const db = new Database(core.layout.db, { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();
  }, 240_000);
});
