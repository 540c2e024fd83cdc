/**
 * Recording over the contract (recorder.* methods and events) against a real virtual microphone: a private
 * PulseAudio daemon whose source hears what paplay plays into a null sink, fed with eval speech. Takes are staged
 * encrypted with a quality report; room-noise takes carry their noise floor.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Core } from '../../main/node/core.js';
import type {
  EventPayload,
  RecorderDevices,
  RecorderStatus,
  SnrEstimate,
  StagedAudio,
} from '../../preload/contract/index.js';
import { sleep, startVirtualMic, type VirtualMic } from '../helpers/pulse.js';
import { tempDir } from '../helpers/tmp.js';
import { SPEECH_16K, allFiles, call, callError, openVoiceCore } from '../helpers/voices.js';

const LONG = path.join(SPEECH_16K, 'lj_LJ001-0001.wav'); // 9.65 s

/** Our own sox/arecord children (the microphone is open only while one runs). */
function captureChildren(): string[] {
  const out: string[] = [];
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === process.pid && ['sox', 'rec', 'arecord'].includes(comm)) out.push(`${pid} ${comm}`);
    } catch {
      // gone while reading
    }
  }
  return out;
}

let mic: VirtualMic | null = null;
let skip = '';
let core: Core;
let cleanup: () => void;
const levels: { at: number; l: EventPayload<'recorder.level'> }[] = [];
const states: RecorderStatus[] = [];

beforeAll(async () => {
  const m = await startVirtualMic('timbre_voices');
  if (typeof m === 'string') {
    skip = m;
    console.warn(`voices-recorder tests: skipping the device tests: ${m}`);
  } else mic = m;
  const t = tempDir();
  cleanup = t.cleanup;
  core = await openVoiceCore(t.dir);
  await call(core, 'vault.unlock', { passphrase: 'recorder test passphrase' });
  core.subscribe((event, payload) => {
    if (event === 'recorder.level')
      levels.push({ at: performance.now(), l: payload as EventPayload<'recorder.level'> });
    if (event === 'recorder.state') states.push(payload as RecorderStatus);
  });
});

afterAll(async () => {
  await core?.close();
  cleanup?.();
  await mic?.stop();
});

