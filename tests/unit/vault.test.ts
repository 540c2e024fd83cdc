/**
 * Encryption at rest for voice data, against the real OS keychain (keytar on the Secret Service the test runner
 * starts in a private D-Bus session), real scrypt and real files holding real speech.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { promises as fsp, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import keytarModule from 'keytar';
import { ROOT } from '../helpers/server-process.js';
import { tempDir } from '../helpers/tmp.js';
import {
  DEFAULT_SCRYPT,
  KEYCHAIN_SERVICE,
  Vault,
  VaultError,
  deleteKeychainKey,
  keychainAccount,
  keychainKeySource,
  passphraseKeySource,
  readVaultConfig,
} from '../../main/node/vault/index.js';

const keytar = keytarModule as typeof import('keytar');
const WAV = path.resolve(ROOT, '..', 'shared', 'eval', 'speech', '16k', 'ls_103-1240-0000.wav');
const NAME = (id: string, n = 1) => `voices/${id}/sample-${n}`;

// ---------------------------------------------------------------------------------------------------------------
// helpers
// ---------------------------------------------------------------------------------------------------------------

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** A temp data folder whose keychain entry (if any) is removed after the suite. */
function dataDir(): string {
  const { dir, cleanup } = tempDir('timbre-vault-');
  cleanups.push(cleanup, () => deleteKeychainKey(dir).catch(() => false));
  return dir;
}

/** The PCM payload of a RIFF/WAVE file (the `data` chunk). */
function pcmOf(wav: Buffer): Buffer {
  expect(wav.toString('ascii', 0, 4)).toBe('RIFF');
  let off = 12;
  while (off + 8 <= wav.length) {
    const id = wav.toString('ascii', off, off + 4);
    const size = wav.readUInt32LE(off + 4);
    if (id === 'data') return wav.subarray(off + 8, off + 8 + size);
    off += 8 + size + (size & 1);
  }
  throw new Error('no data chunk');
}

/** Several 64-byte runs of real speech spread over the recording (silent runs skipped). */
function pcmSlices(pcm: Buffer, count = 24): Buffer[] {
  const out: Buffer[] = [];
  const step = Math.floor((pcm.length - 64) / count);
  for (let i = 0; i < count; i++) {
    const s = pcm.subarray(i * step, i * step + 64);
    if (new Set(s).size > 8) out.push(Buffer.from(s));
  }
  expect(out.length).toBeGreaterThan(count / 2);
  return out;
}

function allFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? allFiles(p) : [p];
  });
}

/** Files under `dir` holding any of the slices. */
function filesContaining(dir: string, slices: Buffer[]): string[] {
  return allFiles(dir).filter((f) => {
    const data = readFileSync(f);
    return slices.some((s) => data.indexOf(s) !== -1);
  });
}

async function rejection(p: Promise<unknown>): Promise<VaultError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(VaultError);
    return err as VaultError;
  }
  throw new Error('expected a rejection');
}

const wav = readFileSync(WAV);
const pcm = pcmOf(wav);
const slices = pcmSlices(pcm);

// ---------------------------------------------------------------------------------------------------------------
// keychain
// ---------------------------------------------------------------------------------------------------------------

