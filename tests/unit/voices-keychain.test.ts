/**
 * Protection at rest under the real Secret Service (run inside dbus-run-session with an unlocked gnome-keyring, as
 * build/scripts/test.sh does): after importing, recording, cleaning and creating a voice with the key in the OS
 * keychain, no 32-sample run of any of the audio's PCM (int16 LE and float32 LE, at the source rate and at 24 kHz)
 * exists in any file of the data folder (the database and its WAL included); a wrong key fails with a clear error;
 * deleting the voice leaves no file of it and no row.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import keytar from 'keytar';
import type { Core } from '../../main/node/core.js';
import { decodeWav } from '../../native-models/audio/wav.js';
import { resample } from '../../native-models/dsp/resample.js';
import {
  KEYCHAIN_SERVICE,
  Vault,
  VaultError,
  deleteKeychainKey,
  keychainAccount,
  keychainKeySource,
  passphraseKeySource,
} from '../../main/node/vault/index.js';
import type { LibraryVoice, StagedAudio } from '../../preload/contract/index.js';
import { makePocketFixture } from '../fixtures/pocket-tts-fixture.js';
import { startVirtualMic, sleep, type VirtualMic } from '../helpers/pulse.js';
import { tempDir } from '../helpers/tmp.js';
import { SPEECH_16K, SPEECH_NATIVE, allFiles, call, callError, openVoiceCore } from '../helpers/voices.js';

const CLIP = path.join(SPEECH_NATIVE, 'lj_LJ001-0001.wav'); // 22.05 kHz
const RECORDED = path.join(SPEECH_16K, 'arctic_aew_a0001.wav');
const RUN = 32;

/** 32-sample runs of `pcm` every `stride` samples (near-silent runs skipped), in int16 LE and float32 LE. */
function needles(pcm: Float32Array, stride = 401): Buffer[] {
  const out: Buffer[] = [];
  for (let s = 0; s + RUN <= pcm.length; s += stride) {
    const run = pcm.subarray(s, s + RUN);
    let e = 0;
    for (const v of run) e += v * v;
    if (Math.sqrt(e / RUN) < 0.01) continue;
    const i16 = Buffer.alloc(RUN * 2);
    run.forEach((v, i) => i16.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(v * 32768))), i * 2));
    out.push(i16, Buffer.from(Float32Array.from(run).buffer));
  }
  return out;
}

/** Needles of a recording at its own rate and at 24 kHz (the cloning engine's rate). */
function needlesAt(pcm: Float32Array, rate: number): Buffer[] {
  return [...needles(pcm), ...needles(resample(pcm, rate, 24000))];
}

function filesContaining(dir: string, ns: Buffer[]): string[] {
  return allFiles(dir).filter((f) => {
    const data = readFileSync(f);
    return ns.some((n) => data.indexOf(n) !== -1);
  });
}

let mic: VirtualMic | string = 'not started';
const t = tempDir('timbre-keychain-');
let core: Core;

beforeAll(async () => {
  mic = await startVirtualMic('timbre_keychain');
  makePocketFixture({ dir: path.join(t.dir, 'models', 'pocket-tts'), eosStep: 4 });
  core = await openVoiceCore(t.dir, ['silero-vad', 'gtcrn']);
});

afterAll(async () => {
  await core?.close();
  if (typeof mic !== 'string') await mic.stop();
  await deleteKeychainKey(t.dir).catch(() => false);
  t.cleanup();
});

