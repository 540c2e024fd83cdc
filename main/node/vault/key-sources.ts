import { createHash, randomBytes, scrypt as scryptCb, type ScryptOptions } from 'node:crypto';
import path from 'node:path';
import { VaultError } from './errors.js';

/** Where the vault's 32-byte master key comes from. vault.json records which one a data folder uses. */
export type KeySourceKind = 'keychain' | 'passphrase';

export const KEY_BYTES = 32;
export const KEYCHAIN_SERVICE = 'Timbre';

export interface KeychainRecord {
  service: string;
  account: string;
}

export interface ScryptParams {
  name: 'scrypt';
  /** CPU/memory cost, a power of two. */
  N: number;
  r: number;
  p: number;
  /** base64, 16 random bytes. */
  salt: string;
  keyLength: number;
}

/** What a key source records in vault.json (never the key itself). */
export type KeySourceRecord = { keychain: KeychainRecord } | { kdf: ScryptParams };

/** The parts of vault.json a key source reads back. */
export interface RecordedKeySource {
  keySource: KeySourceKind;
  keychain?: KeychainRecord;
  kdf?: ScryptParams;
}

export interface KeySource {
  readonly kind: KeySourceKind;
  /**
   * The master key for `dataDir`. `recorded` is what vault.json holds (null for a new vault); a new vault gets a new
   * key (keychain) or a new salt (passphrase), and the returned `record` is written to vault.json by the vault.
   */
  provideKey(dataDir: string, recorded: RecordedKeySource | null): Promise<{ key: Buffer; record: KeySourceRecord }>;
}

// ---------------------------------------------------------------------------------------------------------------
// OS keychain (keytar: Secret Service on Linux, Keychain on macOS, Credential Manager on Windows)
// ---------------------------------------------------------------------------------------------------------------

type Keytar = typeof import('keytar');

/** The keychain account of a data folder: one key per data folder, named after a hash of its absolute path. */
export function keychainAccount(dataDir: string): string {
  const hash = createHash('sha256').update(path.resolve(dataDir)).digest('hex').slice(0, 32);
  return `data-key:${hash}`;
}

async function loadKeytar(): Promise<Keytar> {
  try {
    const mod = (await import('keytar')) as unknown as Keytar & { default?: Keytar };
    return mod.default ?? mod;
  } catch (err) {
    throw keychainUnavailable(err);
  }
}

function keychainUnavailable(cause: unknown): VaultError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new VaultError(
    'KEYCHAIN_UNAVAILABLE',
    `The system keychain is not available (${reason}), so Timbre cannot keep the key that encrypts your voice data ` +
      'there. Nothing was saved unencrypted. Start or unlock the keychain (on Linux: a Secret Service such as GNOME ' +
      'Keyring or KWallet in your session), or protect voice data with a passphrase instead.',
    { reason, offerPassphrase: true },
  );
}

/** Run a keytar call; any failure of the keychain itself becomes KEYCHAIN_UNAVAILABLE. */
async function keychainCall<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw keychainUnavailable(err);
  }
}

function decodeStoredKey(stored: string, account: string): Buffer {
  const key = Buffer.from(stored, 'base64');
  if (key.length !== KEY_BYTES || key.toString('base64') !== stored)
    throw new VaultError(
      'VAULT_CORRUPT',
      `The keychain entry "${account}" of service "${KEYCHAIN_SERVICE}" is not a Timbre data key.`,
      { account },
    );
  return key;
}

/**
 * The key lives in the OS keychain (service "Timbre", account "data-key:<hash of the data folder>"), created on first
 * use as 32 random bytes. A keychain that cannot be reached raises KEYCHAIN_UNAVAILABLE: never a plaintext fallback.
 */
export function keychainKeySource(options: { service?: string } = {}): KeySource {
  const service = options.service ?? KEYCHAIN_SERVICE;
  return {
    kind: 'keychain',
    async provideKey(dataDir, recorded) {
      const keytar = await loadKeytar();
      // A data folder that was moved keeps using the entry it was created with.
      const where: KeychainRecord = recorded?.keychain ?? { service, account: keychainAccount(dataDir) };
      const stored = await keychainCall(() => keytar.getPassword(where.service, where.account));
      if (stored !== null) return { key: decodeStoredKey(stored, where.account), record: { keychain: where } };
      if (recorded)
        throw new VaultError(
          'KEY_MISSING',
          `The key that encrypts this data folder's voice data is no longer in the system keychain (service ` +
            `"${where.service}", account "${where.account}"). Without it the voice data cannot be decrypted; restore ` +
            'the keychain from a backup, or delete the voices to start again.',
          where,
        );
      const key = randomBytes(KEY_BYTES);
      await keychainCall(() => keytar.setPassword(where.service, where.account, key.toString('base64')));
      // Read it back: a keychain that accepted the write but does not return it would lose every file we encrypt.
      const back = await keychainCall(() => keytar.getPassword(where.service, where.account));
      if (back !== key.toString('base64'))
        throw keychainUnavailable(new Error('the keychain did not return the key that was just stored'));
      return { key, record: { keychain: where } };
    },
  };
}