describe('vault with the OS keychain', () => {
  const dir = dataDir();
  const sample = path.join(dir, 'voices', 'v1', 'sample-1.enc');

  it('creates a 32-byte key in the keychain on first use and records the key source in vault.json', async () => {
    const account = keychainAccount(dir);
    expect(account).toMatch(/^data-key:[0-9a-f]{32}$/);
    expect(await keytar.getPassword(KEYCHAIN_SERVICE, account)).toBeNull();

    const vault = await Vault.open({ dataDir: dir, keySource: keychainKeySource() });
    expect(vault.keySource).toBe('keychain');
    const stored = await keytar.getPassword(KEYCHAIN_SERVICE, account);
    expect(stored).not.toBeNull();
    expect(Buffer.from(stored!, 'base64')).toHaveLength(32);

    const config = await readVaultConfig(dir);
    expect(config).toMatchObject({ format: 'timbre-vault', version: 1, keySource: 'keychain' });
    expect(config!.keychain).toEqual({ service: 'Timbre', account });
    expect(JSON.stringify(config)).not.toContain(stored!); // the key itself is never written to disk
    expect(statSync(path.join(dir, 'vault.json')).mode & 0o777).toBe(0o600);

    await vault.encryptToFile(sample, wav, NAME('v1'));
  });

  it('leaves no 64-byte run of the speech in any file of the data folder', async () => {
    // The scan finds the speech in a plaintext copy (outside the repo), so it can fail.
    const control = tempDir('timbre-vault-control-');
    try {
      writeFileSync(path.join(control.dir, 'plain.wav'), wav);
      expect(filesContaining(control.dir, slices)).toEqual([path.join(control.dir, 'plain.wav')]);
    } finally {
      control.cleanup();
    }
    const files = allFiles(dir);
    expect(files.sort()).toEqual([sample, path.join(dir, 'vault.json')].sort()); // no temp file left either
    expect(filesContaining(dir, slices)).toEqual([]);

    const enc = readFileSync(sample);
    expect(enc.toString('ascii', 0, 8)).toBe('TMBRENC1');
    expect(enc[8]).toBe(1);
    expect(enc.length).toBe(8 + 1 + 12 + wav.length + 16);
    expect(statSync(sample).mode & 0o777).toBe(0o600);
  });

  it('a second vault instance finds the same key in the keychain and decrypts byte-exact', async () => {
    const account = keychainAccount(dir);
    const before = await keytar.getPassword(KEYCHAIN_SERVICE, account);
    const again = await Vault.open({ dataDir: dir, keySource: keychainKeySource() });
    expect(await keytar.getPassword(KEYCHAIN_SERVICE, account)).toBe(before);
    const back = await again.decryptFile(sample, NAME('v1'));
    expect(Buffer.from(back).equals(wav)).toBe(true);
  });

  it('uses a fresh nonce per file: the same audio encrypts differently each time', async () => {
    const vault = await Vault.open({ dataDir: dir, keySource: keychainKeySource() });
    const a = vault.encrypt(pcm.subarray(0, 4096), NAME('v1', 2));
    const b = vault.encrypt(pcm.subarray(0, 4096), NAME('v1', 2));
    expect(a.subarray(9, 21).equals(b.subarray(9, 21))).toBe(false);
    expect(a.subarray(21).equals(b.subarray(21))).toBe(false);
    expect(vault.decrypt(a, NAME('v1', 2)).equals(pcm.subarray(0, 4096))).toBe(true);
  });

  it('a vault with another key cannot decrypt the file: clear error, no plaintext', async () => {
    const other = await Vault.open({ dataDir: dataDir(), keySource: keychainKeySource() });
    const err = await rejection(other.decryptFile(sample, NAME('v1')));
    expect(err.code).toBe('DECRYPT_FAILED');
    expect(err.message).toContain('cannot be decrypted: wrong key or the file was altered');
    expect(err.message).toContain(sample);
  });

  it('flipping any single byte (header, nonce, ciphertext, tag) fails authentication', async () => {
    const vault = await Vault.open({ dataDir: dir, keySource: keychainKeySource() });
    const good = readFileSync(sample);
    const tampered = path.join(dir, 'voices', 'v1', 'tampered.enc');
    cleanups.push(() => fsp.rm(tampered, { force: true }));
    for (const at of [10, 20, 21, 21 + 1000, Math.floor(good.length / 2), good.length - 17, good.length - 1]) {
      const bad = Buffer.from(good);
      bad[at] ^= 0x01;
      writeFileSync(tampered, bad);
      const err = await rejection(vault.decryptFile(tampered, NAME('v1')));
      expect(err.code, `byte ${at}`).toBe('DECRYPT_FAILED');
      expect(err.message).toMatch(/cannot be decrypted: wrong key or the file was altered/);
    }
    // A truncated file is an altered file too.
    writeFileSync(tampered, good.subarray(0, good.length - 100));
    expect((await rejection(vault.decryptFile(tampered, NAME('v1')))).code).toBe('DECRYPT_FAILED');
    writeFileSync(tampered, good.subarray(0, 30));
    expect((await rejection(vault.decryptFile(tampered, NAME('v1')))).code).toBe('DECRYPT_FAILED');
    // The untouched file still decrypts.
    expect(Buffer.from(await vault.decryptFile(sample, NAME('v1'))).equals(wav)).toBe(true);
  });

  it('a file moved to another logical name fails (the name is bound as associated data)', async () => {
    const vault = await Vault.open({ dataDir: dir, keySource: keychainKeySource() });
    const s1 = path.join(dir, 'voices', 'v2', 'sample-1.enc');
    const s2 = path.join(dir, 'voices', 'v2', 'sample-2.enc');
    await vault.encryptToFile(s1, pcm.subarray(0, 32000), NAME('v2', 1));
    await vault.encryptToFile(s2, pcm.subarray(32000, 64000), NAME('v2', 2));
    expect(Buffer.from(await vault.decryptFile(s1, NAME('v2', 1))).equals(pcm.subarray(0, 32000))).toBe(true);
    await fsp.rename(s2, s1); // sample-2 swapped in as sample-1
    const err = await rejection(vault.decryptFile(s1, NAME('v2', 1)));
    expect(err.code).toBe('DECRYPT_FAILED');
    expect(err.message).toContain('cannot be decrypted: wrong key or the file was altered');
    // Under its own name it is still fine: only the swap is refused.
    expect(Buffer.from(await vault.decryptFile(s1, NAME('v2', 2))).equals(pcm.subarray(32000, 64000))).toBe(true);
    await fsp.rm(path.join(dir, 'voices', 'v2'), { recursive: true });
  });

  it('a file that is not encrypted gets its own error', async () => {
    const vault = await Vault.open({ dataDir: dir, keySource: keychainKeySource() });
    const plain = path.join(dir, 'voices', 'plain.wav');
    writeFileSync(plain, wav.subarray(0, 1000));
    cleanups.push(() => fsp.rm(plain, { force: true }));
    const err = await rejection(vault.decryptFile(plain, NAME('v1')));
    expect(err.code).toBe('NOT_ENCRYPTED');
    expect(err.message).toMatch(/is not a Timbre encrypted file/);
    expect(err.message).not.toMatch(/wrong key/);

    const future = Buffer.from(readFileSync(sample));
    future[8] = 2;
    writeFileSync(plain, future);
    expect((await rejection(vault.decryptFile(plain, NAME('v1')))).code).toBe('UNSUPPORTED_FORMAT');
    await fsp.rm(plain);
  });

  it('a key deleted from the keychain is reported, never silently replaced by a new one', async () => {
    const d = dataDir();
    const v = await Vault.open({ dataDir: d, keySource: keychainKeySource() });
    await v.encryptToFile(path.join(d, 'voices', 'x', 'sample-1.enc'), pcm.subarray(0, 1000), NAME('x'));
    expect(await deleteKeychainKey(d)).toBe(true);
    const err = await rejection(Vault.open({ dataDir: d, keySource: keychainKeySource() }));
    expect(err.code).toBe('KEY_MISSING');
    expect(await keytar.getPassword(KEYCHAIN_SERVICE, keychainAccount(d))).toBeNull();
  });

  it('a keychain vault is not opened with a passphrase (and vice versa)', async () => {
    const err = await rejection(Vault.open({ dataDir: dir, keySource: passphraseKeySource('anything at all') }));
    expect(err.code).toBe('KEY_SOURCE_MISMATCH');
  });
});

