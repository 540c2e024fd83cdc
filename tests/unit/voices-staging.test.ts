/**
 * Staged voice audio over the real RPC dispatcher: real eval speech (WAV and ffmpeg-made MP3/FLAC/MP4), the real
 * Silero VAD and GTCRN packs, the real vault. Staged audio is kept encrypted, cleaned into a new item (the original
 * stays for A/B), discarded, swept after 24 h.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Core } from '../../main/node/core.js';
import { decodeWav } from '../../native-models/audio/wav.js';
import { looksEncrypted } from '../../main/node/vault/index.js';
import type { ReadingScript, SnrEstimate, StagedAudio } from '../../preload/contract/index.js';
import { tempDir } from '../helpers/tmp.js';
import { SPEECH_16K, SPEECH_NATIVE, call, callError, openVoiceCore } from '../helpers/voices.js';

const CLIP = path.join(SPEECH_16K, 'ls_103-1240-0000.wav'); // 14.1 s, one reader

let cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

async function setup(packs: ('silero-vad' | 'gtcrn')[] = ['silero-vad']): Promise<{ core: Core; dir: string }> {
  const t = tempDir();
  cleanups.push(t.cleanup);
  const core = await openVoiceCore(t.dir, packs);
  cleanups.push(() => core.close());
  await call(core, 'vault.unlock', { passphrase: 'staging test passphrase' });
  return { core, dir: t.dir };
}

function ffmpeg(...args: string[]): void {
  execFileSync('ffmpeg', ['-v', 'error', '-y', ...args], { stdio: 'ignore' });
}

describe('voiceAudio staging', () => {
  it('stages WAV and ffmpeg-made MP3/FLAC/MP4 with a quality report; only ciphertext and numbers on disk', async () => {
    const { core, dir } = await setup();
    const wav = await call<StagedAudio>(core, 'voiceAudio.stage', { path: CLIP });
    expect(wav).toMatchObject({ source: 'import', purpose: null, sampleRate: 16000, derivedFrom: null });
    expect(wav.durationSeconds).toBeCloseTo(14.085, 2);
    expect(wav.report.speechSeconds).toBeGreaterThan(9);
    expect(wav.report.speechSeconds).toBeLessThanOrEqual(wav.durationSeconds);
    expect(wav.report.clippedPercent).toBeLessThan(0.1);

    const t = tempDir();
    cleanups.push(t.cleanup);
    const native = path.join(SPEECH_NATIVE, 'lj_LJ001-0001.wav');
    const outs = ['a.mp3', 'a.flac', 'a.mp4'].map((n) => path.join(t.dir, n));
    ffmpeg('-i', native, outs[0]);
    ffmpeg('-i', native, outs[1]);
    ffmpeg('-f', 'lavfi', '-i', 'color=c=black:s=64x64:d=10', '-i', native, '-shortest', '-c:a', 'aac', outs[2]);
    const src = decodeWav(readFileSync(native));
    for (const f of outs) {
      const s = await call<StagedAudio>(core, 'voiceAudio.stage', { path: f });
      expect(s.durationSeconds, f).toBeGreaterThan(src.samples.length / src.sampleRate - 0.2);
      expect(s.report.speechSeconds, f).toBeGreaterThan(3);
    }

    const files = readdirSync(path.join(dir, 'staging'));
    expect(files.filter((f) => f.endsWith('.enc'))).toHaveLength(4);
    for (const f of files.filter((n) => n.endsWith('.enc')))
      expect(looksEncrypted(readFileSync(path.join(dir, 'staging', f)))).toBe(true);

    // Playback: the media routes get the decrypted 16-bit WAV.
    const played = decodeWav(await core.stagingWav(wav.stagingId));
    const orig = decodeWav(readFileSync(CLIP));
    expect(played.sampleRate).toBe(16000);
    expect(played.samples.length).toBe(orig.samples.length);
    let maxDiff = 0;
    for (let i = 0; i < orig.samples.length; i++)
      maxDiff = Math.max(maxDiff, Math.abs(orig.samples[i] - played.samples[i]));
    expect(maxDiff).toBeLessThan(1 / 32768 + 1e-6);
  });

  it('refuses broken and non-audio files with specific errors', async () => {
    const { core } = await setup();
    const t = tempDir();
    cleanups.push(t.cleanup);
    const junk = path.join(t.dir, 'junk.mp3');
    writeFileSync(junk, Buffer.from('this is not audio at all, just some text pretending'.repeat(50)));
    const e1 = await callError(core, 'voiceAudio.stage', { path: junk });
    expect(e1.code).toBe('INVALID_INPUT');
    expect(e1.message).toMatch(/not a readable audio|no audio|cannot read/i);
    const e2 = await callError(core, 'voiceAudio.stage', { path: path.join(t.dir, 'missing.wav') });
    expect(e2.message).toMatch(/No such file/);
    const e3 = await callError(core, 'voiceAudio.stage', { path: 42 });
    expect(e3.code).toBe('INVALID_INPUT');
  });

  it('cleans into a new staged item (trim, denoise, normalize; best window), keeping the original for A/B', async () => {
    const { core } = await setup(['silero-vad', 'gtcrn']);
    const t = tempDir();
    cleanups.push(t.cleanup);
    // 2 s of silence before and after the speech.
    const padded = path.join(t.dir, 'padded.wav');
    ffmpeg('-i', CLIP, '-af', 'adelay=2000,apad=pad_dur=2', padded);
    const src = await call<StagedAudio>(core, 'voiceAudio.stage', { path: padded });
    expect(src.durationSeconds).toBeCloseTo(18.085, 1);

    const clean = await call<StagedAudio>(core, 'voiceAudio.clean', {
      stagingId: src.stagingId,
      trim: true,
      denoise: true,
      normalize: true,
    });
    expect(clean.source).toBe('clean');
    expect(clean.derivedFrom).toBe(src.stagingId);
    expect(clean.stagingId).not.toBe(src.stagingId);
    expect(clean.durationSeconds).toBeLessThan(src.durationSeconds - 3.5);
    expect(clean.report.loudnessLufs).not.toBeNull();
    expect(Math.abs(clean.report.loudnessLufs! + 20)).toBeLessThan(1.5);
    // The original is still there for the A/B player.
    expect((await call<StagedAudio>(core, 'voiceAudio.get', { stagingId: src.stagingId })).durationSeconds).toBe(
      src.durationSeconds,
    );

    const best = await call<StagedAudio>(core, 'voiceAudio.clean', { stagingId: src.stagingId, window: 'best' });
    expect(best.durationSeconds).toBeGreaterThanOrEqual(4.9);
    expect(best.durationSeconds).toBeLessThanOrEqual(30.1);
    const span = await call<StagedAudio>(core, 'voiceAudio.clean', {
      stagingId: src.stagingId,
      window: { start: 3, end: 9 },
    });
    expect(span.durationSeconds).toBeCloseTo(6, 2);
    const bad = await callError(core, 'voiceAudio.clean', { stagingId: src.stagingId, window: { start: 5, end: 2 } });
    expect(bad.code).toBe('INVALID_INPUT');
  });

  it('discards, and sweeps items older than 24 h at startup', async () => {
    const { core, dir } = await setup();
    const a = await call<StagedAudio>(core, 'voiceAudio.stage', { path: CLIP });
    const b = await call<StagedAudio>(core, 'voiceAudio.stage', { path: CLIP });
    expect(await call(core, 'voiceAudio.discard', { stagingId: a.stagingId })).toEqual({ discarded: true });
    expect((await callError(core, 'voiceAudio.get', { stagingId: a.stagingId })).code).toBe('NOT_FOUND');
    expect(readdirSync(path.join(dir, 'staging')).filter((f) => f.startsWith(a.stagingId))).toEqual([]);
    const old = new Date(Date.now() - 25 * 3600 * 1000);
    for (const f of readdirSync(path.join(dir, 'staging'))) utimesSync(path.join(dir, 'staging', f), old, old);
    await core.close();
    const again = await openVoiceCore(dir, []);
    cleanups.push(() => again.close());
    expect(readdirSync(path.join(dir, 'staging'))).toEqual([]);
    expect((await callError(again, 'voiceAudio.get', { stagingId: b.stagingId })).code).toBe('NOT_FOUND');
  });

  it('says which pack to install when the VAD is missing; serves reading scripts; estimates SNR against room noise', async () => {
    const { core } = await setup([]);
    const e = await callError(core, 'voiceAudio.stage', { path: CLIP });
    expect(e.code).toBe('ENGINE_UNAVAILABLE');
    expect(e.message).toMatch(/Silero VAD.*timbre models download silero-vad/);

    for (const language of ['en', 'zh-CN'] as const) {
      const s = await call<ReadingScript>(core, 'voiceAudio.readingScript', { language });
      expect(s.language).toBe(language);
      expect(s.paragraphs.length).toBeGreaterThanOrEqual(3);
    }
    expect((await callError(core, 'voiceAudio.readingScript', { language: 'fr' })).code).toBe('INVALID_INPUT');

    await call(core, 'models.import', { path: path.resolve('../shared/models/silero-vad') });
    const t = tempDir();
    cleanups.push(t.cleanup);
    const hiss = path.join(t.dir, 'hiss.wav');
    ffmpeg('-f', 'lavfi', '-i', 'anoisesrc=a=0.001:c=white:d=3', '-ar', '16000', hiss);
    const noise = await call<StagedAudio>(core, 'voiceAudio.stage', { path: hiss });
    const speech = await call<StagedAudio>(core, 'voiceAudio.stage', { path: CLIP });
    const snr = await call<SnrEstimate>(core, 'voiceAudio.snr', {
      stagingId: speech.stagingId,
      noiseStagingId: noise.stagingId,
    });
    // white noise at amplitude 0.001 is about -65 dBFS; the clip's speech is around -20 dBFS
    expect(snr.floorDb).toBeLessThan(-55);
    expect(snr.floorDb).toBeGreaterThan(-75);
    expect(snr.snrDb).toBeGreaterThan(30);
    expect(snr.snrDb).toBeCloseTo(snr.speechDb - snr.floorDb, 6);
  });
});