/** Remove a data folder's key from the keychain (erasing all of its encrypted data for good). */
export async function deleteKeychainKey(dataDir: string, options: { service?: string } = {}): Promise<boolean> {
  const keytar = await loadKeytar();
  return keychainCall(() => keytar.deletePassword(options.service ?? KEYCHAIN_SERVICE, keychainAccount(dataDir)));
}

// ---------------------------------------------------------------------------------------------------------------
// Passphrase (scrypt)
// ---------------------------------------------------------------------------------------------------------------

/** OWASP's scrypt floor is N=2^17, r=8, p=1 (128 MiB); about 0.3 s on a laptop core. */
export const DEFAULT_SCRYPT = { N: 2 ** 17, r: 8, p: 1 } as const;
const MIN_LOG2_N = 15;
const MAX_LOG2_N = 22;
const SALT_BYTES = 16;

function scrypt(passphrase: string, salt: Buffer, params: { N: number; r: number; p: number }): Promise<Buffer> {
  const options: ScryptOptions = { ...params, maxmem: 256 * params.N * params.r + 1024 * 1024 };
  return new Promise((resolve, reject) =>
    scryptCb(passphrase.normalize('NFC'), salt, KEY_BYTES, options, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

function checkParams(kdf: ScryptParams | undefined): { N: number; r: number; p: number; salt: Buffer } {
  const bad = (why: string) =>
    new VaultError('VAULT_CORRUPT', `vault.json has key-derivation parameters Timbre refuses (${why}).`, { kdf });
  if (!kdf || kdf.name !== 'scrypt') throw bad('not scrypt');
  const { N, r, p, keyLength } = kdf;
  const log2N = Math.log2(N);
  if (!Number.isInteger(log2N) || log2N < MIN_LOG2_N || log2N > MAX_LOG2_N) throw bad(`N=${N}`);
  if (!Number.isInteger(r) || r < 8 || r > 32) throw bad(`r=${r}`);
  if (!Number.isInteger(p) || p < 1 || p > 4) throw bad(`p=${p}`);
  if (keyLength !== KEY_BYTES) throw bad(`keyLength=${keyLength}`);
  const salt = Buffer.from(typeof kdf.salt === 'string' ? kdf.salt : '', 'base64');
  if (salt.length !== SALT_BYTES) throw bad('salt');
  return { N, r, p, salt };
}

/**
 * The key is derived from a passphrase with scrypt and a random salt kept in vault.json. The vault checks the result
 * against vault.json's key-check value, so a wrong passphrase fails with WRONG_PASSPHRASE before any file is read.
 */
export function passphraseKeySource(
  passphrase: string,
  options: { N?: number; r?: number; p?: number } = {},
): KeySource {
  return {
    kind: 'passphrase',
    async provideKey(_dataDir, recorded) {
      if (passphrase.length === 0)
        throw new VaultError('PASSPHRASE_REQUIRED', 'Enter the passphrase that protects your voice data.');
      if (recorded) {
        const { N, r, p, salt } = checkParams(recorded.kdf);
        const key = await scrypt(passphrase, salt, { N, r, p });
        return { key, record: { kdf: recorded.kdf! } };
      }
      const kdf: ScryptParams = {
        name: 'scrypt',
        N: options.N ?? DEFAULT_SCRYPT.N,
        r: options.r ?? DEFAULT_SCRYPT.r,
        p: options.p ?? DEFAULT_SCRYPT.p,
        salt: randomBytes(SALT_BYTES).toString('base64'),
        keyLength: KEY_BYTES,
      };
      const { N, r, p, salt } = checkParams(kdf);
      return { key: await scrypt(passphrase, salt, { N, r, p }), record: { kdf } };
    },
  };
}