// ---------------------------------------------------------------------------------------------------------------
// keychain unavailable
// ---------------------------------------------------------------------------------------------------------------

describe('vault without a keychain', () => {
  /** A child process with no session bus: it tries to open the vault and save a voice sample, as the app would. */
  function saveWithoutKeychain(dir: string, busAddress: string | undefined) {
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const k of ['DBUS_SESSION_BUS_ADDRESS', 'DISPLAY', 'WAYLAND_DISPLAY', 'XDG_RUNTIME_DIR', 'TIMBRE_IN_DBUS'])
      delete env[k];
    if (busAddress) env.DBUS_SESSION_BUS_ADDRESS = busAddress;
    const code = `
      const { Vault, keychainKeySource } = await import(${JSON.stringify(path.join(ROOT, 'main/node/vault/index.ts'))});
      const fs = await import('node:fs');
      const dir = ${JSON.stringify(dir)};
      try {
        const vault = await Vault.open({ dataDir: dir, keySource: keychainKeySource() });
        await vault.encryptToFile(dir + '/voices/v/sample-1.enc', fs.readFileSync(${JSON.stringify(WAV)}), 'voices/v/sample-1');
        console.log(JSON.stringify({ saved: true }));
      } catch (e) {
        console.log(JSON.stringify({ code: e.code, name: e.name, message: e.message }));
      }`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
      cwd: ROOT,
      env,
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.status, r.stderr).toBe(0);
    return JSON.parse(r.stdout.trim().split('\n').pop()!) as { saved?: boolean; code?: string; message?: string };
  }

  for (const [label, bus] of [
    ['no DBUS_SESSION_BUS_ADDRESS', undefined],
    ['a session bus address that does not exist', 'unix:path=/nonexistent/timbre-test-bus'],
  ] as const) {
    it(`raises KEYCHAIN_UNAVAILABLE with ${label}, offers a passphrase, and writes nothing`, () => {
      const dir = dataDir();
      const out = saveWithoutKeychain(dir, bus);
      expect(out.saved).toBeUndefined();
      expect(out.code).toBe('KEYCHAIN_UNAVAILABLE');
      expect(out.message).toMatch(/keychain is not available/);
      expect(out.message).toMatch(/Nothing was saved unencrypted/);
      expect(out.message).toMatch(/passphrase/);
      expect(allFiles(dir)).toEqual([]); // no vault.json, no sample: never plaintext
    });
  }
});

