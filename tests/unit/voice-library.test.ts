/**
 * The voice library on a real core: import a real recording with an attestation, keep it encrypted (no plaintext PCM
 * anywhere in the data folder), clone it once, speak with it in a project, and erase it completely.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createCore, type Core } from '../../main/node/core.js';
import { decodeWav, encodeWav } from '../../native-models/audio/wav.js';
import type { Job, LibraryVoice, Take } from '../../preload/contract/index.js';
import { makePocketFixture } from '../fixtures/pocket-tts-fixture.js';
import { ROOT } from '../helpers/server-process.js';
import { tempDir } from '../helpers/tmp.js';

const CLIP = path.resolve('../shared/eval/speech/16k/ls_103-1240-0000.wav');

beforeAll(() => {
  execFileSync(process.execPath, [path.join(ROOT, 'build/scripts/build.mjs'), '--node', '--if-stale'], {
    stdio: 'ignore',
  });
});

let cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

async function call<T>(c: Core, method: string, params: unknown): Promise<T> {
  const r = await c.dispatch(method, params);
  if (!r.ok) throw Object.assign(new Error(`${r.error.code}: ${r.error.message}`), { code: r.error.code });
  return r.result as T;
}

function allFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? allFiles(p) : [p];
  });
}

async function openCore(dir: string): Promise<Core> {
  const core = await createCore({ dataDir: dir, transport: 'web', version: 'test' });
  cleanups.push(() => core.close());
  return core;
}

describe('voice library', () => {
  it('imports, encrypts, clones once, speaks in a project and erases everything on delete', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    makePocketFixture({ dir: path.join(t.dir, 'models', 'pocket-tts'), eosStep: 4 });
    const core = await openCore(t.dir);
    await call(core, 'vault.unlock', { passphrase: 'correct horse battery' });

    const voice = await call<LibraryVoice>(core, 'library.import', {
      name: 'Karen',
      path: CLIP,
      tags: ['narrator'],
      attest: { name: 'Test Operator', purpose: 'Internal test of the voice library' },
    });
    expect(voice.voiceId).toBe(`library:${voice.id}`);
    expect(voice.engines).toEqual(['pocket-tts']);
    expect(voice.samples[0].seconds).toBeCloseTo(14.085, 1);
    expect(voice.consent).toMatchObject({ status: 'attested', method: 'attestation', name: 'Test Operator' });
    expect(voice.consent!.audioSha256).toMatch(/^[0-9a-f]{64}$/);

    // No plaintext PCM of the recording exists anywhere in the data folder.
    const pcm = readFileSync(CLIP).subarray(44);
    const probes = [1000, 50_000, 200_000, 400_000].map((o) => pcm.subarray(o, o + 64));
    for (const f of allFiles(t.dir)) {
      const data = readFileSync(f);
      for (const p of probes) expect(data.includes(p), `${f} contains plaintext PCM`).toBe(false);
    }
    expect(
      allFiles(path.join(t.dir, 'voices', voice.id))
        .map((f) => path.basename(f))
        .sort(),
    ).toEqual(['conditioning-pocket-tts.enc', 'sample-1.enc']);

    const voices = await call<{ id: string; engineId: string }[]>(core, 'voices.list', {});
    expect(voices).toContainEqual(expect.objectContaining({ id: voice.voiceId, engineId: 'library' }));

    const p = await call<{ id: string }>(core, 'projects.create', { name: 'Cloned' });
    await call(core, 'projects.setVoice', { id: p.id, voiceId: voice.voiceId });
    const l = await call<{ id: string }>(core, 'lines.add', { projectId: p.id, text: 'Hello from my own voice.' });
    await call<Job[]>(core, 'jobs.generate', { projectId: p.id });
    await core.jobs.idle();
    const [take] = await call<Take[]>(core, 'takes.list', { lineId: l.id });
    expect(take.voiceId).toBe(voice.voiceId);
    expect(take.engineId).toBe('pocket-tts');
    const wav = decodeWav(readFileSync(core.takeFilePath(take.id)));
    expect(wav.sampleRate).toBe(24_000);
    expect(wav.samples.length).toBeGreaterThan(0);

    const renamed = await call<LibraryVoice>(core, 'library.rename', { id: voice.id, name: 'Karen (narration)' });
    expect(renamed.name).toBe('Karen (narration)');
    // The card's delete dialog offers to delete the takes made with the voice, with their number.
    expect(renamed.takeCount).toBe(1);

    const del = await call<{ takesDeleted: number }>(core, 'library.delete', { id: voice.id, deleteTakes: true });
    expect(del.takesDeleted).toBe(1);
    expect(allFiles(t.dir).filter((f) => f.includes(voice.id))).toEqual([]);
    expect(allFiles(path.join(t.dir, 'takes'))).toEqual([]);
    expect(await call<LibraryVoice[]>(core, 'library.list', {})).toEqual([]);
    const after = await call<{ voiceId: string | null; lines: { activeTake: unknown }[] }>(core, 'projects.get', {
      id: p.id,
    });
    expect(after.voiceId).toBeNull();
    expect(after.lines[0].activeTake).toBeNull();
    await expect(call(core, 'library.rename', { id: voice.id, name: 'x' })).rejects.toThrow(/NOT_FOUND/);
  });

  it('refuses bad recordings with specific errors and keeps nothing', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const core = await openCore(t.dir);
    await call(core, 'vault.unlock', { passphrase: 'correct horse battery' });
    const attest = { name: 'Test Operator', purpose: 'Internal test' };
    const clip = decodeWav(readFileSync(CLIP));
    const short = path.join(t.dir, 'short.wav');
    writeFileSync(short, encodeWav(clip.samples.subarray(0, clip.sampleRate), clip.sampleRate));
    const silent = path.join(t.dir, 'silent.wav');
    writeFileSync(silent, encodeWav(new Float32Array(clip.sampleRate * 5), clip.sampleRate));
    const junk = path.join(t.dir, 'junk.mp3');
    writeFileSync(junk, 'this is not audio at all');
    await expect(call(core, 'library.import', { name: 'a', path: short, attest })).rejects.toThrow(
      /1\.0 s long: a voice needs at least 3 s/,
    );
    await expect(call(core, 'library.import', { name: 'a', path: silent, attest })).rejects.toThrow(/silent/);
    await expect(call(core, 'library.import', { name: 'a', path: junk, attest })).rejects.toThrow(
      /not a readable audio or video file/,
    );
    await expect(
      call(core, 'library.import', { name: 'a', path: path.join(t.dir, 'nope.wav'), attest }),
    ).rejects.toThrow(/No such file/);
    await expect(
      call(core, 'library.import', { name: 'a', path: CLIP, attest: { name: '', purpose: 'x' } }),
    ).rejects.toThrow(/INVALID_INPUT/);
    expect(readdirSync(path.join(t.dir, 'voices'))).toEqual([]);
  });

  it('a passphrase-protected library stays locked until the right passphrase is given', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    let core = await openCore(t.dir);
    await call(core, 'vault.unlock', { passphrase: 'correct horse battery' });
    await call(core, 'library.import', {
      name: 'v',
      path: CLIP,
      attest: { name: 'Test Operator', purpose: 'Internal test' },
    });
    await core.close();
    core = await openCore(t.dir);
    await expect(
      call(core, 'library.import', { name: 'w', path: CLIP, attest: { name: 'Test Operator', purpose: 'x y z' } }),
    ).rejects.toThrow(/VAULT_LOCKED: Voice data is protected by a passphrase/);
    await expect(call(core, 'vault.unlock', { passphrase: 'wrong passphrase!' })).rejects.toThrow(/VAULT_LOCKED/);
    await call(core, 'vault.unlock', { passphrase: 'correct horse battery' });
    expect(await call<LibraryVoice[]>(core, 'library.list', {})).toHaveLength(1);
  });
});
