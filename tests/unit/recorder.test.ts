/**
 * Microphone capture against a real virtual input: a private PulseAudio daemon with a null sink whose monitor is the
 * input. Real speech from ../shared/eval/speech is played into the sink with paplay while the Recorder (sox through
 * node-record-lpcm16) records the monitor.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { decodeWav } from '../../native-models/audio/wav.js';
import { resample } from '../../native-models/dsp/resample.js';
import { Recorder, RecorderError, type LevelEvent } from '../../main/node/recorder/recorder.js';
import { listInputDevices, parseArecordList, parsePactlSources } from '../../main/node/recorder/devices.js';
import { LevelMeter } from '../../main/node/recorder/levels.js';
import { estimateNoiseFloor, speechSnr } from '../../main/node/recorder/room-noise.js';
import { registerRecordCommand } from '../../main/cli/commands/record.js';
import { openLedger } from '../../main/node/privacy/ledger.js';
import { run, sleep, startPulse, stopPulse, type Pulse } from '../helpers/pulse.js';

const SPEECH = path.resolve('../shared/eval/speech/16k');
const SHORT = path.join(SPEECH, 'arctic_aew_a0001.wav'); // 3.88 s
const LONG = path.join(SPEECH, 'lj_LJ001-0001.wav'); // 9.65 s
const SINK = 'timbre_test';

/** Data folders the CLI tests gave `timbre record` (removed at the end). */
const dataDirs: string[] = [];

/** The microphone entries of a data folder's privacy ledger, oldest first. */
function micLedger(dataDir: string) {
  const { ledger, close } = openLedger(dataDir);
  try {
    return ledger
      .page(100)
      .entries.filter((e) => e.kind.startsWith('microphone.'))
      .reverse()
      .map(({ kind, detail }) => ({ kind, detail }));
  } finally {
    close();
  }
}

/** Our own child processes named sox/rec/arecord (other engineers' processes on the machine are not ours). */
function captureChildren(): string[] {
  const out: string[] = [];
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === process.pid && ['sox', 'rec', 'arecord'].includes(comm)) out.push(`${pid} ${comm}`);
    } catch {
      // process went away while reading
    }
  }
  return out;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

// ---- signal helpers for the comparison -------------------------------------------------------------------------

function fft(re: Float64Array, im: Float64Array, inverse: boolean): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j], re[i]];
      [im[i], im[j]] = [im[j], im[i]];
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const ang = ((inverse ? 2 : -2) * Math.PI) / len;
    const wr = Math.cos(ang);
    const wi = Math.sin(ang);
    for (let i = 0; i < n; i += len) {
      let cr = 1;
      let ci = 0;
      for (let k = 0; k < len / 2; k++) {
        const ar = re[i + k + len / 2] * cr - im[i + k + len / 2] * ci;
        const ai = re[i + k + len / 2] * ci + im[i + k + len / 2] * cr;
        re[i + k + len / 2] = re[i + k] - ar;
        im[i + k + len / 2] = im[i + k] - ai;
        re[i + k] += ar;
        im[i + k] += ai;
        const t = cr * wr - ci * wi;
        ci = cr * wi + ci * wr;
        cr = t;
      }
    }
  }
}

/** Lag (in samples of `cap`) at which `ref` best matches, and the normalised cross-correlation there. */
function alignByXcorr(ref: Float32Array, cap: Float32Array): { lag: number; ncc: number } {
  let n = 1;
  while (n < ref.length + cap.length) n <<= 1;
  const ar = new Float64Array(n);
  const ai = new Float64Array(n);
  const br = new Float64Array(n);
  const bi = new Float64Array(n);
  ar.set(cap);
  br.set(ref);
  fft(ar, ai, false);
  fft(br, bi, false);
  for (let i = 0; i < n; i++) {
    // cap ⋆ ref: A · conj(B)
    const r = ar[i] * br[i] + ai[i] * bi[i];
    const im = ai[i] * br[i] - ar[i] * bi[i];
    ar[i] = r;
    ai[i] = im;
  }
  fft(ar, ai, true);
  let lag = 0;
  let best = -Infinity;
  for (let k = 0; k <= cap.length - ref.length; k++) {
    if (ar[k] > best) {
      best = ar[k];
      lag = k;
    }
  }
  let dot = 0;
  let er = 0;
  let ec = 0;
  for (let i = 0; i < ref.length; i++) {
    dot += ref[i] * cap[lag + i];
    er += ref[i] * ref[i];
    ec += cap[lag + i] * cap[lag + i];
  }
  return { lag, ncc: dot / Math.sqrt(er * ec) };
}

