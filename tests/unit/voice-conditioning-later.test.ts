/**
 * A voice added before any cloning pack was installed becomes usable by itself once one is: the first use clones it
 * from its stored (encrypted) samples, once, even when several uses start together, and stores the conditioning
 * with the voice. Real core, real vault, the Pocket TTS contract fixture as the cloning pack (written after the voice
 * was added, as a user's download would be), real speech from ../shared/eval as the sample.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Core } from '../../main/node/core.js';
import { looksEncrypted } from '../../main/node/vault/index.js';
import type { Line, LibraryVoice, ProjectDetail, StagedAudio, VoiceInfo } from '../../preload/contract/index.js';
import { makePocketFixture } from '../fixtures/pocket-tts-fixture.js';
import { tempDir } from '../helpers/tmp.js';
import { SPEECH_16K, call, callError, openVoiceCore } from '../helpers/voices.js';

const ROOT = path.resolve(__dirname, '../..');
const SAMPLE = path.join(SPEECH_16K, 'ls_1688-142285-0000.wav');

let cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

beforeAll(() => {
  execFileSync(process.execPath, ['build/scripts/build.mjs', '--node', '--if-stale'], { stdio: 'ignore', cwd: ROOT });
}, 300_000);

describe('a voice added before a cloning pack existed', () => {
  it('is cloned from its samples on first use once a pack is installed, once, and then speaks', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const core: Core = await openVoiceCore(t.dir);
    cleanups.push(() => core.close());
    await call(core, 'vault.unlock', { passphrase: 'conditioning later passphrase' });
    const staged = await call<StagedAudio>(core, 'voiceAudio.stage', { path: SAMPLE });
    const voice = await call<LibraryVoice>(core, 'library.create', {
      name: 'Early',
      language: 'en',
      stagingIds: [staged.stagingId],
      consent: { kind: 'attest', name: 'Test Operator', purpose: 'Testing cloning later' },
    });
    expect(voice.engines).toEqual([]);
    expect(voice.previewAvailable).toBe(false);
    const get = async () => (await call<LibraryVoice[]>(core, 'library.list', {})).find((v) => v.id === voice.id)!;
    const listed = async () => (await call<VoiceInfo[]>(core, 'voices.list', {})).find((v) => v.id === voice.voiceId)!;
    expect((await listed()).unavailableReason).toMatch(/needs a voice-cloning model pack/);

    const { id: projectId } = await call<{ id: string }>(core, 'projects.create', { name: 'Later' });
    await call(core, 'script.import', {
      projectId,
      source: { text: 'First line.\n\nSecond line.', format: 'txt' },
    });
    await call(core, 'projects.setVoice', { id: projectId, voiceId: voice.voiceId });
    // Without a pack, generating refuses at once with the reason (as before).
    expect((await callError(core, 'jobs.generate', { projectId })).code).toBe('ENGINE_UNAVAILABLE');

    // The user installs the cloning pack (here: the contract fixture, where the pack manager puts it).
    makePocketFixture({ dir: path.join(t.dir, 'models', 'pocket-tts'), eosStep: 4 });
    core.engines.reload({});
    expect((await listed()).unavailableReason).toBeUndefined();
    expect((await get()).previewAvailable).toBe(true);

    // Count the clones the worker is asked for (the real call goes through).
    let clones = 0;
    const clone = core.engines.cloneVoice.bind(core.engines);
    core.engines.cloneVoice = (...args: Parameters<typeof clone>) => {
      clones++;
      return clone(...args);
    };
    // A preview and a two-line generation start together: one clone serves them all.
    const [preview] = await Promise.all([
      call<StagedAudio>(core, 'library.preview', { id: voice.id }),
      call(core, 'jobs.generate', { projectId }),
    ]);
    await core.jobs.idle();
    expect(clones).toBe(1);
    expect(preview.durationSeconds).toBeGreaterThan(0);
    const lines = (await call<ProjectDetail>(core, 'projects.get', { id: projectId })).lines as Line[];
    for (const l of lines) {
      expect(l.activeTake?.engineId).toBe('pocket-tts');
      expect(l.activeTake?.voiceId).toBe(voice.voiceId);
    }
    const after = await get();
    expect(after.engines).toEqual(['pocket-tts']);
    const file = path.join(t.dir, 'voices', voice.id, 'conditioning-pocket-tts.enc');
    expect(existsSync(file)).toBe(true);
    expect(looksEncrypted(readFileSync(file))).toBe(true);

    // The privacy ledger records the clone as a model run on the voice.
    const ledger = await call<{ entries: { kind: string; detail: Record<string, unknown> }[] }>(
      core,
      'privacy.ledger',
      { kind: 'model.run' },
    );
    expect(
      ledger.entries.filter((e) => e.kind === 'model.run' && e.detail.item === 'voice' && e.detail.itemId === voice.id),
    ).toHaveLength(1);
    // Stored: later uses read it, with no further clone.
    await call(core, 'jobs.generate', { projectId });
    await core.jobs.idle();
    expect(clones).toBe(1);
  }, 300_000);
});
