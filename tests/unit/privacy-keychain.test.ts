/**
 * The privacy center with the OS keychain and a microphone (needs a D-Bus session with an unlocked keyring, as
 * build/scripts/test.sh provides; the recording step needs PulseAudio for the virtual microphone and is skipped, said
 * so, without it): the ledger shows the microphone opened and closed around a real recording, the report lists the
 * keychain entry Timbre stored, and erase removes it with every file.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import keytar from 'keytar';
import type { Core } from '../../main/node/core.js';
import { deleteKeychainKey, keychainAccount, KEYCHAIN_SERVICE } from '../../main/node/vault/key-sources.js';
import type { EraseReport, LedgerPage, PrivacyReport, StagedAudio } from '../../preload/contract/index.js';
import { startVirtualMic, type VirtualMic } from '../helpers/pulse.js';
import { tempDir } from '../helpers/tmp.js';
import { SPEECH_16K, call, openVoiceCore } from '../helpers/voices.js';

const SPEECH = path.join(SPEECH_16K, 'arctic_aew_a0001.wav');
let mic: VirtualMic | string = 'not started';
const t = tempDir('timbre-privacy-keychain-');
let core: Core;

beforeAll(async () => {
  execFileSync(process.execPath, ['build/scripts/build.mjs', '--node', '--if-stale'], { stdio: 'ignore' });
  mic = await startVirtualMic('timbre_privacy');
  core = await openVoiceCore(t.dir);
});

afterAll(async () => {
  await core?.close();
  if (typeof mic !== 'string') await mic.stop();
  await deleteKeychainKey(t.dir).catch(() => false);
  t.cleanup();
});

describe('privacy center with the keychain and the microphone', () => {
  it('the ledger shows the microphone open only around a recording', async (ctx) => {
    if (typeof mic === 'string') {
      console.warn(`privacy keychain test: no virtual microphone (${mic}); the recording step is skipped`);
      ctx.skip();
      return;
    }
    const m = mic;
    await call(core, 'recorder.start', { maxSeconds: 30 });
    const played = await m.play(SPEECH);
    expect(played.code, played.stderr).toBe(0);
    await expect
      .poll(async () => (await call<{ elapsed: number }>(core, 'recorder.status')).elapsed, { timeout: 10_000 })
      .toBeGreaterThan(0.5);
    await call<StagedAudio>(core, 'recorder.stop');
    const page = await call<LedgerPage>(core, 'privacy.ledger', { limit: 100 });
    const mics = page.entries.filter((e) => e.kind.startsWith('microphone.')).reverse();
    expect(mics.map((e) => e.kind)).toEqual(['microphone.opened', 'microphone.closed']);
    expect(mics[1].detail).toMatchObject({ how: 'stopped', purpose: 'sample' });
    expect(mics[1].detail.seconds as number).toBeGreaterThan(0.5);
  });

  it('lists the keychain entry it stored, and erase removes it with every file', async () => {
    await call<StagedAudio>(core, 'voiceAudio.stage', { path: SPEECH });
    const account = keychainAccount(t.dir);
    expect(await keytar.getPassword(KEYCHAIN_SERVICE, account)).not.toBeNull();
    const report = await call<PrivacyReport>(core, 'privacy.report');
    expect(report.keychain).toEqual([{ service: KEYCHAIN_SERVICE, account }]);

    const r = await call<EraseReport>(core, 'privacy.erase', { confirm: 'ERASE EVERYTHING' });
    expect(r.keychain).toEqual([{ service: KEYCHAIN_SERVICE, account, removed: true }]);
    expect(await keytar.getPassword(KEYCHAIN_SERVICE, account)).toBeNull();
    const files = readdirSync(t.dir, { recursive: true })
      .map(String)
      .filter((f) => statSync(path.join(t.dir, f)).isFile() && !f.startsWith('timbre.sqlite'));
    expect(files).toEqual([]);
    expect((await call<PrivacyReport>(core, 'privacy.report')).keychain).toEqual([]);
  });
});