describe('voice data under the OS keychain', () => {
  let voice: LibraryVoice;
  let preview = '';
  const secrets: Buffer[] = [];

  it('imports, records, cleans and creates a voice with the key in the keychain; no PCM run in any file', async () => {
    const imported = await call<StagedAudio>(core, 'voiceAudio.stage', { path: CLIP });
    const src = decodeWav(readFileSync(CLIP));
    secrets.push(...needlesAt(src.samples, src.sampleRate));
    const cleaned = await call<StagedAudio>(core, 'voiceAudio.clean', {
      stagingId: imported.stagingId,
      denoise: true,
      normalize: true,
      trim: true,
    });
    const cleanWav = decodeWav(await core.stagingWav(cleaned.stagingId));
    secrets.push(...needlesAt(cleanWav.samples, cleanWav.sampleRate));
    const ids = [imported.stagingId, cleaned.stagingId];

    if (typeof mic !== 'string') {
      await call(core, 'recorder.start', { maxSeconds: 30 });
      const played = await mic.play(RECORDED);
      expect(played.code, played.stderr).toBe(0);
      await sleep(200);
      const rec = await call<StagedAudio>(core, 'recorder.stop');
      const recWav = decodeWav(await core.stagingWav(rec.stagingId));
      secrets.push(...needlesAt(recWav.samples, recWav.sampleRate));
      ids.push(rec.stagingId);
      // the take itself, before the voice exists: staged, encrypted
      expect(filesContaining(t.dir, needlesAt(recWav.samples, recWav.sampleRate))).toEqual([]);
    } else {
      console.warn(`keychain test: no virtual microphone (${mic}); the recording step is skipped`);
    }
    expect(secrets.length).toBeGreaterThan(200);

    voice = await call<LibraryVoice>(core, 'library.create', {
      name: 'Protected',
      stagingIds: ids,
      consent: { kind: 'attest', name: 'Test Operator', purpose: 'Protection-at-rest test' },
    });
    expect(voice.engines).toEqual(['pocket-tts']);
    const vaultJson = JSON.parse(readFileSync(path.join(t.dir, 'vault.json'), 'utf8')) as { keySource: string };
    expect(vaultJson.keySource).toBe('keychain');
    const stored = await keytar.getPassword(KEYCHAIN_SERVICE, keychainAccount(t.dir));
    expect(stored).not.toBeNull();

    // Export too (passphrase-sealed), and a preview: still nothing in the clear.
    const out = tempDir('timbre-keychain-export-');
    try {
      await call(core, 'library.export', {
        id: voice.id,
        passphrase: 'keychain export passphrase',
        path: path.join(out.dir, 'v'),
      });
      expect(filesContaining(out.dir, secrets)).toEqual([]);
    } finally {
      out.cleanup();
    }
    preview = (await call<StagedAudio>(core, 'library.preview', { id: voice.id })).stagingId;
    expect(filesContaining(t.dir, secrets)).toEqual([]);
    // The key is not on disk either.
    expect(filesContaining(t.dir, [Buffer.from(stored!, 'base64'), Buffer.from(stored!)])).toEqual([]);

    // The scan does find the audio when it is there in the clear (control).
    const control = tempDir('timbre-keychain-control-');
    try {
      writeFileSync(path.join(control.dir, 'plain.wav'), readFileSync(CLIP));
      writeFileSync(path.join(control.dir, 'plain.f32'), Buffer.from(src.samples.buffer));
      expect(filesContaining(control.dir, secrets).length).toBe(2);
    } finally {
      control.cleanup();
    }
  });

  it('a wrong key fails to decrypt with a clear error', async () => {
    const sampleFile = path.join(t.dir, 'voices', voice.id, 'sample-1.enc');
    const other = tempDir('timbre-keychain-other-');
    try {
      const wrong = await Vault.open({ dataDir: other.dir, keySource: passphraseKeySource('some other key 123') });
      const err = await wrong.decryptFile(sampleFile, `voices/${voice.id}/sample-1.enc`).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(VaultError);
      expect((err as VaultError).code).toBe('DECRYPT_FAILED');
      expect((err as VaultError).message).toMatch(/cannot be decrypted: wrong key or the file was altered/);
      wrong.close();
    } finally {
      other.cleanup();
    }
    // The right key (from the keychain) decrypts it.
    const right = await Vault.open({ dataDir: t.dir, keySource: keychainKeySource() });
    expect(decodeWav(await right.decryptFile(sampleFile, `voices/${voice.id}/sample-1.enc`)).samples.length).toBe(
      Math.round(voice.samples[0].seconds * voice.samples[0].sampleRate),
    );
    right.close();

    // Another key under the keychain entry: the core says so instead of producing garbage.
    const account = keychainAccount(t.dir);
    const original = (await keytar.getPassword(KEYCHAIN_SERVICE, account))!;
    await core.close();
    await keytar.setPassword(KEYCHAIN_SERVICE, account, randomBytes(32).toString('base64'));
    try {
      core = await openVoiceCore(t.dir, []);
      const e = await callError(core, 'library.preview', { id: voice.id });
      expect(e.code).toBe('VAULT_LOCKED');
      expect(e.message).toMatch(/not the one that encrypted this data folder/);
    } finally {
      await core.close();
      await keytar.setPassword(KEYCHAIN_SERVICE, account, original);
      core = await openVoiceCore(t.dir, []);
    }
    expect((await call<LibraryVoice[]>(core, 'library.list')).map((v) => v.id)).toEqual([voice.id]);
  });

  it('deleting the voice leaves no file of it and no row', async () => {
    const before = allFiles(t.dir).filter((f) => f.includes(voice.id));
    expect(before.length).toBeGreaterThanOrEqual(3);
    await call(core, 'library.delete', { id: voice.id, deleteTakes: true });
    expect(allFiles(t.dir).filter((f) => f.includes(voice.id))).toEqual([]);
    await core.close();
    const db = new Database(path.join(t.dir, 'timbre.sqlite'), { readonly: true });
    try {
      expect(db.prepare('SELECT COUNT(*) AS n FROM voices WHERE id = ?').get(voice.id)).toEqual({ n: 0 });
      expect(db.prepare('SELECT COUNT(*) AS n FROM voice_consents WHERE voice_id = ?').get(voice.id)).toEqual({ n: 0 });
    } finally {
      db.close();
    }
    core = await openVoiceCore(t.dir, []);
    // Its preview went with it; nothing of its audio anywhere.
    expect((await callError(core, 'voiceAudio.get', { stagingId: preview })).code).toBe('NOT_FOUND');
    expect(allFiles(path.join(t.dir, 'voices'))).toEqual([]);
    expect(filesContaining(t.dir, secrets)).toEqual([]);
  });
});