/** Seconds from the first to the last 10 ms frame within 40 dB of the loudest frame. */
function activeSpan(x: Float32Array, rate: number): number {
  const size = Math.round(rate * 0.01);
  const powers: number[] = [];
  for (let s = 0; s + size <= x.length; s += size) {
    let sum = 0;
    for (let i = s; i < s + size; i++) sum += x[i] * x[i];
    powers.push(sum / size);
  }
  const thr = Math.max(...powers) * 1e-4;
  const first = powers.findIndex((p) => p > thr);
  const last = powers.length - 1 - [...powers].reverse().findIndex((p) => p > thr);
  return ((last - first + 1) * size) / rate;
}

// ---- tests ------------------------------------------------------------------------------------------------------

let pulse: Pulse | null = null;
let pulseSkip = '';
let savedServer: string | undefined;

beforeAll(async () => {
  // The CLI tests run the built `timbre` (bin/timbre.mjs → dist/node/cli.js): build it from this checkout first.
  const b = await run(process.execPath, [path.resolve('build/scripts/build.mjs'), '--node', '--if-stale']);
  expect(b.code, b.stderr).toBe(0);
  const p = await startPulse([`module-null-sink sink_name=${SINK} rate=48000 channels=1`]);
  if (typeof p === 'string') {
    pulseSkip = p;
    console.warn(`recorder tests: skipping the device tests: ${p}`);
    return;
  }
  pulse = p;
  savedServer = process.env.PULSE_SERVER;
  process.env.PULSE_SERVER = p.server;
  const r = await run('pactl', ['set-default-source', `${SINK}.monitor`]);
  expect(r.code, r.stderr).toBe(0);
});

afterAll(async () => {
  if (savedServer === undefined) delete process.env.PULSE_SERVER;
  else process.env.PULSE_SERVER = savedServer;
  if (pulse) await stopPulse(pulse);
  for (const d of dataDirs) rmSync(d, { recursive: true, force: true });
});