describe('recorder over the contract', () => {
  it('lists the virtual microphone with no problem', async (ctx) => {
    if (!mic) return ctx.skip(skip);
    const d = await call<RecorderDevices>(core, 'recorder.devices');
    expect(d.program).toBe('sox');
    expect(d.problem).toBeNull();
    expect(d.devices).toContainEqual(expect.objectContaining({ id: mic.source, isDefault: true, isMonitor: false }));
  });

  it('records room noise, then a sample: staged with reports, levels >= 10/s, SNR estimated, mic closed after', async (ctx) => {
    if (!mic) return ctx.skip(skip);
    const noiseStart = await call<RecorderStatus>(core, 'recorder.start', { purpose: 'room-noise', maxSeconds: 10 });
    expect(noiseStart).toMatchObject({ state: 'recording', purpose: 'room-noise', maxSeconds: 10 });
    expect(captureChildren()).toHaveLength(1);
    await sleep(3200);
    const noise = await call<StagedAudio>(core, 'recorder.stop');
    expect(captureChildren()).toEqual([]);
    expect(noise).toMatchObject({ source: 'recording', purpose: 'room-noise', sampleRate: 48000 });
    expect(noise.durationSeconds).toBeGreaterThan(2.5);
    // a null sink's monitor is digital silence
    expect(noise.noiseFloorDb).not.toBeNull();
    expect(noise.noiseFloorDb!).toBeLessThan(-90);

    levels.length = 0;
    states.length = 0;
    await call(core, 'recorder.start', { maxSeconds: 60, device: mic.source });
    const t0 = performance.now();
    const played = await mic.play(LONG);
    expect(played.code, played.stderr).toBe(0);
    await sleep(300);
    const t1 = performance.now();
    const sample = await call<StagedAudio>(core, 'recorder.stop');
    expect(captureChildren()).toEqual([]);
    expect(sample.purpose).toBe('sample');
    expect(sample.durationSeconds).toBeGreaterThan(9.65 * 0.95);
    expect(sample.report.speechSeconds).toBeGreaterThan(6);
    const during = levels.filter((x) => x.at >= t0 && x.at <= t1);
    expect(during.length / ((t1 - t0) / 1000)).toBeGreaterThanOrEqual(10);
    expect(during.some((x) => x.l.rmsDb > -40)).toBe(true);
    expect(during.every((x) => !x.l.paused)).toBe(true);
    expect(states.map((s) => s.state)).toEqual(['starting', 'recording', 'idle']);

    const snr = await call<SnrEstimate>(core, 'voiceAudio.snr', {
      stagingId: sample.stagingId,
      noiseStagingId: noise.stagingId,
    });
    expect(snr.verdict).toBe('good');
    expect(snr.snrDb).toBeGreaterThan(40);
  }, 120_000);

  it('pauses and resumes (paused audio is metered, not kept), stops by itself at maxSeconds, discards', async (ctx) => {
    if (!mic) return ctx.skip(skip);
    await call(core, 'recorder.start', { maxSeconds: 30 });
    await sleep(1000);
    levels.length = 0;
    const paused = await call<RecorderStatus>(core, 'recorder.pause');
    expect(paused.state).toBe('paused');
    await sleep(1000);
    expect(levels.length).toBeGreaterThan(5);
    expect(levels.every((x) => x.l.paused)).toBe(true);
    expect((await call<RecorderStatus>(core, 'recorder.resume')).state).toBe('recording');
    await sleep(1000);
    const take = await call<StagedAudio>(core, 'recorder.stop');
    expect(take.durationSeconds).toBeGreaterThan(1.5);
    expect(take.durationSeconds).toBeLessThan(2.6);

    states.length = 0;
    await call(core, 'recorder.start', { maxSeconds: 1 });
    const conflict = await callError(core, 'recorder.start', { maxSeconds: 1 });
    expect(conflict.code).toBe('CONFLICT');
    for (let i = 0; i < 50 && !states.some((s) => s.state === 'ended'); i++) await sleep(100);
    const ended = states.find((s) => s.state === 'ended');
    expect(ended?.endReason).toBe('limit');
    // the capture program is being stopped as the take ends
    for (let i = 0; i < 30 && captureChildren().length; i++) await sleep(100);
    expect(captureChildren()).toEqual([]);
    const limited = await call<StagedAudio>(core, 'recorder.stop');
    expect(limited.durationSeconds).toBeCloseTo(1, 1);

    const stagedBefore = readdirSync(path.join(core.dataDir, 'staging')).length;
    await call(core, 'recorder.start', { maxSeconds: 10, purpose: 'consent' });
    await sleep(500);
    expect(await call(core, 'recorder.discard')).toEqual({ discarded: true });
    expect(captureChildren()).toEqual([]);
    expect(readdirSync(path.join(core.dataDir, 'staging')).length).toBe(stagedBefore);
    const idle = await callError(core, 'recorder.stop');
    expect(idle.code).toBe('CONFLICT');
    expect(idle.message).toMatch(/Cannot stop: the recorder is idle/);
    expect((await callError(core, 'recorder.start', { maxSeconds: 0 })).code).toBe('INVALID_INPUT');
    expect((await callError(core, 'recorder.start', { device: 'bad device; rm -rf' })).code).toBe('INVALID_INPUT');
  });

  it('spills a take into an encrypted temporary file as it records, never holding it in memory', async (ctx) => {
    if (!mic) return ctx.skip(skip);
    // A second core whose takes keep 1 s in memory (the default is about 87 s): the rest goes to staging/work.
    const t = tempDir();
    const small = await openVoiceCore(t.dir, ['silero-vad'], { recorderMemoryFrames: 48000 });
    try {
      await call(small, 'vault.unlock', { passphrase: 'recorder spill passphrase' });
      let elapsed = 0;
      const off = small.subscribe((event, payload) => {
        if (event === 'recorder.level') elapsed = (payload as EventPayload<'recorder.level'>).elapsed;
      });
      await call(small, 'recorder.start', { maxSeconds: 60, device: mic.source });
      const playing = mic.play(LONG);
      const workFiles = () =>
        existsSync(path.join(t.dir, 'staging', 'work')) ? allFiles(path.join(t.dir, 'staging', 'work')) : [];
      for (let i = 0; i < 200 && elapsed < 4; i++) await sleep(50);
      expect(elapsed).toBeGreaterThanOrEqual(4);
      // Past 1 s the take is in a file that grows with it, and the file is not the samples in the clear.
      const [file, ...others] = workFiles();
      expect(others).toEqual([]);
      const bytes = readFileSync(file);
      expect(bytes.length).toBeGreaterThanOrEqual(3 * 48000 * 4);
      const f = new Float32Array(bytes.buffer, bytes.byteOffset, Math.floor(bytes.length / 4));
      let plausible = 0;
      for (const x of f) if (Number.isFinite(x) && Math.abs(x) <= 1) plausible++;
      expect(plausible / f.length).toBeLessThan(0.5);
      expect((await playing).code).toBe(0);
      await sleep(300);
      const take = await call<StagedAudio>(small, 'recorder.stop');
      expect(take.durationSeconds).toBeGreaterThan(9.65 * 0.95);
      expect(take.report.speechSeconds).toBeGreaterThan(6);
      // Staged (encrypted, in staging/) and the temporary file is gone.
      expect(workFiles()).toEqual([]);
      off();
    } finally {
      await small.close();
      t.cleanup();
    }
  });

  it('says what to install when there is no recorder program', async () => {
    const empty = mkdtempSync(path.join(os.tmpdir(), 'timbre-nopath-'));
    const saved = process.env.PATH;
    process.env.PATH = empty;
    try {
      const d = await call<RecorderDevices>(core, 'recorder.devices');
      expect(d.program).toBeNull();
      expect(d.problem).toMatch(/No audio recorder program is installed.*sudo apt-get install sox/);
      const e = await callError(core, 'recorder.start', { maxSeconds: 5 });
      expect(e.code).toBe('ENGINE_UNAVAILABLE');
      expect(e.message).toMatch(/neither is on PATH/);
    } finally {
      process.env.PATH = saved;
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