// ---------------------------------------------------------------------------------------------------------------
// passphrase
// ---------------------------------------------------------------------------------------------------------------

describe('vault with a passphrase', () => {
  const dir = dataDir();
  const sample = path.join(dir, 'voices', 'p1', 'sample-1.enc');
  const passphrase = 'correct horse battery staple';

  it('derives the key with scrypt and records the salt, parameters and a key check in vault.json', async () => {
    const vault = await Vault.open({ dataDir: dir, keySource: passphraseKeySource(passphrase) });
    expect(vault.keySource).toBe('passphrase');
    await vault.encryptToFile(sample, wav, NAME('p1'));
    const config = await readVaultConfig(dir);
    expect(config).toMatchObject({
      keySource: 'passphrase',
      kdf: { name: 'scrypt', ...DEFAULT_SCRYPT, keyLength: 32 },
    });
    expect(config!.kdf!.N).toBeGreaterThanOrEqual(2 ** 15);
    expect(Buffer.from(config!.kdf!.salt, 'base64')).toHaveLength(16);
    expect(Buffer.from(config!.keyCheck, 'base64')).toHaveLength(32);
    expect(readFileSync(path.join(dir, 'vault.json'), 'utf8')).not.toContain(passphrase);
    expect(filesContaining(dir, slices)).toEqual([]);
    // A passphrase vault never touches the keychain.
    expect(await keytar.getPassword(KEYCHAIN_SERVICE, keychainAccount(dir))).toBeNull();
  });

  it('the right passphrase opens it again and decrypts byte-exact', async () => {
    const vault = await Vault.open({ dataDir: dir, keySource: passphraseKeySource(passphrase) });
    expect(Buffer.from(await vault.decryptFile(sample, NAME('p1'))).equals(wav)).toBe(true);
  });

  it('a wrong passphrase fails with WRONG_PASSPHRASE at open, before any file is read', async () => {
    const before = readFileSync(path.join(dir, 'vault.json'), 'utf8');
    // Remove the sample: the wrong passphrase must be caught from vault.json alone, not by a failed decryption.
    const moved = sample + '.away';
    await fsp.rename(sample, moved);
    try {
      const err = await rejection(Vault.open({ dataDir: dir, keySource: passphraseKeySource(passphrase + '!') }));
      expect(err.code).toBe('WRONG_PASSPHRASE');
      expect(err.message).toMatch(/Wrong passphrase/);
    } finally {
      await fsp.rename(moved, sample);
    }
    expect(readFileSync(path.join(dir, 'vault.json'), 'utf8')).toBe(before); // salt and check untouched
    const err = await rejection(Vault.open({ dataDir: dir, keySource: passphraseKeySource('') }));
    expect(err.code).toBe('PASSPHRASE_REQUIRED');
  });

  it('a vault under another passphrase cannot decrypt the file', async () => {
    const other = await Vault.open({ dataDir: dataDir(), keySource: passphraseKeySource(passphrase) }); // other salt
    const err = await rejection(other.decryptFile(sample, NAME('p1')));
    expect(err.code).toBe('DECRYPT_FAILED');
    expect(err.message).toContain('cannot be decrypted: wrong key or the file was altered');
  });

  it('refuses a vault.json whose KDF was weakened, and a passphrase vault opened with the keychain', async () => {
    const d = dataDir();
    await Vault.open({ dataDir: d, keySource: passphraseKeySource(passphrase, { N: 2 ** 15 }) });
    const file = path.join(d, 'vault.json');
    const config = JSON.parse(readFileSync(file, 'utf8'));
    expect(config.kdf.N).toBe(2 ** 15);
    writeFileSync(file, JSON.stringify({ ...config, kdf: { ...config.kdf, N: 2 ** 10 } }));
    expect((await rejection(Vault.open({ dataDir: d, keySource: passphraseKeySource(passphrase) }))).code).toBe(
      'VAULT_CORRUPT',
    );
    const err = await rejection(Vault.open({ dataDir: dir, keySource: keychainKeySource() }));
    expect(err.code).toBe('KEY_SOURCE_MISMATCH');
    expect(err.message).toMatch(/passphrase/);
  });
});