describe('Recorder on a PulseAudio null-sink monitor', () => {
  it('captures what is played: same length, correlated, level events at >= 10 per second, program gone after stop', async (ctx) => {
    if (!pulse) return ctx.skip(pulseSkip);
    const rec = new Recorder();
    const levels: { at: number; l: LevelEvent }[] = [];
    rec.on('level', (l) => levels.push({ at: performance.now(), l }));
    await rec.start({ device: `${SINK}.monitor`, maxSeconds: 30 });
    expect(rec.state).toBe('recording');
    const pid = rec.pid!;
    expect(alive(pid)).toBe(true);
    await sleep(800); // room silence first, long enough for the meter to judge it too quiet
    const played = await run('paplay', [`--device=${SINK}`, SHORT]);
    expect(played.code, played.stderr).toBe(0);
    await sleep(300);
    const take = await rec.stop();

    // The microphone is closed: the capture program has exited and no sox/arecord child is left.
    expect(alive(pid)).toBe(false);
    expect(captureChildren()).toEqual([]);
    expect(rec.state).toBe('idle');

    const ref = decodeWav(readFileSync(SHORT));
    expect(take.sampleRate).toBe(48000);
    expect(take.seconds).toBeCloseTo(take.pcm.length / 48000, 6);
    const cap16 = resample(take.pcm, take.sampleRate, ref.sampleRate);
    expect(cap16.length).toBeGreaterThan(ref.samples.length);
    const { lag, ncc } = alignByXcorr(ref.samples, cap16);
    const refSpan = activeSpan(ref.samples, ref.sampleRate);
    const capSpan = activeSpan(cap16.subarray(lag, lag + ref.samples.length), ref.sampleRate);
    const wholeSpan = activeSpan(cap16, ref.sampleRate);
    console.log(
      `recorder: captured ${take.seconds.toFixed(3)} s, speech span ${wholeSpan.toFixed(3)} s vs played ${refSpan.toFixed(3)} s, ` +
        `lag ${(lag / ref.sampleRate).toFixed(3)} s, NCC ${ncc.toFixed(4)}, ${levels.length} level events`,
    );
    expect(Math.abs(wholeSpan - refSpan) / refSpan).toBeLessThan(0.05);
    expect(Math.abs(capSpan - refSpan) / refSpan).toBeLessThan(0.05);
    expect(ncc).toBeGreaterThan(0.5);

    // Level events: one per 50 ms of audio, and in real time at >= 10 per second.
    expect(levels.length).toBeGreaterThanOrEqual(Math.floor(take.seconds * 10));
    const wall = (levels[levels.length - 1].at - levels[0].at) / 1000;
    expect((levels.length - 1) / wall).toBeGreaterThanOrEqual(10);
    // They measure the audio: digital silence before the speech, speech levels during it.
    expect(levels[0].l.rmsDb).toBeLessThan(-80);
    expect(Math.max(...levels.map((e) => e.l.rmsDb))).toBeGreaterThan(-35);
    expect(levels.some((e) => e.l.tooQuiet)).toBe(true);
    expect(levels.every((e) => !e.l.paused)).toBe(true);
    expect(levels[levels.length - 1].l.elapsed).toBeLessThanOrEqual(take.seconds + 1e-9);
  });

  it('pause stops accumulating (levels say paused), resume continues; default device', async (ctx) => {
    if (!pulse) return ctx.skip(pulseSkip);
    const rec = new Recorder();
    const levels: LevelEvent[] = [];
    rec.on('level', (l) => levels.push(l));
    await rec.start({ maxSeconds: 30 });
    const player = run('paplay', [`--device=${SINK}`, LONG]);
    const t0 = performance.now();
    await sleep(1000);
    rec.pause();
    const elapsedAtPause = rec.elapsed;
    expect(rec.state).toBe('paused');
    const tp = performance.now();
    expect(() => rec.pause()).toThrow(RecorderError);
    await sleep(1500);
    const elapsedAtResume = rec.elapsed;
    rec.resume();
    const pausedFor = (performance.now() - tp) / 1000;
    await sleep(1000);
    const take = await rec.stop();
    const wall = (performance.now() - t0) / 1000;
    await player;
    expect(levels.filter((l) => l.paused).length).toBeGreaterThanOrEqual(20);
    // Nothing was kept while paused: elapsed did not move, and the take is the unpaused time.
    expect(levels.filter((l) => l.paused).every((l) => l.elapsed === levels.find((x) => x.paused)!.elapsed)).toBe(true);
    expect(elapsedAtResume).toBe(elapsedAtPause);
    expect(elapsedAtPause).toBeGreaterThan(0.5);
    expect(Math.abs(take.seconds - (wall - pausedFor))).toBeLessThan(0.35);
    expect(captureChildren()).toEqual([]);
  });

  it('enforces maxSeconds: ends by itself with exactly that much audio and closes the device', async (ctx) => {
    if (!pulse) return ctx.skip(pulseSkip);
    const rec = new Recorder();
    const ended = new Promise<string>((r) => rec.once('ended', (e) => r(e.reason)));
    await rec.start({ maxSeconds: 1, sampleRate: 16000 });
    const pid = rec.pid!;
    expect(await ended).toBe('limit');
    expect(rec.state).toBe('ended');
    const take = await rec.stop();
    expect(take.pcm.length).toBe(16000);
    expect(take.seconds).toBe(1);
    expect(alive(pid)).toBe(false);
    expect(captureChildren()).toEqual([]);
  });

  it('discard drops the take and closes the device; the recorder can start again', async (ctx) => {
    if (!pulse) return ctx.skip(pulseSkip);
    const rec = new Recorder();
    await rec.start({ maxSeconds: 5 });
    const pid = rec.pid!;
    await rec.discard();
    expect(alive(pid)).toBe(false);
    expect(rec.state).toBe('idle');
    await expect(rec.stop()).rejects.toMatchObject({ code: 'INVALID_STATE' });
    await rec.start({ maxSeconds: 5 });
    await sleep(200);
    const take = await rec.stop();
    expect(take.seconds).toBeGreaterThan(0);
    expect(captureChildren()).toEqual([]);
  });

  it('an unknown device is refused by name, pointing at --list-devices', async (ctx) => {
    if (!pulse) return ctx.skip(pulseSkip);
    const rec = new Recorder();
    const err = await rec.start({ device: 'no_such_mic', maxSeconds: 5 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RecorderError);
    expect(err).toMatchObject({ code: 'DEVICE_NOT_FOUND' });
    expect((err as Error).message).toBe(
      'Input device "no_such_mic" not found. List the available inputs with "timbre record --list-devices".',
    );
    expect(rec.state).toBe('idle');
    expect(captureChildren()).toEqual([]);
  });

  it('a system with no input device at all says so', async (ctx) => {
    if (!pulse) return ctx.skip(pulseSkip);
    const empty = await startPulse([]);
    if (typeof empty === 'string') throw new Error(empty);
    process.env.PULSE_SERVER = empty.server;
    try {
      const err = await new Recorder().start({ maxSeconds: 5 }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'NO_INPUT_DEVICE' });
      expect((err as Error).message).toMatch(/^No input device: /);
      expect(await listInputDevices()).toEqual([]);
    } finally {
      process.env.PULSE_SERVER = pulse.server;
      await stopPulse(empty);
    }
  });

  it('listInputDevices lists the pulse sources with the default marked', async (ctx) => {
    if (!pulse) return ctx.skip(pulseSkip);
    const devices = await listInputDevices();
    expect(devices).toEqual([
      {
        id: `${SINK}.monitor`,
        description: `Monitor of ${SINK} (s16le 1ch 48000Hz)`,
        backend: 'pulse',
        isDefault: true,
        isMonitor: true,
      },
    ]);
  });

  it('CLI: records a take to a WAV file; --list-devices prints the devices', async (ctx) => {
    if (!pulse) return ctx.skip(pulseSkip);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'timbre-rec-cli-'));
    try {
      const program = new Command().exitOverride();
      const dataDir = mkdtempSync(path.join(os.tmpdir(), 'timbre-rec-data-'));
      dataDirs.push(dataDir);
      registerRecordCommand(program, () => dataDir);
      const out = path.join(dir, 'take.wav');
      await program.parseAsync(['record', '--seconds', '1.5', '-o', out], { from: 'user' });
      const wav = decodeWav(readFileSync(out));
      expect(wav.sampleRate).toBe(48000);
      expect(wav.samples.length).toBe(72000);
      expect(readdirSync(dir)).toEqual(['take.wav']); // atomic write: no temp file left
      // The data folder's privacy ledger saw the microphone open and close, as the app's recorder does (#13).
      expect(micLedger(dataDir)).toEqual([
        { kind: 'microphone.opened', detail: { purpose: 'record-to-file', via: 'cli', device: 'default' } },
        {
          kind: 'microphone.closed',
          detail: { purpose: 'record-to-file', via: 'cli', how: 'limit', seconds: expect.any(Number) },
        },
      ]);
      const open = micLedger(dataDir)[1]!.detail.seconds as number;
      expect(open).toBeGreaterThanOrEqual(1.4);

      const written: string[] = [];
      const orig = process.stdout.write.bind(process.stdout);
      process.stdout.write = ((s: string) => (written.push(String(s)), true)) as typeof process.stdout.write;
      try {
        const p2 = new Command().exitOverride();
        registerRecordCommand(p2, () => dir);
        await p2.parseAsync(['record', '--list-devices'], { from: 'user' });
      } finally {
        process.stdout.write = orig;
      }
      expect(written.join('')).toBe(
        `${SINK}.monitor\tMonitor of ${SINK} (s16le 1ch 48000Hz) [default, monitor of an output]\n`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('CLI: Ctrl+C (SIGINT) stops the take early and saves it', async (ctx) => {
    if (!pulse) return ctx.skip(pulseSkip);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'timbre-rec-sigint-'));
    try {
      const out = path.join(dir, 'take.wav');
      const dataDir = path.join(dir, 'data');
      const child = spawn(
        process.execPath,
        [path.resolve('bin/timbre.mjs'), '--data-dir', dataDir, 'record', '--seconds', '60', '-o', out],
        {
          cwd: process.cwd(),
          env: process.env,
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += String(d)));
      const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
      // Recording has begun once the CLI says how to stop it (or it exited, which the assertion below reports).
      await new Promise<void>((resolve) => {
        const check = () => stderr.includes('Ctrl+C') && resolve();
        child.stderr.on('data', check);
        child.once('exit', () => resolve());
        check();
      });
      expect(stderr).toContain('Ctrl+C stops and saves');
      await sleep(1000);
      child.kill('SIGINT');
      expect(await exited, stderr).toBe(0);
      expect(stderr).toMatch(/Wrote .*take\.wav \(\d\.\d\d s, 48000 Hz\)/);
      const wav = decodeWav(readFileSync(out));
      expect(wav.samples.length / wav.sampleRate).toBeGreaterThan(0.7);
      expect(wav.samples.length / wav.sampleRate).toBeLessThan(2);
      expect(micLedger(dataDir).map((e) => [e.kind, e.detail.how ?? null])).toEqual([
        ['microphone.opened', null],
        ['microphone.closed', 'interrupted'],
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('CLI onto a full disk: nothing left, exit 1; a disk that fills mid-take keeps what was recorded, exit 1', async (ctx) => {
    if (!pulse) return ctx.skip(pulseSkip);
    if (spawnSync('unshare', ['-rm', 'true']).status !== 0) return ctx.skip('no private mount namespace (unshare -rm)');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'timbre-rec-full-'));
    try {
      const r = spawnSync(
        'unshare',
        ['-rm', process.execPath, '--import', 'tsx', path.resolve('tests/helpers/record-full-disk-scenario.ts'), dir],
        { encoding: 'utf8', timeout: 120_000, env: process.env },
      );
      expect(r.status, r.stderr).toBe(0);
      const runs = JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<
        string,
        { code: number; stderr: string; left: string[]; samples?: number; rate?: number }
      >;
      // Full from the start: refused before the microphone opens, no temp file left.
      expect(runs.full.code, runs.full.stderr).toBe(1);
      expect(runs.full.stderr).toMatch(/disk is full/i);
      expect(runs.full.left).toEqual([]);
      // 64 KiB free: the take streams to disk, the disk fills after ~0.6 s at 48 kHz; that much is kept as a valid
      // WAV (header patched in place), the temp file is gone, and the exit code says the take is not what was asked.
      const f = runs['fills-up'];
      expect(f.code, f.stderr).toBe(1);
      expect(f.stderr).toMatch(/disk filled up after \d+\.\d\d s of recording: kept the \d+\.\d\d s recorded/);
      expect(f.left).toEqual(['take.wav']);
      expect(f.rate).toBe(48000);
      const kept = f.samples! / 48000;
      expect(kept).toBeGreaterThan(0.2);
      expect(kept).toBeLessThan(0.7); // 64 KiB minus the header at 96 kB/s
      expect(f.stderr).toContain(`kept the ${kept.toFixed(2)} s`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Recorder without a recorder program', () => {
  it('names what to install when neither sox nor arecord is on PATH', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'timbre-nopath-'));
    try {
      const bin = path.join(dir, 'bin');
      writeFileSync(path.join(dir, 'x'), '');
      rmSync(path.join(dir, 'x'));
      const script = path.join(dir, 'probe.mts');
      writeFileSync(
        script,
        `import { Recorder } from ${JSON.stringify(path.resolve('main/node/recorder/recorder.ts'))};\n` +
          `try { await new Recorder().start({ maxSeconds: 1 }); console.log('started'); }\n` +
          `catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })); }\n`,
      );
      const r = await run(process.execPath, ['--import', 'tsx', script], { PATH: bin, HOME: dir });
      expect(r.stderr).toBe('');
      const res = JSON.parse(r.stdout) as { code: string; message: string };
      expect(res.code).toBe('RECORDER_NOT_INSTALLED');
      expect(res.message).toContain('neither is on PATH');
      expect(res.message).toContain('sudo apt-get install sox');
      expect(existsSync(bin)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('device list parsing', () => {
  it('parses pactl short sources and arecord -l', () => {
    const pactl =
      '0\talsa_output.pci.monitor\tmodule-alsa-card.c\ts16le 2ch 44100Hz\tSUSPENDED\n' +
      '1\talsa_input.usb-Blue_Yeti-00.analog-stereo\tmodule-alsa-card.c\ts16le 2ch 48000Hz\tRUNNING\n';
    const d = parsePactlSources(pactl, 'alsa_input.usb-Blue_Yeti-00.analog-stereo');
    expect(d.map((x) => [x.id, x.isDefault, x.isMonitor])).toEqual([
      ['alsa_output.pci.monitor', false, true],
      ['alsa_input.usb-Blue_Yeti-00.analog-stereo', true, false],
    ]);
    const arecord =
      '**** List of CAPTURE Hardware Devices ****\n' +
      'card 0: PCH [HDA Intel PCH], device 0: ALC3246 Analog [ALC3246 Analog]\n  Subdevices: 1/1\n' +
      'card 2: Yeti [Yeti Stereo Microphone], device 0: USB Audio [USB Audio]\n  Subdevices: 1/1\n';
    expect(parseArecordList(arecord).map((x) => [x.id, x.description])).toEqual([
      ['plughw:CARD=PCH,DEV=0', 'HDA Intel PCH: ALC3246 Analog'],
      ['plughw:CARD=Yeti,DEV=0', 'Yeti Stereo Microphone: USB Audio'],
    ]);
  });
});

describe('level meter and room-noise check', () => {
  const rate = 48000;
  function noise(seconds: number, amp: number, seed = 1): Float32Array {
    let s = seed;
    const x = new Float32Array(Math.round(seconds * rate));
    for (let i = 0; i < x.length; i++) {
      s = (s * 1664525 + 1013904223) >>> 0;
      x[i] = ((s / 2 ** 32) * 2 - 1) * amp;
    }
    return x;
  }

  it('meters 50 ms blocks: a full-scale sine reads -3 dBFS RMS, 0 dBFS peak, clipping; silence is too quiet', () => {
    const m = new LevelMeter(rate);
    const sine = new Float32Array(rate);
    for (let i = 0; i < sine.length; i++) sine[i] = Math.sin((2 * Math.PI * 1000 * i) / rate);
    const readings: ReturnType<LevelMeter['push']>[] = [];
    const got: { rmsDb: number; peakDb: number; clipping: boolean; tooQuiet: boolean }[] = [];
    m.push(sine, (r) => got.push(r));
    expect(readings).toEqual([]);
    expect(got.length).toBe(20);
    expect(got[5].rmsDb).toBeCloseTo(-3.01, 1);
    expect(got[5].peakDb).toBeCloseTo(0, 2);
    expect(got[5].clipping).toBe(true);
    expect(got.some((r) => r.tooQuiet)).toBe(false);
    const quiet: boolean[] = [];
    m.push(noise(3, 0.001), (r) => quiet.push(r.tooQuiet));
    expect(quiet[quiet.length - 1]).toBe(true);
    expect(quiet[0]).toBe(false); // the loud sine is still within the 2 s window
  });

  it('estimates the noise floor from 3 s of silence and rates the SNR of speech against it', () => {
    const speech = decodeWav(readFileSync(SHORT));
    const sr = speech.sampleRate;
    const quietRoom = estimateNoiseFloor(noise(3, 0.001).subarray(0, 3 * sr), sr);
    // Uniform noise of amplitude a has RMS a/sqrt(3): 0.001 → -64.8 dBFS.
    expect(quietRoom.floorDb).toBeCloseTo(-64.8, 0);
    expect(quietRoom.seconds).toBe(3);
    const good = speechSnr(speech.samples, sr, quietRoom);
    expect(good.verdict).toBe('good');
    expect(good.snrDb).toBeCloseTo(good.speechDb - quietRoom.floorDb, 9);

    // The same speech in a noisy room: mix in noise 20 dB louder and measure the floor of that room.
    const loud = noise(3, 0.1, 7).subarray(0, 3 * sr);
    const noisyRoom = estimateNoiseFloor(loud, sr);
    expect(noisyRoom.floorDb).toBeCloseTo(-24.8, 0);
    const mixed = speech.samples.map((v, i) => v + loud[i % loud.length]);
    const bad = speechSnr(mixed, sr, noisyRoom);
    expect(bad.verdict).toBe('noisy');
    expect(bad.snrDb).toBeLessThan(good.snrDb - 30);
    // A click during the silence does not move the median floor.
    const clicky = noise(3, 0.001)
      .subarray(0, 3 * sr)
      .slice();
    clicky.fill(0.9, 1000, 1400);
    expect(estimateNoiseFloor(clicky, sr).floorDb).toBeCloseTo(quietRoom.floorDb, 1);
    expect(estimateNoiseFloor(clicky, sr).maxBlockDb).toBeGreaterThan(-20);
    expect(() => estimateNoiseFloor(new Float32Array(10), sr)).toThrow(/too short/);
  });
});
